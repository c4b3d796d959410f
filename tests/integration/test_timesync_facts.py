"""timesync_facts against real chronyd daemons on loopback (all `-x`), real NTP probes and real time zones.

All daemons of this file start at once (module-scoped `lab`), so the slow parts overlap: the "unreachable"
client's server is stopped in the background as soon as that client has synchronised, and its reach has
usually dropped to 0 by the time its test runs. Every module run names its NTP servers explicitly: nothing
outside 127.0.0.1 is ever contacted. Time zones are changed only inside private mount namespaces.
"""

import concurrent.futures
import datetime
import os
import shutil
import socket
import tempfile
import time
import types

import pytest
import zoneinfo

from tests.integration import harness
from tests.integration.chrony_fixtures import ChronyClient, ChronyServer, free_udp_port

SYSTEM_PYTHON = "/usr/bin/python3"  # has no ntplib: exercises the built-in SNTP client


def run(args, **kwargs):
    """Run timesync_facts; return the host result. Refuses runs that would probe outside loopback."""
    assert args.get("probe") is False or all(s.startswith(("127.", "[::1]")) for s in args.get("ntp_servers", [None]))
    result = harness.run_module("timesync_facts", args, **kwargs)
    assert not result.get("failed"), result
    assert result["changed"] is False
    return result


def facts(args, **kwargs):
    """Run timesync_facts; return ansible_facts.eformidling_timesync."""
    return run(args, **kwargs)["ansible_facts"]["eformidling_timesync"]


@pytest.fixture(scope="module")
def lab():
    started = []

    def start(cls, *args, **kwargs):
        daemon = cls(*args, **kwargs)
        started.append(daemon)
        return daemon

    try:
        lab = types.SimpleNamespace(t0=time.monotonic())
        lab.server = start(ChronyServer)
        lab.ahead = start(ChronyServer, faketime_offset="+30s")
        lab.doomed = start(ChronyServer)
        lab.synced = start(ChronyClient, server_port=lab.server.port)
        # No iburst and a 64 s poll: one sample arrives at once, the next only after 64 s, so it stays unsynced.
        lab.fresh = start(ChronyClient, server_port=lab.server.port, iburst=False, minpoll=6, maxpoll=6)
        lab.skewed = start(ChronyClient, server_port=lab.ahead.port)
        # Same server, with a makestep line that applies at once: chronyd -x cannot step, so the step is lost.
        lab.stepless = start(ChronyClient, server_port=lab.ahead.port, makestep="1 -1")
        lab.orphan = start(ChronyClient, server_port=lab.doomed.port)
        lab.local = start(ChronyClient, local_stratum=10)
        lab.monitored = start(ChronyClient, server_port=lab.server.port, cmdport=free_udp_port())
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=2)

        def orphan_server():
            lab.orphan.wait_synced(20)
            lab.doomed.stop()

        lab.orphaned = pool.submit(orphan_server)
        yield lab
        pool.shutdown(wait=True)
    finally:
        for daemon in started:
            daemon.cleanup()


def test_not_yet_synced(lab):
    assert time.monotonic() - lab.t0 < 50, "the 'fresh' client would poll again at 64 s"
    ts = facts({"chronyc_socket": lab.fresh.socket, "probe": False})
    chrony = ts["chrony"]
    assert chrony["available"] is True
    assert chrony["synchronised"] is False
    assert ts["synchronised"] is False
    assert ts["source"] == "chrony"
    assert chrony["tracking"]["reference_id"] == "00000000"
    assert chrony["tracking"]["leap_status"] == "Not synchronised"
    assert "no selected (*) source with reach above 0" in chrony["unsync_reasons"]
    assert ts["probes"] == []


