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
