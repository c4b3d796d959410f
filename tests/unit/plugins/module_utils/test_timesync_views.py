"""ntpd, systemd-timesyncd, kernel and service views, configuration parsing and the overall verdict.

ntpq and timedatectl outputs are transcribed fixtures (see tests/unit/fixtures/timesync/README.md).
"""

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import timesync
from tests.unit.plugins.module_utils.timesync_fixtures import fixture, ok


def test_ntpq_peers_ms_to_seconds_and_sign():
    peers = timesync.parse_ntpq_peers(fixture("ntpq_pn_synced.txt"))
    assert [p["tally"] for p in peers] == [" ", "*", "+", "-", "x"]
    sys_peer = peers[1]
    assert sys_peer["state"] == "sys_peer"
    assert sys_peer["remote"] == "192.0.2.10"
    assert sys_peer["refid"] == ".GPS."
    assert sys_peer["stratum"] == 1
    assert sys_peer["reach"] == 255
    assert sys_peer["delay_seconds"] == pytest.approx(0.000412)
    # ntpq -1.250 ms = server behind local -> local minus true = +0.00125 s
    assert sys_peer["offset_seconds"] == pytest.approx(0.00125)
    assert sys_peer["jitter_seconds"] == pytest.approx(0.000087)
    assert peers[3]["when_seconds"] == 120
    assert peers[3]["reach"] == 0o375
    assert peers[0]["when_seconds"] is None


def test_ntpd_synced_with_readvar():
    v = timesync.ntpd_view(ok("ntpq_pn_synced.txt"), ok("ntpq_rv_synced.txt"))
    assert v["available"] is True
    assert v["synchronised"] is True
    assert v["system"]["leap"] == 0
    assert v["system"]["stratum"] == 2
    assert v["offset_seconds"] == pytest.approx(0.001250361)
    assert v["max_error_seconds"] == pytest.approx(0.001250361 + 0.008734 + 0.000412 / 2)


def test_ntpd_local_clock_is_not_synchronised():
    v = timesync.ntpd_view(ok("ntpq_pn_local.txt"))
    assert v["synchronised"] is False
    assert "local clock" in v["unsync_reasons"][0]
    assert v["max_error_seconds"] is None


def test_ntpd_unsynced():
    v = timesync.ntpd_view(ok("ntpq_pn_unsynced.txt"), ok("ntpq_rv_unsynced.txt"))
    assert v["synchronised"] is False
    assert "no system peer (*) with reach above 0" in v["unsync_reasons"]
    assert "leap indicator is 11 (not synchronised)" in v["unsync_reasons"]


def test_ntpd_not_answering_is_unknown():
    v = timesync.ntpd_view((1, "", "localhost: timed out, nothing received\n***Request timed out"))
    assert v["synchronised"] is None
    assert "timed out" in v["reason"]
    assert timesync.ntpd_view(None)["reason"] == "ntpq is not installed"


def test_timesyncd_synced():
    v = timesync.timesyncd_view(ok("timedatectl_show_synced.txt"), ok("timedatectl_show_timesync_synced.txt"))
    assert v["available"] is True
    assert v["synchronised"] is True
    assert v["timezone"] == "Europe/Oslo"
    assert v["server_name"] == "ntp1.example.org"
    assert v["server_address"] == "192.0.2.10"
    assert v["poll_interval_seconds"] == 1024.0
    assert v["root_distance_max_seconds"] == 5.0
    msg = v["ntp_message"]
    assert msg["stratum"] == 1
    assert msg["leap_status"] == "normal"
    assert msg["root_dispersion_seconds"] == pytest.approx(30e-6)
    assert msg["jitter_seconds"] == pytest.approx(0.001203)
    assert msg["packet_count"] == 12
    assert v["offset_seconds"] is None


def test_timesyncd_unsynced():
    v = timesync.timesyncd_view(ok("timedatectl_show_unsynced.txt"), ok("timedatectl_show_timesync_unsynced.txt"))
    assert v["synchronised"] is False
    assert "timesyncd has not contacted a server yet" in v["unsync_reasons"]
    assert any("NTPSynchronized=no" in r for r in v["unsync_reasons"])


