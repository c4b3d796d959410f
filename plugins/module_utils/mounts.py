# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Pure helpers for /proc/self/mountinfo and for measuring the filesystem that holds a path.

Every parser takes text and never raises on malformed input; lines it cannot read are skipped.
"""

import os
import re

_OCTAL = re.compile(r"\\([0-7]{3})")

# Filesystems whose free space is not what it seems; each gets a note in the disk report.
FSTYPE_NOTES = {
    "tmpfs": "on tmpfs: contents are lost at reboot and the space is taken from memory",
    "ramfs": "on ramfs: contents are lost at reboot and the space is taken from memory",
    "overlay": "on overlay (container layer): data is lost with the container; mount a volume for the data",
    "aufs": "on aufs (container layer): data is lost with the container; mount a volume for the data",
    "fuse.fuse-overlayfs": "on fuse-overlayfs (rootless container layer): data is lost with the container",
    "nfs": "on NFS: free space and locking depend on the file server",
    "nfs4": "on NFS: free space and locking depend on the file server",
    "cifs": "on CIFS/SMB: free space and locking depend on the file server",
}


def unescape(field):
    """Decode the octal escapes (\\040 space, \\011 tab, \\012 newline, \\134 backslash) used in mountinfo."""
    try:
        return _OCTAL.sub(lambda m: chr(int(m.group(1), 8)), field)
    except Exception:
        return field


def parse_mountinfo(text):
    """Parse /proc/self/mountinfo text into a list of dicts, in file order.

    Keys: mount_id, parent_id, dev, root, mount_point, options (list), fstype, source, super_options (list).
    """
    mounts = []
    if not isinstance(text, str):
        return mounts
    for line in text.split("\n"):  # not splitlines(): only \n ends a line, other breaks are path bytes
        fields = line.split(" ")
        try:
            sep = fields.index("-", 6)
        except ValueError:
            continue
        if len(fields) < sep + 3:
            continue
        mount_point = unescape(fields[4])
        if not mount_point.startswith("/"):
            continue
        mounts.append(
            {
                "mount_id": fields[0],
                "parent_id": fields[1],
                "dev": fields[2],
                "root": unescape(fields[3]),
                "mount_point": mount_point,
                "options": fields[5].split(","),
                "fstype": unescape(fields[sep + 1]),
                "source": unescape(fields[sep + 2]),
                "super_options": fields[sep + 3].split(",") if len(fields) > sep + 3 else [],
            }
        )
    return mounts


def _is_under(path, prefix):
    if prefix == "/":
        return path.startswith("/")
    return path == prefix or path.startswith(prefix.rstrip("/") + "/")


def find_mount(mounts, path):
    """Return the mount that holds absolute `path`: longest mount-point prefix; on ties the later (top) mount."""
    best = None
    if not isinstance(path, str) or not path.startswith("/"):
        return None
    for mount in mounts or []:
        mp = mount.get("mount_point") if isinstance(mount, dict) else None
        if not isinstance(mp, str) or not _is_under(path, mp):
            continue
        if best is None or len(mp) >= len(best["mount_point"]):
            best = mount
    return best


def nearest_existing(path, exists=os.path.exists):
    """Return `path` itself if it exists, else its nearest existing ancestor (at worst '/')."""
    if not isinstance(path, str) or not path:
        return "/"
    current = os.path.normpath(os.path.join("/", path))
    while not exists(current):
        parent = os.path.dirname(current)
        if parent == current:
            return current
        current = parent
    return current


def mount_notes(mount):
    """Notes for a mount: tmpfs/overlay/network filesystems, bind mounts, read-only."""
    notes = []
    if not mount:
        return notes
    note = FSTYPE_NOTES.get(mount.get("fstype"))
    if note:
        notes.append(note)
    root = mount.get("root")
    if isinstance(root, str) and root not in ("/", "") and mount.get("fstype") not in ("cgroup", "cgroup2"):
        notes.append(f"bind mount of {root} from {mount.get('source')}")
    if is_read_only(mount):
        notes.append("mounted read-only")
    return notes


def is_read_only(mount):
    if not mount:
        return False
    return "ro" in (mount.get("options") or []) or "ro" in (mount.get("super_options") or [])


def statvfs_numbers(st):
    """Byte and inode counts from an os.statvfs result, with the same arithmetic as `df -B1`."""
    frsize = st.f_frsize or st.f_bsize
    return {
        "total_bytes": st.f_blocks * frsize,
        "free_bytes": st.f_bfree * frsize,
        "available_bytes": st.f_bavail * frsize,
        "inodes_total": st.f_files,
        "inodes_free": st.f_ffree,
    }


def disk_report(path, mounts, exists=os.path.exists, statvfs=os.statvfs, realpath=os.path.realpath, access=os.access):
    """Measure the filesystem that holds (or will hold) `path`; never raises."""
    report = {
        "available": False,
        "path": path,
        "measured_path": None,
        "exists": False,
        "mount_point": None,
        "fstype": None,
        "total_bytes": None,
        "free_bytes": None,
        "available_bytes": None,
        "inodes_free": None,
        "read_only": None,
        "notes": [],
    }
    if not isinstance(path, str) or not path:
        report["reason"] = "empty path"
        return report
    abspath = os.path.normpath(os.path.join("/", path)) if path.startswith("/") else os.path.abspath(path)
    measured = nearest_existing(abspath, exists)
    report["exists"] = measured == abspath
    if not report["exists"]:
        report["notes"].append(f"path does not exist yet; measured its nearest existing ancestor {measured}")
        if not access(measured, os.X_OK):
            report["notes"].append(f"no permission to look inside {measured}: {abspath} may exist after all")
    try:
        resolved = realpath(measured)
    except Exception:
        resolved = measured
    report["measured_path"] = measured
    if resolved != measured:
        report["resolved_path"] = resolved
        report["notes"].append(f"{measured} resolves to {resolved}")
    mount = find_mount(mounts, resolved)
    if mount:
        report["mount_point"] = mount["mount_point"]
        report["fstype"] = mount["fstype"]
        report["source"] = mount["source"]
        report["dev"] = mount.get("dev")  # bind mounts of one filesystem share it: the disk check sums by it
        report["read_only"] = is_read_only(mount)
        report["notes"].extend(mount_notes(mount))
    else:
        report["notes"].append(f"no mount in mountinfo holds {resolved}")
    try:
        st = statvfs(resolved)
    except Exception as exc:
        report["reason"] = f"statvfs({resolved}) failed: {exc}"
        return report
    report.update(statvfs_numbers(st))
    if report["read_only"] is None:
        report["read_only"] = bool(getattr(st, "f_flag", 0) & getattr(os, "ST_RDONLY", 1))
    if not report["total_bytes"]:
        report["notes"].append("filesystem reports a size of 0 (pseudo or unbounded filesystem)")
    report["available"] = True
    return report
