"""playbooks/preflight.yml validates each host's preflight_* variables once per run: in the checks play.
The verdict play runs on the same hosts with the same variables, so it does not repeat the pass (a task per
host); the report play runs on localhost, whose variables it validates."""

import pathlib

import yaml

PLAYBOOK = pathlib.Path(__file__).resolve().parents[2] / "playbooks" / "preflight.yml"


def role_import(play):
    (task,) = play["tasks"]
    return task["ansible.builtin.import_role"]


def test_the_checks_and_report_plays_validate_and_the_verdict_play_does_not_repeat_it():
    checks, report, verdict = yaml.safe_load(PLAYBOOK.read_text())
    assert role_import(checks).get("rolespec_validate", True) is True
    assert role_import(report).get("rolespec_validate", True) is True
    assert role_import(verdict)["rolespec_validate"] is False
    # The premise: the verdict play's hosts are the checks play's, which validated them in this run.
    assert verdict["hosts"] == checks["hosts"]
