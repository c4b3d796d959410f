"""preflight_gather's main() as named steps: parse the arguments, plan the run, build the job list, run it within
the budget, shape the result. Fail closed: a collector that raises or hangs is an `error`, never a missing or an
ok section."""

import json
import sys
import threading
import time

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import gather
from ansible_collections.eformidling.integrasjonspunkt.plugins.modules import preflight_gather as pg

NTP = {"name": "ntp", "host": "time.example", "port": 123, "protocol": "udp-ntp"}
WEB = {"name": "web", "host": "web.example", "port": 443, "protocol": "https"}
REGISTRY = {"name": "ghcr", "host": "ghcr.example", "protocol": "https", "phase": "install", "run_modes": ["docker"]}


def params(**kw):
    out = {name: spec.get("default") for name, spec in pg.ARGUMENT_SPEC.items()}
    out.update(kw)
    return out


def probe_budget(timeout):
    return 3 * timeout


def plan(**kw):
    return pg.plan_run(params(**kw), 100.0, probe_budget)


def boom(*_args, **_kwargs):
    raise ValueError("injected")


class FakeModule:
    def get_bin_path(self, name, opt_dirs=None):
        return "/usr/bin/" + name

    def run_command(self, argv, **_kwargs):
        return 0, "", ""


def run_main(capsys, args):
    with patch_module_args(args), pytest.raises(SystemExit):
        pg.main()
    return json.loads(capsys.readouterr().out)


def test_parse_args_applies_the_defaults():
    with patch_module_args({"ntp_host": "time.example"}):
        module = pg.parse_args()
    assert module.params["ntp_host"] == "time.example"
    assert module.params["timeout"] == 5.0 and module.params["endpoints"] == []


def test_parse_args_refuses_an_old_python_naming_the_fix(capsys, monkeypatch):
    monkeypatch.setattr(gather, "python_refusal", lambda *_a: "too old: install python3.8+")
    with patch_module_args({}), pytest.raises(SystemExit):
        pg.parse_args()
    out = json.loads(capsys.readouterr().out)
    assert out["failed"] is True and out["unsupported_python"] is True and out["msg"] == "too old: install python3.8+"


def test_plan_run_answers_the_ntp_host_entry_from_its_one_probe_and_sends_the_registry_through_the_engine():
    got = plan(endpoints=[NTP, WEB, REGISTRY], ntp_host=" time.example ", docker_host="unix:///run/docker.sock")
    assert got["ntp_host"] == "time.example" and got["spec"] == "time.example"
    assert got["ntp_entries"] == [NTP] and got["probed"] == [WEB] and got["registry"] == [REGISTRY]
    without_docker = plan(endpoints=[NTP, WEB, REGISTRY])
    assert without_docker["registry"] == [] and without_docker["probed"] == [NTP, WEB, REGISTRY]


def test_plan_run_budget_and_timeouts():
    got = plan(timeout=2.0, command_timeout=0.1, paths={"data": "/d", "logs": "/d", "temp": "", "install": "/i"})
    assert got["budget"] == probe_budget(2.0) + gather.SLACK_SECONDS
    assert got["probe_deadline"] == 100.0 + probe_budget(2.0) and got["deadline"] == 100.0 + got["budget"]
    assert got["command_timeout"] == 0.5 and got["ntp_timeout"] == gather.NTP_TIMEOUT_CAP
    assert got["unique_paths"] == ["/d", "/i"]
    assert plan(timeout=0)["timeout"] == 5.0  # not a usable timeout: the default


def test_build_jobs_starts_only_what_was_asked_for():
    bare = list(pg.build_jobs(FakeModule(), params(), plan()))
    assert [j[0] for j in bare] == ["connectivity", "resources", "port", "timesync"]
    assert dict((j[0], j[3]) for j in bare)["timesync"]["probes_done"] is None
    every = params(
        endpoints=[NTP, WEB, REGISTRY],
        ntp_host="time.example",
        docker_host="unix:///run/docker.sock",
        identity_grant="grant",
        identity={"token_url": "https://mp.example/token", "org_number": "991825827"},
    )
    got = pg.plan_run(every, 100.0, probe_budget)
    jobs = {name: (func, args, kwargs) for name, func, args, kwargs in pg.build_jobs(FakeModule(), every, got)}
    assert list(jobs) == ["ntp_probe", "connectivity", "registry", "identity", "resources", "port", "timesync"]
    assert jobs["connectivity"][1] == ([WEB],) and jobs["connectivity"][2]["use_environment"] is False
    assert jobs["registry"][1][-1] == [REGISTRY] and jobs["registry"][1][2] == "/usr/bin/docker"
    assert jobs["identity"][1][:2] == ("grant", "https://mp.example/token")
    assert jobs["timesync"][2]["probes_done"] == {"time.example": got["pending"]}
    # Every network collector ends by the probes' deadline, inside the call's budget.
    for name in ("ntp_probe", "connectivity", "registry", "identity", "timesync"):
        assert jobs[name][2]["deadline"] == got["probe_deadline"], name


