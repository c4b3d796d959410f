"""The preflight action's run() as named steps, each tested with a fake ActionBase (no host, no connection).

Fail closed: a gather call that failed as a whole, or a judgement that crashed, gives this host one `error`
result, never a partial or passing list."""

import types

import pytest
from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.eformidling.integrasjonspunkt.plugins.action import preflight as pf
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import checks
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import settings as model

PASSWORD = "Pw-keystore-steps"
SETTINGS = {"integrasjonspunkt_environment": "test", "integrasjonspunkt_services": ["DPO"]}
ENDPOINTS = [{"name": "web", "host": "web.example"}, {"name": "db", "host": "db.example"}]
INSTALL = [{"name": "repo", "host": "repo.example"}]


class Templar:
    def template(self, value):
        return value


def action(args=None, gathered=None, calls=None):
    """An ActionModule without a connection: _execute_module answers `gathered` and records its arguments."""
    act = pf.ActionModule.__new__(pf.ActionModule)
    act._task = types.SimpleNamespace(args=dict(args or {}))
    act._templar = Templar()

    def execute(module_name, module_args, task_vars):
        if calls is not None:
            calls.append((module_name, module_args))
        return dict(gathered or {})

    act._execute_module = execute
    act._interpreter = lambda task_vars: "Python 3.6.8 at /usr/bin/python3"
    return act


def settings(**kw):
    out = model.normalise(dict(SETTINGS, **kw))
    out["java_packages"] = {}
    return out


def boom(*_args, **_kwargs):
    raise ValueError("injected")


@pytest.fixture
def no_base_run(monkeypatch):
    monkeypatch.setattr(ActionBase, "run", lambda self, tmp=None, task_vars=None: {})


def test_probed_endpoints_with_only_keeps_just_the_judged_ones():
    assert pf.probed_endpoints(ENDPOINTS, INSTALL, []) == (ENDPOINTS, INSTALL)
    assert pf.probed_endpoints(ENDPOINTS, INSTALL, ["connectivity.web"]) == ([ENDPOINTS[0]], [])
    assert pf.probed_endpoints(ENDPOINTS, INSTALL, ["install.*"]) == ([], INSTALL)


def test_gather_args_carries_the_settings_and_only_the_options_given():
    proxied = settings(integrasjonspunkt_proxy="http://proxy.example:3128", integrasjonspunkt_no_proxy="localhost")
    got = pf.gather_args(proxied, {"ntp_port": "1123", "ca_file": "/ca.pem"}, ENDPOINTS, 2.5, [])
    assert got["endpoints"] == ENDPOINTS and got["timeout"] == 2.5 and got["ntp_port"] == 1123
    assert got["ntp_host"] == proxied["ntp_host"] and got["ntp_host"]
    assert got["proxy"] == "http://proxy.example:3128" and got["no_proxy"] == "localhost"
    assert got["ca_file"] == "/ca.pem" and "chronyc_host" not in got and "ntp_servers" not in got
    assert got["http"] is True and got["docker_host"] is None and got["container_engine"] is False
    plain = pf.gather_args(settings(), {"http_probe": False}, [], 5.0, ["connectivity.web"])
    assert "proxy" not in plain and plain["http"] is False
    assert plain["ntp_host"] == ""  # `only` selects no time or NTP check: the NTP host is not probed


def test_identity_args_only_with_a_grant():
    plan = {
        "token_url": "https://mp.example/token",
        "service_registry_url": "https://sr.example",
        "org_number": "991825827",
        "grant_type": "jwt",
        "signed": True,
    }
    assert pf.identity_args(plan, None) == {}
    got = pf.identity_args(plan, "signed.jwt")
    assert got["identity_grant"] == "signed.jwt"
    assert got["identity"] == {
        "token_url": "https://mp.example/token",
        "registry_url": "https://sr.example",
        "org_number": "991825827",
        "grant_type": "jwt",
        "signed": True,
    }


def test_judge_a_crash_is_one_error_never_a_partial_list(monkeypatch):
    monkeypatch.setattr(checks, "run_checks", boom)
    results = pf.judge({}, {}, set())
    assert [(r["id"], r["status"]) for r in results] == [(checks.GATHER_ID, "error")]
    assert "judging the facts crashed: ValueError: injected" in results[0]["message"]