def test_synced(lab):
    lab.synced.wait_synced(20)
    ts = facts({"chronyc_socket": lab.synced.socket, "ntp_servers": [lab.server.address], "probe_samples": 3})
    chrony = ts["chrony"]
    assert chrony["synchronised"] is True, chrony["unsync_reasons"]
    assert chrony["unsync_reasons"] == []
    assert (ts["synchronised"], ts["source"]) == (True, "chrony")
    assert "chrony" in ts["service"]["present"]
    assert "chrony" in ts["service"]["active"]
    assert ts["service"]["name"] == "chrony"
    tracking = chrony["tracking"]
    assert tracking["reference_id"] == "7F000001"
    assert tracking["reference_name"] == "127.0.0.1"
    assert tracking["stratum"] == 9
    assert tracking["leap_status"] == "Normal"
    assert 0 <= tracking["ref_age_seconds"] < 30
    assert abs(ts["offset_seconds"]) < 0.05
    assert ts["max_error_seconds"] == pytest.approx(
        abs(tracking["offset_seconds"]) + tracking["root_dispersion_seconds"] + tracking["root_delay_seconds"] / 2
    )
    (source,) = chrony["sources"]
    assert (source["mode"], source["state"], source["name"]) == ("server", "selected", "127.0.0.1")
    assert source["reach"] > 0
    assert int(source["reach_octal"], 8) == source["reach"]
    assert source["last_rx_seconds"] is not None
    (probe,) = ts["probes"]
    assert probe["reachable"] is True
    assert probe["port"] == lab.server.port
    assert probe["stratum"] == 8
    assert probe["samples_sent"] == probe["samples_ok"] == 3
    assert abs(probe["offset_seconds"]) < 0.05
    assert probe["error"] is None
    assert ts["kernel"]["available"] is True
    assert ts["ntpd"]["synchronised"] is None
    assert ts["offset_convention"].startswith("offset_seconds = local clock - true time")


def test_check_mode_returns_the_same(lab):
    lab.synced.wait_synced(20)
    args = {"chronyc_socket": lab.synced.socket, "ntp_servers": [lab.server.address], "probe_samples": 2}
    normal = facts(args)
    result = run(args, check=True)
    checked = result["ansible_facts"]["eformidling_timesync"]
    assert result["changed"] is False

    def shape(value):
        if isinstance(value, dict):
            return {k: shape(v) for k, v in value.items()}
        if isinstance(value, list):
            return [shape(v) for v in value]
        return type(value).__name__

    assert shape(checked) == shape(normal)
    for key in ("synchronised", "source", "service", "timezone"):
        assert checked[key] == normal[key]
    assert checked["chrony"]["synchronised"] is normal["chrony"]["synchronised"] is True
    assert checked["probes"][0]["reachable"] is normal["probes"][0]["reachable"] is True


def test_local_reference_is_not_synchronised(lab):
    ts = facts({"chronyc_socket": lab.local.socket, "probe": False})
    chrony = ts["chrony"]
    assert chrony["tracking"]["reference_id"] == "7F7F0101"
    assert chrony["tracking"]["leap_status"] == "Normal"  # the trap: leap alone would say synchronised
    assert chrony["synchronised"] is False
    assert any("7F7F0101" in reason for reason in chrony["unsync_reasons"])
    assert chrony["sources"] == []


def test_server_30s_ahead(lab):
    """Offset ~ -30 s (local clock behind) in chrony's view and in direct probes; ntplib and builtin agree."""
    lab.skewed.wait_synced(20)
    args = {"chronyc_socket": lab.skewed.socket, "ntp_servers": [lab.ahead.address]}
    runs = {
        "ntplib": (dict(args, probe_client="auto"), {}),
        "builtin": (dict(args, probe_client="builtin"), {}),
        "system-python": (args, {"inventory": harness.local_inventory(interpreter=SYSTEM_PYTHON)}),
    }
    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        futures = {name: pool.submit(facts, a, **kw) for name, (a, kw) in runs.items()}
        results = {name: future.result() for name, future in futures.items()}
    probes = {name: ts["probes"][0] for name, ts in results.items()}
    assert probes["ntplib"]["client"] == "ntplib"
    assert probes["builtin"]["client"] == "builtin"
    assert probes["system-python"]["client"] == "builtin"  # ntplib cannot be imported there
    for name, ts in results.items():
        assert ts["chrony"]["synchronised"] is True, (name, ts["chrony"]["unsync_reasons"])
        assert ts["chrony"]["tracking"]["offset_seconds"] == pytest.approx(-30.0, abs=0.05), name
        assert ts["chrony"]["offset_basis"] == "system time", name  # slewing: System time holds the offset
        assert ts["offset_seconds"] == pytest.approx(-30.0, abs=0.05), name
        assert ts["max_error_seconds"] > 29.9
        assert 0 <= ts["chrony"]["tracking"]["ref_age_seconds"] < 30  # measured on true time, not local
        assert probes[name]["reachable"] is True
        assert probes[name]["offset_seconds"] == pytest.approx(-30.0, abs=0.05), name
    assert abs(probes["ntplib"]["offset_seconds"] - probes["builtin"]["offset_seconds"]) < 0.005
    assert abs(probes["ntplib"]["offset_seconds"] - probes["system-python"]["offset_seconds"]) < 0.005
    print(
        "\nmeasured offsets: chrony %.6f s; probes ntplib %.6f s, builtin %.6f s, builtin on %s %.6f s"
        % (
            results["ntplib"]["chrony"]["tracking"]["offset_seconds"],
            probes["ntplib"]["offset_seconds"],
            probes["builtin"]["offset_seconds"],
            SYSTEM_PYTHON,
            probes["system-python"]["offset_seconds"],
        )
    )


