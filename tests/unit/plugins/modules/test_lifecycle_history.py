"""lifecycle_history: one line appended to <install_dir>/lifecycle/history.jsonl through lifecycle_records, with the
contract's modes; anything that cannot be written fails, naming the path (fail closed, never a silent skip)."""

import datetime
import json
import os
import stat

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import lifecycle_records as records
from ansible_collections.eformidling.integrasjonspunkt.plugins.modules import lifecycle_history as lh

NOW = datetime.datetime(2026, 12, 7, 1, 2, 3, tzinfo=datetime.timezone.utc)


def params(install_dir, **kw):
    out = {"install_dir": str(install_dir), "action": "renew", "fields": {"result": "renewed"}, "group": "0"}
    out.update(kw)
    return out


def no_chown(*_args):
    return None


def test_appends_one_record_and_keeps_earlier_lines(tmp_path):
    for result in ("renewed", "rolled_back"):
        out, error = lh.run(params(tmp_path, fields={"result": result}), False, NOW, chown=no_chown)
        assert error is None and out["changed"]
    path = tmp_path / "lifecycle" / "history.jsonl"
    parsed = records.parse_history(path.read_text())
    assert [r["result"] for r in parsed] == ["renewed", "rolled_back"]
    assert parsed[0]["action"] == "renew" and parsed[0]["time"] == "2026-12-07T01:02:03Z"
    assert json.loads(out["line"]) == parsed[1]


def test_modes_and_owner_of_the_contract(tmp_path):
    seen = []
    lh.run(params(tmp_path, group="4711"), False, NOW, chown=lambda p, u, g: seen.append((p, u, g)))
    directory = tmp_path / "lifecycle"
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o750
    assert stat.S_IMODE(os.stat(directory / "history.jsonl").st_mode) == 0o640
    assert seen == [(str(directory), 0, 4711), (str(directory / "history.jsonl"), 0, 4711)]


def test_check_mode_writes_nothing(tmp_path):
    out, error = lh.run(params(tmp_path), True, NOW, chown=no_chown)
    assert error is None and out["changed"] and json.loads(out["line"])["action"] == "renew"
    assert not (tmp_path / "lifecycle").exists()


def test_unknown_action_fails_naming_the_allowed_ones(tmp_path):
    _out, error = lh.run(params(tmp_path, action="renewal"), False, NOW, chown=no_chown)
    assert "renewal" in error and "renew" in error.split("allowed:")[1]
    assert not (tmp_path / "lifecycle").exists()


def test_unserialisable_field_fails(tmp_path):
    _out, error = lh.run(params(tmp_path, fields={"x": object()}), False, NOW, chown=no_chown)
    assert error.startswith("the history record cannot be made")


def test_unknown_group_fails(tmp_path):
    def missing(name):
        raise KeyError(name)

    _out, error = lh.run(params(tmp_path, group="nosuchgroup"), False, NOW, chown=no_chown, lookup=missing)
    assert "nosuchgroup" in error and not (tmp_path / "lifecycle").exists()


def test_group_name_is_looked_up():
    class Entry:
        gr_gid = 123

    assert lh.group_id("integrasjonspunkt", lambda name: Entry) == 123
    assert lh.group_id(998) == 998


def test_a_file_where_the_directory_belongs_fails_naming_the_path(tmp_path):
    (tmp_path / "lifecycle").write_text("not a directory")
    _out, error = lh.run(params(tmp_path), False, NOW, chown=no_chown)
    assert error.startswith("cannot append to %s" % (tmp_path / "lifecycle" / "history.jsonl"))


def test_a_chown_that_fails_fails_the_task(tmp_path):
    def refuse(*_args):
        raise PermissionError(1, "Operation not permitted")

    _out, error = lh.run(params(tmp_path), False, NOW, chown=refuse)
    assert "Operation not permitted" in error


def test_main_fails_the_task_on_an_error(tmp_path, capsys):
    (tmp_path / "lifecycle").write_text("x")
    args = {"install_dir": str(tmp_path), "action": "renew", "group": str(os.getgid())}
    with patch_module_args(args), pytest.raises(SystemExit):
        lh.main()
    out = json.loads(capsys.readouterr().out)
    assert out["failed"] and "cannot append" in out["msg"]
