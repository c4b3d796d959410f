# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Proxy selection, a `no_proxy` matcher and credential redaction.

Pure functions only: the caller passes the environment in. Nothing here raises on bad input.

`no_proxy` entries (comma- or space-separated, case-insensitive, a trailing dot ignored):

* ``*`` matches every host.
* ``example.com``, ``.example.com`` and ``*.example.com`` match ``example.com`` and every name below it,
  but never ``badexample.com`` (curl and Python both ignore a leading dot).
* ``10.0.0.0/8``, ``fd00::/8`` (CIDR) match a host given as an IP literal inside the range.
* ``192.0.2.1``, ``::1``, ``[::1]`` match that IP literal (IPv4 and IPv6 spelled any valid way).
* ``example.com:8443``, ``[::1]:443``, ``192.0.2.1:443`` match only that port.

CIDR entries are compared with IP literals only, as curl and Go do: a host name is not resolved to decide
whether it bypasses the proxy, because the client that uses the proxy does not do that either.
"""

import base64
import ipaddress
from urllib.parse import unquote, urlsplit

REDACTED = "********"

# Which environment variables a client of each protocol consults, in order (lower case first, like curl).
_HTTP_VARS = ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY")
_HTTPS_VARS = ("https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY")
_NO_PROXY_VARS = ("no_proxy", "NO_PROXY")

NEVER_PROXIED = {"udp-ntp": "NTP is UDP: never proxied"}


def _ip(text):
    """Return an ipaddress object for an IP literal (brackets and a zone id allowed), else None."""
    if not isinstance(text, str):
        return None
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if "%" in text:
        text = text.split("%", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _split_host_port(entry):
    """Split one no_proxy entry into (host, port or None). Handles [v6]:port and bare IPv6 literals."""
    if entry.startswith("["):
        end = entry.find("]")
        if end < 0:
            return entry, None
        host, rest = entry[1:end], entry[end + 1 :]
        if rest.startswith(":") and rest[1:].isdigit():
            return host, int(rest[1:])
        return host, None
    if entry.count(":") == 1:
        host, _sep, port = entry.partition(":")
        if port.isdigit():
            return host, int(port)
        return host, None
    return entry, None  # a name, an IPv4 literal, or a bare IPv6 literal / CIDR (several colons)


def parse_no_proxy(value):
    """Parse a no_proxy string (or list) into rule dicts: {kind, value, port, text}.

    kind is one of: any, cidr, ip, domain. Unusable entries are returned with kind `invalid` so that the
    caller can report them; they never match.
    """
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        items = []
        for item in value:
            items.extend(str(item).replace(",", " ").split())
    else:
        items = str(value).replace(",", " ").split()
    rules = []
    for raw in items:
        text = raw.strip().lower()
        if not text:
            continue
        if text == "*":
            rules.append({"kind": "any", "value": "*", "port": None, "text": raw})
            continue
        if "/" in text:
            try:
                net = ipaddress.ip_network(text.strip("[]"), strict=False)
            except ValueError:
                rules.append({"kind": "invalid", "value": text, "port": None, "text": raw})
            else:
                rules.append({"kind": "cidr", "value": net, "port": None, "text": raw})
            continue
        host, port = _split_host_port(text)
        addr = _ip(host)
        if addr is not None:
            rules.append({"kind": "ip", "value": addr, "port": port, "text": raw})
            continue
        host = host.rstrip(".")
        while host.startswith("*."):
            host = host[1:]
        host = host.lstrip(".")
        if not host or "*" in host or ":" in host:
            rules.append({"kind": "invalid", "value": text, "port": port, "text": raw})
            continue
        rules.append({"kind": "domain", "value": host, "port": port, "text": raw})
    return rules


def match_no_proxy(host, port, rules):
    """Return the text of the first rule that makes `host`:`port` bypass the proxy, else None.

    `rules` is the output of parse_no_proxy (a raw string is accepted too).
    """
    if isinstance(rules, str) or rules is None:
        rules = parse_no_proxy(rules)
    if not isinstance(host, str) or not host:
        return None
    addr = _ip(host)
    name = host.strip().lower().rstrip(".")
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    for rule in rules:
        if rule["port"] is not None and rule["port"] != port:
            continue
        kind = rule["kind"]
        if kind == "any":
            return rule["text"]
        if kind == "cidr":
            if addr is not None and addr.version == rule["value"].version and addr in rule["value"]:
                return rule["text"]
        elif kind == "ip":
            if addr is not None and addr == rule["value"]:
                return rule["text"]
        elif kind == "domain" and addr is None:
            dom = rule["value"]
            if name == dom or name.endswith("." + dom):
                return rule["text"]
    return None


def parse_proxy_url(url):
    """Parse a proxy URL into a dict: scheme, host, port, username, password, error.

    A URL without a scheme is taken as http://. Only http:// proxies can be used for CONNECT here;
    other schemes are returned with an `error`.
    """
    out = {"scheme": None, "host": None, "port": None, "username": None, "password": None, "error": None}
    if not isinstance(url, str) or not url.strip():
        out["error"] = "empty proxy URL"
        return out
    text = url.strip()
    if "://" not in text:
        text = "http://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        out["error"] = "cannot parse the proxy URL: %s" % redact_text(str(exc), [url])
        return out
    out["scheme"] = (parts.scheme or "").lower()
    out["host"] = parts.hostname
    out["username"] = unquote(parts.username) if parts.username is not None else None
    out["password"] = unquote(parts.password) if parts.password is not None else None
    if out["scheme"] != "http":
        out["error"] = "unsupported proxy scheme %r: only http:// proxies (CONNECT) are supported" % out["scheme"]
    if not out["host"]:
        out["error"] = "the proxy URL has no host"
    out["port"] = port if port is not None else 80
    return out


def proxy_authorization(parsed):
    """The Proxy-Authorization header value for a parsed proxy URL, or None without credentials."""
    if not parsed or parsed.get("username") is None:
        return None
    raw = "%s:%s" % (parsed.get("username") or "", parsed.get("password") or "")
    return "Basic " + base64.b64encode(raw.encode("utf-8")).decode("ascii")


def _userinfo_span(text):
    """(start, at) of the userinfo in a URL's authority (text[start:at] is "user:password"), or None.

    The authority ends at the first / ? or # after the scheme; the userinfo ends at its last @.
    """
    scheme_end = text.find("://")
    start = scheme_end + 3 if scheme_end >= 0 else 0
    end = len(text)
    for sep in "/?#":
        pos = text.find(sep, start)
        if 0 <= pos < end:
            end = pos
    at = text.rfind("@", start, end)
    return (start, at) if at >= 0 else None


def redact_url(url):
    """Return `url` with any user:password replaced by ********. Never raises; never returns the secret."""
    if url is None:
        return None
    text = str(url)
    span = _userinfo_span(text)
    if span is None:
        return text
    return text[: span[0]] + REDACTED + text[span[1] :]


def url_secrets(url):
    """The secrets inside a proxy URL (raw and percent-decoded password and userinfo), longest first."""
    if not isinstance(url, str):
        return []
    found = set()
    text = url.strip()
    span = _userinfo_span(text)
    if span is not None:
        userinfo = text[span[0] : span[1]]
        found.add(userinfo)
        found.add(unquote(userinfo))
        if ":" in userinfo:
            password = userinfo.split(":", 1)[1]
            found.add(password)
            found.add(unquote(password))
    return sorted((s for s in found if s), key=len, reverse=True)


def redact_text(text, urls):
    """Replace every secret of every URL in `urls` (and the URLs themselves) inside `text`."""
    if text is None:
        return None
    out = str(text)
    for url in urls or []:
        if not isinstance(url, str) or not url:
            continue
        if url in out:
            out = out.replace(url, redact_url(url))
        for secret in url_secrets(url):
            out = out.replace(secret, REDACTED)
    return out


def select_proxy(protocol, host, port, *, proxy=None, no_proxy=None, environ=None, use_proxy=True):
    """Decide whether a probe of `protocol` to host:port goes through a proxy.

    Returns a dict: url (the raw URL, may hold credentials: never return it to the user), source (where
    the URL came from), used (bool), reason (one line, no secrets), no_proxy_match (the matching entry).
    `proxy`/`no_proxy` are the explicit settings; when None the environment is consulted.
    """
    environ = environ or {}
    out = {"url": None, "source": None, "used": False, "reason": None, "no_proxy_match": None}
    if protocol in NEVER_PROXIED:
        out["reason"] = NEVER_PROXIED[protocol]
        return out
    if not use_proxy:
        out["reason"] = "use_proxy is false for this endpoint"
        return out
    if proxy:
        out["url"], out["source"] = proxy, "proxy option"
    else:
        names = _HTTP_VARS if protocol == "http" else _HTTPS_VARS
        for var in names:
            if environ.get(var):
                out["url"], out["source"] = environ[var], "environment variable %s" % var
                break
    if not out["url"]:
        out["reason"] = "no proxy configured"
        return out
    if no_proxy is None:
        for var in _NO_PROXY_VARS:
            if environ.get(var):
                no_proxy = environ[var]
                break
    match = match_no_proxy(host, port, parse_no_proxy(no_proxy))
    if match is not None:
        out["no_proxy_match"] = match
        out["reason"] = "no_proxy entry %r matches" % match
        return out
    out["used"] = True
    out["reason"] = "from the %s" % out["source"]
    return out