def test_lost_step_reports_the_measured_offset(lab):
    """chronyd -x with `makestep 1 -1` following a server 30 s ahead: System time ~0, chrony measured -30 s."""
    lab.stepless.wait_synced(20)
    lab.stepless.wait_for(lambda c: "Could not step system clock" in c.read_log(), 10, "a failed step")
    ts = facts({"chronyc_socket": lab.stepless.socket, "ntp_servers": [lab.ahead.address], "probe_samples": 2})
    chrony = ts["chrony"]
    assert abs(chrony["tracking"]["offset_seconds"]) < 0.01  # the trap: "clock is 0.0000 s behind"
    assert chrony["tracking"]["last_offset_seconds"] == pytest.approx(-30.0, abs=0.05)
    assert chrony["synchronised"] is True, chrony["unsync_reasons"]
    assert chrony["offset_seconds"] == pytest.approx(-30.0, abs=0.05)
    assert chrony["offset_basis"] == "selected source sample"
    assert "not corrected" in chrony["offset_note"]
    assert (ts["source"], ts["synchronised"]) == ("chrony", True)
    assert ts["offset_seconds"] == pytest.approx(-30.0, abs=0.05)
    assert ts["max_error_seconds"] > 29.9
    # the direct probe agrees with what chrony measured, and chrony's reference age is sane
    assert ts["probes"][0]["offset_seconds"] == pytest.approx(chrony["offset_seconds"], abs=0.05)
    assert 0 <= chrony["reference_time_age_seconds"] < 30
    print("\nlost step: System time %+.6f s, reported %+.6f s (%s), probe %+.6f s" % (
        chrony["tracking"]["offset_seconds"], chrony["offset_seconds"], chrony["offset_basis"],
        ts["probes"][0]["offset_seconds"]))  # fmt: skip


def test_hanging_timedatectl_is_cut_off(lab, tmp_path):
    """A real `timedatectl` on PATH that hangs (as on a stuck D-Bus) costs command_timeout, and is unknown."""
    stub = tmp_path / "timedatectl"
    stub.write_text("#!/bin/sh\nsleep 60\n")
    stub.chmod(0o755)
    env = {"PATH": os.pathsep.join([harness.VENV_BIN, str(tmp_path), os.environ["PATH"]])}
    lab.synced.wait_synced(20)
    started = time.monotonic()
    ts = facts({"chronyc_socket": lab.synced.socket, "probe": False, "command_timeout": 1.5}, env=env)
    elapsed = time.monotonic() - started
    view = ts["timesyncd"]
    assert view["reason"] == "timedatectl show timed out after 1.5 s"
    assert view["error"] == view["reason"]
    assert view["synchronised"] is None
    (record,) = [c for c in ts["commands"] if c["command"] == "timedatectl show"]
    assert record["outcome"] == "timeout"
    assert 1.4 < record["seconds"] < 3.0
    assert ts["duration_seconds"] < 4.0
    assert elapsed < 60, "the module waited for the hanging command"
    assert (ts["source"], ts["synchronised"]) == ("chrony", True)  # chrony answered; only timesyncd is unknown
    assert ts["timezone"]["source"] != "timedatectl"


