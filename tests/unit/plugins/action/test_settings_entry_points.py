"""Preflight's config.inputs and the install's validation: one set of rules, through the real entry points."""

import json

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.action import integrasjonspunkt_settings as entry
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import certificates, checks, report

from .settings_harness import run_install_validation, run_preflight

PASSWORD = "Pw-entry-points-4417"
KEY = "-----BEGIN PGP PUBLIC KEY BLOCK-----\nmQINBF...\n-----END PGP PUBLIC KEY BLOCK-----\n"
GOOD = {
    "integrasjonspunkt_org_number": "991825827",
    "integrasjonspunkt_keystore_src": "/nonexistent/keystore.p12",
    "integrasjonspunkt_keystore_password": PASSWORD,
    "integrasjonspunkt_keystore_alias": "virksomhet",
    "integrasjonspunkt_auth_user": "ip-api",
    "integrasjonspunkt_auth_password": PASSWORD,
    "integrasjonspunkt_signing_key": KEY,
}


def inputs_result(result):
    return {r["id"]: r for r in result["results"]}["config.inputs"]


def test_a_good_host_passes_config_inputs_and_the_install_accepts_it(monkeypatch):
    result, calls = run_preflight(GOOD, monkeypatch)
    assert inputs_result(result)["status"] == "pass" and "config.inputs" not in result["failed_ids"]
    assert len(calls) == 1  # probed
    assert not run_install_validation(GOOD).get("failed")


def test_secure_defaults_without_keystore_or_api_user_fail_config_inputs(monkeypatch):
    # Finding 1: a healthy host with the defaults had preflight verdict ok; the install refused it.
    result, calls = run_preflight({}, monkeypatch)
    r = inputs_result(result)
    assert r["status"] == "fail" and "config.inputs" in result["failed_ids"]
    for var in ("integrasjonspunkt_auth_user", "integrasjonspunkt_auth_password", "integrasjonspunkt_keystore_src"):
        assert var in r["message"] and var in r["fix"]
    assert r["doc_url"].startswith("https://docs.digdir.no/")
    assert len(calls) == 1  # the host was still probed: these inputs do not stop the probes
    assert run_install_validation({})["failed"]


@pytest.mark.parametrize(
    ("changes", "var"),
    [
        # Finding 2: only the install's YAML refused these.
        ({"integrasjonspunkt_install_dir": "/opt"}, "integrasjonspunkt_install_dir"),
        ({"integrasjonspunkt_data_dir": "/opt/integrasjonspunkt/data"}, "integrasjonspunkt_data_dir"),
        ({"integrasjonspunkt_install_dir": "/var/lib/integrasjonspunkt/app"}, "integrasjonspunkt_data_dir"),
        ({"integrasjonspunkt_services": ["DPFIO"], "integrasjonspunkt_version": "4.0.8"}, "integrasjonspunkt_services"),
        ({"integrasjonspunkt_run_mode": "docker", "integrasjonspunkt_version": "4.0.0"}, "integrasjonspunkt_version"),
        # Finding 3: a bad organisation number and an empty keystore path passed preflight.
        ({"integrasjonspunkt_org_number": "12345"}, "integrasjonspunkt_org_number"),
        ({"integrasjonspunkt_keystore_src": ""}, "integrasjonspunkt_keystore_src"),
    ],
)
def test_what_the_install_refuses_fails_preflight(monkeypatch, changes, var):
    host = dict(GOOD, **changes)
    result, _calls = run_preflight(host, monkeypatch)
    r = inputs_result(result)
    assert r["status"] == "fail" and var in r["message"], r["message"]
    install = run_install_validation(host)
    assert install["failed"] and var in install["msg"]


def test_docker_mode_has_the_java_floor_in_config_version_too(monkeypatch):
    host = dict(GOOD, integrasjonspunkt_run_mode="docker", integrasjonspunkt_version="4.0.0")
    result, _calls = run_preflight(host, monkeypatch)
    assert {r["id"]: r["status"] for r in result["results"]}["config.version"] == "fail"


