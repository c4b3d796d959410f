# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The network steps of the probes, one exchange each: DNS, TCP connect, HTTP CONNECT, HTTP HEAD and SNTP.

Each step is bounded by the `timeout` it is given and returns a report dict. A step catches only the network
errors it can classify (OSError, which includes socket.timeout and ssl.SSLError). Anything else is a bug of
ours: it propagates to the pool (netprobe_pool), which grades the endpoint `error` (fail closed) instead of
grading whatever the step had recorded so far. The parsers of the answers (HTTP heads, Date headers) are
pure and never raise. TLS is in netprobe_tls.

Python 3.8 compatible; standard library only.
"""

import email.utils
import errno
import socket
import ssl
import threading
import time

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import noproxy, sntp
from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils.netprobe_endpoint import (
    _ms,
    _one_line,
    _seconds,
)

USER_AGENT = "eformidling.integrasjonspunkt-connectivity_info"
MAX_HEAD = 65536


_UNREACHABLE = {
    getattr(errno, n)
    for n in ("ENETUNREACH", "EHOSTUNREACH", "ENETDOWN", "EHOSTDOWN", "EADDRNOTAVAIL")
    if hasattr(errno, n)
}
_TIMEOUT = {getattr(errno, n) for n in ("ETIMEDOUT", "EAGAIN", "EWOULDBLOCK", "EINPROGRESS") if hasattr(errno, n)}
_REFUSED = {getattr(errno, n) for n in ("ECONNREFUSED",) if hasattr(errno, n)}


def classify_socket_error(exc):
    """Map a socket exception to (status, message); status is refused, timeout, unreachable or error."""
    if isinstance(exc, socket.timeout) or type(exc).__name__ == "TimeoutError":
        return "timeout", "timed out"
    if isinstance(exc, ConnectionRefusedError):
        return "refused", "connection refused"
    code = getattr(exc, "errno", None)
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    if code in _REFUSED:
        return "refused", "connection refused"
    if code in _TIMEOUT:
        return "timeout", "timed out"
    if code in _UNREACHABLE:
        return "unreachable", _one_line(text)
    return "error", _one_line(text)


def parse_http_head(data):
    """Parse an HTTP response head (bytes). Return {status_line, status_code, reason, headers} or None."""
    if not isinstance(data, (bytes, bytearray)):
        return None
    head = bytes(data).split(b"\r\n\r\n", 1)[0]
    lines = head.decode("iso-8859-1").split("\r\n")
    status_line = lines[0].strip()
    parts = status_line.split(None, 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit() or len(parts[1]) != 3:
        return None
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            key, _sep, value = line.partition(":")
            headers.setdefault(key.strip().lower(), value.strip())
    return {
        "status_line": _one_line(status_line, 200),
        "status_code": int(parts[1]),
        "reason": parts[2] if len(parts) > 2 else "",
        "headers": headers,
    }


def parse_http_date(value):
    """An HTTP Date header as epoch seconds (float), or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = email.utils.parsedate_tz(value)
    except (TypeError, ValueError, IndexError):
        return None
    if not parsed:
        return None
    try:
        return float(email.utils.mktime_tz(parsed))
    except (TypeError, ValueError, OverflowError):
        return None


def date_skew(date_header, sent, received):
    """Server clock minus local clock, in seconds, from a Date header (1 s resolution: +-1 s)."""
    server = parse_http_date(date_header)
    if server is None:
        return None
    # Date is truncated to the second; the true server time lies in [server, server + 1).
    return round(server + 0.5 - (sent + received) / 2.0, 3)


def _gai_message(exc):
    names = {
        getattr(socket, "EAI_NONAME", None): "no such name (EAI_NONAME)",
        getattr(socket, "EAI_AGAIN", None): "temporary failure: resolver unreachable or timed out (EAI_AGAIN)",
        getattr(socket, "EAI_FAIL", None): "resolver failure (EAI_FAIL)",
        getattr(socket, "EAI_NODATA", None): "the name has no address (EAI_NODATA)",
    }
    code = exc.args[0] if exc.args else None
    return names.get(code) or _one_line(exc)


def resolve(host, port, resolve_map, timeout, datagram=False):
    """DNS step. Return {ok, addresses, error, source}. Bounded by `timeout` even if the resolver hangs."""
    if noproxy._ip(host) is not None:
        return {"ok": True, "addresses": [host], "error": None, "source": "literal"}
    if resolve_map and host in resolve_map:
        addrs = [str(a) for a in resolve_map[host]]
        return {"ok": bool(addrs), "addresses": addrs, "error": None, "source": "resolve option"}
    box = {}

    def lookup():
        try:
            kind = socket.SOCK_DGRAM if datagram else socket.SOCK_STREAM
            infos = socket.getaddrinfo(host, port, socket.AF_UNSPEC, kind)
            seen = []
            for info in infos:
                addr = info[4][0]
                if addr not in seen:
                    seen.append(addr)
            box["addresses"] = seen
        except socket.gaierror as exc:
            box["error"] = _gai_message(exc)
        except (OSError, UnicodeError) as exc:  # UnicodeError: a name IDNA cannot encode
            box["error"] = _one_line(exc)
        except Exception as exc:  # our bug: re-raised in the caller's thread, graded error
            box["crash"] = exc

    worker = threading.Thread(target=lookup, name="dns-" + host)
    worker.daemon = True
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        return {"ok": False, "addresses": [], "error": "timed out after %s s" % _seconds(timeout), "source": "resolver"}
    if "crash" in box:
        raise box["crash"]
    if "error" in box:
        return {"ok": False, "addresses": [], "error": box["error"], "source": "resolver"}
    addrs = box.get("addresses") or []
    return {"ok": bool(addrs), "addresses": addrs, "error": None if addrs else "no address", "source": "resolver"}


