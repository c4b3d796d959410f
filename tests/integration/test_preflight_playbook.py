"""playbooks/preflight.yml end to end on this machine: strategy free, several forks, an unreachable
host, check mode, and the verdict play. Every endpoint points at a closed loopback port
(tests/compat/vars.yml), so nothing leaves the machine."""

import json
import os
import subprocess
import sys

import yaml

from tests.integration import harness

REPO = harness.REPO


def inventory(tmp_path):
    local = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    doc = {
        "all": {
            "hosts": {
                "alpha": dict(local),
                "bravo": dict(local),
                "charlie": dict(local),
                # an ssh host on a closed loopback port: unreachable at once
                "gone": {"ansible_connection": "ssh", "ansible_host": "127.0.0.1", "ansible_port": 1},
            }
        }
    }
    path = tmp_path / "inventory.yml"
    path.write_text(yaml.safe_dump(doc))
    return str(path)


def run_playbook(tmp_path, report_dir, *extra, strategy="free"):
    env = harness.ansible_env(
        {"ANSIBLE_STRATEGY": strategy, "ANSIBLE_FORKS": "4", "ANSIBLE_STDOUT_CALLBACK": "default"}
    )
    argv = [
        os.path.join(harness.VENV_BIN, "ansible-playbook"),
        "-i",
        inventory(tmp_path),
        os.path.join(REPO, "playbooks", "preflight.yml"),
        "-e",
        "@" + os.path.join(REPO, "tests", "compat", "vars.yml"),
        "-e",
        "preflight_report_dir=%s" % report_dir,
        "-e",
        "preflight_fail_hosts=true",
        *extra,
    ]
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300, check=False)


def verdicts(report_dir):
    with open(os.path.join(report_dir, "preflight.json")) as fh:
        doc = json.load(fh)
    return {
        host: None if row["state"] == "unreachable" else {r["id"]: r["status"] for r in row["results"]}
        for host, row in doc["hosts"].items()
    }


def test_free_strategy_many_forks_unreachable_host_and_check_mode(tmp_path):
    normal = run_playbook(tmp_path, str(tmp_path / "normal"))
    out = normal.stdout
    # every reachable host fails its connectivity checks (closed ports), so the verdict play fails them
    assert normal.returncode != 0, out
    failed_line = next(line for line in out.splitlines() if "preflight failed on alpha:" in line)
    assert "connectivity.eformidling" in failed_line and "preflight_ignore" in failed_line
    summary = out[out.index("eFormidling preflight: 4 host(s)") :]
    assert "gone" in summary and "UNREACHABLE" in summary
    # every endpoint is the same closed port, so one cause and one fix: one group that names every check
    lines = harness.read_yaml(harness.task_output(out))  # the repository's yaml result format
    groups = [line for line in lines if line.startswith("  [") and "connectivity.eformidling" in line]
    assert len(groups) == 1, "one group for the same failure across hosts"
    assert "connectivity.maskinporten" in groups[0] and groups[0].endswith("3 host(s))")
    recap = {line.split()[0]: line for line in out.splitlines() if " : ok=" in line}
    assert all("changed=0" in line for line in recap.values()), recap
    assert "unreachable=1" in recap["gone"]

    first = verdicts(str(tmp_path / "normal"))
    assert first["gone"] is None
    assert first["alpha"] == first["bravo"] == first["charlie"]
    assert first["alpha"]["connectivity.eformidling"] == "fail"

    checked = run_playbook(tmp_path, str(tmp_path / "check"), "--check")
    assert verdicts(str(tmp_path / "check")) == first, "check mode gives the same verdicts"
    assert all("changed=0" in line for line in checked.stdout.splitlines() if " : ok=" in line)


def test_unknown_ignore_id_is_a_clear_error_before_any_probe(tmp_path):
    bad = run_playbook(
        tmp_path,
        str(tmp_path / "bad"),
        "-e",
        json.dumps({"preflight_ignore": [{"id": "resources.gpu", "reason": "we have none"}]}),
        strategy="linear",
    )
    assert bad.returncode != 0
    assert "unknown check 'resources.gpu'" in bad.stdout
    assert "resources.memory" in bad.stdout  # the message lists the known IDs


def test_bad_threshold_and_environment_are_rejected_by_the_argument_spec(tmp_path):
    bad = run_playbook(tmp_path, str(tmp_path / "bad"), "-e", json.dumps({"preflight_thresholds": {"cpus": 2}}))
    assert bad.returncode != 0
    assert "cpus" in bad.stdout and "preflight_thresholds" in bad.stdout
    bad = run_playbook(tmp_path, str(tmp_path / "bad2"), "-e", "integrasjonspunkt_environment=staging-ish")
    assert bad.returncode != 0
    assert "integrasjonspunkt_environment" in bad.stdout and "production" in bad.stdout
