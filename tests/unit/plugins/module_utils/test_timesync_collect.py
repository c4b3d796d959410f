"""timesync_collect.gather(): fault injection in every step, command timeouts, the deadline, probes_done.

Commands are served by an injected `run` from captured fixtures, or by real stub scripts on a private PATH
that sleep; NTP traffic goes only to UDP responders on 127.0.0.1 run by these tests.
"""

import os
import socket
import stat
import struct
import threading
import time

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import (
    sntp,
    timesync,
    timesync_collect,
    tzif,
)
from tests.unit.plugins.module_utils.timesync_fixtures import ok

CHRONY = {
    ("chronyc", "-c", "tracking"): ok("chrony_tracking_synced.csv"),
    ("chronyc", "-c", "sources"): ok("chrony_sources_synced.csv"),
}
NTPD = {
    ("ntpq", "-pn"): ok("ntpq_pn_synced.txt"),
    ("ntpq", "-n", "-c", "rv 0 leap,stratum,refid,offset,rootdelay,rootdisp,sys_jitter"): ok("ntpq_rv_synced.txt"),
}
TIMEDATECTL = {
    ("timedatectl", "show"): ok("timedatectl_show_synced.txt"),
    ("timedatectl", "show-timesync"): ok("timedatectl_show_timesync_synced.txt"),
}


class FakeRun:
    """run(argv, timeout) from a table; records every call and the timeout it was given."""

    def __init__(self, table):
        self.table = dict(table)
        self.calls = []

    def __call__(self, argv, timeout):
        self.calls.append((tuple(argv), timeout))
        return self.table.get(tuple(argv))


def which_all(name):
    return "/usr/bin/" + name


@pytest.fixture
def active(monkeypatch):
    """Pin the running services (this machine runs test chronyds of other tests at random)."""

    def pin(*names):
        summary = timesync.service_summary(list(names), list(names))
        summary["error"] = None
        monkeypatch.setattr(timesync_collect, "services", lambda which_fn: dict(summary))

    return pin


def gather(run, **kwargs):
    kwargs.setdefault("probe", False)
    kwargs.setdefault("reference_time_max_age", None)
    return timesync_collect.gather(run, which_all, **kwargs)


def boom(*_args, **_kwargs):
    raise RuntimeError("injected failure")


# --------------------------------------------------------------------------- baseline


def test_synced_chrony_and_age_left_to_the_caller(active):
    active("chrony")
    ts = gather(FakeRun({**CHRONY, **TIMEDATECTL}))
    chrony = ts["chrony"]
    assert (chrony["synchronised"], chrony["error"], chrony["offset_basis"]) == (True, None, "system time")
    assert chrony["offset_note"] is None
    assert (ts["synchronised"], ts["source"]) == (True, "chrony")
    # the fixture's reference time is months old: reported, not judged, when max_age is None
    assert chrony["reference_time_age_seconds"] > 86400
    assert chrony["reference_time_age_seconds"] == chrony["tracking"]["ref_age_seconds"]
    assert ts["error"] is None
    assert [c["outcome"] for c in ts["commands"]] == ["rc=0"] * 3
    assert all(0 < c["timeout_seconds"] <= 5 for c in ts["commands"])


def test_standalone_max_age_still_judges_the_age(active):
    active("chrony")
    ts = gather(FakeRun(CHRONY), reference_time_max_age=3600)
    assert ts["chrony"]["synchronised"] is False
    assert any("old (limit 3600 s)" in r for r in ts["chrony"]["unsync_reasons"])


def test_missing_tools_are_not_failures(active):
    active()
    ts = gather(FakeRun({}))
    assert ts["chrony"]["reason"] == "chronyc is not installed"
    assert ts["chrony"]["error"] is None
    assert ts["timesyncd"]["reason"] == "timedatectl is not installed"
    assert ts["source"] == "kernel"
    assert [c["outcome"] for c in ts["commands"]] == ["missing", "missing"]


# --------------------------------------------------------------------------- fault injection, one per step


