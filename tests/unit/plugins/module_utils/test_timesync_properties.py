"""Property tests: the timesync parsers and views on garbage never raise, invent nothing and fail closed."""

import os

from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import sntp, timesync, tzif

TEXT = st.one_of(st.text(), st.binary(), st.none(), st.integers())
CSVISH = st.lists(st.text(alphabet="0123456789ABCDEF.,-*^?+x~#= \n", max_size=30), max_size=16).map(",".join)
RESULT = st.one_of(st.none(), st.tuples(st.integers(-2, 2), TEXT, TEXT), st.text(), st.tuples(st.integers()))

with open(os.path.join("/usr/share/zoneinfo", "Europe/Oslo"), "rb") as _fh:
    OSLO = _fh.read()


TEXT_PARSERS = [
    timesync.parse_chrony_tracking,
    timesync.parse_chrony_sources,
    timesync.parse_ntpq_peers,
    timesync.parse_ntpq_readvar,
    timesync.parse_keyvalue,
    timesync.parse_ntp_message,
    timesync.parse_timespan,
    timesync.parse_chrony_conf,
    timesync.parse_ntp_conf,
    timesync.parse_timesyncd_conf,
]


def _host(server):
    """The host of a 'host', 'host:port' or '[v6]:port' server string."""
    if server.startswith("["):
        return server[1:].split("]", 1)[0]
    return server.rsplit(":", 1)[0] if server.count(":") == 1 else server


@given(TEXT)
def test_text_parsers_never_raise(text):
    as_text = text.decode("utf-8", "replace") if isinstance(text, bytes) else text if isinstance(text, str) else ""
    for parser in TEXT_PARSERS:
        # bytes are read as their UTF-8 text, and anything that is not text as no text at all
        assert parser(text) == parser(as_text) == (parser(as_text) if as_text else parser("")), parser.__name__
    lines = as_text.splitlines()
    for key, value in timesync.parse_keyvalue(text).items():  # nothing invented: each pair is one of the lines
        assert "%s=%s" % (key, value) in lines
    servers, includes = timesync.parse_chrony_conf(text)
    for server in servers + timesync.parse_ntp_conf(text) + timesync.parse_timesyncd_conf(text):
        assert server and _host(server) in as_text, server
    for _directive, argument in includes:
        assert argument in as_text
    seconds = timesync.parse_timespan(text)
    assert seconds is None or seconds >= 0
    zone = tzif.zone_name_from_etc_timezone(text if isinstance(text, (str, bytes)) else None)
    assert zone is None or (zone in as_text and zone.strip() == zone and zone)
    link = tzif.zone_name_from_link(text)
    assert link is None or (isinstance(text, str) and text.endswith(link))
    rule = tzif.parse_posix_tz(text if isinstance(text, str) else None)
    assert rule is None or isinstance(rule["std_offset"], int)
    parsed = sntp.parse_server(text)
    if parsed is not None:
        host, port = parsed
        assert host and host in as_text and 1 <= port <= 65535


@given(CSVISH, CSVISH, st.floats(allow_nan=True), st.floats(min_value=-1e9, max_value=1e9))
def test_chrony_view_never_raises(tracking, sources, now, max_age):
    view = timesync.chrony_view((0, tracking, ""), (0, sources, ""), now, max_age)
    assert view["synchronised"] in (True, False, None)


@given(RESULT, RESULT)
def test_views_never_raise(a, b):
    """Fail closed on whatever the commands returned: no answer is unknown, never "not synchronised"."""
    for build in (timesync.chrony_view, timesync.ntpd_view, timesync.timesyncd_view):
        view = build(a, b)
        assert set(view) >= set(timesync.empty_view()), build.__name__
        assert view["synchronised"] in (True, False, None)
        if not view["available"]:
            assert view["synchronised"] is None and view["offset_seconds"] is None, (build.__name__, view)
            assert view["reason"], build.__name__
        if a is None:  # the tool is missing: said so, and nothing else is claimed
            assert view["available"] is False and "not installed" in view["reason"], build.__name__


@given(st.dictionaries(st.sampled_from(["state", "status", "offset", "maxerror", "esterror", "freq"]), TEXT))
def test_kernel_view_never_raises(timex):
    """Agrees with its documented rule: STA_UNSYNC clear, state not TIME_ERROR, maxerror below 16 s."""
    view = timesync.kernel_view(timex)
    status, state = timesync.to_int(timex.get("status")), timesync.to_int(timex.get("state"))
    if status is None or state is None:
        assert (view["available"], view["synchronised"]) == (False, None)
        return
    maxerror = timesync.to_float(timex.get("maxerror"))
    expected = (
        not status & timesync.STA_UNSYNC
        and state != 5
        and maxerror is not None
        and maxerror / 1e6 < timesync.KERNEL_MAXERROR_LIMIT
    )
    assert view["available"] is True
    assert view["synchronised"] is expected
    assert bool(view["unsync_reasons"]) is not expected
    assert view["max_error_seconds"] == (None if maxerror is None else maxerror / 1e6)
    assert ("UNSYNC" in view["status_flags"]) is bool(status & timesync.STA_UNSYNC)


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
    assert (zone is None) is (tzif.parse_posix_tz(text) is None)
    if zone is not None:
        view = tzif.timezone_view("X", None, OSLO, zone, t)
        assert view["oslo_equivalent"] in (True, False, None)
        assert tzif.same_rules(zone, zone, 1.8e9) is True  # a zone always has its own rules
        rule = zone["rule"]
        offsets = {rule["std_offset"], rule.get("dst_offset", rule["std_offset"])}
        assert tzif.utc_offset_at(zone, 1.8e9)[0] in offsets


@given(INSTANTS)
def test_tzif_any_instant(t):
    zone = tzif.parse_tzif(OSLO)[0]
    view = tzif.timezone_view("Europe/Oslo", None, OSLO, zone, t)
    assert view["oslo_equivalent"] in (True, False, None)


@given(st.binary(max_size=64), st.integers(0, 2**64 - 1), st.floats(-1e10, 1e10), st.floats(-1e10, 1e10))
def test_sntp_reply_never_raises(data, sent, t1, t4):
    sample, error = sntp.parse_reply(data, sent, t1, t4)
    assert (sample is None) != (error is None)
