# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Backup archives: create, verify (with injected tampering), restore byte-identically, prune only our own."""

import datetime
import hashlib
import io
import json
import os
import socket
import tarfile

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import backup_archive as ba
from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import backup_records, lifecycle_records
from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import backup_restore as br
from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import backup_verify as bv

NOW = datetime.datetime(2026, 12, 7, 1, 2, 3, tzinfo=datetime.timezone.utc)
SECRET = "S3cr3t-keystore-pass-9f1c"


def _write(path, data, mode=0o640):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(data)
    os.chmod(path, mode)


@pytest.fixture
def host(tmp_path):
    """A host's three trees as the install role lays them out (Java mode), plus a backup dir."""
    install, data, logs = tmp_path / "opt", tmp_path / "data", tmp_path / "log"
    _write(str(install / "integrasjonspunkt-local.properties"), b"server.port=9093\n", 0o600)
    _write(str(install / "integrasjonspunkt-secrets.properties"), ("x.password=%s\n" % SECRET).encode(), 0o600)
    _write(str(install / "keystore.p12"), b"\x30\x82binary" + SECRET.encode(), 0o600)
    _write(str(install / "releases" / "integrasjonspunkt-v4.0.8.jar"), b"jar", 0o640)
    os.symlink("releases/integrasjonspunkt-v4.0.8.jar", str(install / "integrasjonspunkt.jar"))
    _write(str(data / "integrasjonspunkt.mv.db"), os.urandom(300000))
    _write(str(data / "activemq-data" / "kahadb" / "db-1.log"), b"queue")
    _write(str(data / "messages" / "m1" / "payload.zip"), b"msg")
    os.makedirs(str(data / "messages" / "empty"))
    _write(str(logs / "application.log"), b"Started\n")
    backups = tmp_path / "backups"
    backups.mkdir(mode=0o700)
    trees = [
        {"name": "install", "path": str(install), "recurse": False},
        {"name": "data", "path": str(data), "recurse": True},
        {"name": "logs", "path": str(logs), "recurse": True},
    ]
    return {"trees": trees, "backups": str(backups), "install": str(install), "data": str(data), "logs": str(logs)}


def _archive(host):
    sidecar = ba.create(host["trees"], host["backups"], NOW, {"host": "ip1"})
    return os.path.join(host["backups"], sidecar["archive"]), sidecar


def test_create_writes_a_0600_archive_and_sidecar_with_every_entry(host):
    path, sidecar = _archive(host)
    assert os.path.basename(path) == "integrasjonspunkt-backup-20261207T010203Z.tar.gz"
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert os.stat(path + ba.SIDECAR_SUFFIX).st_mode & 0o777 == 0o600
    names = {e["name"] for e in sidecar["entries"]}
    assert "install/keystore.p12" in names and "install/integrasjonspunkt.jar" in names
    assert "data/messages/empty" in names and "logs/application.log" in names
    # the install tree is top-level only: releases (and lifecycle records) are never copied
    assert not any(n.startswith("install/releases") for n in names)
    assert sidecar["archive_sha256"] == ba.sha256_file(path)
    assert sorted(os.listdir(host["backups"])) == sorted(
        [os.path.basename(path), os.path.basename(path) + ".manifest.json"]
    )


def test_the_manifest_and_listing_hold_no_secret(host):
    path, _sidecar = _archive(host)
    with open(path + ba.SIDECAR_SUFFIX, encoding="utf-8") as fh:
        assert SECRET not in fh.read()
    with tarfile.open(path) as tar:
        listing = "\n".join(m.name for m in tar.getmembers())
    assert SECRET not in listing and "install/keystore.p12" in listing
    assert bv.verify(path)[1] == []


def test_a_second_backup_in_the_same_second_gets_its_own_name(host):
    first, _manifest = _archive(host)
    second, _manifest = _archive(host)
    assert first != second and second.endswith("Z-2.tar.gz")
    assert ba.archives(host["backups"]) == [os.path.basename(first), os.path.basename(second)]


