"""Pure helpers of plugins/module_utils/netprobe*.py: error classification, parsers, status, redaction."""

import errno
import socket
import ssl
import string
import threading
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import netprobe, netprobe_endpoint, sntp

ERRORS = [
    (ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"), "refused"),
    (OSError(errno.ECONNREFUSED, "Connection refused"), "refused"),
    (socket.timeout("timed out"), "timeout"),
    (TimeoutError("timed out"), "timeout"),
    (OSError(errno.ETIMEDOUT, "Connection timed out"), "timeout"),
    (OSError(errno.ENETUNREACH, "Network is unreachable"), "unreachable"),
    (OSError(errno.EHOSTUNREACH, "No route to host"), "unreachable"),
    (OSError(errno.EADDRNOTAVAIL, "Cannot assign requested address"), "unreachable"),
    (OSError(errno.EPERM, "Operation not permitted"), "error"),
    (ConnectionResetError(errno.ECONNRESET, "Connection reset by peer"), "error"),
    (ValueError("odd"), "error"),
]


@pytest.mark.parametrize(("exc", "status"), ERRORS)
def test_classify_socket_error(exc, status):
    got, message = netprobe.classify_socket_error(exc)
    assert got == status
    assert message and "\n" not in message


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (10, "expired"),
        (9, "not_yet_valid"),
        (62, "hostname_mismatch"),
        (18, "self_signed"),
        (20, "untrusted"),
        (23, "revoked"),
        (999, "other"),
        (None, "other"),
    ],
)
def test_verify_reason(code, reason):
    assert netprobe.verify_reason(code) == reason


def test_parse_http_head():
    head = netprobe.parse_http_head(
        b"HTTP/1.1 404 Not Found\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nServer: x\r\n\r\nbody"
    )
    assert head["status_code"] == 404 and head["reason"] == "Not Found"
    assert head["headers"]["date"] == "Sun, 06 Nov 1994 08:49:37 GMT"
    assert netprobe.parse_http_head(b"HTTP/1.0 403 Access violation\r\n\r\n")["status_line"] == (
        "HTTP/1.0 403 Access violation"
    )
    for bad in (b"", b"SSH-2.0-OpenSSH\r\n", b"HTTP/1.1 abc\r\n\r\n", None, "text"):
        assert netprobe.parse_http_head(bad) is None


def test_date_skew():
    stamp = 784111777.0  # Sun, 06 Nov 1994 08:49:37 GMT
    assert netprobe.parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == stamp
    assert netprobe.date_skew("Sun, 06 Nov 1994 08:49:37 GMT", stamp - 30.1, stamp - 29.9) == 30.5
    assert netprobe.date_skew("garbage", 0, 1) is None
    assert netprobe.date_skew(None, 0, 1) is None


def _sntp_responder(ahead):
    """A loopback UDP server answering one SNTP request as a server `ahead` seconds ahead would."""
    srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    srv.bind(("127.0.0.1", 0))

    def answer():
        data, peer = srv.recvfrom(512)
        now = time.time() + ahead
        stamp = sntp.to_ntp(now)
        reply = sntp._PACKET.pack(0x24, 2, 0, -20, 0, 0, b"GPS\0", stamp, sntp._PACKET.unpack(data)[10], stamp, stamp)
        srv.sendto(reply, peer)
        srv.close()

    threading.Thread(target=answer, daemon=True).start()
    return srv.getsockname()[1]


def test_sntp_query_uses_the_collection_offset_convention():
    """connectivity_info and timesync_facts share one SNTP client: offset = local clock - server clock."""
    port = _sntp_responder(ahead=10.0)
    report = netprobe.sntp_query("127.0.0.1", port, 2.0)
    assert report["status"] == "ok", report
    assert report["offset_seconds"] == pytest.approx(-10.0, abs=0.05)
    assert report["stratum"] == 2


def test_sntp_query_classifies_a_refused_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    report = netprobe.sntp_query("127.0.0.1", port, 1.0)
    assert report["status"] == "refused", report


def test_undocumented_addresses():
    ips = ["139.105.36.128/27", "13.74.107.66", "2001:db8::/32", "not-an-ip"]
    addrs = ["139.105.36.132", "139.105.36.200", "13.74.107.66", "2001:db8::5", "fe80::1%eth0", "junk"]
    assert netprobe.undocumented_addresses(addrs, ips) == ["139.105.36.200", "fe80::1%eth0", "junk"]
    assert netprobe.undocumented_addresses(addrs, []) == []