HOST_COLLECTORS = ("actuator_probe", "dirperms", "lifecycle_records", "listening", "resources", "timesync_collect")


def test_the_network_jobs_come_before_the_host_collectors_are_imported(monkeypatch):
    """run_jobs starts each job as build_jobs yields it: the probes must be out before the host collectors' code
    is imported (compiled from the payload's zip on every call), so that import runs while the probes wait."""
    package = sys.modules[gather.__name__.rsplit(".", 1)[0]]
    for name in HOST_COLLECTORS:  # as on a host: not imported yet (monkeypatch puts them back afterwards)
        monkeypatch.delitem(sys.modules, "%s.%s" % (package.__name__, name), raising=False)
        monkeypatch.delattr(package, name, raising=False)
    asked = params(endpoints=[NTP, WEB], ntp_host="time.example", identity_grant="grant", identity={})
    jobs = pg.build_jobs(FakeModule(), asked, pg.plan_run(asked, 100.0, probe_budget))
    first = [next(jobs)[0] for _step in range(3)]
    assert first == ["ntp_probe", "connectivity", "identity"]
    assert [n for n in HOST_COLLECTORS if hasattr(package, n)] == []
    assert [job[0] for job in jobs] == ["resources", "port", "timesync"]
    assert [n for n in HOST_COLLECTORS if hasattr(package, n)] == list(HOST_COLLECTORS)


def test_run_jobs_starts_each_job_before_the_next_one_is_built():
    started = threading.Event()
    seen = {}

    def jobs():
        yield ("probes", started.set, (), {})
        seen["first_running_while_building_the_second"] = started.wait(15)  # liveness bound, not a timing
        yield ("host", dict, (), {})

    answers, errors = pg.run_jobs(jobs(), time.monotonic() + 15, 15.0)
    assert seen == {"first_running_while_building_the_second": True}
    assert set(answers) == {"probes", "host"} and errors == {}


def test_a_job_that_cannot_be_built_fails_the_call():
    """Building a later job raises: the module fails as a whole (the action's gather error), never a partial pass."""

    def jobs():
        yield ("probes", dict, (), {})
        raise OSError("injected: the owner lookup could not run")

    with pytest.raises(OSError, match="injected"):
        pg.run_jobs(jobs(), time.monotonic() + 5, 5.0)


def test_the_directories_are_inspected_for_the_service_user_and_returned():
    asked = params(service_user="integrasjonspunkt", paths={"data": "/var/lib/ip"})
    jobs = {j[0]: j for j in pg.build_jobs(FakeModule(), asked, pg.plan_run(asked, 100.0, probe_budget))}
    assert jobs["directories"][2] == ({"data": "/var/lib/ip"}, "integrasjonspunkt")
    answer = {"available": True, "user": {"name": "integrasjonspunkt"}, "directories": {}}
    assert pg.shape_result({"directories": answer}, {}, plan())["directories"] == answer


def test_run_jobs_a_raising_job_is_an_error_never_an_answer():
    answers, errors = pg.run_jobs([("good", lambda x: x, (1,), {}), ("bad", boom, (), {})], time.monotonic() + 5, 5.0)
    assert answers == {"good": 1}
    assert errors["bad"]["message"] == "collecting bad failed: ValueError: injected"
    assert "Traceback" in errors["bad"]["exception"]


def test_run_jobs_a_job_still_running_at_the_deadline_is_an_error():
    release = threading.Event()
    try:
        answers, errors = pg.run_jobs([("stuck", release.wait, (30,), {})], time.monotonic() + 0.1, 0.1)
    finally:
        release.set()
    assert answers == {} and "did not finish within the 0.1 s budget" in errors["stuck"]["message"]