def test_the_keystore_comes_from_the_model_and_no_password_reaches_any_output(monkeypatch):
    # Finding 4: the engine read the keystore variables itself; now the model owns them.
    opened = {}

    def read(path):
        opened["path"] = path
        return None, "not found (test)"

    monkeypatch.setattr(certificates, "read_controller_keystore", read)
    host = dict(GOOD, integrasjonspunkt_keystore_type="jks", integrasjonspunkt_keystore_password=PASSWORD + "\n")
    result, calls = run_preflight(host, monkeypatch, only=[])
    assert opened["path"] == "/nonexistent/keystore.p12"
    r = inputs_result(result)
    assert "integrasjonspunkt_keystore_password (value hidden)" in r["message"]
    install = run_install_validation(host)
    for output in (result, calls, install):
        assert PASSWORD not in json.dumps(output, default=str)


@pytest.mark.parametrize(
    "host",
    [
        {"integrasjonspunkt_port": "http"},
        {"integrasjonspunkt_data_dir": "data"},
        {"integrasjonspunkt_proxy": "ftp://proxy:21"},
        {"preflight_proxy": "http://proxy.example.no:3128"},  # finding 7: removed, was ignored silently
    ],
)
def test_settings_too_broken_to_probe_give_one_config_inputs_failure_and_no_probe(monkeypatch, host):
    result, calls = run_preflight(dict(GOOD, **host), monkeypatch)
    assert calls == []  # nothing was sent to the host
    assert [r["id"] for r in result["results"]] == ["config.inputs"]
    assert result["failed_ids"] == ["config.inputs"] and result["counts"]["fail"] == 1
    assert next(iter(host)) in result["results"][0]["message"]
    assert run_install_validation(dict(GOOD, **host))["failed"]


def test_a_removed_variable_names_its_replacement(monkeypatch):
    result, _calls = run_preflight(dict(GOOD, preflight_no_proxy=".example.no"), monkeypatch)
    assert "set integrasjonspunkt_no_proxy" in result["results"][0]["message"]


def test_an_unknown_variable_is_a_warning_with_the_likely_name(monkeypatch):
    # Finding 7: a typo was ignored silently.
    result, _calls = run_preflight(dict(GOOD, integrasjonspunkt_prot=9094, preflight_strickt=True), monkeypatch)
    r = inputs_result(result)
    assert r["status"] == "warn" and "config.inputs" not in result["failed_ids"]
    assert "integrasjonspunkt_prot" in r["message"] and "did you mean integrasjonspunkt_port?" in r["message"]
    assert "did you mean preflight_strict?" in r["message"]
    install = run_install_validation(dict(GOOD, integrasjonspunkt_prot=9094))
    assert not install.get("failed") and install["unknown_variables"] == [
        {"variable": "integrasjonspunkt_prot", "suggestion": "integrasjonspunkt_port"}
    ]
    assert any("integrasjonspunkt_prot" in w for w in install["warnings"])


def test_config_inputs_cannot_be_waived():
    with pytest.raises(ValueError, match=r"config\.inputs, which cannot be ignored"):
        checks.validate_ignore([{"id": "config.inputs", "reason": "later"}], checks.known_ids())


def test_the_entry_point_lists_every_refused_value_at_once_and_hides_passwords():
    host = dict(GOOD, integrasjonspunkt_port=0, integrasjonspunkt_org_number="1", integrasjonspunkt_auth_password="")
    result = run_install_validation(host)
    assert result["failed"] and result["changed"] is False and result["settings"] is None
    for var in ("integrasjonspunkt_port", "integrasjonspunkt_org_number", "integrasjonspunkt_auth_password (value"):
        assert var in result["msg"]
    assert "3 problems" in result["msg"]
    assert PASSWORD not in json.dumps(result)


def test_the_entry_point_without_fail_on_problems_reports_only():
    result = entry.settings_result({"integrasjonspunkt_port": 0}, lambda v: v, "prepare", False)
    assert not result.get("failed") and result["refused"] and "integrasjonspunkt_port" in result["refused"][0]


def test_a_host_too_broken_to_probe_is_in_every_report_without_its_secrets(monkeypatch):
    host = dict(GOOD, integrasjonspunkt_port="http", integrasjonspunkt_auth_password=PASSWORD + "\n")
    host["integrasjonspunkt_proxy"] = "http://bob:%s@proxy:3128" % PASSWORD
    result, _calls = run_preflight(host, monkeypatch)
    per_host = {"ip1": result}
    rendered = [
        "\n".join(report.summary_lines(per_host)),
        json.dumps(report.json_report(per_host)),
        str(report.junit_report(per_host)),
        report.markdown_report(per_host),
        report.html_report(per_host),
    ]
    for text in rendered:
        assert "config.inputs" in text and "integrasjonspunkt_port" in text
        assert PASSWORD not in text