def test_timesyncd_without_systemd():
    err = "System has not been booted with systemd as init system (PID 1). Can't operate.\n"
    v = timesync.timesyncd_view((1, "", err), None)
    assert v["available"] is False
    assert v["synchronised"] is None
    assert "not been booted with systemd" in v["reason"]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("34min 8s", 2048.0), ("5s", 5.0), ("30us", 30e-6), ("1.203ms", 0.001203), ("0", 0.0), ("1h 2min", 3720.0),
     ("", None), ("soon", None), ("12 parsecs", None)],
)  # fmt: skip
def test_timespan(text, seconds):
    assert timesync.parse_timespan(text) == (pytest.approx(seconds) if seconds is not None else None)


def test_kernel_view_unsynced_and_nano():
    v = timesync.kernel_view({"state": 5, "status": 0x40, "offset": 0, "maxerror": 16000000, "esterror": 16000000})
    assert v["synchronised"] is False
    assert v["status_flags"] == ["UNSYNC"]
    assert v["maxerror_seconds"] == 16.0
    ok_view = timesync.kernel_view(
        {"state": 0, "status": 0x2001, "offset": -2500000, "maxerror": 12000, "esterror": 100, "freq": 65536 * 3}
    )
    assert ok_view["synchronised"] is True
    assert ok_view["status_flags"] == ["PLL", "NANO"]
    assert ok_view["offset_seconds"] == pytest.approx(0.0025)  # kernel -2.5 ms correction pending: local ahead
    assert ok_view["frequency_ppm"] == 3.0
    missing = timesync.kernel_view(None, "not Linux")
    assert missing["synchronised"] is None
    assert missing["reason"] == "not Linux"


def test_kernel_adjtimex_is_readable_without_changing_anything():
    timex, reason = timesync.read_adjtimex()
    assert reason is None
    assert set(timex) >= {"state", "status", "maxerror", "esterror", "offset"}


def test_services():
    comms = ["bash\n", "chronyd\n", "systemd-timesyn\n", "python3\n"]
    active = timesync.services_from_comms(comms)
    assert active == ["chrony", "timesyncd"]
    svc = timesync.service_summary(["timesyncd", "chrony"], active)
    assert svc == {
        "present": ["chrony", "timesyncd"],
        "active": ["chrony", "timesyncd"],
        "conflict": True,
        "name": "chrony",
    }
    assert timesync.service_summary([], [])["name"] == "none"


def test_chrony_conf_servers_and_includes():
    servers, includes = timesync.parse_chrony_conf(fixture("chrony.conf"))
    assert servers == [
        "2.debian.pool.ntp.org",
        "ntp1.example.org",
        "192.0.2.10:11123",
        "[2001:db8::10]:1123",
        "192.0.2.20",
    ]
    assert ("confdir", "/etc/chrony/conf.d") in includes
    assert ("sourcedir", "/etc/chrony/sources.d") in includes
    assert ("include", "/etc/chrony/extra/*.conf") in includes


def test_ntp_and_timesyncd_conf():
    ntp = "server 127.127.1.0\nfudge 127.127.1.0 stratum 10\npool 0.debian.pool.ntp.org iburst\nserver 192.0.2.1 # dc\n"
    assert timesync.parse_ntp_conf(ntp) == ["0.debian.pool.ntp.org", "192.0.2.1"]
    conf = "[Time]\n#NTP=commented\nNTP=ntp1.example.org ntp2.example.org\nFallbackNTP=x\n[Other]\nNTP=ignored\n"
    assert timesync.parse_timesyncd_conf(conf) == ["ntp1.example.org", "ntp2.example.org"]


def test_overall_prefers_active_service_then_kernel():
    chrony = timesync.chrony_view(None, None)
    ntpd = timesync.ntpd_view(ok("ntpq_pn_synced.txt"), ok("ntpq_rv_synced.txt"))
    timesyncd = timesync.timesyncd_view(ok("timedatectl_show_synced.txt"), ok("timedatectl_show_timesync_synced.txt"))
    kernel = timesync.kernel_view({"state": 0, "status": 1, "offset": 0, "maxerror": 5000, "esterror": 10})
    assert timesync.overall("ntpd", chrony, ntpd, timesyncd, kernel)[0:2] == ("ntpd", True)
    source, synced, offset, max_err = timesync.overall("timesyncd", chrony, ntpd, timesyncd, kernel)
    assert (source, synced, offset) == ("timesyncd", True, None)
    assert max_err == pytest.approx(0.005)  # timesyncd has no bound of its own: the kernel's maxerror
    assert timesync.overall("none", chrony, timesync.ntpd_view(None), timesync.timesyncd_view(None, None), kernel)[
        0
    ] == ("kernel")