def test_an_unreadable_file_fails_the_backup_and_leaves_no_partial_archive(host, monkeypatch):
    real_open = open

    def refuse(path, *args, **kwargs):
        if str(path).endswith("integrasjonspunkt.mv.db"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", refuse)
    with pytest.raises(ba.BackupError, match=r"integrasjonspunkt\.mv\.db cannot be read: Permission denied"):
        ba.create(host["trees"], host["backups"], NOW)
    assert os.listdir(host["backups"]) == []


def test_a_file_that_grows_while_copied_fails_the_backup(host, monkeypatch):
    real_entry = ba._entry

    def shrink(name, path, st):
        entry = real_entry(name, path, st)
        if name == "data/integrasjonspunkt.mv.db":
            entry["size"] -= 10  # as if the file grew after it was listed (the service still writing)
        return entry

    monkeypatch.setattr(ba, "_entry", shrink)
    with pytest.raises(ba.BackupError, match="changed size while it was copied"):
        ba.create(host["trees"], host["backups"], NOW)
    assert os.listdir(host["backups"]) == []


def test_a_missing_tree_or_a_socket_fails_the_backup(host, tmp_path):
    with pytest.raises(ba.BackupError, match="cannot be read"):
        ba.walk([{"name": "data", "path": str(tmp_path / "nope"), "recurse": True}])
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tmp_path / "data" / "s"))
    try:
        with pytest.raises(ba.BackupError, match="neither a file"):
            ba.walk(host["trees"])
    finally:
        sock.close()


def _rewrite(path, change):
    """Rewrite an archive member by member; change(info, data) returns (info, data) or None to drop it."""
    out = io.BytesIO()
    with tarfile.open(path) as src, tarfile.open(fileobj=out, mode="w:gz", format=tarfile.PAX_FORMAT) as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read() if member.isreg() else None
            changed = change(member, data)
            if changed is None:
                continue
            info, data = changed
            if data is not None:
                info.size = len(data)
            dst.addfile(info, io.BytesIO(data) if data is not None else None)
    with open(path, "wb") as fh:
        fh.write(out.getvalue())


def _reseal(path):
    """Make the sidecar's archive sha256 match again: only the member checks can catch what was done."""
    side = path + ba.SIDECAR_SUFFIX
    with open(side, encoding="utf-8") as fh:
        doc = json.load(fh)
    doc["archive_sha256"] = ba.sha256_file(path)
    with open(side, "w", encoding="utf-8") as fh:
        json.dump(doc, fh)


def _tamper_member(m, d):
    return (m, b"tampered") if m.name == "data/integrasjonspunkt.mv.db" else (m, d)


def _same_size_member(m, d):
    return (m, bytes(b ^ 0x5A for b in d)) if m.name == "data/integrasjonspunkt.mv.db" else (m, d)


def _drop_member(m, d):
    return None if m.name == "data/activemq-data/kahadb/db-1.log" else (m, d)


def _wrong_mode(m, d):
    if m.name == "install/keystore.p12":
        m.mode = 0o644
    return m, d


@pytest.mark.parametrize(
    ("change", "expect"),
    [
        (_tamper_member, "data/integrasjonspunkt.mv.db has 8 bytes in the archive"),
        (_same_size_member, "data/integrasjonspunkt.mv.db: its sha256 differs from the manifest's"),
        (_drop_member, "data/activemq-data/kahadb/db-1.log is in the manifest but missing from the archive"),
        (_wrong_mode, "install/keystore.p12 has mode 0644 in the archive, 0600 in the manifest"),
    ],
)
def test_a_tampered_archive_is_refused_naming_the_member(host, change, expect):
    path, _manifest = _archive(host)
    _rewrite(path, change)
    _reseal(path)
    _sidecar, problems = bv.verify(path)
    assert any(expect in p for p in problems), problems


def test_an_extra_member_is_refused(host):
    path, _manifest = _archive(host)
    with tarfile.open(path) as src:
        members = [(m, src.extractfile(m).read() if m.isreg() else None) for m in src.getmembers()]
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as dst:
        for m, d in members:
            dst.addfile(m, io.BytesIO(d) if d is not None else None)
        extra = tarfile.TarInfo("data/evil.sh")
        extra.size = 3
        dst.addfile(extra, io.BytesIO(b"rm\n"))
    with open(path, "wb") as fh:
        fh.write(out.getvalue())
    _reseal(path)
    problems = bv.verify(path)[1]
    assert "data/evil.sh is in the archive but not in the manifest" in problems


