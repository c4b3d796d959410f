# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""release_choice (what latest means on a host) and lifecycle_record (the blocklist and history it writes)."""

import base64
import datetime
import grp
import json
import os

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import lifecycle_records as records
from ansible_collections.eformidling.integrasjonspunkt.plugins.modules import lifecycle_record, release_choice

OFFERED = ["4.0.8", "4.0.9", "4.0.10", "5.0.0"]
SECRET = "Kp\\w=9:#Secret"


def run(module, capsys, **args):
    with patch_module_args(args), pytest.raises(SystemExit):
        module.main()
    return json.loads(capsys.readouterr().out)


def group():
    return grp.getgrgid(os.getgid()).gr_name


def block(capsys, tmp_path, version, **kw):
    return run(
        lifecycle_record, capsys, install_dir=str(tmp_path), group=group(), action="block", version=version, **kw
    )


def test_latest_is_the_newest_within_the_major(capsys, tmp_path):
    out = run(release_choice, capsys, install_dir=str(tmp_path), installed="4.0.8", versions=OFFERED)
    assert out["version"] == "4.0.10" and not out["changed"] and "major version 5 not taken" in out["reason"]


def test_latest_reads_the_java_release_link(capsys, tmp_path):
    os.symlink("releases/integrasjonspunkt-v4.0.9.jar", tmp_path / "integrasjonspunkt.jar")
    out = run(release_choice, capsys, install_dir=str(tmp_path), versions=OFFERED)
    assert out["installed"] == "4.0.9" and out["version"] == "4.0.10"


def test_latest_without_an_install_is_refused_naming_the_way_out(capsys, tmp_path):
    out = run(release_choice, capsys, install_dir=str(tmp_path), versions=OFFERED)
    assert out["failed"] and "Pin integrasjonspunkt_version" in out["msg"]


def test_latest_skips_a_blocklisted_version_until_cleared(capsys, tmp_path):
    block(capsys, tmp_path, "4.0.10", reason="never UP", hold_hours=0)
    out = run(release_choice, capsys, install_dir=str(tmp_path), installed="4.0.8", versions=OFFERED)
    assert out["version"] == "4.0.9" and "blocklisted: 4.0.10" in out["reason"]
    assert out["blocked"] == [{"version": "4.0.10", "until": None, "reason": "never UP"}]
    cleared = run(
        release_choice,
        capsys,
        install_dir=str(tmp_path),
        installed="4.0.8",
        versions=OFFERED,
        blocklist_clear=["4.0.10"],
    )
    assert cleared["version"] == "4.0.10" and cleared["blocked"] == []


def test_latest_takes_a_version_again_once_its_hold_is_over(capsys, tmp_path):
    past = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=3)
    entries = records.block([], "4.0.10", past, "never UP", hold=datetime.timedelta(hours=2))
    records.ensure_directory(tmp_path, None)
    (tmp_path / "lifecycle" / "blocklist.json").write_text(records.render_blocklist(entries))
    out = run(release_choice, capsys, install_dir=str(tmp_path), installed="4.0.8", versions=OFFERED)
    assert out["version"] == "4.0.10" and out["blocked"] == []


def test_latest_fails_closed_on_an_unreadable_blocklist(capsys, tmp_path):
    records.ensure_directory(tmp_path, None)
    (tmp_path / "lifecycle" / "blocklist.json").write_text("{not json")
    out = run(release_choice, capsys, install_dir=str(tmp_path), installed="4.0.8", versions=OFFERED)
    assert out["failed"] and "blocklist cannot be read" in out["msg"]


def test_latest_fails_closed_when_the_list_cannot_be_fetched(capsys, tmp_path):
    out = run(release_choice, capsys, install_dir=str(tmp_path), installed="4.0.8", releases_url="http://127.0.0.1:9/x")
    assert out["failed"] and "cannot list the releases at http://127.0.0.1:9/x" in out["msg"]