def test_probes_are_concurrent_and_bounded(lab):
    """Three silent servers with a 2 s timeout each cost about 2 s together, not 6 s or 3 x 4 x 2 s."""
    sinks = []
    for _sink_number in range(3):
        sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sink.bind(("127.0.0.1", 0))  # bound but never read: requests vanish, no ICMP error
        sinks.append(sink)
    closed_port = free_udp_port()
    servers = ["127.0.0.1:%d" % s.getsockname()[1] for s in sinks] + ["127.0.0.1:%d" % closed_port, lab.server.address]
    started = time.monotonic()
    facts({"chronyc_socket": lab.synced.socket, "probe": False})
    baseline = time.monotonic() - started  # ansible's own start-up cost on this (possibly busy) machine
    try:
        for client in ("ntplib", "builtin"):
            args = {"ntp_servers": servers, "probe_timeout": 2, "probe_samples": 4, "probe_client": client}
            started = time.monotonic()
            ts = facts(dict(args, chronyc_socket=lab.synced.socket))
            elapsed = time.monotonic() - started
            silent, closed, alive = ts["probes"][:3], ts["probes"][3], ts["probes"][4]
            for probe in silent:
                assert probe["reachable"] is False
                assert probe["samples_sent"] == 1, probe  # a dead server costs one timeout, not a burst
                assert "timed out" in probe["error"]
                assert 1.9 < probe["duration_seconds"] < 2.5
            assert closed["reachable"] is False
            assert closed["error"]
            assert alive["reachable"] is True
            assert alive["samples_ok"] == 4
            # Serial probing would add at least 3 x 2 s; concurrent probing adds about 2 s.
            assert elapsed - baseline < 4.0, "probes ran one after another (%.1f s, baseline %.1f s)" % (
                elapsed,
                baseline,
            )
    finally:
        for sink in sinks:
            sink.close()


def _nobody_inventory(workdir):
    """A local host whose module interpreter runs as nobody (uid 65534, no groups); modules are piped in."""
    wrapper = os.path.join(workdir, "python-as-nobody")
    with open(wrapper, "w") as fh:
        fh.write('#!/bin/sh\nexec setpriv --reuid=65534 --regid=65534 --clear-groups %s "$@"\n' % SYSTEM_PYTHON)
    os.chmod(wrapper, 0o755)
    return harness.local_inventory(interpreter=wrapper)


def test_unprivileged(lab):
    """As nobody: chronyc over the UDP command port works; the root-only socket gives unknown, not false."""
    if not shutil.which("setpriv"):
        pytest.fail("setpriv (util-linux) is required")
    workdir = tempfile.mkdtemp(prefix="nobody-")
    os.chmod(workdir, 0o755)
    inventory = _nobody_inventory(workdir)
    env = {"ANSIBLE_PIPELINING": "1"}  # the module never lands in root's private temp dir
    lab.monitored.wait_synced(20)
    runs = [
        ("ansible.builtin.command", {"argv": ["id", "-u"]}),
        ("timesync_facts", {"chronyc_host": "127.0.0.1", "chronyc_port": lab.monitored.cmdport,
                            "ntp_servers": [lab.server.address]}),
        ("timesync_facts", {"chronyc_socket": lab.monitored.socket, "probe": False}),
    ]  # fmt: skip
    # One after the other: three concurrent ansible runs as nobody once lost a worker ("Could not detach from stdio:
    # Bad file descriptor") under a loaded CI machine; the seconds saved are not worth a flaky verdict.
    whoami, over_udp, over_socket = (harness.run_module(m, a, inventory=inventory, env=env) for m, a in runs)
    shutil.rmtree(workdir, ignore_errors=True)
    assert whoami["stdout"] == "65534"
    ts = over_udp["ansible_facts"]["eformidling_timesync"]
    assert ts["chrony"]["synchronised"] is True, ts["chrony"]
    assert (ts["synchronised"], ts["source"]) == (True, "chrony")
    assert ts["kernel"]["available"] is True  # adjtimex read needs no privilege
    assert ts["timezone"]["utc_offset_seconds"] is not None
    assert ts["probes"][0]["reachable"] is True
    assert ts["probes"][0]["client"] == "builtin"
    denied = over_socket["ansible_facts"]["eformidling_timesync"]["chrony"]
    assert denied["available"] is False
    assert denied["synchronised"] is None
    assert "did not answer" in denied["reason"]