def test_shape_result_counts_and_names_what_was_asked_for():
    results = [
        {"id": "a", "status": "pass"},
        {"id": "b", "status": "warn"},
        {"id": "c", "status": "error"},
    ]
    gathered = {"errors": {"timesync": {}, "port": {}}, "budget_seconds": 17.0, "resolver": {"nameservers": []}}
    plan = {"enabled": True, "token_url": "https://mp.example/token", "scopes": ["eformidling:dpo"]}
    got = pf.shape_result(results, gathered, settings(), {"x": 1}, plan, strict=True)
    assert got["counts"] == checks.count(results) and got["changed"] is False
    assert got["failed_ids"] == ["b", "c"] and got["error_ids"] == ["c"] and got["strict"] is True
    assert got["plan"] is None and got["thresholds"] == {"x": 1} and got["resolver"] == {"nameservers": []}
    asked = {"enabled": True, "maskinporten_url": "https://mp.example/token", "scopes": plan["scopes"]}
    assert got["identity"] == asked
    assert got["gather"]["errors"] == ["port", "timesync"] and got["gather"]["budget_seconds"] == 17.0
    assert got["settings"] == model.public(settings())


def test_settings_and_keystore_refuses_bad_input_before_the_host_is_asked():
    settings_, found = action()._inputs(dict(SETTINGS))
    with pytest.raises(AnsibleActionFail, match=r"preflight_probe_timeout=90\.0 is not allowed"):
        action()._settings_and_keystore({"probe_timeout": 90}, settings_, found, dict(SETTINGS))
    # Settings too broken to probe never reach this step: _inputs() gives no settings and names the variable.
    settings_, found = action()._inputs({"integrasjonspunkt_environment": "prod"})
    assert settings_ is None
    assert "integrasjonspunkt_environment" in [p["variable"] for p in found["problems"]]


def test_settings_and_keystore_reads_the_keystore_variables():
    task_vars = dict(SETTINGS, integrasjonspunkt_keystore_password=PASSWORD, integrasjonspunkt_org_number="991825827")
    settings_, found = action()._inputs(task_vars)
    got = action()._settings_and_keystore({"probe_timeout": 3}, settings_, found, task_vars)
    assert got["timeout"] == 3.0 and got["settings"]["environment"] == "test"
    assert got["keystore"]["password"] == PASSWORD and got["keystore"]["available"] is False
    assert got["runtime"] and got["valid"] >= {"connectivity.%s" % e["name"] for e in got["runtime"]}


def test_gather_a_failed_call_is_one_error_naming_the_interpreter():
    failed = {"failed": True, "msg": "SyntaxError: invalid syntax", "module_stderr": "boom"}
    gathered, results = action(gathered=failed)._gather({}, {})
    assert gathered == {}
    assert [(r["id"], r["status"]) for r in results] == [(checks.GATHER_ID, "error")]
    assert "Python 3.6.8 at /usr/bin/python3" in results[0]["message"] and results[0]["fix"] == pf.INTERPRETER_FIX
    answer = {"resources": {}, "errors": {}}
    assert action(gathered=answer)._gather({}, {}) == (answer, None)


def test_judgement_context_puts_the_gathered_facts_by_name():
    inputs = {
        "keystore": {"available": False},
        "tls_keystore": {"enabled": True, "path": ""},
        "dropped": [{"name": "old"}],
        "settings": settings(),
        "limits": {},
        "issuers": {"production": ["issuer"]},
        "problems": [],
    }
    gathered = {"connectivity": {"endpoints": [{"name": "web", "ok": True}]}, "errors": {"port": {"message": "x"}}}
    ctx = action()._judgement_context(gathered, inputs, (ENDPOINTS, INSTALL), {"enabled": False}, {}, {})
    assert ctx["connectivity"] == {"web": {"name": "web", "ok": True}} and ctx["errors"] == {"port": {"message": "x"}}
    assert ctx["endpoints"] == ENDPOINTS and ctx["install_endpoints"] == INSTALL
    assert ctx["dropped_endpoints"] == [{"name": "old"}] and ctx["port"] == {} and ctx["resources"] == {}
    assert ctx["certificate_issuers"] == inputs["issuers"] and ctx["input_problems"] == []
    assert ctx["tls_keystore"] == inputs["tls_keystore"]


