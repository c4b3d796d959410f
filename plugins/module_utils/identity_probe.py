# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The identity probe, managed-host side: the network path the integrasjonspunkt itself will take.

1. POST the signed JWT grant (made on the controller) to Maskinporten's token endpoint;
2. with the access token, GET ``<service registry>/virksert/<orgnr>`` (the certificate directory);
3. when that answer is a JWS, GET ``<service registry>/jwk`` so the controller can verify it.

Through the integrasjonspunkt's proxy (a CONNECT tunnel), unless no_proxy exempts the host. Each step
reports what happened; the access token stays in this process and is never returned. A step that
raises outside the expected network errors is ``error`` (a bug of ours, never a verdict).
Python 3.8+ standard library only.
"""

import http.client
import json
import socket
import ssl
import time
import traceback
from urllib.parse import quote, urlencode, urlsplit

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import noproxy

MAX_BODY = 256 * 1024  # a token answer or a certificate is a few kB
USER_AGENT = "eformidling.integrasjonspunkt-preflight"
NETWORK_ERRORS = (OSError, http.client.HTTPException, ssl.SSLError)


class OutOfTime(Exception):
    """The probe's share of the budget is spent."""


def _remaining(deadline, clock):
    left = deadline - clock()
    if left <= 0.05:
        raise OutOfTime()
    return left


def _connection(url, timeout, proxy, no_proxy, context):
    """(HTTPSConnection, how it goes) for `url`, tunnelled through `proxy` unless no_proxy matches."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise ValueError("not an https URL: %r" % url)
    host, port = parts.hostname, parts.port or 443
    choice = noproxy.select_proxy("https", host, port, proxy=proxy or None, no_proxy=no_proxy or "", environ={})
    if not choice["used"]:
        return http.client.HTTPSConnection(host, port, timeout=timeout, context=context), "direct"
    parsed = noproxy.parse_proxy_url(choice["url"])
    if parsed["error"]:
        raise ValueError(parsed["error"])
    conn = http.client.HTTPSConnection(parsed["host"], parsed["port"], timeout=timeout, context=context)
    headers = {}
    auth = noproxy.proxy_authorization(parsed)
    if auth:
        headers["Proxy-Authorization"] = auth
    conn.set_tunnel(host, port, headers=headers)
    return conn, "via proxy %s" % noproxy.redact_url(choice["url"])


def request(method, url, *, headers=None, body=None, timeout=5.0, proxy=None, no_proxy=None, context=None):
    """(status, content type, body text, route) of one HTTPS request; network errors propagate."""
    conn, route = _connection(url, timeout, proxy, no_proxy, context)
    parts = urlsplit(url)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        conn.request(method, path, body=body, headers=dict({"User-Agent": USER_AGENT}, **(headers or {})))
        response = conn.getresponse()
        data = response.read(MAX_BODY + 1)
        return (
            response.status,
            response.getheader("Content-Type") or "",
            data[:MAX_BODY].decode("utf-8", "replace"),
            route,
        )
    finally:
        conn.close()


def _failure(step, exc):
    """The record of a step that did not get an answer: `network` for the expected errors, else `error`."""
    if isinstance(exc, OutOfTime):
        return {"step": step, "outcome": "error", "error": "the probe's time budget was spent before this step"}
    if isinstance(exc, (socket.timeout,)) or type(exc).__name__ == "TimeoutError":
        return {"step": step, "outcome": "network", "error": "timed out"}
    if isinstance(exc, ssl.SSLError):
        return {"step": step, "outcome": "network", "error": "TLS: %s" % (getattr(exc, "reason", None) or exc)}
    if isinstance(exc, socket.gaierror):
        return {"step": step, "outcome": "network", "error": "cannot resolve: %s" % exc}
    if isinstance(exc, NETWORK_ERRORS):
        return {"step": step, "outcome": "network", "error": "%s: %s" % (type(exc).__name__, exc)}
    return {
        "step": step,
        "outcome": "error",
        "error": "internal error: %s: %s" % (type(exc).__name__, exc),
        "exception": "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
    }


def is_jws(text):
    """Whether a directory answer is a compact JWS (header.payload.signature) rather than a PEM certificate."""
    parts = (text or "").strip().split(".")
    return len(parts) == 3 and all(parts[:2]) and "-----BEGIN" not in text


def parse_token_answer(status, text):
    """What the token answer says, without the token: {ok, error, error_description, scope, expires_in, ...}."""
    try:
        doc = json.loads(text) if text else {}
    except ValueError:
        doc = None
    if not isinstance(doc, dict):
        return {"ok": False, "http_status": status, "error": "not_json", "error_description": text[:300]}
    token = doc.get("access_token")
    return {
        "ok": status == 200 and isinstance(token, str) and bool(token),
        "http_status": status,
        "error": doc.get("error"),
        "error_description": doc.get("error_description"),
        "scope": doc.get("scope"),
        "token_type": doc.get("token_type"),
        "expires_in": doc.get("expires_in"),
    }


def probe(
    grant,
    token_url,
    registry_url,
    org_number,
    *,
    grant_type,
    timeout=5.0,
    deadline=None,
    proxy=None,
    no_proxy=None,
    ca_file=None,
    signed=True,
    clock=time.monotonic,
    send=request,
):
    """{token, virksert, jwk}: one record per step, each with `outcome` ok|http|network|error|skipped."""
    deadline = deadline if deadline is not None else clock() + 3 * timeout
    out = {"token": None, "virksert": {"step": "virksert", "outcome": "skipped"}, "jwk": None}
    step = "token"
    try:
        context = ssl.create_default_context(cafile=ca_file) if ca_file else ssl.create_default_context()

        def call(method, url, headers, body=None):
            limit = min(timeout, _remaining(deadline, clock))
            return send(method, url, headers=headers, body=body, timeout=limit, proxy=proxy, no_proxy=no_proxy,
                        context=context)  # fmt: skip

        def answered(name, status, body, route, **extra):
            return dict(extra, step=name, outcome="ok" if status == 200 else "http", http_status=status, body=body,
                        route=route)  # fmt: skip

        form = urlencode({"grant_type": grant_type, "assertion": grant})
        json_only = {"Accept": "application/json"}
        status, _ctype, text, route = call(
            "POST", token_url, dict(json_only, **{"Content-Type": "application/x-www-form-urlencoded"}), form
        )
        answer = parse_token_answer(status, text)
        out["token"] = dict(answer, step="token", outcome="ok" if answer["ok"] else "http", route=route)
        if not answer["ok"]:
            return out
        token = json.loads(text)["access_token"]  # kept in this frame only, never returned
        text = None
        step = "virksert"
        accept = "application/jose, application/json" if signed else "application/json"
        status, ctype, body, route = call(
            "GET",
            "%s/virksert/%s" % (registry_url.rstrip("/"), quote(org_number, safe="")),
            {"Authorization": "Bearer " + token, "Accept": accept},
        )
        token = None
        out["virksert"] = answered("virksert", status, body, route, content_type=ctype)
        if status != 200 or not is_jws(body):
            return out
        step = "jwk"
        status, _ctype, body, route = call("GET", "%s/jwk" % registry_url.rstrip("/"), json_only)
        out["jwk"] = answered("jwk", status, body, route)
    except Exception as exc:  # graded on the controller: network -> unknown, anything else -> error
        out[step] = _failure(step, exc)
    return out