def tcp_connect(address, port, timeout):
    """Connect to address:port. Return (sock or None, report dict)."""
    report = {"address": address, "port": port, "status": "error", "latency_ms": None, "error": None}
    start = time.monotonic()
    sock = None
    try:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sock.connect((address, port))
        report["status"] = "ok"
        report["latency_ms"] = _ms(time.monotonic() - start)
        return sock, report
    except OSError as exc:
        report["status"], report["error"] = classify_socket_error(exc)
        report["latency_ms"] = _ms(time.monotonic() - start)
        if sock is not None:
            sock.close()
        return None, report


def _read_head(sock, deadline, bytewise=False):
    """Read an HTTP response head until `deadline` (time.monotonic()). Byte-wise after a CRLF (or always
    with bytewise=True) so that no byte after the head is consumed."""
    data = b""
    while b"\r\n\r\n" not in data and len(data) < MAX_HEAD:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout("timed out")
        sock.settimeout(remaining)
        one = bytewise or data.endswith(b"\r\n") or data.endswith(b"\r")
        chunk = sock.recv(1 if one else 1024)
        if not chunk:
            break
        data += chunk
    return data


def http_connect(sock, host, port, auth, timeout):
    """Send CONNECT host:port on a socket connected to the proxy. Return (ok, status_line or error)."""
    target = "[%s]:%d" % (host, port) if ":" in host else "%s:%d" % (host, port)
    lines = ["CONNECT %s HTTP/1.1" % target, "Host: %s" % target, "User-Agent: %s" % USER_AGENT]
    if auth:
        lines.append("Proxy-Authorization: %s" % auth)
    deadline = time.monotonic() + timeout
    try:
        sock.settimeout(timeout)
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("ascii", "replace"))
        # Byte-wise: not one byte of the tunnelled stream may be consumed.
        data = _read_head(sock, deadline, bytewise=True)
    except OSError as exc:
        return False, "CONNECT %s: %s" % (target, classify_socket_error(exc)[1])
    head = parse_http_head(data)
    if head is None:
        return False, "CONNECT %s: no valid HTTP answer from the proxy" % target
    if 200 <= head["status_code"] < 300:
        return True, head["status_line"]
    return False, "CONNECT %s refused: %s" % (target, head["status_line"])


def http_head(sock, host, port, path, timeout, *, absolute=False, auth=None):
    """Send HEAD and read the response head. Return the http report dict."""
    report = {"status_code": None, "status_line": None, "date": None, "date_skew_seconds": None, "error": None}
    authority = ("[%s]" % host if ":" in host else host) + ("" if port in (80, 443) else ":%d" % port)
    target = ("http://%s%s" % (authority, path)) if absolute else path
    lines = [
        "HEAD %s HTTP/1.1" % target,
        "Host: %s" % authority,
        "User-Agent: %s" % USER_AGENT,
        "Accept: */*",
        "Connection: close",
    ]
    if auth:
        lines.append("Proxy-Authorization: %s" % auth)
    deadline = time.monotonic() + timeout
    sent = time.time()  # wall clock on purpose: compared with the server's Date header
    try:
        sock.settimeout(timeout)
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("ascii", "replace"))
        data = _read_head(sock, deadline)
    except OSError as exc:
        report["error"] = classify_socket_error(exc)[1] if not isinstance(exc, ssl.SSLError) else _one_line(exc)
        return report
    received = time.time()
    head = parse_http_head(data)
    if head is None:
        report["error"] = "no valid HTTP response" if data else "connection closed without a response"
        return report
    report["status_code"] = head["status_code"]
    report["status_line"] = head["status_line"]
    report["date"] = head["headers"].get("date")
    report["date_skew_seconds"] = date_skew(report["date"], sent, received)
    return report


def sntp_query(address, port, timeout):
    """One SNTP exchange with address:port (module_utils.sntp's client). Return a per-address report dict.

    offset_seconds follows the collection's convention: local clock minus the server's clock.
    """
    report = {"address": address, "status": "error", "latency_ms": None, "error": None}
    start = time.monotonic()
    try:
        sample, error = sntp.exchange(address, port, timeout)
    except (OSError, UnicodeError) as exc:
        report["status"], report["error"] = classify_socket_error(exc)
        report["latency_ms"] = _ms(time.monotonic() - start)
        return report
    report["latency_ms"] = _ms(time.monotonic() - start)
    if error:
        report["error"] = error
        return report
    report["status"] = "ok"
    report.update(
        offset_seconds=round(sample["offset_seconds"], 6),
        delay_seconds=round(sample["delay_seconds"], 6),
        stratum=sample["stratum"],
        leap=sample["leap"],
    )
    return report
