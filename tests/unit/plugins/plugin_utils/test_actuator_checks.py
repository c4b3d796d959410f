"""security.actuator and config.actuator: the verdicts, fail closed, and the settings behind them (issue 22)."""

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import actuator_checks as ac
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import checks, management
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import settings as model

from .test_checks import by_id, ctx

PROBED = [("health", "GET")] + [(e, "POST" if e == "heapdump" else "GET") for e in ac.DANGEROUS]


def running(statuses, default=404):
    answers = []
    for endpoint, method in PROBED:
        answer = {"endpoint": endpoint, "method": method, "path": "/manage/" + endpoint}
        value = statuses.get(endpoint, default)
        answer.update({"error": value} if isinstance(value, str) else {"status": value})
        answers.append(answer)
    target = {"host": "127.0.0.1", "port": 9093, "scheme": "https", "answers": answers}
    return {"running": True, "port": 9093, "targets": [target]}


# What v4.0.8 with today's role answers (every endpoint but env exposed, /manage/* open).
UPSTREAM = {"health": 200, "heapdump": 405, "threaddump": 200, "configprops": 200, "beans": 200,
            "mappings": 200, "loggers": 200, "shutdown": 405, "env": 404}  # fmt: skip


def test_upstream_defaults_fail_naming_the_heap_dump_and_the_shutdown():
    verdict = ac.judge(running(UPSTREAM))
    assert verdict["status"] == "fail"
    assert "POST /manage/heapdump on https://127.0.0.1:9093: 405" in verdict["message"]
    assert "GET /manage/shutdown" in verdict["message"] and "passwords" in verdict["message"]
    assert "/manage/env" not in verdict["message"]
    assert "integrasjonspunkt_actuator_exposure: locked" in verdict["fix"]


def test_locked_passes_with_health_open():
    verdict = ac.judge(running({"health": 200}))
    assert verdict["status"] == "pass" and "heapdump" in verdict["message"]


def test_behind_authentication_passes():
    assert ac.judge(running({"health": 200}, default=401))["status"] == "pass"
    assert ac.judge(running({"health": 200}, default=403))["status"] == "pass"


@pytest.mark.parametrize(
    "statuses",
    [
        {"heapdump": "timed out after 5.0 s"},
        {"shutdown": "ConnectionRefusedError: refused"},
        {"env": 500},
        {"beans": 302},
    ],
)
def test_an_answer_that_cannot_be_read_is_unknown_never_pass(statuses):
    verdict = ac.judge(running(statuses))
    assert verdict["status"] == "unknown"


def test_one_open_endpoint_beside_errors_still_fails():
    assert ac.judge(running({"heapdump": 405, "shutdown": "timed out"}))["status"] == "fail"


def test_an_endpoint_not_asked_is_unknown():
    result = running({})
    result["targets"][0]["answers"] = [a for a in result["targets"][0]["answers"] if a["endpoint"] != "shutdown"]
    verdict = ac.judge(result)
    assert verdict["status"] == "unknown" and "shutdown was not asked" in verdict["message"]


@pytest.mark.parametrize(
    ("result", "status"),
    [
        ({"running": False, "port": 9093, "reason": "the port is free", "targets": []}, "info"),
        ({"running": None, "port": 9093, "reason": "a holder without a name", "targets": []}, "unknown"),
        ({"running": True, "port": 9093, "targets": []}, "unknown"),
        (None, "unknown"),
        ("garbage", "unknown"),
    ],
)
def test_not_running_is_info_and_not_knowing_is_unknown(result, status):
    assert ac.judge(result)["status"] == status


def test_a_probe_that_could_not_run_makes_the_check_error():
    results = by_id(checks.run_checks(ctx(actuator=None, errors={"actuator": {"message": "collector timed out"}})))
    assert results["security.actuator"]["status"] == "error"
    assert "collector timed out" in results["security.actuator"]["message"]


def test_the_engine_fails_an_open_actuator():
    results = by_id(checks.run_checks(ctx(actuator=running(UPSTREAM))))
    assert results["security.actuator"]["status"] == "fail"


def test_config_actuator_warns_for_upstream_and_passes_locked():
    upstream = model.normalise({"integrasjonspunkt_actuator_exposure": "upstream"})
    results = by_id(checks.run_checks(ctx(settings=upstream)))
    assert results["config.actuator"]["status"] == "warn"
    assert "heapdump" in results["config.actuator"]["message"]
    assert "preflight_ignore" in results["config.actuator"]["fix"]
    assert by_id(checks.run_checks(ctx()))["config.actuator"]["status"] == "pass"


# --- the settings ----------------------------------------------------------------------------------------


