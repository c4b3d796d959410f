"""The time parsers at their edges: each test here was written for a mutant that the suite let live.

`make mutation` (README, "Mutation testing") changes one operator or constant at a time; these pin chrony's
reach requirement and the sign convention of the ntplib probe (offset = local clock - true time).
"""

import types

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import sntp, timesync
from tests.unit.plugins.module_utils.timesync_fixtures import fixture, ok


def sources_with_reach(reach_octal):
    """The captured synced `chronyc -c sources` with its selected source's reach register replaced."""
    fields = fixture("chrony_sources_synced.csv").splitlines()[0].split(",")
    assert fields[1] == "*", "the fixture's first source is the selected one"
    fields[5] = reach_octal
    return 0, ",".join(fields) + "\n", ""


@pytest.mark.parametrize(("reach", "synchronised"), [("0", False), ("1", True), ("377", True)])
def test_chrony_needs_a_selected_source_with_reach_above_zero(reach, synchronised):
    view = timesync.chrony_view(ok("chrony_tracking_synced.csv"), sources_with_reach(reach), max_age=None)
    assert view["synchronised"] is synchronised
    assert ("no selected (*) source with reach above 0" in view["unsync_reasons"]) is not synchronised
    assert (timesync.selected_source(view["sources"]) is not None) is synchronised


def test_a_source_without_a_reach_register_is_not_selected():
    source = {"state_symbol": "*", "reach": None}
    assert timesync.selected_source([source]) is None
    assert "no selected (*) source with reach above 0" in timesync.chrony_unsync_reasons(
        {"leap_status": "Normal", "reference_id": "C0A80101"}, [source], max_age=None
    )


class FakeNtplib:
    """Stands in for the ntplib module: NTPClient().request() answers with the given stats, sends nothing."""

    class NTPException(Exception):
        pass

    def __init__(self, **stats):
        self.stats = types.SimpleNamespace(
            **{"delay": 0.01, "stratum": 2, "leap": 0, "root_delay": 0.0, "root_dispersion": 0.0, **stats}
        )
        self.calls = []
        outer = self

        class NTPClient:
            def request(self, host, version=4, port=123, timeout=5):
                outer.calls.append((host, port, timeout))
                return outer.stats

        self.NTPClient = NTPClient


@pytest.mark.parametrize(("server_minus_local", "offset"), [(2.0, -2.0), (-0.25, 0.25)])
def test_ntplib_offset_is_turned_into_local_minus_true(monkeypatch, server_minus_local, offset):
    """ntplib's offset is server - local (positive: the local clock is behind); ours is local - true time."""
    fake = FakeNtplib(offset=server_minus_local)
    monkeypatch.setattr(sntp, "ntplib", fake)
    sample, error, kind = sntp.ntplib_sample("192.0.2.1", 123, 1.0)
    assert (error, kind) == (None, None)
    assert sample["offset_seconds"] == offset
    assert fake.calls == [("192.0.2.1", 123, 1.0)]


def test_ntplib_and_builtin_agree_on_the_sign(monkeypatch):
    """A server 30 s ahead: both clients say the local clock is 30 s behind (negative)."""
    monkeypatch.setattr(sntp, "ntplib", FakeNtplib(offset=30.0))
    ntplib_sample, _error, _kind = sntp.ntplib_sample("192.0.2.1", 123, 1.0)
    t1 = 1_800_000_000.0
    server = sntp.to_ntp(t1 + 30.0)
    reply = bytes([0x24, 2, 0, 0xEC]) + bytes(8) + b"TEST" + (server).to_bytes(8, "big")
    reply += sntp.to_ntp(t1).to_bytes(8, "big") + server.to_bytes(8, "big") + server.to_bytes(8, "big")
    builtin_sample, error = sntp.parse_reply(reply, sntp.to_ntp(t1), t1, t1)
    assert error is None
    assert builtin_sample["offset_seconds"] == pytest.approx(-30.0, abs=1e-6)
    assert ntplib_sample["offset_seconds"] == pytest.approx(builtin_sample["offset_seconds"], abs=1e-6)


def test_ntplib_negative_delay_is_clamped_to_zero(monkeypatch):
    monkeypatch.setattr(sntp, "ntplib", FakeNtplib(offset=0.0, delay=-0.001))
    sample, _error, _kind = sntp.ntplib_sample("192.0.2.1", 123, 1.0)
    assert sample["delay_seconds"] == 0.0


