"""playbooks/preflight.yml checks each host's preflight_* variables once per run, in Python: the preflight action
(the checks play's one task per host) validates them against the role's argument spec, so the playbook turns off
the check Ansible would add as a task of its own. The verdict play runs on the same hosts with the same
variables; the report play on localhost uses only the report action's arguments, which that action validates."""

import pathlib

import yaml

from ansible_collections.eformidling.integrasjonspunkt.plugins.action import preflight_report
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import settings_source

ROOT = pathlib.Path(__file__).resolve().parents[2]
PLAYBOOK = ROOT / "playbooks" / "preflight.yml"


def role_import(play):
    (task,) = play["tasks"]
    return task["ansible.builtin.import_role"]


def test_no_play_repeats_a_validation_the_actions_make():
    checks, report, verdict = yaml.safe_load(PLAYBOOK.read_text())
    assert role_import(checks)["tasks_from"] == "checks"
    assert role_import(checks)["rolespec_validate"] is False
    assert role_import(report)["rolespec_validate"] is False
    assert role_import(verdict)["rolespec_validate"] is False
    # The premise: the verdict play's hosts are the checks play's, whose action validated them in this run:
    # the report's verdict_hosts (drawn from the checks play's results), or without a report the checks play's.
    hosts = verdict["hosts"]
    assert "hostvars['localhost'].preflight_report.verdict_hosts" in hosts
    assert hosts.rstrip().endswith("else (%s) }}" % checks["hosts"].strip("{} "))


def test_the_checks_entry_point_runs_the_validating_action():
    tasks = yaml.safe_load((ROOT / "roles" / "preflight" / "tasks" / "checks.yml").read_text())
    actions = [t for t in tasks if "eformidling.integrasjonspunkt.preflight" in t]
    assert len(actions) == 1
    # Before it, only the resolution of integrasjonspunkt_version=latest (a when-guarded include), no other work.
    before = tasks[: tasks.index(actions[0])]
    assert all(
        str(t.get("when", "")).startswith("integrasjonspunkt_version | default('') | string == 'latest'")
        for t in before
    )


def test_the_report_action_allows_exactly_the_role_spec_formats():
    options = settings_source.role_options("preflight", "checks")
    assert options["preflight_report_formats"]["choices"] == list(preflight_report.FORMATS)
    assert preflight_report.ARGUMENT_SPEC["formats"]["choices"] == list(preflight_report.FORMATS)


def test_the_status_verdict_visits_the_hosts_its_report_did_not_call_ok_and_every_host_without_a_report():
    """playbooks/status.yml as preflight.yml: the report names the hosts to fail (status_fail_hosts, fail closed);
    without a report the verdict runs on the checks play's hosts, where a missing result fails."""
    checks, report, verdict = yaml.safe_load((ROOT / "playbooks" / "status.yml").read_text())
    hosts = verdict["hosts"]
    assert "hostvars['localhost'].status_report.verdict_hosts" in hosts
    assert hosts.rstrip().endswith("else (%s) }}" % checks["hosts"].strip("{} "))
    assert role_import(report)["tasks_from"] == "report" and role_import(verdict)["tasks_from"] == "verdict"
    tasks = yaml.safe_load((ROOT / "roles" / "status" / "tasks" / "report.yml").read_text())
    (writer,) = [t["eformidling.integrasjonspunkt.preflight_report"] for t in tasks if "register" in t]
    assert writer["fail_var"] == "status_fail_hosts" and tasks[0]["register"] == "status_report"