def test_shape_result_keeps_every_entry_of_a_failed_collector_as_an_error():
    got = plan(endpoints=[NTP, WEB, REGISTRY], ntp_host="time.example", docker_host="unix:///run/docker.sock")
    web = {"name": "web", "ok": True, "status": "ok"}
    _answers, errors = pg.run_jobs([("ntp_probe", boom, (), {}), ("registry", boom, (), {})], time.monotonic() + 5, 5.0)
    out = pg.shape_result({"connectivity": [web], "timesync": {"probes": [got["pending"]]}}, errors, got)
    by_name = {e["name"]: e for e in out["connectivity"]["endpoints"]}
    assert set(by_name) == {"web", "ntp", "ghcr"}
    for name in ("ntp", "ghcr"):
        assert (by_name[name]["ok"], by_name[name]["status"]) == (False, "error"), by_name[name]
        assert "ValueError: injected" in by_name[name]["message"]
    assert "Traceback" in by_name["ntp"]["exception"]
    assert "ntp_probe" not in out and out["timesync"]["probes"] == []  # no probe: nothing pretends to be one
    assert set(out["errors"]) == {"ntp_probe", "registry"}


def test_shape_result_without_connectivity_has_no_section_only_the_error():
    errors = {"connectivity": {"message": "collecting connectivity failed: ValueError: injected"}}
    out = pg.shape_result({"port": {"listening": False}}, errors, plan(endpoints=[WEB]))
    assert "connectivity" not in out and out["errors"] == errors and out["port"] == {"listening": False}


def test_shape_result_fills_in_the_one_ntp_probe():
    got = plan(endpoints=[NTP], ntp_host="time.example")
    probe = {
        "server": "time.example",
        "reachable": True,
        "resolved": True,
        "address": "192.0.2.1",
        "stratum": 2,
        "offset_seconds": 0.002,
    }
    out = pg.shape_result({"connectivity": [], "ntp_probe": probe, "timesync": {"probes": [got["pending"]]}}, {}, got)
    assert out["ntp_probe"] == probe and out["timesync"]["probes"] == [probe]
    assert [(e["name"], e["status"]) for e in out["connectivity"]["endpoints"]] == [("ntp", "ok")]


def test_main_reports_a_crashing_collector_under_errors(capsys, monkeypatch):
    monkeypatch.setattr(pg, "build_jobs", lambda *_a: [("connectivity", boom, (), {}), ("port", dict, (), {})])
    out = run_main(capsys, {"endpoints": [WEB], "timeout": 1.0})
    assert out["errors"]["connectivity"]["message"] == "collecting connectivity failed: ValueError: injected"
    assert "connectivity" not in out and out["port"] == {}
    assert out["budget_seconds"] == 3 * 1.0 + gather.SLACK_SECONDS
    assert {"resolver", "python", "elapsed_seconds"} <= set(out) and not out.get("failed")


def test_main_hides_the_proxy_password(capsys, monkeypatch):
    seen = {}

    def record(module, params_, plan_):
        seen["no_log"] = set(module.no_log_values)
        return [("connectivity", lambda: [{"name": "web", "message": "via %s" % params_["proxy"]}], (), {})]

    monkeypatch.setattr(pg, "build_jobs", record)
    out = run_main(capsys, {"proxy": "http://user:Pw-secret-proxy@proxy.example:3128"})
    assert "Pw-secret-proxy" in seen["no_log"]
    assert "Pw-secret-proxy" not in json.dumps(out)


def test_the_actuator_is_asked_only_when_targets_are_given_and_its_answer_is_returned():
    assert "actuator" not in [j[0] for j in pg.build_jobs(FakeModule(), params(), plan())]
    targets = [{"host": "127.0.0.1", "port": 9093, "scheme": "https"}]
    asked = params(actuator_targets=targets)
    got = pg.plan_run(asked, 100.0, probe_budget)
    jobs = {j[0]: j for j in pg.build_jobs(FakeModule(), asked, got)}
    assert jobs["actuator"][2][1] == targets and jobs["actuator"][3]["deadline"] == got["probe_deadline"]
    answer = {"running": False, "port": 9093, "reason": "the port is free", "targets": []}
    assert pg.shape_result({"actuator": answer}, {}, plan())["actuator"] == answer
    # A crashed or late actuator collector is reported under errors, never as an answer.
    shaped = pg.shape_result({}, {"actuator": {"message": "collecting actuator failed"}}, plan())
    assert "actuator" not in shaped and "actuator" in shaped["errors"]
