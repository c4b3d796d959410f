"""Preflight under ansible-runner, the engine AWX/AAP uses: a runner project directory, and
artifacts that hold the report files and the per-host results."""

import glob
import json
import os
import shutil

import ansible_runner
import yaml

from tests.integration import harness

REPO = harness.REPO


def runner_dir(tmp_path):
    """A private data dir as AWX lays it out: project/, inventory/, env/."""
    root = tmp_path / "runner"
    (root / "project").mkdir(parents=True)
    (root / "inventory").mkdir()
    (root / "env").mkdir()
    shutil.copy(os.path.join(REPO, "playbooks", "preflight.yml"), root / "project" / "preflight.yml")
    inventory = {
        "all": {
            "hosts": {
                "localhost": {
                    "ansible_connection": "local",
                    "ansible_python_interpreter": harness.sys.executable,
                }
            }
        }
    }
    (root / "inventory" / "hosts.yml").write_text(yaml.safe_dump(inventory))
    with open(os.path.join(REPO, "tests", "compat", "vars.yml")) as fh:
        extravars = yaml.safe_load(fh)
    extravars["preflight_report_dir"] = str(root / "artifacts" / "preflight" / "reports")
    (root / "env" / "extravars").write_text(yaml.safe_dump(extravars))
    env = harness.ansible_env()
    envvars = {k: env[k] for k in ("ANSIBLE_CONFIG", "ANSIBLE_COLLECTIONS_PATH", "PATH")}
    (root / "env" / "envvars").write_text(yaml.safe_dump(envvars))
    return root


def test_preflight_runs_under_ansible_runner(tmp_path):
    root = runner_dir(tmp_path)
    run = ansible_runner.run(private_data_dir=str(root), playbook="preflight.yml", ident="preflight", quiet=True)
    stdout = run.stdout.read()
    assert run.status == "successful", stdout
    assert run.rc == 0

    artifacts = root / "artifacts" / "preflight"
    reports = artifacts / "reports"
    assert sorted(os.listdir(reports)) == ["preflight-junit.xml", "preflight.html", "preflight.json", "preflight.md"]
    doc = json.loads((reports / "preflight.json").read_text())
    results = {r["id"]: r for r in doc["hosts"]["localhost"]["results"]}
    assert results["connectivity.eformidling"]["measured"] == "tcp_refused"

    # the per-host results: the engine's event carries them, and the report task publishes the verdicts
    judged = [
        e
        for e in run.events
        if e.get("event") == "runner_on_ok"
        and e["event_data"].get("task_action", "") == "eformidling.integrasjonspunkt.preflight"
    ]
    assert len(judged) == 1
    host_results = judged[0]["event_data"]["res"]["results"]
    assert {r["id"] for r in host_results} == set(results)
    stats = next(e for e in run.events if e.get("event") == "playbook_on_stats")["event_data"]
    verdicts = stats["artifact_data"]["eformidling_preflight"]
    assert [v["host"] for v in verdicts] == ["localhost"]
    assert verdicts[0]["failed_ids"] == sorted(r["id"] for r in host_results if r["status"] == "fail")
    assert glob.glob(str(artifacts / "job_events" / "*.json"))
