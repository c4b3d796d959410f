"""The gather orchestration: collectors that raise or hang are errors, the NTP host probe feeds both checks."""

import threading

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import gather, resources, timesync_collect


def test_collectors_keep_answers_errors_and_stragglers_apart():
    # The injected clock says the deadline (100.5) has passed when the stuck collector is waited for, and
    # leaves the whole budget for the others: the verdicts follow the clock, not this machine's speed.
    readings = iter([101.0, 100.0, 100.0])
    jobs = gather.Collectors(clock=lambda: next(readings))
    release = threading.Event()
    jobs.start("stuck", release.wait, 30)
    jobs.start("fine", lambda: {"x": 1})
    jobs.start("broken", lambda: 1 / 0)
    try:
        answers, errors = jobs.finish(100.5, 0.5)
        assert release.is_set() is False  # finish returned while "stuck" was still blocked
    finally:
        release.set()
    assert next(readings, "used up") == "used up"  # one reading per collector
    assert answers == {"fine": {"x": 1}}
    assert "ZeroDivisionError" in errors["broken"]["message"]
    assert "Traceback" in errors["broken"]["exception"]
    assert "did not finish within the 0.5 s budget" in errors["stuck"]["message"]


def test_python_below_38_is_refused_with_the_fix():
    msg = gather.python_refusal((3, 6, 15, "final", 0), "/usr/libexec/platform-python")
    assert "3.6.15" in msg and "/usr/libexec/platform-python" in msg and "ansible_python_interpreter" in msg
    assert gather.python_refusal((3, 7, 16), "/usr/bin/python3.7")
    assert gather.python_refusal((3, 8, 0), "/usr/bin/python3.8") is None


NTP = {"name": "ntp", "host": "ntp.intern", "port": 123, "protocol": "udp-ntp", "severity": "warn"}


def test_ntp_endpoint_from_the_one_probe():
    ok = gather.ntp_endpoint_result(
        NTP,
        {"server": "ntp.intern", "reachable": True, "resolved": True, "address": "127.0.0.1", "offset_seconds": 0.1},
    )
    assert (ok["ok"], ok["status"]) == (True, "ok")
    dns = gather.ntp_endpoint_result(NTP, {"resolved": False, "error": "cannot resolve", "error_kind": "dns"})
    assert (dns["ok"], dns["status"]) == (False, "dns_error")
    drop = gather.ntp_endpoint_result(
        NTP, {"resolved": True, "addresses": ["127.0.0.9"], "error": "timed out", "error_kind": "timeout"}
    )
    assert (drop["status"], drop["failed_addresses"][0]["address"]) == ("ntp_error", "127.0.0.9")
    crash = gather.ntp_endpoint_result(
        NTP, {"resolved": True, "reachable": True, "error": "boom", "error_kind": "error"}
    )
    assert (crash["ok"], crash["status"]) == (False, "error")


def test_only_the_ntp_hosts_own_entry_is_answered_by_its_probe():
    assert gather.is_ntp_host_entry(NTP, "ntp.intern.")
    assert not gather.is_ntp_host_entry(dict(NTP, host="other.ntp"), "ntp.intern")
    assert not gather.is_ntp_host_entry(dict(NTP, dropped="not used"), "ntp.intern")
    assert not gather.is_ntp_host_entry(NTP, "")


def test_pending_probe_is_replaced_by_the_real_one():
    pending = {"server": "ntp.intern", "pending": True}
    real = {"server": "ntp.intern", "reachable": True}
    other = {"server": "other"}
    assert gather.fill_pending([other, pending], pending, real) == [other, real]
    assert gather.fill_pending([pending, None], pending, None) == []


def test_resolv_conf():
    text = "# generated\nnameserver 10.0.0.2\nnameserver 10.0.0.3 # second\nsearch example.no intern\n"
    assert gather.parse_resolv_conf(text) == {
        "nameservers": ["10.0.0.2", "10.0.0.3"],
        "search": ["example.no", "intern"],
    }
    assert gather.read_resolver("/nonexistent/resolv.conf")["reason"].startswith("cannot read")


def test_time_daemons_of_other_pid_namespaces_do_not_count():
    links = {"/proc/self/ns/pid": "pid:[1]", "/proc/10/ns/pid": "pid:[1]", "/proc/20/ns/pid": "pid:[2]"}

    def readlink(path):
        if path not in links:
            raise PermissionError(path)
        return links[path]

    paths = ["/proc/10/comm", "/proc/20/comm", "/proc/30/comm"]
    # 20 is a container's process; 30 cannot be inspected and is kept
    assert timesync_collect.own_namespace_procs(paths, readlink) == ["/proc/10/comm", "/proc/30/comm"]


def test_debian_point_release_as_ansible_names_it():
    assert resources.debian_point_release("12.11\n", "12") == "12.11"
    assert resources.debian_point_release("trixie/sid\n", "13") == "13"
    assert resources.debian_point_release("11.9", "12") == "12"
    assert resources.debian_point_release(None, "12") == "12"


def test_registry_endpoints_go_through_the_engines_own_proxy():
    seen = {}

    def fake_run(argv):
        seen["argv"] = argv
        return 0, "http://proxy.intern:3128||.intern,localhost\n", ""

    def fake_probe_all(entries, **kwargs):
        seen["kwargs"] = kwargs
        return [{"name": e["name"], "ok": True} for e in entries]

    ghcr = {"name": "ghcr", "phase": "install", "run_modes": ["docker"]}
    out = gather.probe_registry(fake_probe_all, fake_run, "/usr/bin/docker", "unix:///run/d.sock", [ghcr], timeout=1)
    assert seen["argv"][:3] == ["/usr/bin/docker", "-H", "unix:///run/d.sock"]
    assert (seen["kwargs"]["proxy"], seen["kwargs"]["no_proxy"]) == ("http://proxy.intern:3128", ".intern,localhost")
    assert "engine's own proxy" in out[0]["proxy_source"]


def test_an_engine_without_proxy_or_cli_is_probed_directly():
    assert gather.engine_proxy(lambda argv: (1, "", "denied"), "/usr/bin/docker", None) == {
        "https": None,
        "http": None,
        "no_proxy": None,
    }
    assert gather.engine_proxy(None, None, None)["https"] is None
    assert gather.is_registry_entry({"phase": "install", "run_modes": ["docker"]})
    assert not gather.is_registry_entry({"phase": "install", "run_modes": ["java"]})
    assert not gather.is_registry_entry({"phase": "runtime"})


def test_ntp_endpoint_is_ok_only_for_a_reply_with_an_offset():
    """A probe with an address but no usable reply is never `ok` (issue 18)."""
    for probe in (
        {"resolved": True, "reachable": False, "address": "127.0.0.9", "addresses": ["127.0.0.9"], "error": "timed out",
         "error_kind": "timeout"},
        {"resolved": True, "reachable": True, "address": "127.0.0.9", "offset_seconds": None},
        {"resolved": True, "reachable": "yes", "address": "127.0.0.9", "offset_seconds": 0.1},
        {"address": "127.0.0.9"},
    ):  # fmt: skip
        result = gather.ntp_endpoint_result(NTP, probe)
        assert (result["ok"], result["ntp"]["ok"]) == (False, False), probe
        assert result["status"] != "ok", probe
