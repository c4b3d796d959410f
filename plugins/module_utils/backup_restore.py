# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Put a verified backup archive back: every tree exactly as recorded (contents, mode, owner, mtime).

Only the trees the archive recorded are touched, and only inside their roots: what the archive does not
have is removed from them, what it has is written through a temporary file in the same directory and
renamed into place (a reader never sees half a file). Every path is checked to resolve inside its tree's
root before it is written, so a symlink can never lead a write elsewhere. The caller verifies the archive
first (backup_verify.verify); each file's sha256 is checked again while it is written.

Python 3.8 compatible; standard library only.
"""

import hashlib
import os
import shutil
import tarfile

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import backup_archive as ba


def _roots(manifest, trees):
    """{tree name: current root path} of the trees the archive recorded; BackupError if one has no current tree."""
    current = {t["name"]: t for t in trees}
    out = {}
    for tree in manifest.get("trees") or []:
        if tree["name"] not in current:
            raise ba.BackupError("the archive holds the %s directory, which the settings no longer name" % tree["name"])
        out[tree["name"]] = dict(current[tree["name"]], recurse=tree.get("recurse", True))
    return out


def destination(name, roots):
    """The host path of an archive name, checked to stay inside its tree's root."""
    parts = name.split("/")
    root = roots[parts[0]]["path"]
    path = os.path.normpath(os.path.join(root, *parts[1:])) if len(parts) > 1 else root
    if not ba._inside(path, root):
        raise ba.BackupError("%s would be written outside %s" % (name, root))
    return path


def _check_parent(path, root):
    parent = os.path.realpath(os.path.dirname(path))
    if path != root and not ba._inside(parent, os.path.realpath(root)):
        raise ba.BackupError("%s: its directory resolves outside %s (a symlink); nothing written there" % (path, root))


def _remove(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.unlink(path)


def remove_extras(roots, expected):
    """Remove from each recorded tree what the archive does not have (deepest first). Returns the count."""
    removed = 0
    for name, tree in roots.items():
        if not os.path.isdir(tree["path"]):
            continue
        walked = ba.walk([dict(tree, name=name)])
        for entry, path in reversed(walked):
            if entry["name"] not in expected and os.path.lexists(path):
                _remove(path)
                removed += 1
    return removed


def _write_file(tar, member, entry, path):
    directory = os.path.dirname(path)
    tmp = os.path.join(directory, ".%s.restore-%d" % (os.path.basename(path), os.getpid()))
    _remove(tmp)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out:
            src = tar.extractfile(member)
            for chunk in iter(lambda: src.read(ba.CHUNK), b""):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fchown(out.fileno(), entry["uid"], entry["gid"])
            os.fchmod(out.fileno(), int(entry["mode"], 8))
            os.fsync(out.fileno())
        if digest.hexdigest() != entry["sha256"]:
            raise ba.BackupError("%s changed in the archive after it was verified; restore stopped" % entry["name"])
        os.utime(tmp, (member.mtime, member.mtime))
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        os.rename(tmp, path)
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)


def _write_symlink(entry, path):
    tmp = os.path.join(os.path.dirname(path), ".%s.restore-%d" % (os.path.basename(path), os.getpid()))
    _remove(tmp)
    os.symlink(entry["target"], tmp)
    os.lchown(tmp, entry["uid"], entry["gid"])
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    os.rename(tmp, path)


def _make_dir(path):
    if os.path.lexists(path) and (os.path.islink(path) or not os.path.isdir(path)):
        os.unlink(path)
    if not os.path.isdir(path):
        os.mkdir(path, 0o700)


def restore(archive, manifest, trees):
    """Restore a verified archive into the current trees; {written, removed, dirs}. BackupError on any doubt."""
    roots = _roots(manifest, trees)
    expected = {e["name"]: e for e in manifest["entries"]}
    removed = remove_extras(roots, expected)
    written, dirs = 0, []
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            if member.name == ba.MANIFEST_MEMBER:
                continue
            entry = expected[member.name]
            root = roots[member.name.split("/")[0]]["path"]
            path = destination(member.name, roots)
            _check_parent(path, root)
            if entry["type"] == "dir":
                _make_dir(path)
                dirs.append((path, entry))
            elif entry["type"] == "file":
                _write_file(tar, member, entry, path)
                written += 1
            else:
                _write_symlink(entry, path)
                written += 1
    for path, entry in reversed(dirs):  # deepest first, so setting a parent's mtime comes last
        os.chown(path, entry["uid"], entry["gid"])
        os.chmod(path, int(entry["mode"], 8))
        os.utime(path, (entry["mtime"], entry["mtime"]))
    return {"written": written, "removed": removed, "dirs": len(dirs)}


def tree_state(trees):
    """{name: (type, mode, uid, gid, sha256 or target)} of the trees now: what 'byte-identical' compares."""
    out = {}
    for entry, path in ba.walk(trees):
        detail = ba.sha256_file(path) if entry["type"] == "file" else entry.get("target")
        out[entry["name"]] = (entry["type"], entry["mode"], entry["uid"], entry["gid"], detail)
    return out


def is_root():
    return os.geteuid() == 0
