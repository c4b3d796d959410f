"""The status action's steps with a fake ActionBase (no host): what it asks the host for, how it reads the
previous report and the log time, and fail closed when the gather call fails or the judgement crashes. The keystore's
bytes and password are in no result."""

import base64
import datetime
import json
import types

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.eformidling.integrasjonspunkt.plugins.action import status as st
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import checks

NOW = datetime.datetime(2026, 12, 7, 1, 0, tzinfo=datetime.timezone.utc)
PASSWORD = "Pw-status-action"
HOST_VARS = {
    "inventory_hostname": "h1",
    "integrasjonspunkt_services": ["DPO"],
    "integrasjonspunkt_keystore_password": PASSWORD,
    "integrasjonspunkt_proxy": "http://proxy.example:3128",
}


class Templar:
    def template(self, value):
        return value


def action(args=None, gathered=None, calls=None):
    act = st.ActionModule.__new__(st.ActionModule)
    act._task = types.SimpleNamespace(args=dict(args or {}), async_val=0)
    act._templar = Templar()

    def execute(module_name, module_args, task_vars):
        if calls is not None:
            calls.append((module_name, module_args))
        return dict(gathered or {})

    act._execute_module = execute
    return act


@pytest.fixture(autouse=True)
def base_run(monkeypatch):
    monkeypatch.setattr(st.ActionBase, "run", lambda self, tmp=None, task_vars=None: {})


def test_one_gather_call_with_the_settings_and_no_secret():
    calls = []
    result = action({"releases_offline": True}, {"errors": {}}, calls).run(task_vars=dict(HOST_VARS))
    [(name, module_args)] = calls
    assert name == "eformidling.integrasjonspunkt.status_gather"
    assert module_args["health_url"] == "https://127.0.0.1:9093/manage/health"
    assert module_args["keystore_path"] == "/opt/integrasjonspunkt/keystore.p12"
    assert module_args["log_file"] == "/var/log/integrasjonspunkt/application.log"
    assert module_args["releases_url"] == ""
    assert module_args["proxy"] == "http://proxy.example:3128"
    assert PASSWORD not in json.dumps(module_args)
    assert result["changed"] is False
    assert module_args["port"] == 9093
    assert module_args["actuator_targets"] == [{"host": "127.0.0.1", "port": 9093, "scheme": "https"}]
    # security.actuator is judged from the gather's "actuator" answer (or its error); this fake gave neither.
    assert {r["id"] for r in result["results"]} == {c.id for c in st.status_checks.STATUS_CHECKS} - {
        "security.actuator"
    }


def test_the_actuator_answer_is_judged_by_security_actuator():
    gathered = {"errors": {"actuator": {"message": "collecting actuator failed: RuntimeError: injected"}}}
    result = action({"releases_offline": True}, gathered).run(task_vars=dict(HOST_VARS))
    [actuator] = [r for r in result["results"] if r["id"] == "security.actuator"]
    assert actuator["status"] == "error"


def test_the_keystore_bytes_and_password_are_in_no_result():
    gathered = {"errors": {}, "keystore": {"available": True, "data_b64": base64.b64encode(b"KEYSTORE-BYTES").decode()}}
    result = action({"releases_offline": True}, gathered).run(task_vars=dict(HOST_VARS))
    text = json.dumps(result, default=str)
    assert "KEYSTORE-BYTES" not in text
    assert base64.b64encode(b"KEYSTORE-BYTES").decode() not in text
    assert PASSWORD not in text


def test_a_failed_gather_call_is_one_error_result():
    result = action({}, {"failed": True, "msg": "MODULE FAILURE", "module_stderr": "SyntaxError"}).run(
        task_vars=dict(HOST_VARS)
    )
    [only] = result["results"]
    assert (only["id"], only["status"]) == ("status.gather", "error")
    assert result["failed_ids"] == ["status.gather"]