@pytest.mark.parametrize(("stats", "message"), [({"stratum": 0}, "stratum 0"), ({"leap": 3}, "leap 3")])
def test_ntplib_unsynchronised_server_is_a_bad_reply(monkeypatch, stats, message):
    monkeypatch.setattr(sntp, "ntplib", FakeNtplib(offset=0.0, **stats))
    sample, error, kind = sntp.ntplib_sample("192.0.2.1", 123, 1.0)
    assert (sample, kind) == (None, "bad_reply")
    assert message in error


# --------------------------------------------------------------------------- parsers and views, small edges


def test_timespan_units():
    assert timesync.parse_timespan("1000000") == 1.0  # a bare *USec number is microseconds
    assert timesync.parse_timespan("34min 8s") == 34 * 60 + 8
    assert timesync.parse_timespan("n/a") is None
    assert timesync.parse_timespan("infinity") is None


def test_yes_no_values():
    assert [timesync._yes(v) for v in ("yes", "true", "1", "no", "false", "0", "maybe", None)] == [
        True, True, True, False, False, False, None, None
    ]  # fmt: skip


def test_ntp_message_value_may_hold_an_equals_sign():
    assert timesync.parse_ntp_message("{ Leap=0, Reference=a=b }") == {"Leap": "0", "Reference": "a=b"}


def test_ntpq_peers_read_past_a_line_they_cannot_use():
    text = fixture("ntpq_pn_synced.txt").splitlines()
    text.insert(3, "!garbage line with a tally nobody knows")
    peers = timesync.parse_ntpq_peers("\n".join(text))
    assert [p["remote"] for p in peers] == [
        p["remote"] for p in timesync.parse_ntpq_peers(fixture("ntpq_pn_synced.txt"))
    ]
    assert len(peers) == 5


def test_ntpd_view_of_a_missing_ntpq_has_every_key():
    view = timesync.ntpd_view(None)
    assert (view["peers"], view["system"], view["reason"]) == ([], None, "ntpq is not installed")


@pytest.mark.parametrize(("leap", "number"), [("00", 0), ("11", 3), ("0", 0), ("3", 3)])
def test_ntpd_leap_in_binary_or_decimal(leap, number):
    readvar = (0, "leap=%s, stratum=2, refid=192.0.2.10, offset=-1.25\n" % leap, "")
    view = timesync.ntpd_view(ok("ntpq_pn_synced.txt"), readvar)
    assert view["system"]["leap"] == number


def test_timesyncd_view_of_a_missing_timedatectl_has_every_key():
    view = timesync.timesyncd_view(None, None)
    for key in ("server_name", "server_address", "root_distance_max_seconds", "poll_interval_seconds"):
        assert key in view and view[key] is None, key


def test_timesyncd_ntp_message_fields():
    view = timesync.timesyncd_view(ok("timedatectl_show_synced.txt"), ok("timedatectl_show_timesync_synced.txt"))
    message = view["ntp_message"]
    assert (message["version"], message["stratum"], message["precision"], message["reference"]) == (4, 1, -25, "GPS")


def test_chrony_sources_keep_the_mode_symbol_and_sources_failure_is_told():
    (source,) = [
        s for s in timesync.parse_chrony_sources(fixture("chrony_sources_synced.csv")) if s["state_symbol"] == "*"
    ]
    assert source["mode_symbol"] == "^"
    view = timesync.chrony_view(ok("chrony_tracking_synced.csv"), (1, "", "506 Cannot talk to daemon"), max_age=None)
    assert view["reason"] == "chronyc sources failed (rc=1): 506 Cannot talk to daemon"


def test_lost_step_note_names_the_source():
    view = timesync.chrony_view(ok("chrony_tracking_makestep_lost.csv"), ok("chrony_sources_makestep_lost.csv"))
    (selected,) = [s for s in view["sources"] if s["state_symbol"] == "*"]
    assert selected["name"] in view["offset_note"]


def test_adjtimex_reads_this_machines_kernel_clock():
    """adjtimex(modes=0) answers a clock state 0..5 here (TIME_OK is 0: a state of 0 is an answer, not an error)."""
    timex, reason = timesync.read_adjtimex()
    assert reason is None
    assert 0 <= timex["state"] <= 5
