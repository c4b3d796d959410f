# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Backup archives of the integrasjonspunkt's directories: create, verify, restore, prune.

An archive is a tar.gz whose members are named ``<tree>/<path>`` (tree: install, data or logs, the directories
of the settings model), with ``MANIFEST.json`` as its last member, and a sidecar ``<archive>.manifest.json``
beside it: the same manifest plus the archive's own sha256. The manifest records, for every entry, its type,
size, sha256 (files), link target (symlinks), mode, uid and gid. A restore trusts nothing it has not checked:
the archive's sha256 against the sidecar, every member against the manifest, no member missing or extra, the
inner manifest equal to the sidecar's, and every name inside one of the trees it may write.

Secrets (the keystore, the secrets file) are copied as bytes only: no function here returns or logs a file's
contents, only names, sizes and checksums.

Python 3.8 compatible; standard library only.
"""

import datetime
import grp
import hashlib
import json
import os
import pwd
import re
import stat
import tarfile
import tempfile

SCHEMA = 1
FORMAT = "eformidling.integrasjonspunkt backup"
MANIFEST_MEMBER = "MANIFEST.json"
SIDECAR_SUFFIX = ".manifest.json"
ARCHIVE_PREFIX = "integrasjonspunkt-backup-"
# integrasjonspunkt-backup-20261207T003512Z.tar.gz (a second archive in the same second gets -2, -3, ...).
ARCHIVE_RE = re.compile(r"^integrasjonspunkt-backup-(\d{8}T\d{6}Z)(?:-(\d+))?\.tar\.gz$")
TREE_NAMES = ("install", "data", "logs")
CHUNK = 1 << 20


class BackupError(Exception):
    """The backup or restore cannot go on; the message names the path and the reason (never a file's contents)."""


def archive_name(now, taken=()):
    """The dated archive name for now (an aware datetime), not one of `taken`."""
    stamp = now.astimezone(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    name, n = "%s%s.tar.gz" % (ARCHIVE_PREFIX, stamp), 1
    while name in taken:
        n += 1
        name = "%s%s-%d.tar.gz" % (ARCHIVE_PREFIX, stamp, n)
    return name


def _sort_key(name):
    match = ARCHIVE_RE.match(name)
    return (match.group(1), int(match.group(2) or 1))


def archives(backup_dir):
    """Our archives in backup_dir (regular files matching ARCHIVE_RE), oldest first; [] when the dir is missing."""
    try:
        names = os.listdir(backup_dir)
    except FileNotFoundError:
        return []
    ours = [n for n in names if ARCHIVE_RE.match(n) and stat.S_ISREG(os.lstat(os.path.join(backup_dir, n)).st_mode)]
    return sorted(ours, key=_sort_key)


def prune_plan(names, keep):
    """The archive names to delete so that the `keep` newest remain (names as archives() returns them)."""
    ordered = sorted(names, key=_sort_key)
    return ordered[: max(0, len(ordered) - int(keep))]


def prune(backup_dir, keep, dry_run=False):
    """Delete our archives beyond the `keep` newest, each with its sidecar; nothing else. Returns the names."""
    doomed = prune_plan(archives(backup_dir), keep)
    if not dry_run:
        for name in doomed:
            for path in (os.path.join(backup_dir, name), os.path.join(backup_dir, name + SIDECAR_SUFFIX)):
                if os.path.lexists(path) and not os.path.isdir(path):
                    os.unlink(path)
    return doomed


def _inside(path, root):
    return path == root or path.startswith(root.rstrip("/") + "/")


def _owner_names(uid, gid):
    try:
        owner = pwd.getpwuid(uid).pw_name
    except KeyError:
        owner = str(uid)
    try:
        group = grp.getgrgid(gid).gr_name
    except KeyError:
        group = str(gid)
    return owner, group


def _entry(name, path, st):
    owner, group = _owner_names(st.st_uid, st.st_gid)
    entry = {
        "name": name,
        "mode": "%04o" % stat.S_IMODE(st.st_mode),
        "uid": st.st_uid,
        "gid": st.st_gid,
        "owner": owner,
        "group": group,
        "mtime": int(st.st_mtime),
    }
    if stat.S_ISDIR(st.st_mode):
        entry["type"] = "dir"
    elif stat.S_ISREG(st.st_mode):
        entry.update(type="file", size=st.st_size)
    elif stat.S_ISLNK(st.st_mode):
        entry.update(type="symlink", target=os.readlink(path))
    else:
        raise BackupError("%s is neither a file, a directory nor a symlink (a socket or device): not copied" % path)
    return entry


def walk(trees):
    """[(entry, path)] of every file the trees cover, in archive order (a directory before its contents).

    A tree {"name", "path", "recurse"}: its root directory, then everything below it (recurse) or only its
    top-level files and symlinks (recurse false: the install directory, whose subdirectories are releases,
    scratch space and the lifecycle records, none of which a restore may roll back). Symlinks are recorded,
    never followed. A missing tree root is an error: the settings say it exists.
    """
    out = []
    for tree in trees:
        root, name = tree["path"], tree["name"]
        if name not in TREE_NAMES:
            raise BackupError("unknown tree %r (allowed: %s)" % (name, ", ".join(TREE_NAMES)))
        try:
            st = os.lstat(root)
        except OSError as exc:
            raise BackupError("%s (%s directory) cannot be read: %s" % (root, name, exc.strerror)) from None
        if not stat.S_ISDIR(st.st_mode):
            raise BackupError("%s (%s directory) is not a directory" % (root, name))
        out.append((_entry(name, root, st), root))
        out.extend(_walk_below(root, name, tree.get("recurse", True)))
    return out


def _walk_below(root, name, recurse):
    out = []
    try:
        children = sorted(os.listdir(root))
    except OSError as exc:
        raise BackupError("%s cannot be listed: %s" % (root, exc.strerror)) from None
    for child in children:
        path = os.path.join(root, child)
        st = os.lstat(path)
        if stat.S_ISDIR(st.st_mode):
            if recurse:
                out.append((_entry(name + "/" + child, path, st), path))
                out.extend(_walk_below(path, name + "/" + child, True))
            continue
        out.append((_entry(name + "/" + child, path, st), path))
    return out


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


class _HashingReader:
    """A file object that hashes and counts what tarfile reads from it."""

    def __init__(self, fh):
        self.fh, self.digest, self.count = fh, hashlib.sha256(), 0

    def read(self, size=-1):
        data = self.fh.read(size)
        self.digest.update(data)
        self.count += len(data)
        return data


def _tarinfo(entry):
    info = tarfile.TarInfo(entry["name"])
    info.mode, info.uid, info.gid = int(entry["mode"], 8), entry["uid"], entry["gid"]
    info.uname, info.gname, info.mtime = entry["owner"], entry["group"], entry["mtime"]
    if entry["type"] == "dir":
        info.type = tarfile.DIRTYPE
    elif entry["type"] == "symlink":
        info.type, info.linkname = tarfile.SYMTYPE, entry["target"]
    else:
        info.type, info.size = tarfile.REGTYPE, entry["size"]
    return info


def _add_file(tar, entry, path):
    try:
        with open(path, "rb") as fh:
            reader = _HashingReader(fh)
            tar.addfile(_tarinfo(entry), reader)
            extra = fh.read(1)
    except OSError as exc:
        raise BackupError("%s cannot be read: %s" % (path, exc.strerror)) from None
    except tarfile.ReadError as exc:  # tarfile: "unexpected end of data" when the file shrank
        raise BackupError("%s changed while it was copied (%s); is the service still running?" % (path, exc)) from None
    if reader.count != entry["size"] or extra:
        raise BackupError("%s changed size while it was copied; is the service still running?" % path)
    entry["sha256"] = reader.digest.hexdigest()


def _manifest_bytes(manifest):
    return (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode("utf-8")


def create(trees, backup_dir, now, meta=None):
    """Write a new archive and its sidecar into backup_dir (mode 0600, umask 077, atomic renames).

    Returns the sidecar manifest (with archive, archive_sha256, archive_size). On any error the partial files
    are removed and BackupError is raised; backup_dir must exist.
    """
    walked = walk(trees)
    name = archive_name(now, set(os.listdir(backup_dir)))
    final = os.path.join(backup_dir, name)
    old_umask = os.umask(0o077)
    tmp_paths = []
    try:
        fd, tmp = tempfile.mkstemp(prefix="." + name + ".", suffix=".partial", dir=backup_dir)
        tmp_paths.append(tmp)
        with os.fdopen(fd, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
                for entry, path in walked:
                    if entry["type"] == "file":
                        _add_file(tar, entry, path)
                    else:
                        tar.addfile(_tarinfo(entry))
                manifest = dict(
                    meta or {},
                    schema=SCHEMA,
                    format=FORMAT,
                    created=_utc(now),
                    trees=[dict(t) for t in trees],
                    entries=[e for e, _p in walked],
                )
                data = _manifest_bytes(manifest)
                info = tarfile.TarInfo(MANIFEST_MEMBER)
                info.size, info.mode, info.mtime = len(data), 0o600, int(_epoch(now))
                tar.addfile(info, _BytesReader(data))
            raw.flush()
            os.fsync(raw.fileno())
        sidecar = dict(manifest, archive=name, archive_sha256=sha256_file(tmp), archive_size=os.path.getsize(tmp))
        fd, tmp_side = tempfile.mkstemp(prefix="." + name + ".", suffix=".sidecar", dir=backup_dir)
        tmp_paths.append(tmp_side)
        with os.fdopen(fd, "wb") as fh:
            fh.write(_manifest_bytes(sidecar))
            fh.flush()
            os.fsync(fh.fileno())
        os.rename(tmp_side, final + SIDECAR_SUFFIX)
        os.rename(tmp, final)
        tmp_paths = []
        return sidecar
    finally:
        os.umask(old_umask)
        for path in tmp_paths:
            if os.path.lexists(path):
                os.unlink(path)


class _BytesReader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def read(self, size=-1):
        end = len(self.data) if size is None or size < 0 else self.pos + size
        chunk, self.pos = self.data[self.pos : end], min(end, len(self.data))
        return chunk


def _utc(now):
    return now.astimezone(datetime.timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _epoch(now):
    return now.timestamp()


def summary(manifest):
    """{files, dirs, symlinks, bytes} of a manifest: what the output may say about an archive."""
    entries = manifest.get("entries") or []
    count = {"file": 0, "dir": 0, "symlink": 0}
    for entry in entries:
        count[entry.get("type")] = count.get(entry.get("type"), 0) + 1
    total = sum(int(e.get("size") or 0) for e in entries if e.get("type") == "file")
    return {"files": count["file"], "dirs": count["dir"], "symlinks": count["symlink"], "bytes": total}