def test_a_crashing_judgement_is_one_error_result(monkeypatch):
    def boom(*_args, **_kwargs):
        raise RuntimeError("judge crashed")

    monkeypatch.setattr(st.checks, "run_checks", boom)
    result = action({"releases_offline": True}, {"errors": {}}).run(task_vars=dict(HOST_VARS))
    [only] = result["results"]
    assert (only["id"], only["status"]) == ("status.gather", "error")


def test_refused_settings_send_nothing_to_the_host():
    calls = []
    result = action({}, {}, calls).run(task_vars=dict(HOST_VARS, integrasjonspunkt_port="not a port"))
    assert calls == []
    assert [r["id"] for r in result["results"]] == ["config.inputs"]
    assert result["results"][0]["status"] == "fail"


@pytest.mark.parametrize(
    ("args", "variable"),
    [
        ({"ignore": [{"id": "status.nope", "reason": "x"}]}, "status_ignore"),
        ({"only": ["nothing.*"]}, "status_only"),
        ({"log_since": "yesterday-ish"}, "status_log_since"),
        ({"thresholds": {"nope": 1}}, "status_thresholds"),
        ({"probe_timeout": 0}, "status_probe_timeout"),
        ({"previous_report": "/nonexistent/status.json"}, "status_previous_report"),
        ({"strict": "sometimes"}, "status_strict"),
        ({"releases_offline": "perhaps"}, "status_releases_offline"),
    ],
)
def test_bad_input_fails_before_the_host_is_asked_naming_the_variable(args, variable):
    calls = []
    with pytest.raises(AnsibleActionFail, match=variable):
        action(args, {}, calls).run(task_vars=dict(HOST_VARS))
    assert calls == []


def test_false_from_the_command_line_is_false():
    calls = []
    result = action({"releases_offline": "false", "strict": "false"}, {"errors": {}}, calls).run(
        task_vars=dict(HOST_VARS)
    )
    assert calls[0][1]["releases_url"] == st.status_probe.RELEASES_URL
    assert result["strict"] is False


def test_since_accepts_a_duration_or_a_time():
    assert st.since_epoch("24h", NOW) == (NOW - datetime.timedelta(hours=24)).timestamp()
    assert st.since_epoch("90m", NOW) == (NOW - datetime.timedelta(minutes=90)).timestamp()
    assert st.since_epoch(None, NOW) == (NOW - datetime.timedelta(days=1)).timestamp()
    assert (
        st.since_epoch("2026-12-07T00:00:00+01:00", NOW)
        == datetime.datetime(2026, 12, 6, 23, 0, tzinfo=datetime.timezone.utc).timestamp()
    )


def test_the_previous_report_gives_this_hosts_results(tmp_path):
    path = tmp_path / "status.json"
    path.write_text(
        json.dumps(
            {
                "meta": {"generated_at": "2026-12-06T01:00:00+00:00"},
                "hosts": {"h1": {"results": [{"id": "status.queue", "value": 4}]}},
            }
        )
    )
    found = st.previous_results(str(path), "h1")
    assert found == {
        "generated_at": "2026-12-06T01:00:00+00:00",
        "results": {"status.queue": {"id": "status.queue", "value": 4}},
    }
    assert st.previous_results(str(path), "h2") is None
    assert st.previous_results("", "h1") is None


def test_docker_mode_asks_for_the_container_and_its_published_address():
    settings = {
        "ssl_enabled": False,
        "run_mode": "docker",
        "bind_address": "10.0.0.5",
        "port": 9093,
    }
    assert st.health_url(settings) == "http://10.0.0.5:9093/manage/health"


def test_counting_is_the_preflight_rule():
    results = [{"id": "a", "status": "pass"}, {"id": "b", "status": "warn"}]
    shaped = st.shape_result(results, {}, None, {}, True, NOW)
    assert shaped["counts"] == checks.count(results)
    assert shaped["failed_ids"] == ["b"]