def test_block_records_a_redacted_log_tail_and_a_history_line(capsys, tmp_path):
    tail = "keystore.password=%s\nHealth DOWN\nusing %s" % (SECRET, SECRET)
    out = block(capsys, tmp_path, "4.0.9", reason="not UP", log_tail=tail, hold_hours=2, secrets=[SECRET])
    assert out["changed"] and out["active"][0]["version"] == "4.0.9" and out["active"][0]["until"]
    text = (tmp_path / "lifecycle" / "blocklist.json").read_text()
    history = (tmp_path / "lifecycle" / "history.jsonl").read_text()
    assert "Health DOWN" in text and SECRET not in text and SECRET not in history and SECRET not in json.dumps(out)
    assert records.parse_history(history)[0]["action"] == "blocklist"
    assert oct(os.stat(tmp_path / "lifecycle" / "blocklist.json").st_mode & 0o777) == "0o640"
    # The recorded tail comes back encoded: Ansible would mask a result text holding the no_log option's value.
    recorded = base64.b64decode(out["log_tail_b64"]).decode()
    assert "Health DOWN" in recorded and SECRET not in recorded and "log_tail" not in out


def test_a_tail_with_nothing_to_redact_comes_back_whole(capsys, tmp_path):
    out = block(capsys, tmp_path, "4.0.9", reason="not UP", log_tail="Health DOWN: never becomes healthy")
    assert base64.b64decode(out["log_tail_b64"]).decode() == "Health DOWN: never becomes healthy"


def test_block_in_check_mode_writes_nothing(capsys, tmp_path):
    out = block(capsys, tmp_path, "4.0.9", _ansible_check_mode=True)
    assert out["changed"] and not (tmp_path / "lifecycle").exists()


def test_unblock_clears_and_changes_nothing_the_second_time(capsys, tmp_path):
    block(capsys, tmp_path, "4.0.9")
    args = dict(install_dir=str(tmp_path), group=group(), action="unblock", versions=["4.0.9"])
    assert run(lifecycle_record, capsys, **args)["changed"] is True
    again = run(lifecycle_record, capsys, **args)
    assert again["changed"] is False and again["blocklist"] == []
    actions = [r["action"] for r in records.parse_history((tmp_path / "lifecycle" / "history.jsonl").read_text())]
    assert actions == ["blocklist", "unblock"]


def test_history_appends_and_read_returns_it(capsys, tmp_path):
    args = dict(install_dir=str(tmp_path), group=group(), action="history", history_action="upgrade")
    run(lifecycle_record, capsys, fields={"from": "4.0.8", "to": "4.0.10", "result": "healthy"}, **args)
    out = run(lifecycle_record, capsys, install_dir=str(tmp_path), action="read")
    assert [(r["from"], r["to"], r["result"]) for r in out["history"]] == [("4.0.8", "4.0.10", "healthy")]


def test_an_unreadable_history_is_not_overwritten(capsys, tmp_path):
    records.ensure_directory(tmp_path, None)
    (tmp_path / "lifecycle" / "history.jsonl").write_text("garbage\n")
    out = block(capsys, tmp_path, "4.0.9")
    assert out["failed"] and "history.jsonl line 1" in out["msg"]
    assert (tmp_path / "lifecycle" / "history.jsonl").read_text() == "garbage\n"


def test_an_unknown_group_is_refused(capsys, tmp_path):
    out = run(
        lifecycle_record, capsys, install_dir=str(tmp_path), group="no-such-group-x", action="block", version="4.0.9"
    )
    assert out["failed"] and "no-such-group-x" in out["msg"] and not (tmp_path / "lifecycle").exists()


def test_production_takes_only_what_ran_healthy_long_enough_in_test(capsys, tmp_path):
    now = datetime.datetime.now(datetime.timezone.utc)

    def upgraded(version, days):
        when = (now - datetime.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {"action": "upgrade", "time": when, "to": version, "result": "healthy"}

    args = dict(install_dir=str(tmp_path), installed="4.0.8", versions=OFFERED, promotion_min_days=7)
    out = run(release_choice, capsys, promotion_records=[upgraded("4.0.9", 9), upgraded("4.0.10", 1)], **args)
    assert out["version"] == "4.0.9" and "held for promotion (not yet 7 days healthy" in out["reason"]
    assert "4.0.10" in out["reason"]
    none = run(release_choice, capsys, promotion_records=[], **args)
    assert none["version"] == "4.0.8" and "held for promotion" in none["reason"]
