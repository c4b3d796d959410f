# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Ask a running integrasjonspunkt's actuator (/manage/*), from its own host and without credentials, which
endpoints answer. Runs on the managed host (Python 3.8+); the verdict is plugin_utils/actuator_checks.judge().

It NEVER triggers a heap dump or a shutdown: each of those is asked with a method the endpoint does not have
(Spring Boot maps heapdump as a read operation only and shutdown as a write operation only), so an exposed one
answers 405 and does nothing; one that is not exposed answers 404; one behind authentication 401/403. The read
endpoints are asked with GET; their bodies are never read or kept (configprops and the like may hold secrets).
"""

import http.client
import socket
import ssl
import time

BASE_PATH = "/manage"
# (endpoint, method): every path the check judges. health is asked to see that the actuator answers at all.
PROBES = (
    ("health", "GET"),
    ("heapdump", "POST"),  # read-only endpoint: POST is 405 when exposed, and never dumps the heap
    ("threaddump", "GET"),
    ("configprops", "GET"),
    ("env", "GET"),
    ("beans", "GET"),
    ("mappings", "GET"),
    ("loggers", "GET"),
    ("shutdown", "GET"),  # write-only endpoint: GET is 405 when exposed, and never shuts down
)


def http_status(scheme, host, port, method, path, timeout):
    """The HTTP status of one request without credentials and without a body read; raises OSError/HTTPException."""
    if scheme == "https":
        # Loopback, the enterprise (or own TLS) certificate, not issued to this address: not verified here.
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        conn = http.client.HTTPSConnection(host.strip("[]"), port, timeout=timeout, context=context)
    else:
        conn = http.client.HTTPConnection(host.strip("[]"), port, timeout=timeout)
    try:
        headers = {"Content-Length": "0"} if method == "POST" else {}
        conn.request(method, path, headers=headers)
        return conn.getresponse().status
    finally:
        conn.close()


def ask(target, endpoint, method, timeout, request):
    """{endpoint, method, path, status} or {..., error}: one path of one target; a failure is an error."""
    path = "%s/%s" % (BASE_PATH, endpoint)
    answer = {"endpoint": endpoint, "method": method, "path": path}
    try:
        answer["status"] = int(request(target["scheme"], target["host"], int(target["port"]), method, path, timeout))
    except socket.timeout:
        answer["error"] = "timed out after %.1f s" % timeout
    except (OSError, http.client.HTTPException, ValueError, TypeError) as exc:
        answer["error"] = "%s: %s" % (type(exc).__name__, exc)
    return answer


def probe(targets, timeout=5.0, deadline=None, request=http_status, clock=time.monotonic):
    """[{host, port, scheme, answers: [...]}] for every target; past the deadline, the rest are errors."""
    out = []
    for target in targets:
        answers = []
        for endpoint, method in PROBES:
            left = None if deadline is None else deadline - clock()
            if left is not None and left <= 0:
                answers.append(
                    {
                        "endpoint": endpoint,
                        "method": method,
                        "path": "%s/%s" % (BASE_PATH, endpoint),
                        "error": "not asked: the probe's time budget ran out",
                    }
                )
                continue
            answers.append(ask(target, endpoint, method, timeout if left is None else min(timeout, left), request))
        out.append(dict(target, answers=answers))
    return out


def ours_on_port(info):
    """Whether the integrasjonspunkt the role made holds the port (listening.collect's answer): True, False, or
    None when it cannot be told (a holder without a name, tables unreadable)."""
    if not isinstance(info, dict) or "in_use" not in info or info.get("readable") is not True:
        return None
    if not info.get("in_use"):
        return False
    verdicts = [h.get("ours") for h in info.get("holders") or []]
    if any(v is True for v in verdicts):
        return True
    if verdicts and all(v is False for v in verdicts) and info.get("holders_complete", False):
        return False
    return None


def collect(port_info, targets, timeout=5.0, deadline=None, request=http_status):
    """Probe the actuator only where the role's integrasjonspunkt holds the API port (another program's port is
    never asked). `port_info()` is listening.collect for that port."""
    info = port_info()
    ours = ours_on_port(info)
    result = {"running": ours, "port": info.get("port") if isinstance(info, dict) else None}
    if ours is not True:
        result["reason"] = (
            "the port is free" if ours is False and not (info or {}).get("in_use")
            else "another program holds the port" if ours is False
            else "whether the integrasjonspunkt holds the port cannot be told: %s"
            % ((info or {}).get("reason") or "a holder without a name (run with become)")
        )  # fmt: skip
        result["targets"] = []
        return result
    result["targets"] = probe(targets, timeout, deadline, request)
    return result