def problems(**raw):
    _out, found = model.evaluate({"integrasjonspunkt_" + k: v for k, v in raw.items()}, "install")
    return {p["variable"]: p for p in found if p["severity"] == "fail"}


def test_the_default_renders_the_locked_properties():
    props = dict(model.normalise({})["management"]["properties"])
    assert props["management.endpoints.web.exposure.include"] == "health,info"
    assert props["management.endpoints.access.max-permitted"] == "read-only"
    for name in ("heapdump", "threaddump", "configprops", "env", "beans", "mappings", "shutdown", "loggers"):
        assert props["management.endpoint.%s.access" % name] == "none"
    # enabled-by-default (upstream) and access.default may not both be set (Spring Boot 3.4+): never written.
    assert "management.endpoints.access.default" not in props
    assert not any(k.startswith("management.server.") for k in props)


def test_upstream_writes_no_exposure_property():
    got = model.normalise({"integrasjonspunkt_actuator_exposure": "upstream"})["management"]
    assert got["properties"] == []


def test_metrics_on_a_management_port_java_and_docker():
    raw = {"integrasjonspunkt_metrics_enabled": True, "integrasjonspunkt_management_port": 9094}
    java = model.normalise(raw)["management"]
    docker = model.normalise(dict(raw, integrasjonspunkt_run_mode="docker"))["management"]
    assert dict(java["properties"])["management.endpoints.web.exposure.include"] == "health,info,prometheus"
    assert dict(java["properties"])["management.server.address"] == "127.0.0.1"
    assert dict(docker["properties"])["management.server.address"] == "0.0.0.0"
    assert docker["publish"] == ["127.0.0.1:9094:9094"] and java["publish"] == []
    assert (java["health_host"], java["health_port"]) == ("127.0.0.1", 9094)
    # Everything but the in-container address is the same in both modes: one source.
    strip = [p for p in java["properties"] if p[0] != "management.server.address"]
    assert strip == [p for p in docker["properties"] if p[0] != "management.server.address"]


def test_metrics_without_a_management_port_is_refused_naming_why():
    found = problems(metrics_enabled=True)
    assert "/manage/prometheus" in found["integrasjonspunkt_metrics_enabled"]["allowed"]
    assert "integrasjonspunkt_management_port" in found["integrasjonspunkt_metrics_enabled"]["allowed"]


@pytest.mark.parametrize(
    ("raw", "variable", "words"),
    [
        ({"management_port": 9093}, "integrasjonspunkt_management_port", "other than integrasjonspunkt_port"),
        ({"management_port": 70000}, "integrasjonspunkt_management_port", "from 1 to 65535"),
        ({"management_port": "x"}, "integrasjonspunkt_management_port", "whole number"),
        ({"management_address": "mgmt.example"}, "integrasjonspunkt_management_address", "IP address"),
        ({"actuator_exposure": "open"}, "integrasjonspunkt_actuator_exposure", "locked or upstream"),
        ({"metrics_enabled": "maybe"}, "integrasjonspunkt_metrics_enabled", "boolean"),
    ],
)
def test_bad_values_are_refused_naming_variable_value_and_allowed(raw, variable, words):
    found = problems(**raw)
    assert variable in found and words in found[variable]["allowed"]
    assert found[variable]["value"] == next(iter(raw.values()))


def test_extra_properties_cannot_reopen_the_actuator():
    found = problems(extra_properties={"management.endpoints.web.exposure.include": "*"})
    assert "integrasjonspunkt_extra_properties" in found
    found = problems(extra_properties={"management.endpoint.heapdump.access": "unrestricted"})
    assert "integrasjonspunkt_extra_properties" in found


def test_probe_targets_follow_the_settings():
    plain = model.normalise({"integrasjonspunkt_ssl_enabled": False})
    assert management.probe_targets(plain) == [{"host": "127.0.0.1", "port": 9093, "scheme": "http"}]
    both = model.normalise({"integrasjonspunkt_management_port": 9094, "integrasjonspunkt_management_address": "::1"})
    assert management.probe_targets(both)[1] == {"host": "[::1]", "port": 9094, "scheme": "https"}


# --- the properties template, Java and Docker mode ---------------------------------------------------------


@pytest.mark.parametrize("mode", ["java", "docker"])
def test_the_properties_file_closes_the_actuator_in_both_modes(mode):
    from tests.unit.test_tls_templates import render  # noqa: PLC0415

    props, _text = render("integrasjonspunkt-local.properties.j2", integrasjonspunkt_run_mode=mode)
    assert props["management.endpoints.web.exposure.include"] == "health,info"
    assert props["management.endpoint.heapdump.access"] == "none"
    assert props["management.endpoint.shutdown.access"] == "none"
    assert props["management.endpoints.access.max-permitted"] == "read-only"