@pytest.mark.parametrize(
    ("target", "service", "view"),
    [
        ((timesync, "chrony_view"), "chrony", "chrony"),
        ((timesync, "parse_chrony_tracking"), "chrony", "chrony"),
        ((timesync, "ntpd_view"), "ntpd", "ntpd"),
        ((timesync, "parse_ntpq_peers"), "ntpd", "ntpd"),
        ((timesync, "timesyncd_view"), "timesyncd", "timesyncd"),
        ((timesync, "parse_keyvalue"), "timesyncd", "timesyncd"),
        ((timesync, "read_adjtimex"), None, "kernel"),
    ],
)
def test_a_step_that_raises_is_unknown(monkeypatch, active, target, service, view):
    active(*([service] if service else []))
    monkeypatch.setattr(*target, boom)
    ts = gather(FakeRun({**CHRONY, **NTPD, **TIMEDATECTL}))
    failed = ts[view]
    assert failed["synchronised"] is None
    assert failed["available"] is False
    assert "injected failure" in failed["error"]
    assert "injected failure" in failed["reason"]
    if service:  # the running daemon's view crashed: no other view stands in for it
        assert ts["source"] == service
        assert ts["synchronised"] is None
        assert ts["offset_seconds"] is None
    assert ts["synchronised"] is not True or view == "kernel"


def test_timezone_step_that_raises(monkeypatch, active):
    active("chrony")
    monkeypatch.setattr(tzif, "timezone_view", boom)
    ts = gather(FakeRun(CHRONY))
    tz = ts["timezone"]
    assert (tz["name"], tz["utc_offset_seconds"], tz["oslo_equivalent"]) == (None, None, None)
    assert tz["reason"] == "reading the time zone failed: RuntimeError: injected failure"


def test_services_step_that_raises(monkeypatch):
    monkeypatch.setattr(timesync, "services_from_comms", boom)
    ts = gather(FakeRun(CHRONY))
    service = ts["service"]
    assert "injected failure" in service["error"]
    assert (service["name"], service["conflict"]) == (None, None)  # unknown, not "none running"


def test_configuration_step_that_raises(monkeypatch, active):
    active("chrony")
    monkeypatch.setattr(timesync_collect, "configured_servers", boom)
    seen = []
    monkeypatch.setattr(sntp, "probe_servers", lambda specs, *a, **k: seen.extend(specs) or [])
    ts = gather(FakeRun(CHRONY), probe=True, check_host="127.0.0.1:1")
    assert "injected failure" in ts["error"]
    assert seen == ["127.0.0.1:1"]  # check_host is still probed


def test_overall_that_raises(monkeypatch, active):
    active("chrony")
    monkeypatch.setattr(timesync, "overall", boom)
    ts = gather(FakeRun(CHRONY))
    assert (ts["synchronised"], ts["source"], ts["offset_seconds"]) == (None, None, None)
    assert "judging the views failed" in ts["error"]


def test_a_runner_that_raises_is_an_error_not_a_missing_tool(active):
    active("chrony")

    def run(argv, timeout):
        raise PermissionError("injected: cannot exec")

    ts = gather(run)
    assert ts["chrony"]["synchronised"] is None
    assert "could not be run: PermissionError" in ts["chrony"]["error"]
    assert ts["synchronised"] is None


def test_a_probe_that_raises_is_an_error_never_reachable(monkeypatch):
    calls = []

    def sample(host, port, timeout):
        calls.append(host)
        if len(calls) == 1:  # one good packet, then our code breaks
            return {"offset_seconds": 0.0, "delay_seconds": 0.001, "stratum": 2, "leap": 0,
                    "root_delay_seconds": 0.0, "root_dispersion_seconds": 0.0}, None, None  # fmt: skip
        raise ValueError("injected failure")

    monkeypatch.setattr(sntp, "builtin_sample", sample)
    (record,) = sntp.probe_servers(["127.0.0.1:9"], samples=3, timeout=0.2, client="builtin")
    assert record["error_kind"] == "error"
    assert "ValueError: injected failure" in record["error"]
    assert record["reachable"] is False
    assert record["offset_seconds"] is None
    assert (record["resolved"], record["addresses"]) == (True, ["127.0.0.1"])


def test_a_probe_thread_that_raises_is_an_error(monkeypatch):
    monkeypatch.setattr(sntp, "probe_server", boom)
    (record,) = sntp.probe_servers(["127.0.0.1:9"], samples=1, timeout=0.2)
    assert (record["reachable"], record["error_kind"]) == (False, "error")
    assert "injected failure" in record["error"]