def test_chronyd_not_answering_is_unknown(lab):
    missing = os.path.join(tempfile.mkdtemp(prefix="no-chronyd-"), "chronyd.sock")
    ts = facts({"chronyc_socket": missing, "probe": False})
    assert ts["chrony"]["available"] is False
    assert ts["chrony"]["synchronised"] is None
    assert "did not answer" in ts["chrony"]["reason"]
    # No daemon answered, so the kernel view decides (this machine's kernel: no discipline, maxerror 16 s).
    assert ts["source"] == "kernel"
    assert ts["synchronised"] is ts["kernel"]["synchronised"]
    shutil.rmtree(os.path.dirname(missing), ignore_errors=True)


def test_server_stopped_source_unreachable(lab):
    lab.orphaned.result(timeout=30)
    lab.orphan.wait_unreachable(60)
    ts = facts({"chronyc_socket": lab.orphan.socket, "ntp_servers": [lab.doomed.address], "probe_timeout": 0.5})
    chrony = ts["chrony"]
    assert chrony["tracking"]["leap_status"] == "Normal"  # chrony still says Normal: judge by source and reach
    assert chrony["tracking"]["reference_id"] == "7F000001"
    (source,) = chrony["sources"]
    assert source["reach"] == 0
    assert source["state"] != "selected"
    assert chrony["synchronised"] is False
    assert chrony["unsync_reasons"] == ["no selected (*) source with reach above 0"]
    assert ts["synchronised"] is False
    (probe,) = ts["probes"]
    assert probe["reachable"] is False
    assert probe["error"]


# --------------------------------------------------------------------------- time zones


def _namespace_prefix(localtime_source, timezone_text, workdir):
    """argv prefix running the command in a private mount namespace with our /etc/localtime and /etc/timezone.

    A bind mount onto /etc/localtime lands on its symlink target (/usr/share/zoneinfo/Etc/UTC here), inside this
    namespace only; /etc/timezone then names the zone, as on Debian.
    """
    tz_file = os.path.join(workdir, "timezone")
    with open(tz_file, "w") as fh:
        fh.write(timezone_text)
    script = 'mount --bind "$1" /etc/localtime && mount --bind "$2" /etc/timezone && shift 2 && exec "$@"'
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", localtime_source, tz_file]


TZ_CASES = {
    "Europe/Oslo": True,
    "UTC": False,
    "Europe/Berlin": True,
    "America/New_York": False,
}


@pytest.fixture(scope="module")
def tz_results():
    """Run every time-zone case at once, each in its own mount namespace; {case: facts}."""
    for tool in ("unshare", "mount"):
        if not shutil.which(tool):
            pytest.fail("%s is required for the time-zone tests (util-linux)" % tool)
    workdir = tempfile.mkdtemp(prefix="tz-cases-")
    os.chmod(workdir, 0o755)
    garbage = os.path.join(workdir, "broken-localtime")
    with open(garbage, "wb") as fh:
        fh.write(b"TZif2\0\0\0 this is not a time zone file")
    cases = {name: ("/usr/share/zoneinfo/" + name, name + "\n") for name in TZ_CASES}
    cases["broken"] = (garbage, "Europe/Oslo\n")
    cases["link-only"] = ("/usr/share/zoneinfo/Etc/UTC", "")  # empty /etc/timezone: the name comes from the link
    jobs = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(cases)) as pool:
        for case, (localtime, tz_text) in cases.items():
            casedir = tempfile.mkdtemp(prefix="tz-", dir=workdir)
            os.chmod(casedir, 0o755)
            prefix = _namespace_prefix(localtime, tz_text, casedir)
            jobs[case] = pool.submit(facts, {"probe": False}, prefix=prefix)
        results = {case: job.result()["timezone"] for case, job in jobs.items()}
    shutil.rmtree(workdir, ignore_errors=True)
    # The real machine was never changed.
    assert os.readlink("/etc/localtime").endswith("Etc/UTC")
    with open("/usr/share/zoneinfo/Etc/UTC", "rb") as fh:
        assert len(fh.read()) < 200
    return results