NORMALIZE = [
    ({"host": "a.org", "protocol": "https"}, None, 443),
    ({"host": "a.org", "protocol": "udp-ntp"}, None, 123),
    ({"host": "[::1]", "port": "8443", "protocol": "tls"}, None, 8443),
    ({"host": "a.org"}, "port", None),  # tcp needs a port
    ({"host": "a.org", "port": 0, "protocol": "tcp"}, "port", 0),
    ({"host": "a.org", "port": True, "protocol": "tcp"}, "port", None),
    ({"port": 443, "protocol": "https"}, "host", 443),
    ({"host": "a.org", "protocol": "ftp", "port": 21}, "protocol", 21),
    ({"host": "a.org", "protocol": "https", "timeout": -1}, "timeout", 443),
    ({"host": "a.org", "protocol": "https", "timeout": "x"}, "timeout", 443),
    ({"host": "a.org", "protocol": "https", "severity": "fatal"}, "severity", 443),
    ({"host": "a.org", "protocol": "https", "ips": "10.0.0.1"}, None, 443),
    ({"host": "a.org", "protocol": "https", "ips": {"a": 1}}, "ips", 443),
    ({"host": "a.org", "protocol": "https", "http_path": "x"}, "http_path", 443),
    ({"host": "a.org", "protocol": "https", "use_proxy": "no"}, "use_proxy", 443),
    ({"host": "a.org", "protocol": "amqps", "use_proxy": False, "proxy_reason": 5}, "proxy_reason", 443),
    ("not a dict", "not a dict", None),
]


@pytest.mark.parametrize(("raw", "error", "port"), NORMALIZE)
def test_normalize_endpoint(raw, error, port):
    ep, got = netprobe.normalize_endpoint(raw, 5.0)
    if error is None:
        assert got is None and ep["port"] == port
    else:
        assert error in got
    assert ep["name"]


def _result(**kw):
    base = {
        "name": "x",
        "host": "h",
        "port": 443,
        "protocol": "https",
        "status": None,
        "dns": {"ok": True, "addresses": ["192.0.2.1"]},
        "tcp": [{"address": "192.0.2.1", "status": "ok"}],
        "tls": {"ok": True, "verified": True, "version": "TLSv1.3", "cert_expires_in_days": 30},
        "http": None,
        "ntp": None,
        "proxy": {"used": False},
    }
    base.update(kw)
    return base


TUNNEL = {"used": True, "url": "u", "error": None, "connect_status": "HTTP/1.1 200 Connection established"}


STATUS = [
    (_result(), True, "ok"),
    (_result(dns={"ok": False, "error": "no such name"}, tcp=[]), False, "dns_error"),
    (_result(tcp=[{"address": "a", "status": "refused"}, {"address": "b", "status": "timeout"}]), False, "tcp_timeout"),
    (_result(tcp=[{"address": "a", "status": "unreachable"}]), False, "tcp_unreachable"),
    (_result(tcp=[{"address": "a", "status": "refused"}]), False, "tcp_refused"),
    (_result(tcp=[{"address": "a", "status": "refused"}, {"address": "b", "status": "ok"}]), True, "ok"),
    (
        _result(tls={"ok": False, "verify_error": "certificate has expired", "verify_reason": "expired"}),
        False,
        "tls_error",
    ),
    (_result(tls={"ok": False, "error": "handshake timed out"}), False, "tls_error"),
    (_result(http={"error": "connection closed"}), False, "http_error"),
    (_result(http={"error": "the proxy answered 502", "from_proxy": True}), False, "proxy_error"),
    (
        _result(proxy={"used": True, "url": "u", "error": "CONNECT refused: HTTP/1.0 403 Access violation"}),
        False,
        "proxy_error",
    ),
    # through a proxy a local DNS failure does not count
    (_result(dns={"ok": False, "error": "x"}, proxy=TUNNEL), True, "ok"),
    (_result(protocol="udp-ntp", ntp={"ok": True, "address": "a", "offset_seconds": 0.1, "stratum": 2}), True, "ok"),
    (
        _result(protocol="udp-ntp", ntp={"ok": False, "addresses": [{"address": "a", "status": "timeout"}]}),
        False,
        "ntp_error",
    ),
    (_result(status="invalid", message="bad"), False, "invalid"),
    (_result(status="skipped", message="dropped"), True, "skipped"),
    (_result(status="error", message="internal error in the TLS step: ValueError: boom"), False, "error"),
    # Fail closed: a step whose result is missing is an error, never ok.
    (_result(tls=None), False, "error"),
    (_result(dns=None), False, "error"),
    (_result(tls={"ok": True, "verified": False}), False, "tls_error"),
    (_result(proxy={"used": True, "url": "u", "error": None}), False, "error"),
    (_result(protocol="http", tls=None, proxy={"used": True, "url": "u", "error": None}), False, "error"),
    (_result(protocol="http", tls=None, proxy=TUNNEL, http={"status_code": 200, "error": None}), True, "ok"),
    (_result(http={"status_code": None, "error": None}), False, "http_error"),
    (_result(protocol="tcp", tls=None), True, "ok"),
    (_result(protocol="udp-ntp", ntp={"ok": True, "address": "a", "offset_seconds": None}), False, "ntp_error"),
]