def test_probe_step_that_raises_inside_gather(monkeypatch, active):
    active("chrony")
    monkeypatch.setattr(timesync_collect, "probe_all", boom)
    ts = gather(FakeRun(CHRONY), probe=True, ntp_servers=["127.0.0.1:9"])
    (record,) = ts["probes"]
    assert (record["reachable"], record["error_kind"]) == (False, "error")
    assert "injected failure" in record["error"]


# --------------------------------------------------------------------------- chrony could not step


def test_lost_step_reports_what_chrony_measured(active):
    """Captured from chronyd -x with `makestep 1 -1` following a server 30 s ahead: System time ~0."""
    active("chrony")
    ts = gather(
        FakeRun(
            {
                ("chronyc", "-c", "tracking"): ok("chrony_tracking_makestep_lost.csv"),
                ("chronyc", "-c", "sources"): ok("chrony_sources_makestep_lost.csv"),
            }
        )
    )
    chrony = ts["chrony"]
    assert abs(chrony["tracking"]["offset_seconds"]) < 0.001  # the trap: System time says ~0
    assert chrony["offset_seconds"] == pytest.approx(-30.0, abs=0.01)
    assert chrony["offset_basis"] == "selected source sample"
    assert "not corrected" in chrony["offset_note"]
    assert ts["offset_seconds"] == pytest.approx(-30.0, abs=0.01)
    assert ts["max_error_seconds"] > 29.9


def test_lost_step_without_sources_falls_back_to_last_offset():
    tracking = ok("chrony_tracking_makestep_lost.csv")
    view = timesync.chrony_view(tracking, (1, "", "506 Cannot talk to daemon"), max_age=None)
    assert view["offset_basis"] == "last offset"
    assert view["offset_seconds"] == pytest.approx(-30.0, abs=0.01)


def test_slewing_clock_keeps_system_time():
    """Without makestep, System time holds +30 s (slow) and the samples are ~0: System time is right."""
    view = timesync.chrony_view(ok("chrony_tracking_faketime_plus30.csv"), ok("chrony_sources_faketime_plus30.csv"))
    assert view["offset_basis"] == "system time"
    assert view["offset_seconds"] == pytest.approx(-30.0, abs=0.01)
    no_sources = timesync.chrony_view(ok("chrony_tracking_faketime_plus30.csv"), (1, "", "x"))
    assert no_sources["offset_basis"] == "system time"  # a small Last offset never hides a large System time
    assert no_sources["offset_seconds"] == pytest.approx(-30.0, abs=0.01)


# --------------------------------------------------------------------------- timeouts and the deadline


def stub_dir(tmp_path, script, names=("chronyc", "ntpq", "timedatectl")):
    """A private directory of executable stubs; returns a `which` that looks only there."""
    for name in names:
        path = tmp_path / name
        path.write_text("#!/bin/sh\n" + script + "\n")
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return lambda name: str(tmp_path / name) if (tmp_path / name).exists() else None


def runner(which_fn):
    return lambda argv, timeout: timesync_collect.run_command(argv, timeout, resolve=which_fn)


def test_hanging_command_is_cut_off_at_its_timeout(tmp_path, active):
    active("timesyncd")
    which_fn = stub_dir(tmp_path, "sleep 30 & wait", names=("timedatectl",))  # a child keeps the pipes too
    ts = timesync_collect.gather(runner(which_fn), which_fn, probe=False, command_timeout=0.5)
    view = ts["timesyncd"]
    assert view["reason"] == "timedatectl show timed out after 0.5 s"
    assert view["error"] == view["reason"]
    assert view["synchronised"] is None
    assert ts["synchronised"] is None  # timesyncd runs and its view is unknown
    assert ts["timezone"]["source"] != "timedatectl"
    (record,) = [c for c in ts["commands"] if c["command"] == "timedatectl show"]
    # cut off at the timeout it was given (left to run, the stub would have ended with rc=0 after 30 s)
    assert (record["outcome"], record["timeout_seconds"]) == ("timeout", 0.5)


