"""Property tests: no parser in the timesync module_utils raises on garbage."""

import os

from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import sntp, timesync, tzif

TEXT = st.one_of(st.text(), st.binary(), st.none(), st.integers())
CSVISH = st.lists(st.text(alphabet="0123456789ABCDEF.,-*^?+x~#= \n", max_size=30), max_size=16).map(",".join)
RESULT = st.one_of(st.none(), st.tuples(st.integers(-2, 2), TEXT, TEXT), st.text(), st.tuples(st.integers()))

with open(os.path.join("/usr/share/zoneinfo", "Europe/Oslo"), "rb") as _fh:
    OSLO = _fh.read()


@given(TEXT)
def test_text_parsers_never_raise(text):
    timesync.parse_chrony_tracking(text)
    timesync.parse_chrony_sources(text)
    timesync.parse_ntpq_peers(text)
    timesync.parse_ntpq_readvar(text)
    timesync.parse_keyvalue(text)
    timesync.parse_ntp_message(text)
    timesync.parse_timespan(text)
    timesync.parse_chrony_conf(text)
    timesync.parse_ntp_conf(text)
    timesync.parse_timesyncd_conf(text)
    tzif.zone_name_from_etc_timezone(text if isinstance(text, (str, bytes)) else None)
    tzif.zone_name_from_link(text)
    tzif.parse_posix_tz(text if isinstance(text, str) else None)
    sntp.parse_server(text)


@given(CSVISH, CSVISH, st.floats(allow_nan=True), st.floats(min_value=-1e9, max_value=1e9))
def test_chrony_view_never_raises(tracking, sources, now, max_age):
    view = timesync.chrony_view((0, tracking, ""), (0, sources, ""), now, max_age)
    assert view["synchronised"] in (True, False, None)


@given(RESULT, RESULT)
def test_views_never_raise(a, b):
    timesync.chrony_view(a, b)
    timesync.ntpd_view(a, b)
    timesync.timesyncd_view(a, b)


@given(st.dictionaries(st.sampled_from(["state", "status", "offset", "maxerror", "esterror", "freq"]), TEXT))
def test_kernel_view_never_raises(timex):
    timesync.kernel_view(timex)


@given(st.binary(max_size=600))
def test_tzif_garbage(data):
    zone, reason = tzif.parse_tzif(data)
    assert (zone is None) != (reason is None)
    tzif.timezone_view("X", None, data, tzif.zone_from_posix(tzif.OSLO_TZ), 1.8e9)


@settings(max_examples=300)
@given(st.integers(0, len(OSLO)), st.integers(0, len(OSLO) - 1), st.integers(0, 255))
def test_tzif_truncated_or_flipped(cut, pos, byte):
    data = bytearray(OSLO[:cut])
    if pos < len(data):
        data[pos] = byte
    view = tzif.timezone_view("Europe/Oslo", None, bytes(data), tzif.zone_from_posix(tzif.OSLO_TZ), 1.8e9)
    assert view["oslo_equivalent"] in (True, False, None)


RULES = st.builds(
    "{}{}{}{},{}.{}.{}/{},J{}/{}".format,
    st.sampled_from(["CET", "<+03>", "EST"]),
    st.integers(-25, 25),
    st.sampled_from(["", "CEST", "<+04>"]),
    st.sampled_from(["", "-2", "+5:30"]),
    st.sampled_from(["M3", "M12", "M1"]),
    st.integers(1, 5),
    st.integers(0, 6),
    st.integers(-170, 170),
    st.integers(1, 365),
    st.integers(-170, 170),
)
INSTANTS = st.one_of(st.integers(-(2**62), 2**62), st.floats(allow_nan=True, allow_infinity=True))


@given(st.one_of(RULES, st.text(alphabet="<>+-0123456789:,./JMABCDEFGHSTUVWXYZ", max_size=40)), INSTANTS)
def test_posix_rules_never_raise(text, t):
    zone = tzif.zone_from_posix(text)
    if zone is not None:
        tzif.timezone_view("X", None, OSLO, zone, t)
        tzif.same_rules(zone, zone, 1.8e9)


@given(INSTANTS)
def test_tzif_any_instant(t):
    zone = tzif.parse_tzif(OSLO)[0]
    view = tzif.timezone_view("Europe/Oslo", None, OSLO, zone, t)
    assert view["oslo_equivalent"] in (True, False, None)


@given(st.binary(max_size=64), st.integers(0, 2**64 - 1), st.floats(-1e10, 1e10), st.floats(-1e10, 1e10))
def test_sntp_reply_never_raises(data, sent, t1, t4):
    sample, error = sntp.parse_reply(data, sent, t1, t4)
    assert (sample is None) != (error is None)