@pytest.mark.parametrize(("name", "equivalent"), TZ_CASES.items())
def test_timezone(tz_results, name, equivalent):
    tz = tz_results[name]
    now = datetime.datetime.now(zoneinfo.ZoneInfo(name))
    assert tz["name"] == name
    assert tz["source"] == "/etc/timezone"
    assert tz["oslo_equivalent"] is equivalent
    assert tz["utc_offset_seconds"] == int(now.utcoffset().total_seconds())
    assert tz["abbreviation"] == now.tzname()
    assert tz["is_dst"] is bool(now.dst())
    assert tz["reason"] is None


def test_timezone_broken_localtime(tz_results):
    tz = tz_results["broken"]
    assert tz["name"] == "Europe/Oslo"
    assert tz["utc_offset_seconds"] is None
    assert tz["abbreviation"] is None
    assert tz["oslo_equivalent"] is None
    assert "/etc/localtime is not a valid TZif file" in tz["reason"]


def test_timezone_name_from_link(tz_results):
    tz = tz_results["link-only"]
    assert (tz["name"], tz["source"]) == ("Etc/UTC", "/etc/localtime")
    assert (tz["utc_offset_seconds"], tz["abbreviation"], tz["oslo_equivalent"]) == (0, "UTC", False)


def test_module_runs_on_the_system_python_without_ntplib():
    probe = harness.run_module(
        "ansible.builtin.command",
        {"argv": [SYSTEM_PYTHON, "-c", "import ntplib"]},
        inventory=harness.local_inventory(interpreter=SYSTEM_PYTHON),
    )
    # test_server_30s_ahead relies on this to exercise the built-in client through interpreter choice alone.
    assert probe.get("rc") == 1, probe
    assert "No module named 'ntplib'" in probe.get("stderr", ""), probe


def test_default_servers_come_from_the_daemon_configuration():
    """chrony.conf with confdir/sourcedir/include, in a private mount namespace; nothing is probed."""
    etc = tempfile.mkdtemp(prefix="etc-chrony-")
    os.chmod(etc, 0o755)
    files = {
        "chrony.conf": "confdir /etc/chrony/conf.d\nsourcedir /etc/chrony/sources.d\n"
        "include /etc/chrony/extra/*.conf\nserver 127.0.0.1 port 11123 iburst\npool 127.0.0.2 iburst\n",
        "conf.d/local.conf": "server 127.0.0.3\n# server 127.0.0.99\n",
        "sources.d/dc.sources": "server ::1 port 1123\n",
        "sources.d/not-a-source.txt": "server 127.0.0.98\n",
        "extra/x.conf": "peer 127.0.0.4\n",
    }
    for name, text in files.items():
        os.makedirs(os.path.dirname(os.path.join(etc, name)), exist_ok=True)
        with open(os.path.join(etc, name), "w") as fh:
            fh.write(text)
    prefix = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
              'mount --bind "$1" /etc/chrony && shift && exec "$@"', "sh", etc]  # fmt: skip
    ts = facts({"probe": False}, prefix=prefix)
    # the default probe list is the configured servers plus check_host (integrasjonspunkt_ntp_host);
    # every address is on loopback with nothing listening, so each probe fails fast
    # (harness directly: the loopback guard in run() cannot see that chrony.conf is the bind-mounted one)
    result = harness.run_module(
        "timesync_facts", {"check_host": "127.0.0.9:9", "probe_timeout": 0.3, "probe_samples": 1}, prefix=prefix
    )
    probed = result["ansible_facts"]["eformidling_timesync"]
    shutil.rmtree(etc, ignore_errors=True)
    assert [p["server"] for p in probed["probes"]][-1] == "127.0.0.9:9"
    assert len(probed["probes"]) == 6
    assert not any(p["reachable"] for p in probed["probes"])
    assert ts["probes"] == []
    assert ts["ntp_servers_configured"] == [
        "127.0.0.1:11123",
        "127.0.0.2",
        "127.0.0.3",
        "[::1]:1123",
        "127.0.0.4",
    ]
