# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Verify a backup archive against its manifest before anything is restored from it.

Every check collects problems instead of stopping at the first, so a refusal names all that is wrong:
the sidecar manifest cannot be read; the archive's sha256 differs from the sidecar's; a member is not in the
manifest (extra), or a manifest entry has no member (missing); a member's type, size, sha256, link target,
mode, uid or gid differs; the inner MANIFEST.json differs from the sidecar; a name would land outside the
trees the restore may write (absolute, '..', an unknown tree, below a symlink). An archive that cannot be
read at all is a problem too, never an empty archive.

Python 3.8 compatible; standard library only.
"""

import hashlib
import json
import posixpath
import tarfile

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import backup_archive as ba

SIDECAR_ONLY = ("archive", "archive_sha256", "archive_size")


def load_sidecar(archive):
    """The sidecar manifest of an archive; BackupError when it is missing or not a manifest of ours."""
    path = archive + ba.SIDECAR_SUFFIX
    try:
        with open(path, "rb") as fh:
            doc = json.loads(fh.read().decode("utf-8"))
    except FileNotFoundError:
        raise ba.BackupError("%s is missing: an archive without its manifest is not restored" % path) from None
    except (OSError, ValueError) as exc:
        raise ba.BackupError("%s cannot be read as a manifest: %s" % (path, exc)) from None
    if not isinstance(doc, dict) or doc.get("schema") != ba.SCHEMA or doc.get("format") != ba.FORMAT:
        raise ba.BackupError("%s is not a manifest of this collection (schema %d)" % (path, ba.SCHEMA))
    if not isinstance(doc.get("entries"), list) or not isinstance(doc.get("archive_sha256"), str):
        raise ba.BackupError("%s has no entries or no archive_sha256" % path)
    return doc


def name_problems(entries, tree_names):
    """Names a restore could not place safely inside the trees named tree_names."""
    problems, seen, symlinks = [], set(), set()
    for entry in entries:
        name = str(entry.get("name", ""))
        parts = name.split("/")
        if name.startswith("/") or any(p in ("", ".", "..") for p in parts) or posixpath.normpath(name) != name:
            problems.append("%r is not a plain relative name" % name)
        elif parts[0] not in tree_names:
            problems.append("%r is in no directory this restore may write (%s)" % (name, ", ".join(tree_names)))
        elif any("/".join(parts[:i]) in symlinks for i in range(1, len(parts))):
            problems.append("%r lies below a symlink in the archive" % name)
        if name in seen:
            problems.append("%r appears twice" % name)
        seen.add(name)
        if entry.get("type") == "symlink":
            symlinks.add(name)
        if len(parts) == 1 and entry.get("type") != "dir":
            problems.append("%r, a tree's root, is not a directory" % name)
    return problems


def _kind(member):
    if member.isdir():
        return "dir"
    if member.issym():
        return "symlink"
    if member.isreg():
        return "file"
    return "other"


def _member_problems(tar, member, entry):
    problems = []
    name = member.name
    if _kind(member) != entry.get("type"):
        return ["%s is a %s in the archive, a %s in the manifest" % (name, _kind(member), entry.get("type"))]
    if "%04o" % member.mode != entry.get("mode"):
        problems.append("%s has mode %04o in the archive, %s in the manifest" % (name, member.mode, entry.get("mode")))
    if (member.uid, member.gid) != (entry.get("uid"), entry.get("gid")):
        problems.append(
            "%s has owner %d:%d in the archive, %s:%s in the manifest"
            % (name, member.uid, member.gid, entry.get("uid"), entry.get("gid"))
        )
    if entry["type"] == "symlink" and member.linkname != entry.get("target"):
        problems.append("%s points elsewhere than the manifest says" % name)
    if entry["type"] == "file":
        digest, size = hashlib.sha256(), 0
        fh = tar.extractfile(member)
        for chunk in iter(lambda: fh.read(ba.CHUNK), b""):
            digest.update(chunk)
            size += len(chunk)
        if size != entry.get("size"):
            problems.append("%s has %d bytes in the archive, %s in the manifest" % (name, size, entry.get("size")))
        elif digest.hexdigest() != entry.get("sha256"):
            problems.append("%s: its sha256 differs from the manifest's (the file was changed)" % name)
    return problems


def verify(archive, tree_names=ba.TREE_NAMES):
    """(sidecar manifest or None, [problems]): every check, all problems at once; [] means restorable."""
    try:
        sidecar = load_sidecar(archive)
    except ba.BackupError as exc:
        return None, [str(exc)]
    problems = []
    try:
        if ba.sha256_file(archive) != sidecar["archive_sha256"]:
            problems.append("the archive's sha256 differs from the one recorded beside it: it changed after the backup")
    except OSError as exc:
        return sidecar, ["%s cannot be read: %s" % (archive, exc.strerror)]
    problems.extend(name_problems(sidecar["entries"], tree_names))
    expected = {str(e.get("name")): e for e in sidecar["entries"]}
    seen, inner = set(), None
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                if member.name == ba.MANIFEST_MEMBER and inner is None:
                    inner = json.loads(tar.extractfile(member).read().decode("utf-8"))
                    continue
                entry = expected.get(member.name)
                if entry is None or member.name in seen:
                    problems.append("%s is in the archive but not in the manifest" % member.name)
                    continue
                seen.add(member.name)
                problems.extend(_member_problems(tar, member, entry))
    except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
        problems.append("the archive cannot be read to its end: %s" % (exc,))
    problems.extend("%s is in the manifest but missing from the archive" % n for n in expected if n not in seen)
    if inner != {k: v for k, v in sidecar.items() if k not in SIDECAR_ONLY}:
        problems.append("the manifest inside the archive differs from the one beside it (or is missing)")
    return sidecar, problems