def test_run_command_kills_the_process_group(tmp_path):
    marker = tmp_path / "survivor"
    which_fn = stub_dir(tmp_path, "(sleep 1.5; touch %s) & sleep 30" % marker, names=("timedatectl",))
    with pytest.raises(timesync_collect.CommandTimeout, match=r"timed out after 0\.3 s"):
        timesync_collect.run_command(["timedatectl", "show"], 0.3, resolve=which_fn)
    time.sleep(2)
    assert not marker.exists(), "a child of the timed-out command lived on"


def test_every_command_hanging_returns_by_the_deadline(tmp_path, active):
    active("chrony", "ntpd", "timesyncd")
    which_fn = stub_dir(tmp_path, "sleep 30")
    ts = timesync_collect.gather(
        runner(which_fn), which_fn, probe=False, command_timeout=5, deadline=time.monotonic() + 1.0
    )
    for view in ("chrony", "ntpd", "timesyncd"):
        assert ts[view]["synchronised"] is None, view
        assert "timed out after" in ts[view]["reason"], ts[view]["reason"]
    # each command got what was left of the budget, less the reserve for recording it, never its own 5 s
    assert {c["outcome"] for c in ts["commands"]} == {"timeout"}
    assert all(c["timeout_seconds"] <= 1.0 - timesync_collect.DEADLINE_RESERVE_SECONDS for c in ts["commands"])
    assert ts["synchronised"] is None


def test_a_runner_that_ignores_its_timeout_is_abandoned_at_the_deadline(active):
    active("chrony")
    release = threading.Event()

    def run(argv, timeout):
        release.wait(20)  # never honours the timeout

    try:
        ts = gather(run, deadline=time.monotonic() + 0.8)
        # gather returned while the runner was still blocked (it is released only below): abandoned
        assert release.is_set() is False
    finally:
        release.set()
    assert "did not finish within the time budget" in ts["chrony"]["reason"]
    assert ts["chrony"]["synchronised"] is None
    assert ts["synchronised"] is None


def test_no_command_is_started_after_the_deadline(active):
    active("chrony")
    run = FakeRun(CHRONY)
    ts = gather(run, deadline=time.monotonic() - 1)
    assert run.calls == []
    assert "time budget was used up" in ts["chrony"]["reason"]
    assert ts["chrony"]["synchronised"] is None


def test_probes_are_bounded_by_the_deadline(monkeypatch, active):
    active()
    waits = []

    def silent_server(address, port, timeout):  # records what it was allowed to wait; no packet is sent
        waits.append(timeout)
        return None, "timed out after %.3g s" % timeout, "timeout"

    monkeypatch.setattr(sntp, "builtin_sample", silent_server)
    monkeypatch.setattr(sntp, "ntplib_sample", silent_server)
    ts = gather(
        FakeRun({}),
        probe=True,
        ntp_servers=["127.0.0.1:123"],
        probe_timeout=3,
        probe_samples=4,
        deadline=time.monotonic() + 0.8,
    )
    (record,) = ts["probes"]
    assert (record["reachable"], record["error_kind"], record["resolved"]) == (False, "timeout", True)
    # one packet (a silent server costs one timeout), allowed what was left of the deadline less the reserve,
    # never its own 3 s
    assert len(waits) == 1 and record["samples_sent"] == 1
    assert 0 < waits[0] <= 0.8 - timesync_collect.DEADLINE_RESERVE_SECONDS


def test_hanging_name_resolution_is_a_dns_failure(monkeypatch):
    release = threading.Event()

    def getaddrinfo(*_args, **_kwargs):
        release.wait(10)
        raise socket.gaierror("released")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    try:
        (record,) = sntp.probe_servers(["ntp.example.test"], samples=1, timeout=0.3)
    finally:
        release.set()
    assert (record["resolved"], record["error_kind"], record["reachable"]) == (False, "dns", False)
    assert "name resolution did not finish" in record["error"]


# --------------------------------------------------------------------------- probe records