@pytest.mark.parametrize(("result", "ok", "status"), STATUS)
def test_endpoint_status(result, ok, status):
    got_ok, got_status, message = netprobe.endpoint_status(result)
    assert (got_ok, got_status) == (ok, status)
    assert message and "\n" not in message


def test_summarize_counts_by_severity():
    results = [
        {"name": "a", "ok": True, "severity": "fail"},
        {"name": "b", "ok": False, "severity": "fail"},
        {"name": "c", "ok": False, "severity": "warn"},
    ]
    assert netprobe.summarize(results) == {
        "total": 3,
        "ok": 1,
        "failed": 2,
        "errors": 0,
        "failed_names": ["b", "c"],
        "failed_severity_fail": 1,
        "failed_severity_warn": 1,
    }


def test_endpoint_status_requires_http_when_it_was_asked_for():
    assert netprobe.endpoint_status(_result(), http_expected=True)[:2] == (False, "error")
    assert netprobe.endpoint_status(_result(protocol="tcp", tls=None), http_expected=True)[:2] == (True, "ok")
    ok = _result(http={"status_code": 404, "error": None})
    assert netprobe.endpoint_status(ok, http_expected=True)[:2] == (True, "ok")


def test_summarize_counts_errors_apart():
    results = [
        {"name": "a", "ok": False, "status": "error", "severity": "fail"},
        {"name": "b", "ok": False, "status": "tcp_timeout", "severity": "warn"},
        {"name": "c", "ok": False, "status": "timeout", "severity": "fail"},
    ]
    summary = netprobe.summarize(results)
    assert (summary["errors"], summary["failed"], summary["ok"]) == (1, 3, 0)


def test_budget_is_three_steps_of_the_timeout():
    assert netprobe.budget_seconds(5) == 15.0
    assert netprobe.budget_seconds(0.5) == 1.5
    assert netprobe.budget_seconds(None) == netprobe.budget_seconds(5.0)  # the default timeout
    assert netprobe.budget_seconds(-1) == 15.0


def test_failed_addresses_lists_direct_tcp_and_ntp_failures():
    result = {
        "tcp": [
            {"address": "192.0.2.1", "status": "ok", "error": None},
            {"address": "192.0.2.2", "status": "timeout", "error": "timed out"},
            {"address": "198.51.100.1", "status": "refused", "error": "connection refused", "via_proxy": True},
        ],
        "ntp": {"addresses": [{"address": "192.0.2.9", "status": "refused", "error": "connection refused"}]},
    }
    assert netprobe.failed_addresses(result) == [
        {"address": "192.0.2.2", "status": "timeout", "error": "timed out"},
        {"address": "192.0.2.9", "status": "refused", "error": "connection refused"},
    ]
    assert netprobe.failed_addresses({"tcp": [], "ntp": None}) == []


