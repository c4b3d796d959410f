"""no_proxy matching, proxy selection and credential redaction (plugins/module_utils/noproxy.py)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import noproxy

# (no_proxy, host, port, expected matching entry or None)
MATCH_TABLE = [
    # wildcard
    ("*", "anything.example.org", 443, "*"),
    ("*", "10.1.2.3", 443, "*"),
    # bare domain suffix: the domain and every name below it, never a longer label
    ("example.com", "example.com", 443, "example.com"),
    ("example.com", "a.b.example.com", 443, "example.com"),
    ("example.com", "badexample.com", 443, None),
    ("example.com", "example.com.evil.org", 443, None),
    # .suffix and *.suffix behave like the bare suffix (curl and Python ignore a leading dot)
    (".example.com", "example.com", 443, ".example.com"),
    (".example.com", "www.example.com", 443, ".example.com"),
    (".example.com", "wwwexample.com", 443, None),
    ("*.example.com", "www.example.com", 443, "*.example.com"),
    # case, trailing dots, whitespace and separators
    ("EXAMPLE.com.", "www.Example.COM.", 443, "EXAMPLE.com."),
    ("  foo.org ,, bar.org  ", "x.bar.org", 443, "bar.org"),
    ("foo.org bar.org", "bar.org", 443, "bar.org"),
    # host:port entries only match that port
    ("example.com:8443", "example.com", 8443, "example.com:8443"),
    ("example.com:8443", "example.com", 443, None),
    # IPv4 literal and CIDR
    ("192.0.2.1", "192.0.2.1", 443, "192.0.2.1"),
    ("192.0.2.1", "192.0.2.10", 443, None),
    ("192.0.2.1:443", "192.0.2.1", 443, "192.0.2.1:443"),
    ("192.0.2.1:443", "192.0.2.1", 80, None),
    ("10.0.0.0/8", "10.200.3.4", 443, "10.0.0.0/8"),
    ("10.0.0.0/8", "11.0.0.1", 443, None),
    ("127.0.0.0/8", "127.0.0.2", 443, "127.0.0.0/8"),
    ("139.105.36.128/27", "139.105.36.132", 443, "139.105.36.128/27"),
    ("139.105.36.128/27", "139.105.36.160", 443, None),
    ("10.1.2.3/8", "10.9.9.9", 443, "10.1.2.3/8"),  # host bits set: still the /8
    # CIDR never matches a name (names are not resolved, as in curl and Go)
    ("10.0.0.0/8", "intranet.example", 443, None),
    # IPv6 literal, bracketed, with port, and CIDR; any spelling of the same address
    ("::1", "::1", 443, "::1"),
    ("::1", "[::1]", 443, "::1"),
    ("[::1]", "0:0:0:0:0:0:0:1", 443, "[::1]"),
    ("[::1]:443", "::1", 443, "[::1]:443"),
    ("[::1]:443", "::1", 80, None),
    ("fd00::/8", "fd12:3456::1", 443, "fd00::/8"),
    ("fd00::/8", "fe80::1", 443, None),
    ("2001:db8::/32", "[2001:db8:1::5]", 443, "2001:db8::/32"),
    # a v4 range never matches a v6 address and vice versa
    ("0.0.0.0/0", "::1", 443, None),
    ("::/0", "127.0.0.1", 443, None),
    # an IP entry does not match a name and a name entry does not match an IP
    ("127.0.0.1", "localhost", 443, None),
    ("localhost", "127.0.0.1", 443, None),
    # garbage is ignored, the rest still works
    ("10.0.0.0/99, *.*, example.org", "www.example.org", 443, "example.org"),
    ("", "example.org", 443, None),
    (None, "example.org", 443, None),
]


@pytest.mark.parametrize(("no_proxy", "host", "port", "expected"), MATCH_TABLE)
def test_match_no_proxy(no_proxy, host, port, expected):
    assert noproxy.match_no_proxy(host, port, noproxy.parse_no_proxy(no_proxy)) == expected


def test_parse_no_proxy_kinds_and_lists():
    rules = noproxy.parse_no_proxy(["a.org,10.0.0.0/8", "*", "[::1]:443", "bad/99"])
    assert [r["kind"] for r in rules] == ["domain", "cidr", "any", "ip", "invalid"]
    assert rules[3]["port"] == 443


# (url, scheme, host, port, username, password, error?)
URL_TABLE = [
    ("http://proxy.example:3128", "http", "proxy.example", 3128, None, None, False),
    ("proxy.example:3128", "http", "proxy.example", 3128, None, None, False),
    ("http://u:p%40ss@proxy:8080/", "http", "proxy", 8080, "u", "p@ss", False),
    ("http://[::1]:3128", "http", "::1", 3128, None, None, False),
    ("http://proxy", "http", "proxy", 80, None, None, False),
    ("https://proxy:443", "https", "proxy", 443, None, None, True),
    ("socks5://proxy:1080", "socks5", "proxy", 1080, None, None, True),
    ("http://proxy:notaport", None, None, None, None, None, True),
    ("", None, None, None, None, None, True),
]


@pytest.mark.parametrize(("url", "scheme", "host", "port", "user", "password", "error"), URL_TABLE)
def test_parse_proxy_url(url, scheme, host, port, user, password, error):
    parsed = noproxy.parse_proxy_url(url)
    assert bool(parsed["error"]) is error
    if scheme:
        assert (parsed["scheme"], parsed["host"], parsed["port"]) == (scheme, host, port)
        assert (parsed["username"], parsed["password"]) == (user, password)


def test_proxy_authorization_header():
    assert noproxy.proxy_authorization(noproxy.parse_proxy_url("http://u:p@h:1")) == "Basic dTpw"
    assert noproxy.proxy_authorization(noproxy.parse_proxy_url("http://h:1")) is None


REDACT_TABLE = [
    ("http://user:secret@proxy:3128", "http://********@proxy:3128"),
    ("http://user:secret@proxy:3128/path?q=@x", "http://********@proxy:3128/path?q=@x"),
    ("http://us%40er:p%3Aw@proxy", "http://********@proxy"),
    ("http://user:p@ss@proxy:1", "http://********@proxy:1"),  # unescaped @ in the password
    ("user:secret@proxy:3128", "********@proxy:3128"),
    ("http://proxy:3128", "http://proxy:3128"),
    (None, None),
]


@pytest.mark.parametrize(("url", "expected"), REDACT_TABLE)
def test_redact_url(url, expected):
    assert noproxy.redact_url(url) == expected


def test_redact_text_removes_raw_and_decoded_secrets():
    url = "http://alice:p%40ss%3Aword@proxy:3128"
    text = "failed via %s (user alice, password p@ss:word, raw p%%40ss%%3Aword)" % url
    out = noproxy.redact_text(text, [url])
    assert "p@ss:word" not in out and "p%40ss%3Aword" not in out and "alice:" not in out
    assert "http://********@proxy:3128" in out


# (protocol, host, port, proxy, no_proxy, environ, use_proxy) -> (used, reason fragment)
SELECT_TABLE = [
    ("https", "a.org", 443, "http://p:1", None, {}, True, True, "proxy option"),
    ("tcp", "a.org", 25, None, None, {"https_proxy": "http://p:1"}, True, True, "https_proxy"),
    ("https", "a.org", 443, None, None, {"HTTPS_PROXY": "http://p:1"}, True, True, "HTTPS_PROXY"),
    ("https", "a.org", 443, None, None, {"http_proxy": "http://p:1"}, True, False, "no proxy configured"),
    ("http", "a.org", 80, None, None, {"http_proxy": "http://p:1"}, True, True, "http_proxy"),
    ("http", "a.org", 80, None, None, {"all_proxy": "http://p:1"}, True, True, "all_proxy"),
    ("https", "a.org", 443, None, None, {"https_proxy": "http://p:1", "no_proxy": ".a.org"}, True, False, ".a.org"),
    ("https", "a.org", 443, None, None, {"https_proxy": "http://p:1", "NO_PROXY": "*"}, True, False, "'*'"),
    # an explicit no_proxy replaces the environment's
    ("https", "a.org", 443, "http://p:1", "b.org", {"no_proxy": "a.org"}, True, True, "proxy option"),
    ("https", "10.0.0.5", 443, "http://p:1", "10.0.0.0/8", {}, True, False, "10.0.0.0/8"),
    ("udp-ntp", "a.org", 123, "http://p:1", None, {}, True, False, "NTP is UDP: never proxied"),
    ("tls", "a.org", 443, "http://p:1", None, {}, False, False, "use_proxy is false"),
]


@pytest.mark.parametrize(
    ("protocol", "host", "port", "proxy", "no_proxy", "environ", "use", "used", "reason"), SELECT_TABLE
)
def test_select_proxy(protocol, host, port, proxy, no_proxy, environ, use, used, reason):
    choice = noproxy.select_proxy(protocol, host, port, proxy=proxy, no_proxy=no_proxy, environ=environ, use_proxy=use)
    assert choice["used"] is used
    assert reason in choice["reason"]


@given(st.text(), st.text(), st.integers(min_value=-5, max_value=70000))
def test_matcher_never_raises(no_proxy, host, port):
    result = noproxy.match_no_proxy(host, port, noproxy.parse_no_proxy(no_proxy))
    assert result is None or isinstance(result, str)


# A user name cannot hold an unescaped ":" (RFC 3986); the password can hold anything but the delimiters.
_user = st.text(alphabet=st.characters(blacklist_characters=":/?#@\n", blacklist_categories=("Cs",)), min_size=4)
_password = st.text(alphabet=st.characters(blacklist_characters="/?#@\n", blacklist_categories=("Cs",)), min_size=4)


@given(user=_user, password=_password, host=st.from_regex(r"[a-z][a-z0-9.-]{0,20}", fullmatch=True))
def test_redaction_never_leaks_the_password(user, password, host):
    url = "http://%s:%s@%s:3128" % (user, password, host)
    assert password not in noproxy.redact_url(url)
    assert password not in noproxy.redact_text("error talking to %s (%s)" % (url, password), [url])
    assert noproxy.redact_url(url).endswith("@%s:3128" % host)


@given(st.one_of(st.text(), st.builds("http://{}:{}@{}".format, st.text(), st.text(), st.text())))
def test_url_helpers_never_raise(text):
    redacted = noproxy.redact_url(text)
    assert noproxy.redact_url(redacted) == redacted  # redacting twice changes nothing more
    if "@" not in text:  # no userinfo: nothing to hide, nothing changed
        assert redacted == text == noproxy.redact_text(text, [text])
    parsed = noproxy.parse_proxy_url(text)
    assert set(parsed) == {"scheme", "host", "port", "username", "password", "error"}
    if parsed["error"] is None:
        assert parsed["scheme"] == "http" and parsed["host"] and 0 <= parsed["port"] <= 65535
    if parsed["username"] is not None:  # credentials were read: the redacted URL masks them
        assert noproxy.REDACTED in redacted
        assert noproxy.proxy_authorization(parsed).startswith("Basic ")
    else:
        assert noproxy.proxy_authorization(parsed) is None
