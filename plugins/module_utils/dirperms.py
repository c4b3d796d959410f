# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Whether the service user can write the integrasjonspunkt's directories: owner, mode and writability, read-only.

The integrasjonspunkt writes its H2 database, activemq-data, the message store and its log file under the data and log
directories; one it cannot write stops it at start-up (docs/startup-refusals.md). This reads, for each directory, the
owner, the mode and whether the user may create files in it by the mode bits (write and search on the directory,
search on every parent). ACLs and SELinux labels are not read, so a directory an ACL opens is reported as not
writable by its mode bits: the check says so.

Pure apart from the injected os.stat / pwd / grp calls. Never raises. Python 3.8 compatible; standard library only.
"""

import contextlib
import grp
import os
import pwd
import stat


def user_ids(name, getpwnam=pwd.getpwnam, getgrall=grp.getgrall):
    """{name, exists, uid, gids} of a user name (or 'uid:gid' numbers, as a container user is given)."""
    out = {"name": name, "exists": False, "uid": None, "gids": []}
    text = str(name or "")
    if text.replace(":", "").isdigit() and text:
        uid, _sep, gid = text.partition(":")
        out.update(exists=True, uid=int(uid), gids=[int(gid)] if gid else [])
        return out
    try:
        entry = getpwnam(text)
    except (KeyError, TypeError, ValueError):
        return out
    gids = {entry.pw_gid}
    # Without the group database only the primary group counts: a group grant is then missed, never invented.
    with contextlib.suppress(OSError, KeyError):
        gids.update(g.gr_gid for g in getgrall() if text in (g.gr_mem or []))
    out.update(exists=True, uid=entry.pw_uid, gids=sorted(gids))
    return out


def _allows(st, uid, gids, bits):
    """Whether mode bits grant `bits` ('w', 'x') to uid/gids, as the kernel picks owner, then group, then other."""
    if uid == 0:
        return True
    mode = st.st_mode
    if st.st_uid == uid:
        masks = {"w": stat.S_IWUSR, "x": stat.S_IXUSR}
    elif st.st_gid in gids:
        masks = {"w": stat.S_IWGRP, "x": stat.S_IXGRP}
    else:
        masks = {"w": stat.S_IWOTH, "x": stat.S_IXOTH}
    return all(mode & masks[b] for b in bits)


def inspect_directory(path, user, lstat=os.stat):
    """{path, exists, owner_uid, owner_gid, mode, writable, reason} of one directory for `user` (user_ids())."""
    out = {"path": path, "exists": False, "owner_uid": None, "owner_gid": None, "mode": None, "writable": None}
    out["reason"] = None
    try:
        st = lstat(path)
    except FileNotFoundError:
        out["reason"] = "does not exist yet"
        return out
    except OSError as exc:
        out["reason"] = "cannot be read: %s" % exc
        return out
    out.update(exists=True, owner_uid=st.st_uid, owner_gid=st.st_gid, mode="%04o" % stat.S_IMODE(st.st_mode))
    if not stat.S_ISDIR(st.st_mode):
        out.update(writable=False, reason="is not a directory")
        return out
    if not user.get("exists"):
        out["reason"] = "the user %s does not exist yet" % user.get("name")
        return out
    uid, gids = user["uid"], user["gids"]
    parent = os.path.dirname(path.rstrip("/")) or "/"
    seen = set()
    while parent not in seen:
        seen.add(parent)
        try:
            pst = lstat(parent)
        except OSError as exc:
            out["reason"] = "the parent %s cannot be read: %s" % (parent, exc)
            return out
        if not _allows(pst, uid, gids, "x"):
            out.update(writable=False, reason="the parent %s is not searchable by %s" % (parent, user["name"]))
            return out
        parent = os.path.dirname(parent) or "/"
    if _allows(st, uid, gids, "wx"):
        out.update(writable=True, reason="writable by %s (mode bits)" % user["name"])
    else:
        out.update(writable=False, reason="not writable by %s by its mode bits" % user["name"])
    return out


def collect(paths, user_name, getpwnam=pwd.getpwnam, getgrall=grp.getgrall, lstat=os.stat):
    """{available, user, directories: {role: inspect_directory()}} for the roles of `paths` (role -> path)."""
    try:
        user = user_ids(user_name, getpwnam, getgrall)
        dirs = {role: inspect_directory(path, user, lstat) for role, path in sorted((paths or {}).items()) if path}
        return {"available": True, "user": user, "directories": dirs}
    except Exception as exc:  # a collector never breaks the gather; the check then says why it has no verdict
        return {"available": False, "reason": "%s: %s" % (type(exc).__name__, exc)}
