"""Metrics and alerts with Debian's promtool (package prometheus): the alert rules checked and unit-tested, the
generated scrape configuration checked, the report's Prometheus text checked. No promtool fails, never skips."""

import json
import os
import shutil
import subprocess
import time

import pytest
import yaml

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import report_metrics
from tests.integration import harness

RULES_DIR = os.path.join(harness.REPO, "playbooks", "files", "prometheus")
PLAYBOOK = os.path.join(harness.REPO, "playbooks", "prometheus-config.yml")
API_PASSWORD = "ScrapeApiPw-Seeded-91"


@pytest.fixture(scope="module")
def promtool():
    path = shutil.which("promtool")
    if not path:
        pytest.fail("promtool is missing: apt-get install prometheus (make system-deps installs it)")
    return path


def run(argv, cwd=None):
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)
    return proc.returncode, proc.stdout + proc.stderr


def test_alert_rules_pass_promtool_check_rules(promtool):
    rc, out = run([promtool, "check", "rules", "eformidling-alerts.yml"], cwd=RULES_DIR)
    assert rc == 0, out
    assert "SUCCESS: 12 rules found" in out


def test_alert_rules_unit_tests_pass_promtool_test_rules(promtool):
    rc, out = run([promtool, "test", "rules", "eformidling-alerts.test.yml"], cwd=RULES_DIR)
    assert rc == 0, out
    assert "SUCCESS" in out


def test_promtool_test_rules_sees_a_wrong_expectation(promtool, tmp_path):
    """The unit tests can fail: the same file with one expected severity changed does."""
    shutil.copy(os.path.join(RULES_DIR, "eformidling-alerts.yml"), tmp_path)
    with open(os.path.join(RULES_DIR, "eformidling-alerts.test.yml"), encoding="utf-8") as fh:
        text = fh.read()
    broken = text.replace(
        "{severity: critical, report: status, host: ip1, check: status.clock",
        "{severity: warning, report: status, host: ip1, check: status.clock",
    )
    assert broken != text
    (tmp_path / "t.yml").write_text(broken)
    rc, out = run([promtool, "test", "rules", "t.yml"], cwd=str(tmp_path))
    assert rc != 0 and "IntegrasjonspunktClockOffset" in out, out


def test_report_prometheus_text_passes_promtool_check_metrics(promtool, tmp_path):
    doc = {
        "meta": {"generated_at": "2026-12-07T01:00:00+00:00", "report": "status"},
        "hosts": {
            "ip1": {
                "state": "failed",
                "counts": {"pass": 1, "info": 0, "warn": 0, "unknown": 0, "error": 0, "fail": 1},
                "results": [
                    {"id": "status.certificate", "status": "pass", "value": 120},
                    {"id": "status.clock", "status": "fail", "value": 2.5},
                ],
            }
        },
    }
    text = report_metrics.render(doc)
    proc = subprocess.run(
        [promtool, "check", "metrics"], input=text, capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def inventory(tmp_path, extra=None):
    common = {"ansible_connection": "local", "integrasjonspunkt_auth_password": API_PASSWORD}
    hosts = {
        "ip1": dict(common, ansible_host="10.0.0.1", integrasjonspunkt_metrics_enabled=True,
                    integrasjonspunkt_management_address="0.0.0.0", integrasjonspunkt_management_port=9094,
                    integrasjonspunkt_auth_user="apiuser"),
        "ip2": dict(common, integrasjonspunkt_metrics_enabled=True, integrasjonspunkt_management_port=9094,
                    integrasjonspunkt_auth_user="apiuser"),
        "ip3": dict(common, integrasjonspunkt_auth_user="apiuser"),
        "ip4": dict(common, integrasjonspunkt_metrics_enabled=True, integrasjonspunkt_management_address="10.0.0.4",
                    integrasjonspunkt_management_port=9095, integrasjonspunkt_ssl_enabled=False,
                    integrasjonspunkt_auth_user="other"),
    }  # fmt: skip
    for host, values in (extra or {}).items():
        hosts[host].update(values)
    path = tmp_path / "inventory.json"
    path.write_text(json.dumps({"all": {"hosts": hosts}}))
    return str(path)


def run_playbook(tmp_path, inv, extra_vars):
    env = harness.ansible_env({"ANSIBLE_STDOUT_CALLBACK": "default"})
    env.pop("ANSIBLE_LOAD_CALLBACK_PLUGINS", None)
    argv = [
        os.path.join(harness.VENV_BIN, "ansible-playbook"),
        "-vvv",
        "-i",
        inv,
        PLAYBOOK,
        "-e",
        json.dumps(extra_vars),
    ]
    argv += ["-e", "ansible_python_interpreter=" + os.path.join(harness.VENV_BIN, "python")]
    started = time.monotonic()
    proc = subprocess.run(argv, cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=300, check=False)
    print("prometheus-config run: %.1f s" % (time.monotonic() - started))
    return proc.returncode, proc.stdout + proc.stderr


def test_scrape_config_from_the_inventory_passes_promtool_check_config(promtool, tmp_path):
    for user in ("apiuser", "other"):
        (tmp_path / ("%s.password" % user)).write_text("the password lives here, on the Prometheus server\n")
    rc, out = run_playbook(
        tmp_path,
        inventory(tmp_path),
        {
            "prometheus_config_dir": str(tmp_path / "out"),
            "prometheus_config_password_file": str(tmp_path / "{user}.password"),
        },
    )
    assert rc == 0, out[-5000:]
    scrape = tmp_path / "out" / "integrasjonspunkt-scrape.yml"
    rc, checked = run([promtool, "check", "config", str(scrape)])
    assert rc == 0, checked
    assert "SUCCESS: 1 rule files found" in checked, checked
    config = yaml.safe_load(scrape.read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert sorted(jobs) == ["integrasjonspunkt", "integrasjonspunkt-2"]
    https = jobs["integrasjonspunkt-2"] if jobs["integrasjonspunkt"]["scheme"] == "http" else jobs["integrasjonspunkt"]
    http = jobs["integrasjonspunkt"] if https is jobs["integrasjonspunkt-2"] else jobs["integrasjonspunkt-2"]
    assert https["metrics_path"] == "/manage/prometheus"
    assert https["static_configs"] == [
        {"targets": ["10.0.0.1:9094"], "labels": {"host": "ip1", "environment": "production"}}
    ]
    assert https["basic_auth"] == {"username": "apiuser", "password_file": str(tmp_path / "apiuser.password")}
    assert http["static_configs"][0]["targets"] == ["10.0.0.4:9095"]
    assert http["basic_auth"]["username"] == "other"
    # ip2 (loopback only) and ip3 (metrics off) are left out, with the reason
    assert "left out ip2: the management port listens on 127.0.0.1 only" in out
    assert "left out ip3: integrasjonspunkt_metrics_enabled is false" in out
    assert API_PASSWORD not in scrape.read_text()
    assert API_PASSWORD not in out, "the API password showed in the -vvv output"


def test_a_bad_management_port_fails_naming_the_variable(tmp_path):
    inv = inventory(tmp_path, {"ip1": {"integrasjonspunkt_management_port": "nine"}})
    rc, out = run_playbook(tmp_path, inv, {"prometheus_config_dir": str(tmp_path / "out")})
    assert rc != 0
    # The settings model refuses it (the one validation), naming the variable, the value and what is allowed.
    assert "ip1: the scrape configuration needs management" in out
    assert "integrasjonspunkt_management_port='nine' is not allowed: a whole number from 1 to 65535" in out
    assert not (tmp_path / "out").exists()
