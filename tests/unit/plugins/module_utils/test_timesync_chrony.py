"""chronyc -c tracking/sources parsers and chrony's synchronisation criteria, on captured chronyc output."""

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import timesync
from tests.unit.plugins.module_utils.timesync_fixtures import fixture, ok


def ref_time(name):
    return float(fixture("chrony_tracking_%s.csv" % name).split(",")[3])


def view(name, age=2.0, max_age=3600):
    """chrony_view of a captured pair, evaluated `age` seconds after its reference time."""
    now = ref_time(name) + age
    return timesync.chrony_view(ok("chrony_tracking_%s.csv" % name), ok("chrony_sources_%s.csv" % name), now, max_age)


def test_tracking_fields_and_sign():
    t = timesync.parse_chrony_tracking(fixture("chrony_tracking_faketime_plus30.csv"))
    assert t["reference_id"] == "7F000001"
    assert t["reference_name"] == "127.0.0.1"
    assert t["stratum"] == 9
    # System time +30.000011444 (chrony: local clock slow) -> local minus true = -30.000011444
    assert t["offset_seconds"] == pytest.approx(-30.000011444)
    assert t["last_offset_seconds"] == pytest.approx(0.000003161)
    assert t["rms_offset_seconds"] == pytest.approx(0.000013425)
    assert t["frequency_ppm"] == pytest.approx(1.816)
    assert t["residual_frequency_ppm"] == pytest.approx(0.008)
    assert t["skew_ppm"] == pytest.approx(13.010)
    assert t["root_delay_seconds"] == pytest.approx(0.000034634)
    assert t["root_dispersion_seconds"] == pytest.approx(0.000028381)
    assert t["update_interval_seconds"] == pytest.approx(1.0)
    assert t["leap_status"] == "Normal"
    assert t["max_error_seconds"] == pytest.approx(30.000011444 + 0.000028381 + 0.000034634 / 2)


def test_tracking_rejects_other_layouts():
    assert timesync.parse_chrony_tracking("") is None
    assert timesync.parse_chrony_tracking("506 Cannot talk to daemon") is None
    assert timesync.parse_chrony_tracking(",".join(["7F000001"] * 13)) is None
    assert timesync.parse_chrony_tracking("XYZ," + ",".join(["1"] * 13)) is None


def test_sources_fields():
    (src,) = timesync.parse_chrony_sources(fixture("chrony_sources_synced.csv"))
    assert src["mode"] == "server"
    assert src["state"] == "selected"
    assert src["state_symbol"] == "*"
    assert src["name"] == "127.0.0.1"
    assert src["stratum"] == 8
    assert src["poll"] == 0
    assert src["poll_seconds"] == 1.0
    assert src["reach_octal"] == "177"
    assert src["reach"] == 127  # octal 177
    assert src["last_rx_seconds"] == 0
    assert src["offset_seconds"] == pytest.approx(0.000000101)


def test_sources_lastrx_never_and_negative_poll():
    (src,) = timesync.parse_chrony_sources(fixture("chrony_sources_no_server.csv"))
    assert src["last_rx_seconds"] is None  # 4294967295 = never
    assert src["reach"] == 0
    assert src["state"] == "unusable"
    (neg,) = timesync.parse_chrony_sources("^,+,192.0.2.1,2,-3,377,12,-0.1,-0.1,0.2")
    assert neg["poll"] == -3
    assert neg["poll_seconds"] == 0.125
    assert neg["reach"] == 255
    assert neg["state"] == "combined"


def test_synced():
    v = view("synced")
    assert v["available"] is True
    assert v["synchronised"] is True
    assert v["unsync_reasons"] == []
    assert v["tracking"]["ref_age_seconds"] == pytest.approx(2.0, abs=0.01)
    assert abs(v["offset_seconds"]) < 0.001


def test_faketime_ref_age_uses_true_time():
    # ref_time is on chronyd's (true, +30 s) timescale; its age must not come out as -28 s.
    now_local = ref_time("faketime_plus30") - 30.000011444 + 2.0
    v = timesync.chrony_view(
        ok("chrony_tracking_faketime_plus30.csv"), ok("chrony_sources_faketime_plus30.csv"), now_local
    )
    assert v["tracking"]["ref_age_seconds"] == pytest.approx(2.0, abs=0.01)
    assert v["synchronised"] is True
    assert v["offset_seconds"] == pytest.approx(-30.0, abs=0.05)


def test_not_yet_synced():
    v = timesync.chrony_view(ok("chrony_tracking_not_yet_synced.csv"), ok("chrony_sources_not_yet_synced.csv"))
    assert v["available"] is True
    assert v["synchronised"] is False
    reasons = " | ".join(v["unsync_reasons"])
    assert "Not synchronised" in reasons
    assert "00000000" in reasons
    assert "no selected (*) source" in reasons


def test_local_reference_is_not_synchronised():
    v = view("local")
    assert v["tracking"]["leap_status"] == "Normal"  # the trap: leap alone would say synced
    assert v["synchronised"] is False
    assert any("7F7F0101" in r for r in v["unsync_reasons"])


def test_unreachable_source():
    v = view("unreachable")
    assert v["tracking"]["leap_status"] == "Normal"
    assert v["sources"][0]["reach"] == 0
    assert v["synchronised"] is False
    assert v["unsync_reasons"] == ["no selected (*) source with reach above 0"]


def test_stale_reference_time():
    v = view("synced", age=7200, max_age=3600)
    assert v["synchronised"] is False
    assert v["unsync_reasons"] == ["reference time is 7200 s old (limit 3600 s)"]


def test_daemon_not_answering_is_unknown():
    rc_line, message = fixture("chronyc_no_daemon.txt").split("\n", 1)
    v = timesync.chrony_view((int(rc_line.split("=")[1]), "", message), None)
    assert v["available"] is False
    assert v["synchronised"] is None
    assert "Could not open connection to daemon" in v["reason"]


def test_chronyc_missing():
    v = timesync.chrony_view(None, None)
    assert v["synchronised"] is None
    assert v["reason"] == "chronyc is not installed"


def test_garbage_tracking_with_rc0():
    v = timesync.chrony_view((0, "hello", ""), (0, "", ""))
    assert v["available"] is False
    assert v["synchronised"] is None
    assert "unexpected" in v["reason"]


def test_max_error_formula():
    assert timesync.max_error(-0.5, 0.01, 0.04) == pytest.approx(0.5 + 0.01 + 0.02)
    assert timesync.max_error(None, 0.01, 0.04) is None
