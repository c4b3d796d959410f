# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lifecycle records on disk (atomic writes, modes) and the redaction of a log tail before it is recorded."""

import datetime
import os
import stat

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import lifecycle_records as records

SECRETS = ["Test\\pass=1:#x", "Api\\pw=2:#y"]


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        ("difi.move.org.keystore.password=Test\\pass=1:#x", "difi.move.org.keystore.password="),
        ("difi.datasource.password = hunter22", "difi.datasource.password = "),
        ('{"client_secret": "abcdef123"}', '{"client_secret": "'),
        ("Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.x.y", "Authorization: Bearer "),
        ("proxy http://ops:pw123@proxy.example:3128 refused", "proxy http://"),
        ("TOKEN=abc123def", "TOKEN="),
        ("login with Api\\pw=2:#y failed", "login with "),
    ],
)
def test_redact_removes_secret_values(line, kept):
    out = records.redact(line, SECRETS)
    assert kept in out and records.REDACTED in out
    for secret in SECRETS + ["hunter22", "abcdef123", "eyJhbGciOiJSUzI1NiJ9", "pw123", "abc123def"]:
        assert secret not in out


def test_redact_leaves_ordinary_log_lines_alone():
    line = "Started IntegrasjonspunktApplication in 12.3 seconds (version=4.0.9, status=DOWN)"
    assert records.redact(line, SECRETS) == line


def test_ensure_directory_and_write_atomic_set_the_modes(tmp_path):
    gid = os.getgid()
    path, changed = records.ensure_directory(tmp_path, gid)
    assert changed and stat.S_IMODE(os.stat(path).st_mode) == 0o750
    target = os.path.join(path, records.BLOCKLIST_FILE)
    assert records.write_atomic(target, "one\n", gid) is True
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640 and os.stat(target).st_gid == gid
    assert records.write_atomic(target, "one\n", gid) is False  # same content: no change
    assert records.ensure_directory(tmp_path, gid) == (path, False)
    assert os.listdir(path) == [records.BLOCKLIST_FILE]  # no temporary file left behind


def test_ensure_directory_corrects_a_loose_mode(tmp_path):
    os.makedirs(tmp_path / records.DIRECTORY, 0o777)
    os.chmod(tmp_path / records.DIRECTORY, 0o777)
    _path, changed = records.ensure_directory(tmp_path, None)
    assert changed and stat.S_IMODE(os.stat(tmp_path / records.DIRECTORY).st_mode) == 0o750


def test_write_atomic_keeps_the_old_file_when_the_write_fails(tmp_path, monkeypatch):
    target = tmp_path / "blocklist.json"
    target.write_text("old\n")

    def broken(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(records.os, "fsync", broken)
    with pytest.raises(OSError):
        records.write_atomic(str(target), "new\n", None)
    assert target.read_text() == "old\n" and os.listdir(tmp_path) == ["blocklist.json"]


def test_read_text_is_none_only_for_a_missing_file(tmp_path):
    assert records.read_text(str(tmp_path / "missing")) is None
    with pytest.raises(OSError):
        records.read_text(str(tmp_path))  # a directory: an error, never "empty"


def test_collect_reads_the_entries_without_log_tails_and_raises_on_an_unreadable_file(tmp_path):
    assert records.collect(str(tmp_path))["entries"] == []
    records.ensure_directory(tmp_path, None)
    now = datetime.datetime(2026, 12, 7, tzinfo=datetime.timezone.utc)
    text = records.render_blocklist(records.block([], "4.0.9", now, "not UP", "secret-free log"))
    (tmp_path / "lifecycle" / "blocklist.json").write_text(text)
    got = records.collect(str(tmp_path))["entries"]
    assert [e["version"] for e in got] == ["4.0.9"] and "log_tail" not in got[0]
    (tmp_path / "lifecycle" / "blocklist.json").write_text("{")
    with pytest.raises(records.RecordError):
        records.collect(str(tmp_path))