class Responder:
    """An SNTP server on 127.0.0.1 that counts the requests it gets (stratum 0 = a kiss-o'-death reply)."""

    def __init__(self, stratum=2):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.address = "127.0.0.1:%d" % self.sock.getsockname()[1]
        self.stratum = stratum
        self.count = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.stop.is_set():
            try:
                data, peer = self.sock.recvfrom(512)
            except socket.timeout:
                continue
            self.count += 1
            origin = struct.unpack(">Q", data[40:48])[0]
            now = sntp.to_ntp(time.time())
            reply = struct.pack(">BBbbII4sQQQQ", 0x24, self.stratum, 0, -20, 0, 0, b"TEST", now, origin, now, now)
            self.sock.sendto(reply, peer)

    def close(self):
        self.stop.set()
        self.thread.join(2)
        self.sock.close()


@pytest.fixture
def responder():
    server = Responder()
    yield server
    server.close()


class RecordedProbes:
    """Name resolution and NTP exchanges stubbed: every lookup and every packet is recorded, none is made.

    Names resolve from `names` (anything else is a DNS failure); every exchange answers with a good sample.
    """

    def __init__(self, monkeypatch, names):
        self.names = dict(names)
        self.lookups = []
        self.exchanges = []
        monkeypatch.setattr(socket, "getaddrinfo", self.getaddrinfo)
        monkeypatch.setattr(sntp, "builtin_sample", self.sample)

    def getaddrinfo(self, host, port, *_args, **_kwargs):
        self.lookups.append(host)
        if host not in self.names:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP, "", (self.names[host], port))]

    def sample(self, address, port, timeout):
        self.exchanges.append((address, port))
        sample = {"offset_seconds": 0.002, "delay_seconds": 0.01, "stratum": 2, "leap": 0,
                  "root_delay_seconds": 0.0, "root_dispersion_seconds": 0.0}  # fmt: skip
        return sample, None, None


@pytest.fixture
def own_config(monkeypatch, tmp_path):
    """The time daemons' configuration read from tmp_path only (never this machine's /etc)."""
    conf = tmp_path / "chrony.conf"
    conf.write_text("server ntp-a.example.test iburst\npool pool.example.test iburst\n")
    monkeypatch.setattr(timesync_collect, "CHRONY_CONFS", (str(conf),))
    monkeypatch.setattr(timesync_collect, "NTP_CONFS", (str(tmp_path / "no-ntp.conf"),))
    monkeypatch.setattr(timesync_collect, "TIMESYNCD_CONFS", (str(tmp_path / "no-timesyncd.conf"),))
    return conf


def test_probes_done_are_not_probed_again(monkeypatch, own_config, active):
    active()
    host = "ntp-host.example.test"
    net = RecordedProbes(
        monkeypatch, {host: "192.0.2.10", "ntp-a.example.test": "192.0.2.11", "pool.example.test": "192.0.2.12"}
    )
    shared = sntp.probe_server(host, samples=2, timeout=1, client="builtin")
    assert shared["reachable"] is True
    assert net.exchanges == [("192.0.2.10", 123)] * 2
    del net.exchanges[:], net.lookups[:]

    # the server given as ntp_servers, with the caller's record: not probed again, the caller's object kept
    ts = gather(FakeRun({}), probe=True, probe_client="builtin", probes_done={host: shared}, ntp_servers=[host])
    assert ts["probes"] == [shared] and ts["probes"][0] is shared
    assert (net.lookups, net.exchanges) == ([], [])

    # as check_host beside the configured servers (from our own chrony.conf): only those are probed
    ts = gather(FakeRun({}), probe=True, probe_client="builtin", probe_samples=1, probes_done={host: shared},
                ntp_servers=None, check_host=host)  # fmt: skip
    assert ts["ntp_servers_configured"] == ["ntp-a.example.test", "pool.example.test"]
    assert [p["server"] for p in ts["probes"]] == ["ntp-a.example.test", "pool.example.test", host]
    assert ts["probes"][-1] is shared
    assert sorted(net.lookups) == ["ntp-a.example.test", "pool.example.test"]
    assert sorted(net.exchanges) == [("192.0.2.11", 123), ("192.0.2.12", 123)]
    del net.exchanges[:], net.lookups[:]

    # without probes_done the same server is probed, every sample
    ts = gather(FakeRun({}), probe=True, probe_client="builtin", probe_samples=3, ntp_servers=[host])
    assert net.exchanges == [("192.0.2.10", 123)] * 3
    assert ts["probes"][0] is not shared
    assert (ts["probes"][0]["reachable"], ts["probes"][0]["samples_ok"]) == (True, 3)


