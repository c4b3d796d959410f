"""TZif reader and POSIX TZ rules, checked against the system's /usr/share/zoneinfo and Python's zoneinfo."""

import calendar
import datetime
import os

import pytest
import zoneinfo  # the controller runs Python 3.11; the module itself never imports it

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import tzif

ZONEINFO = "/usr/share/zoneinfo"
ZONES = ["Europe/Oslo", "UTC", "Europe/Berlin", "America/New_York"]


def load(name):
    path = os.path.join(ZONEINFO, name)
    if not os.path.exists(path):
        pytest.fail("%s missing: the tzdata package is required" % path)
    with open(path, "rb") as fh:
        zone, reason = tzif.parse_tzif(fh.read())
    assert reason is None
    return zone


def ts(*args):
    return calendar.timegm(datetime.datetime(*args).timetuple())


def test_oslo_header_and_footer():
    zone = load("Europe/Oslo")
    assert zone["version"] in ("2", "3", "4")
    assert zone["footer"] == tzif.OSLO_TZ
    assert zone["rule"]["std_offset"] == 3600
    assert zone["rule"]["dst_offset"] == 7200


@pytest.mark.parametrize(
    ("name", "when", "offset", "abbr"),
    [
        ("Europe/Oslo", (2026, 1, 15, 12), 3600, "CET"),
        ("Europe/Oslo", (2026, 7, 1, 12), 7200, "CEST"),
        ("Europe/Oslo", (2045, 7, 1, 12), 7200, "CEST"),  # beyond the file's transitions: the footer rule
        ("Europe/Oslo", (1970, 7, 1, 12), 3600, "CET"),  # no DST in Norway in 1970
        ("UTC", (2026, 7, 1, 12), 0, "UTC"),
        ("Europe/Berlin", (2026, 7, 1, 12), 7200, "CEST"),
        ("America/New_York", (2026, 1, 15, 12), -18000, "EST"),
        ("America/New_York", (2026, 7, 1, 12), -14400, "EDT"),
    ],
)
def test_offsets(name, when, offset, abbr):
    utoff, is_dst, got_abbr = tzif.utc_offset_at(load(name), ts(*when))
    assert (utoff, got_abbr) == (offset, abbr)
    assert is_dst == (abbr in ("CEST", "EDT"))


def test_eu_transition_instants_2027():
    oslo = load("Europe/Oslo")
    start = ts(2027, 3, 28, 1)  # last Sunday of March, 01:00 UTC
    end = ts(2027, 10, 31, 1)  # last Sunday of October, 01:00 UTC
    assert tzif.utc_offset_at(oslo, start - 1)[0] == 3600
    assert tzif.utc_offset_at(oslo, start)[0] == 7200
    assert tzif.utc_offset_at(oslo, end - 1)[0] == 7200
    assert tzif.utc_offset_at(oslo, end)[0] == 3600
    assert tzif.rule_transitions(oslo["rule"], 2027) == (start, end)


@pytest.mark.parametrize("name", ZONES)
def test_matches_python_zoneinfo_hourly_for_two_years(name):
    zone = load(name)
    reference = zoneinfo.ZoneInfo(name)
    start = ts(2026, 1, 1)
    for t in range(start, start + 2 * 366 * 86400, 3600):
        expected = datetime.datetime.fromtimestamp(t, reference)
        assert tzif.utc_offset_at(zone, t)[0] == int(expected.utcoffset().total_seconds()), (name, t)
        assert tzif.utc_offset_at(zone, t)[2] == expected.tzname(), (name, t)


@pytest.mark.parametrize(("name", "equivalent"), [("Europe/Oslo", True), ("Europe/Berlin", True), ("UTC", False),
                                                  ("America/New_York", False), ("Europe/London", False)])  # fmt: skip
def test_oslo_equivalence(name, equivalent):
    now = ts(2026, 11, 27, 12)
    assert tzif.same_rules(load(name), load("Europe/Oslo"), now) is equivalent


def test_builtin_oslo_rule_equals_the_file():
    now = ts(2026, 11, 27, 12)
    builtin = tzif.zone_from_posix(tzif.OSLO_TZ)
    assert tzif.same_rules(builtin, load("Europe/Oslo"), now)
    assert tzif.same_rules(load("Europe/Berlin"), builtin, now)
    assert not tzif.same_rules(load("America/New_York"), builtin, now)


def test_posix_strings():
    rule = tzif.parse_posix_tz("<+0330>-3:30")
    assert rule["std_abbr"] == "+0330"
    assert rule["std_offset"] == 12600
    assert rule["dst_abbr"] is None
    southern = tzif.parse_posix_tz("AEST-10AEDT,M10.1.0,M4.1.0/3")
    assert tzif.utc_offset_at(tzif.zone_from_posix("AEST-10AEDT,M10.1.0,M4.1.0/3"), ts(2027, 1, 10))[0] == 39600
    assert southern["dst_offset"] == 39600
    assert tzif.parse_posix_tz("EST5EDT")["start"] == ("M", (3, 2, 0), 7200)  # US default rule
    assert tzif.parse_posix_tz("nonsense") is None
    assert tzif.parse_posix_tz("CET-1CEST,M13.5.0,M10.5.0/3") is None


def test_timezone_view_oslo_and_broken():
    oslo_bytes = open(os.path.join(ZONEINFO, "Europe/Oslo"), "rb").read()  # noqa: SIM115
    oslo = load("Europe/Oslo")
    now = ts(2026, 11, 27, 12)
    v = tzif.timezone_view("Europe/Oslo", "/etc/timezone", oslo_bytes, oslo, now)
    assert v == {
        "name": "Europe/Oslo",
        "source": "/etc/timezone",
        "utc_offset_seconds": 3600,
        "abbreviation": "CET",
        "is_dst": False,
        "oslo_equivalent": True,
        "reason": None,
    }
    broken = tzif.timezone_view("Europe/Oslo", "/etc/timezone", b"TZif2 but then nothing useful", oslo, now)
    assert broken["utc_offset_seconds"] is None
    assert broken["oslo_equivalent"] is None
    assert "not a valid TZif file" in broken["reason"]
    truncated = tzif.timezone_view(None, None, oslo_bytes[:100], oslo, now)
    assert "truncated" in truncated["reason"]
    missing = tzif.timezone_view(None, None, None, oslo, now, localtime_error="No such file or directory")
    assert missing["reason"] == "cannot read /etc/localtime: No such file or directory"


def test_names():
    assert tzif.zone_name_from_link("/usr/share/zoneinfo/Europe/Oslo") == "Europe/Oslo"
    assert tzif.zone_name_from_link("../usr/share/zoneinfo/posix/Europe/Oslo") == "Europe/Oslo"
    assert tzif.zone_name_from_link("/etc/foo") is None
    assert tzif.zone_name_from_etc_timezone("# comment\nEurope/Oslo\n") == "Europe/Oslo"
    assert tzif.zone_name_from_etc_timezone(b"") is None


def test_v1_only_file():
    # Build a version-1 file from Oslo's v1 block: header version byte '\0', v2 part cut off.
    data = open(os.path.join(ZONEINFO, "Europe/Oslo"), "rb").read()  # noqa: SIM115
    v1 = data[:4] + b"\0" + data[5:]
    zone1, reason = tzif.parse_tzif(v1)
    assert reason is None
    assert zone1["footer"] is None
    assert tzif.utc_offset_at(zone1, ts(2020, 7, 1))[0] == 7200