def test_a_changed_byte_anywhere_fails_the_archive_checksum(host):
    path, _manifest = _archive(host)
    with open(path, "r+b") as fh:
        fh.seek(40)
        byte = fh.read(1)
        fh.seek(40)
        fh.write(bytes([byte[0] ^ 0xFF]))
    problems = bv.verify(path)[1]
    assert problems[0].startswith("the archive's sha256 differs")


def test_a_missing_or_foreign_sidecar_is_refused(host):
    path, _manifest = _archive(host)
    os.rename(path + ba.SIDECAR_SUFFIX, path + ".moved")
    assert "is missing" in bv.verify(path)[1][0]
    with open(path + ba.SIDECAR_SUFFIX, "w", encoding="utf-8") as fh:
        fh.write('{"schema": 99}')
    assert "not a manifest of this collection" in bv.verify(path)[1][0]


def test_a_rewritten_inner_manifest_is_refused(host):
    path, _manifest = _archive(host)

    def change(m, d):
        if m.name == ba.MANIFEST_MEMBER:
            doc = json.loads(d)
            doc["host"] = "other"
            return m, json.dumps(doc).encode()
        return m, d

    _rewrite(path, change)
    _reseal(path)
    assert any("manifest inside the archive differs" in p for p in bv.verify(path)[1])


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("/etc/passwd", "not a plain relative name"),
        ("data/../../etc/passwd", "not a plain relative name"),
        ("etc/passwd", "in no directory this restore may write"),
    ],
)
def test_names_outside_the_trees_are_refused(name, why):
    entries = [{"name": "data", "type": "dir"}, {"name": name, "type": "file"}]
    assert any(why in p for p in bv.name_problems(entries, ba.TREE_NAMES))


def test_a_name_below_a_symlink_is_refused():
    entries = [
        {"name": "data", "type": "dir"},
        {"name": "data/x", "type": "symlink"},
        {"name": "data/x/y", "type": "file"},
    ]
    assert any("below a symlink" in p for p in bv.name_problems(entries, ba.TREE_NAMES))


def _state(host):
    return br.tree_state(host["trees"])


def test_restore_gives_byte_identical_trees(host):
    before = _state(host)
    path, sidecar = _archive(host)
    # change everything a restore must undo: content, a new file, a removed file, a mode, a symlink, a dir
    _write(os.path.join(host["data"], "integrasjonspunkt.mv.db"), b"newer")
    _write(os.path.join(host["data"], "messages", "m2", "new.zip"), b"new")
    os.unlink(os.path.join(host["logs"], "application.log"))
    os.chmod(os.path.join(host["install"], "keystore.p12"), 0o644)
    os.unlink(os.path.join(host["install"], "integrasjonspunkt.jar"))
    os.symlink("releases/other.jar", os.path.join(host["install"], "integrasjonspunkt.jar"))
    os.rmdir(os.path.join(host["data"], "messages", "empty"))
    _write(os.path.join(host["install"], "lifecycle", "history.jsonl"), b"{}\n")
    assert _state(host) != before
    assert bv.verify(path)[1] == []
    counts = br.restore(path, sidecar, host["trees"])
    assert _state(host) == before
    assert counts["removed"] >= 2
    # the install tree's subdirectories are never touched by a restore
    assert os.path.exists(os.path.join(host["install"], "lifecycle", "history.jsonl"))
    assert os.path.exists(os.path.join(host["install"], "releases", "integrasjonspunkt-v4.0.8.jar"))


def test_restore_never_writes_through_a_symlinked_directory(host, tmp_path):
    before = _state(host)
    path, sidecar = _archive(host)
    outside = tmp_path / "outside"
    outside.mkdir()
    messages = os.path.join(host["data"], "messages")
    os.rename(messages, str(tmp_path / "moved"))
    os.symlink(str(outside), messages)  # data/messages now leads out of the data directory
    with pytest.raises(ba.BackupError, match="resolves outside"):
        br._check_parent(os.path.join(messages, "m1"), host["data"])
    br.restore(path, sidecar, host["trees"])
    assert list(outside.iterdir()) == []
    assert _state(host) == before


