# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Network probes for connectivity_info: DNS, TCP to every address, TLS, HTTP, SNTP and HTTP CONNECT.

Layout (plain files, so that Ansible's module payload builder finds each one):

* netprobe_endpoint: the endpoint record (protocols, input validation, the blank result);
* netprobe_steps, netprobe_tls: the network steps, one exchange each, each bounded by a timeout;
* netprobe_grade: the verdict of one endpoint from its recorded steps, the summary, the redaction;
* netprobe_pool: the bounded pool of daemon threads and the one time budget;
* here: the chain of steps of one endpoint (DNS, proxy decision, then per address TCP, TLS, HTTP or NTP, or
  the tunnel through the proxy) and `probe_all`, which runs it for every endpoint on the pool. Every name
  callers and tests use is importable from here, and the chain calls the steps through this module's names.

Guarantees of `probe_all`:

* one budget: an absolute time.monotonic() deadline, by default now + budget_seconds(timeout) (3 x the
  per-step timeout). Every step gets min(its timeout, time left); probe_all returns by the deadline and
  closes every unfinished endpoint as `timeout`, naming the step that was still running;
* fail closed: an exception in any step (or in the grading) makes its endpoint `error` for good, with the
  step and the exception in `message` and the traceback in `exception`. Grading needs positive evidence
  of each step (a verified TLS handshake, an established tunnel...); a missing step result is `error`.

Python 3.8 compatible; standard library only.
"""

import os
import time

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import noproxy
from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils.netprobe_endpoint import (
    DEFAULT_PORTS,
    HTTP_PROTOCOLS,
    PROTOCOLS,
    RESULT_KEYS,
    SEVERITIES,
    TLS_PROTOCOLS,
    _as_seconds,
    _blank_result,
    normalize_endpoint,
)
from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils.netprobe_grade import (
    _tidy,
    endpoint_status,
    failed_addresses,
    redact_tree,
    summarize,
    undocumented_addresses,
)
from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils.netprobe_pool import (
    BUDGET_STEPS,
    _budget_message,
    _close,
    _enter,
    _here,
    _Job,
    _Pool,
    _put,
    budget_seconds,
)
from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils.netprobe_steps import (
    MAX_HEAD,
    USER_AGENT,
    classify_socket_error,
    date_skew,
    http_connect,
    http_head,
    parse_http_date,
    parse_http_head,
    resolve,
    sntp_query,
    tcp_connect,
)
from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils.netprobe_tls import (
    cert_summary,
    decode_der,
    is_verify_failure,
    make_contexts,
    tls_handshake,
    verify_reason,
)

# The names callers and tests use, re-exported from the netprobe_* files that define them.
__all__ = [
    "BUDGET_STEPS",
    "DEFAULT_PORTS",
    "HTTP_PROTOCOLS",
    "MAX_HEAD",
    "PROTOCOLS",
    "PROXY_VARIABLES",
    "RESULT_KEYS",
    "SEVERITIES",
    "TLS_PROTOCOLS",
    "USER_AGENT",
    "budget_seconds",
    "cert_summary",
    "classify_socket_error",
    "date_skew",
    "decode_der",
    "endpoint_status",
    "failed_addresses",
    "http_connect",
    "http_head",
    "is_verify_failure",
    "make_contexts",
    "normalize_endpoint",
    "parse_http_date",
    "parse_http_head",
    "probe_all",
    "redact_tree",
    "resolve",
    "sntp_query",
    "summarize",
    "tcp_connect",
    "tls_handshake",
    "undocumented_addresses",
    "verify_reason",
]


# --------------------------------------------------------------------------------------------------
# The chain of steps of one endpoint. Each function here is one task on the pool: it names its step
# (_enter), records what it found (_put, under the job's lock) and queues the next steps.
# --------------------------------------------------------------------------------------------------


def _target(ep):
    host = ep["host"]
    return "%s:%s" % ("[%s]" % host if ":" in host else host, ep["port"])


def _after_connect(job, sock, address):
    """TLS and HTTP on a connected socket (direct to `address`, or a CONNECT tunnel when address is None)."""
    ep, ctx = job.ep, job.ctx
    protocol, target = ep["protocol"], _target(ep)
    server_name = ep["server_name"] or ep["host"]
    try:
        if protocol in TLS_PROTOCOLS:

            def reconnect():
                if address is not None:
                    seconds = _enter(job, "TCP", "TCP reconnect to %s port %s" % (address, ep["port"]))
                    again = tcp_connect(address, ep["port"], seconds)[0]
                else:
                    again = _tunnel(job)[0]
                seconds = _enter(job, "TLS", "unverified TLS handshake with %s" % target)
                return again, seconds

            seconds = _enter(job, "TLS", "TLS handshake with %s" % target)
            tls, sock = tls_handshake(sock, server_name, ctx["contexts"], seconds, reconnect)
            _put(job, "tls", tls)
            if sock is None:
                return
        if ctx["http"] and protocol in HTTP_PROTOCOLS:
            seconds = _enter(job, "HTTP", "HTTP HEAD to %s" % target)
            _put(job, "http", http_head(sock, ep["host"], ep["port"], ep["http_path"], seconds))
    finally:
        if sock is not None:
            sock.close()


def _tcp_step(job, address):
    port = job.ep["port"]
    seconds = _enter(job, "TCP", "TCP connect to %s port %s" % (address, port))
    sock, report = tcp_connect(address, port, seconds)
    try:
        with job.lock:
            if not job.closed:
                job.result["tcp"].append(report)
            first = sock is not None and not job.claimed
            if first:
                job.claimed = True
        if first:
            _after_connect(job, sock, address)
    finally:
        if sock is not None:
            sock.close()


def _tunnel(job):
    """Connect to the proxy and open a CONNECT tunnel (plain http: just the connection).

    Return (socket or None, facts): facts = {error, connect_status, tcp (the report of the connection
    to the proxy)}. Nothing is written to the result here.
    """
    ep, ctx = job.ep, job.ctx
    parsed = ctx["proxy_parsed"][job.proxy_url]
    shown = noproxy.redact_url(job.proxy_url)
    facts = {"error": None, "connect_status": None, "tcp": None}
    if parsed["error"]:
        facts["error"] = parsed["error"]
        return None, facts
    seconds = _enter(job, "proxy tunnel", "DNS lookup of the proxy %s" % shown)
    addresses = resolve(parsed["host"], parsed["port"], None, seconds)
    if not addresses["ok"]:
        facts["error"] = "cannot resolve the proxy host: %s" % addresses["error"]
        return None, facts
    seconds = _enter(job, "proxy tunnel", "TCP connect to the proxy %s" % shown)
    sock, report = tcp_connect(addresses["addresses"][0], parsed["port"], seconds)
    report["via_proxy"] = True
    facts["tcp"] = report
    if sock is None:
        facts["error"] = "cannot connect to the proxy: %s" % report["error"]
        return None, facts
    if ep["protocol"] == "http":
        return sock, facts  # plain HTTP goes through a forward proxy with an absolute URI, not CONNECT
    try:
        seconds = _enter(job, "CONNECT", "CONNECT to %s through the proxy %s" % (_target(ep), shown))
        ok, line = http_connect(sock, ep["host"], ep["port"], noproxy.proxy_authorization(parsed), seconds)
    except BaseException:
        sock.close()
        raise
    facts["connect_status"] = line
    if not ok:
        facts["error"] = line
        sock.close()
        return None, facts
    return sock, facts


def _proxy_step(job):
    ep, ctx = job.ep, job.ctx
    _here.step = "proxy tunnel"
    sock, facts = _tunnel(job)
    with job.lock:
        if not job.closed:
            if facts["tcp"] is not None:
                job.result["tcp"].append(facts["tcp"])
            job.result["proxy"]["connect_status"] = facts["connect_status"]
            job.result["proxy"]["error"] = facts["error"]
    if sock is None:
        return
    try:
        if ep["protocol"] != "http":
            _after_connect(job, sock, None)
            return
        parsed = ctx["proxy_parsed"][job.proxy_url]
        seconds = _enter(job, "HTTP", "HTTP HEAD to %s through the proxy" % _target(ep))
        http = http_head(
            sock,
            ep["host"],
            ep["port"],
            ep["http_path"],
            seconds,
            absolute=True,
            auth=noproxy.proxy_authorization(parsed),
        )
        # A forward proxy answers for the target: these codes are the proxy's own refusals.
        if http["status_code"] in (403, 407, 502, 503, 504):
            http["from_proxy"] = True
            http["error"] = "the proxy answered %s" % http["status_line"]
        # Always recorded: through a forward proxy this answer is the only proof of reachability.
        _put(job, "http", http)
    finally:
        sock.close()


def _ntp_step(job, address):
    seconds = _enter(job, "NTP", "NTP query to %s port %s" % (address, job.ep["port"]))
    report = sntp_query(address, job.ep["port"], seconds)
    with job.lock:
        if job.closed:
            return
        ntp = job.result["ntp"]
        ntp["addresses"].append(report)
        if report["status"] == "ok" and not ntp["ok"]:
            ntp.update(
                {
                    "ok": True,
                    "address": address,
                    "offset_seconds": report["offset_seconds"],
                    "delay_seconds": report["delay_seconds"],
                    "stratum": report["stratum"],
                }
            )


def _endpoint_step(job):
    """DNS, proxy decision, then fan out the per-address steps onto the pool."""
    ep, ctx = job.ep, job.ctx
    datagram = ep["protocol"] == "udp-ntp"
    seconds = _enter(job, "DNS", "DNS lookup of %s" % ep["host"])
    dns = resolve(ep["host"], ep["port"], ctx["resolve"], seconds, datagram=datagram)
    undocumented = undocumented_addresses(dns["addresses"], ep["ips"])
    _here.step = "endpoint"
    choice = noproxy.select_proxy(
        ep["protocol"],
        ep["host"],
        ep["port"],
        proxy=ctx["proxy"],
        no_proxy=ctx["no_proxy"],
        environ=ctx["environ"],
        use_proxy=ep["use_proxy"],
    )
    proxy = {
        "used": choice["used"],
        "url": noproxy.redact_url(choice["url"]) if choice["used"] else None,
        "reason": choice["reason"],
    }
    if not choice["used"] and not ep["use_proxy"] and ep.get("proxy_reason"):
        # Say why the entry is probed direct: the client that reaches it ignores the JVM proxy.
        proxy["reason"] = "%s; %s" % (choice["reason"], ep["proxy_reason"])
    ntp = None
    subtasks = []
    if choice["used"]:
        job.proxy_url = choice["url"]
        proxy.update(connect_status=None, error=None)
        if not dns["ok"]:
            dns["note"] = "not needed: the proxy resolves the name"
        subtasks.append((_proxy_step, ()))
    elif datagram:
        ntp = {
            "ok": False,
            "address": None,
            "offset_seconds": None,
            "delay_seconds": None,
            "stratum": None,
            "error": None if dns["ok"] else "no address to query",
            "addresses": [],
        }
        subtasks.extend((_ntp_step, (a,)) for a in dns["addresses"])
    else:
        subtasks.extend((_tcp_step, (a,)) for a in dns["addresses"])
    with job.lock:
        if job.closed:
            return
        job.result.update(dns=dns, undocumented_addresses=undocumented, proxy=proxy, ntp=ntp)
        job.pending += len(subtasks)
        job.step = None  # the next steps wait for a free worker
    for fn, args in subtasks:
        ctx["pool"].submit(job, fn, *args)


PROXY_VARIABLES = ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY")


def probe_all(
    endpoints,
    *,
    timeout=5.0,
    max_workers=16,
    proxy=None,
    no_proxy=None,
    ca_file=None,
    http=False,
    resolve_map=None,
    environ=None,
    deadline=None,
    use_environment=True,
):
    """Probe every endpoint concurrently. Return the list of endpoint results, in input order.

    `deadline` is an absolute time.monotonic() value (default: now + budget_seconds(timeout)); probe_all
    returns by then, and every endpoint not finished gets status `timeout`. Per-endpoint timeouts are
    kept but no step runs past the deadline. With use_environment=False only `proxy`/`no_proxy` count:
    the *_proxy variables of `environ` (default: the process environment) are ignored.
    Proxy credentials are redacted from every string of the result.
    """
    start = time.monotonic()
    timeout = _as_seconds(timeout) or 5.0
    deadline = start + budget_seconds(timeout) if deadline is None else float(deadline)
    budget = max(0.0, deadline - start)
    environ = dict(os.environ if environ is None else environ)
    workers = max(1, min(int(max_workers or 1), 64))
    ctx = {
        "pool": None,
        "proxy": proxy,
        "no_proxy": no_proxy,
        "environ": environ if use_environment else {},
        "contexts": make_contexts(ca_file),
        "http": bool(http),
        "resolve": resolve_map or {},
        "deadline": deadline,
        "budget": budget,
    }
    # Redact every URL that could hold credentials, used or not.
    urls = [u for u in (proxy,) if u] + [environ[v] for v in PROXY_VARIABLES if environ.get(v)]
    ctx["proxy_parsed"] = {u: noproxy.parse_proxy_url(u) for u in urls}
    jobs, results = [], []
    for raw in endpoints or []:
        ep, error = normalize_endpoint(raw, timeout)
        result = _blank_result(raw, ep)
        results.append(result)
        if error:
            result["status"], result["message"] = "invalid", "invalid endpoint %s: %s" % (ep.get("name"), error)
            continue
        if ep.get("dropped"):
            result.update({"ok": True, "status": "skipped", "message": "dropped: %s" % ep["dropped"]})
            continue
        ep["timeout"] = min(ep["timeout"], budget) if budget > 0 else ep["timeout"]
        jobs.append(_Job(ep, result, ctx))
    if jobs:
        ctx["pool"] = _Pool(min(workers, max(1, len(jobs) * 2)))
    for job in jobs:
        job.pending = 1
        ctx["pool"].submit(job, _endpoint_step)
    for job in jobs:
        job.done.wait(max(0.0, deadline - time.monotonic()))
    if ctx["pool"] is not None:
        ctx["pool"].close()
    by_result = {id(job.result): job for job in jobs}
    out = []
    for result in results:
        job = by_result.get(id(result))
        if job is None:
            out.append(redact_tree(_tidy(result), urls))
            continue
        with job.lock:
            if not job.closed:
                job.timed_out = job.timed_out or _budget_message(job)
                _close(job)
            out.append(redact_tree(_tidy(result), urls))
    return out