def test_run_sends_the_gather_call_without_secrets_and_judges_its_answer(no_base_run, monkeypatch):
    calls, seen = [], {}

    def judged(ctx, ignore, valid, only):
        seen["ctx"] = ctx
        return [{"id": "connectivity.x", "status": "pass"}]

    monkeypatch.setattr(checks, "run_checks", judged)
    gathered = {"errors": {}, "connectivity": {"endpoints": []}, "python": {"version": "3.11.7"}}
    act = action({"probe_timeout": 2}, gathered, calls)
    result = act.run(task_vars={"integrasjonspunkt_keystore_password": PASSWORD})
    assert [name for name, _args in calls] == [pf.GATHER_MODULE]
    module_args = calls[0][1]
    assert module_args["timeout"] == 2.0 and module_args["endpoints"] and "identity_grant" not in module_args
    assert PASSWORD not in repr(module_args)
    assert seen["ctx"]["keystore"]["password"] == PASSWORD  # the checks get it, the host never does
    assert result["results"] == [{"id": "connectivity.x", "status": "pass"}] and result["failed_ids"] == []
    assert result["gather"]["python"] == {"version": "3.11.7"}


def test_run_a_failed_gather_call_is_one_error(no_base_run):
    act = action({}, {"failed": True, "msg": "the module crashed"})
    result = act.run(task_vars={})
    assert result["error_ids"] == [checks.GATHER_ID] and result["failed_ids"] == [checks.GATHER_ID]
    assert result["counts"]["error"] == 1 and result["plan"] is None


def test_run_a_crashing_judgement_is_one_error(no_base_run, monkeypatch):
    monkeypatch.setattr(checks, "run_checks", boom)
    result = action({}, {"errors": {}}).run(task_vars={})
    assert [(r["id"], r["status"]) for r in result["results"]] == [(checks.GATHER_ID, "error")]


def test_gather_refused_by_ansible_core_for_an_old_target_python_gets_the_interpreter_fix():
    # ansible-core 2.20+ refuses a Python 3.8 target itself, before the module runs (seen with 2.21.5).
    failed = {
        "failed": True,
        "msg": "Ansible requires Python 3.9 or newer on the target. Current version: 3.8.18 (default) [GCC 12.2.0]",
    }
    detail, _tb, fix = pf.gather_failure(failed)
    assert "3.8.18" in detail
    assert fix == pf.INTERPRETER_FIX and "3.9+" in fix and "ansible_python_interpreter" in fix
    _gathered, results = action(gathered=failed)._gather({}, {})
    assert [(r["id"], r["status"]) for r in results] == [(checks.GATHER_ID, "error")]
    assert results[0]["fix"] == pf.INTERPRETER_FIX


def test_the_role_variables_are_checked_against_the_role_argument_spec(no_base_run):
    act = action()
    result = act.run(task_vars={"preflight_probe_timeout": "soon", "preflight_report_formats": ["json", "pdf"]})
    assert result["failed"] is True
    assert result["msg"].startswith("Validation of the preflight role's variables failed:")
    assert "preflight_probe_timeout" in result["msg"]
    assert "preflight_report_formats" in result["msg"]
    assert "pdf" in result["msg"]


def test_valid_role_variables_pass_the_role_spec_step():
    act = action()
    assert act._role_variables_refused({"preflight_probe_timeout": 5, "preflight_fail_hosts": True}) is None
    assert act._role_variables_refused({}) is None
    refused = act._role_variables_refused({"preflight_fail_hosts": "maybe"})
    assert "preflight_fail_hosts" in refused


def test_gather_args_asks_the_actuator_on_the_api_and_the_management_port_when_selected():
    both = settings(integrasjonspunkt_management_port=9094, integrasjonspunkt_ssl_enabled=False)
    got = pf.gather_args(both, {}, [], 5.0, [])
    assert got["actuator_targets"] == [
        {"host": "127.0.0.1", "port": 9093, "scheme": "http"},
        {"host": "127.0.0.1", "port": 9094, "scheme": "http"},
    ]
    assert "actuator_targets" not in pf.gather_args(both, {}, [], 5.0, ["connectivity.web"])
    assert pf.gather_args(both, {}, [], 5.0, ["security.*"])["actuator_targets"]