def test_verify_failure_is_recognised_without_the_verification_class():
    exc = ssl.SSLError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed (_ssl.c:852)")
    assert netprobe.is_verify_failure(exc)
    assert not netprobe.is_verify_failure(ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number"))


def test_a_past_deadline_times_every_endpoint_out_at_once():
    eps = [{"name": "n", "host": "127.0.0.1", "port": 9, "protocol": "tcp"}]
    results = netprobe.probe_all(eps, timeout=5, deadline=time.monotonic() - 1)
    assert (results[0]["ok"], results[0]["status"]) == (False, "timeout"), results
    assert "budget" in results[0]["message"]


def test_redact_tree_reaches_every_string():
    url = "http://bob:hunter2-secret@proxy:3128"
    tree = {"a": [url, {"b": "error via %s" % url}], "hunter2-secret": 1, "n": 5, "none": None}
    text = repr(netprobe.redact_tree(tree, [url]))
    assert "hunter2-secret" not in text and "bob:" not in text
    assert "http://********@proxy:3128" in text


def test_cert_summary_from_getpeercert_dict():
    cert = {
        "subject": ((("commonName", "a.example"),), (("organizationName", "Org"),)),
        "issuer": ((("commonName", "CA"),),),
        "notAfter": "Jan  1 00:00:00 2030 GMT",
    }
    now = ssl.cert_time_to_seconds("Dec 22 00:00:00 2029 GMT")
    summary = netprobe.cert_summary(cert, now=now)
    assert summary == {
        "subject": "CN=a.example,O=Org",
        "issuer": "CN=CA",
        "cert_not_after": "2030-01-01T00:00:00Z",
        "cert_expires_in_days": 10,
    }
    assert netprobe.cert_summary({})["cert_expires_in_days"] is None
    assert netprobe.cert_summary({"notAfter": "garbage"})["cert_not_after"] is None


def test_probe_all_never_raises_on_bad_input():
    results = netprobe.probe_all([None, 5, {"host": ""}, {"host": "x", "protocol": "gopher", "port": 70}], timeout=1)
    assert [r["status"] for r in results] == ["invalid"] * 4
    assert netprobe.probe_all(None) == []


HEAD_TOKEN = st.text(alphabet=string.ascii_letters + string.digits + "-", min_size=1, max_size=12)
HEAD_VALUE = st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=20)


def _head(code, reason, headers, body):
    """A well-formed response head and what parse_http_head must read from it (the first value of a header wins)."""
    lines = "".join("%s: %s\r\n" % header for header in headers)
    expected = {}
    for name, value in headers:
        expected.setdefault(name.lower(), value)
    data = ("HTTP/1.1 %d %s\r\n%s\r\n" % (code, reason, lines)).encode("ascii") + body
    return data, {"status_code": code, "reason": reason, "headers": expected}


@given(
    st.one_of(
        st.binary(max_size=300).map(lambda data: (data, None)),
        st.builds(
            _head,
            st.integers(100, 999),
            HEAD_VALUE,
            st.lists(st.tuples(HEAD_TOKEN, HEAD_VALUE), max_size=5),
            st.binary(max_size=30),
        ),
    )
)
def test_parsers_never_raise(case):
    """Garbage is None or starts like a status line; a well-formed head reads back exactly."""
    data, expected = case
    head = netprobe.parse_http_head(data)
    if expected is not None:
        assert {k: head[k] for k in expected} == expected
    elif head is not None:
        assert data.lstrip().startswith(b"HTTP/") and 100 <= head["status_code"] <= 999
    if b"\r\n\r\n" in data:  # what follows the head (the body) never changes it
        assert netprobe.parse_http_head(data + b"\r\nX-In-The-Body: 1\r\n\r\n") == head


@given(st.text(max_size=60))
def test_http_date_parser_never_raises(text):
    value = netprobe.parse_http_date(text)
    assert value is None or isinstance(value, float)


@given(
    st.dictionaries(
        st.sampled_from(["name", "host", "port", "protocol", "ips", "timeout", "severity"]),
        st.one_of(st.none(), st.integers(), st.text(max_size=10), st.booleans(), st.floats()),
    )
)
def test_normalize_endpoint_never_raises(raw):
    ep, error = netprobe.normalize_endpoint(raw, 5.0)
    assert isinstance(ep, dict) and (error is None or isinstance(error, str))


def test_a_superscript_digit_is_not_a_port():
    # found by hypothesis: '²'.isdigit() is True, int('²') raises
    assert netprobe_endpoint._as_int("²") is None
    assert netprobe_endpoint._as_int(" 443 ") == 443