def test_probes_done_mixed_with_new_servers_keeps_the_order(responder, active):
    active()
    given = sntp.empty_result("127.0.0.1:9", "builtin", "made by the caller", "timeout")
    servers = ["127.0.0.1:9", responder.address]
    ts = gather(FakeRun({}), probe=True, probe_client="builtin", probe_samples=1, ntp_servers=servers,
                probes_done={"127.0.0.1:9": given})  # fmt: skip
    assert [p["server"] for p in ts["probes"]] == servers
    assert ts["probes"][0] is given
    assert ts["probes"][1]["reachable"] is True
    assert responder.count == 1


def test_record_of_a_good_reply(responder):
    record = sntp.probe_server(responder.address, samples=2, timeout=1, client="builtin")
    assert (record["reachable"], record["resolved"], record["error_kind"], record["error"]) == (True, True, None, None)
    assert record["addresses"] == ["127.0.0.1"]
    assert record["stratum"] == 2


def test_record_of_a_refused_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    record = sntp.probe_server("127.0.0.1:%d" % port, samples=4, timeout=1, client="builtin")
    assert (record["reachable"], record["resolved"], record["error_kind"]) == (False, True, "refused")
    assert record["samples_sent"] == 1


def test_record_of_a_kiss_of_death_reply():
    server = Responder(stratum=0)
    try:
        record = sntp.probe_server(server.address, samples=2, timeout=1, client="builtin")
    finally:
        server.close()
    assert (record["reachable"], record["error_kind"]) == (False, "bad_reply")
    assert "stratum 0" in record["error"]
    assert (record["samples_sent"], server.count) == (1, 1)  # kiss-o'-death: no second packet


def test_record_of_a_name_that_does_not_resolve(monkeypatch):
    def getaddrinfo(*_args, **_kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    record = sntp.probe_server("ntp.example.test", samples=2, timeout=0.5)
    assert (record["reachable"], record["resolved"], record["addresses"], record["error_kind"]) == (
        False,
        False,
        [],
        "dns",
    )
    assert record["samples_sent"] == 0
    assert "cannot resolve ntp.example.test" in record["error"]


def test_invalid_spec_is_an_error_record():
    record = sntp.probe_server("bad host")
    assert (record["reachable"], record["error_kind"], record["resolved"]) == (False, "error", False)


def test_every_record_has_the_same_keys(responder):
    keys = set(sntp.empty_result("x").keys())
    assert {"resolved", "addresses", "error_kind"} <= keys
    for record in sntp.probe_servers([responder.address, "bad host"], samples=1, timeout=0.5, client="builtin"):
        assert set(record) == keys
        assert record["error_kind"] in sntp.ERROR_KINDS


def test_default_which_finds_sbin_tools():
    assert timesync_collect.which("sh")
    assert timesync_collect.which("no-such-tool-here") is None
    assert os.path.isabs(timesync_collect.which("sh"))


@pytest.mark.parametrize(
    ("service", "view", "second"),
    [
        ("chrony", "chrony", ("chronyc", "-c", "sources")),
        ("ntpd", "ntpd", ("ntpq", "-n", "-c", "rv 0 leap,stratum,refid,offset,rootdelay,rootdisp,sys_jitter")),
        ("timesyncd", "timesyncd", ("timedatectl", "show-timesync")),
    ],
)
def test_second_command_timing_out_is_unknown_not_a_verdict(active, service, view, second):
    """The first command answered, the second timed out: unknown (never False or True from half the data)."""
    active(service)
    table = FakeRun({**CHRONY, **NTPD, **TIMEDATECTL})

    def run(argv, timeout):
        if tuple(argv) == second:
            raise timesync_collect.CommandTimeout(argv, timeout)
        return table(argv, timeout)

    ts = gather(run)
    assert ts[view]["synchronised"] is None
    assert ts[view]["reason"] == "%s timed out after 5 s" % " ".join(second)
    assert ts[view]["error"] == ts[view]["reason"]
    assert (ts["source"], ts["synchronised"]) == (service, None)