def test_restore_alone_still_never_follows_a_symlink_out_of_its_tree(host, tmp_path):
    # restore() is called after verify(), which refuses names below a symlink; this archive skips verify, so
    # the restore's own check is what keeps the write inside the data directory.
    outside = tmp_path / "outside"
    outside.mkdir()
    data = b"payload"
    entries = [
        {
            "name": "data",
            "type": "dir",
            "mode": "0750",
            "uid": 0,
            "gid": 0,
            "owner": "root",
            "group": "root",
            "mtime": 0,
        },
        {
            "name": "data/x",
            "type": "symlink",
            "target": str(outside),
            "mode": "0777",
            "uid": 0,
            "gid": 0,
            "owner": "root",
            "group": "root",
            "mtime": 0,
        },
        {
            "name": "data/x/f",
            "type": "file",
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "mode": "0600",
            "uid": 0,
            "gid": 0,
            "owner": "root",
            "group": "root",
            "mtime": 0,
        },
    ]
    path = str(tmp_path / "evil.tar.gz")
    with tarfile.open(path, "w:gz") as tar:
        for entry in entries:
            tar.addfile(ba._tarinfo(entry), io.BytesIO(data) if entry["type"] == "file" else None)
    manifest = {"trees": [{"name": "data", "path": host["data"], "recurse": True}], "entries": entries}
    with pytest.raises(ba.BackupError, match="resolves outside"):
        br.restore(path, manifest, host["trees"])
    assert list(outside.iterdir()) == []


def test_restore_refuses_a_tree_the_settings_no_longer_name(host):
    path, sidecar = _archive(host)
    with pytest.raises(ba.BackupError, match="logs directory, which the settings no longer name"):
        br.restore(path, sidecar, host["trees"][:2])


def test_prune_keeps_the_newest_and_never_touches_other_files(host):
    names = []
    for second in range(4):
        sidecar = ba.create(host["trees"], host["backups"], NOW + datetime.timedelta(seconds=second))
        names.append(sidecar["archive"])
    other = os.path.join(host["backups"], "integrasjonspunkt-backup-notes.txt")
    _write(other, b"mine")
    assert ba.prune(host["backups"], 2, dry_run=True) == names[:2]
    assert len(os.listdir(host["backups"])) == 9
    assert ba.prune(host["backups"], 2) == names[:2]
    left = sorted(os.listdir(host["backups"]))
    assert left == sorted(
        [
            names[2],
            names[2] + ".manifest.json",
            names[3],
            names[3] + ".manifest.json",
            "integrasjonspunkt-backup-notes.txt",
        ]
    )


def test_prune_plan_orders_by_time_then_sequence():
    names = [
        "integrasjonspunkt-backup-20261207T010203Z-2.tar.gz",
        "integrasjonspunkt-backup-20261207T010203Z.tar.gz",
        "integrasjonspunkt-backup-20261101T000000Z.tar.gz",
    ]
    assert ba.prune_plan(names, 1) == [names[2], names[1]]
    assert ba.prune_plan(names, 5) == []


def test_history_line_is_appended_with_the_contract_modes(host):
    path = backup_records.append_history(host["install"], "backup", NOW, result="ok", archive="a.tar.gz")
    backup_records.append_history(host["install"], "restore", NOW, result="ok")
    assert os.stat(path).st_mode & 0o777 == 0o640
    assert os.stat(os.path.dirname(path)).st_mode & 0o777 == 0o750
    with open(path, encoding="utf-8") as fh:
        records = lifecycle_records.parse_history(fh.read())
    assert [r["action"] for r in records] == ["backup", "restore"]


def test_summary_counts_entries():
    manifest = {
        "entries": [{"type": "dir"}, {"type": "file", "size": 3}, {"type": "file", "size": 4}, {"type": "symlink"}]
    }
    assert ba.summary(manifest) == {"files": 2, "dirs": 1, "symlinks": 1, "bytes": 7}
