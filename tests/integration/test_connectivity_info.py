"""connectivity_info against real servers: TLS on 127.0.0.x signed by a test CA, tinyproxy, nftables, chronyd.

Everything but the NTP case runs inside a network namespace of its own (`eftest-conn-<pid>`): the module
is run there with `ip netns exec`, names come from that namespace's /etc/hosts, and its resolver points at
a port where nothing answers. The NTP case uses a loopback chronyd (always `-x`).
"""

import glob
import json
import os
import ssl
import time

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import netprobe, netprobe_pool
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import catalogue
from tests.integration.chrony_fixtures import ChronyServer
from tests.integration.net_fixtures import CertAuthority, Loopback, NetNS, SlowProxy, StallServer, free_tcp_port

TIMEOUT = 2.0
PASSWORD = "S3cr3t-Pr0xy-Passw0rd"
USER = "eftest-proxy-user"

HOSTS = {
    "valid.eftest": ["127.0.0.2"],
    "expired.eftest": ["127.0.0.3"],
    "wrong.eftest": ["127.0.0.4"],
    "selfsigned.eftest": ["127.0.0.5"],
    "plain.eftest": ["127.0.0.6"],
    "refused.eftest": ["127.0.0.7"],
    "blackhole.eftest": ["127.0.0.9"],
    "blackhole2.eftest": ["127.0.0.10"],
    "blackhole3.eftest": ["127.0.0.11"],
    "dual.eftest": ["127.0.0.2", "::1"],
}


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    ca = CertAuthority(str(tmp_path_factory.mktemp("ca")))
    ns = NetNS(HOSTS)
    try:
        valid = ca.issue("valid", ["valid.eftest", "dual.eftest"], ips=["127.0.0.2"])
        ns.serve("127.0.0.2", 443, *valid)
        ns.serve("127.0.0.2", 9443, *valid)  # a TLS port the proxy refuses to CONNECT to
        ns.serve("127.0.0.3", 443, *ca.issue("expired", ["expired.eftest"], days=(-30, -2)))
        ns.serve("127.0.0.4", 443, *ca.issue("other", ["other.eftest"]))
        ns.serve("127.0.0.5", 443, *ca.issue("self", ["selfsigned.eftest"], self_signed=True))
        ns.serve("127.0.0.6", 2525)
        ns.drop(["127.0.0.9", "127.0.0.10", "127.0.0.11"], 443)
        proxy = ns.tinyproxy(8888, connect_ports=[443])
        auth_proxy = ns.tinyproxy(8889, connect_ports=[443], basic_auth=(USER, PASSWORD))
        yield {"ns": ns, "ca": ca.ca_file, "proxy": proxy, "auth_proxy": auth_proxy}
    finally:
        ns.close()


def _by_name(result):
    assert "endpoints" in result, result
    return {e["name"]: e for e in result["endpoints"]}


def _run(run_module, lab, args, **kwargs):
    args = dict(args)
    args.setdefault("ca_file", lab["ca"])
    args.setdefault("timeout", TIMEOUT)
    return run_module("connectivity_info", args, prefix=lab["ns"].prefix, **kwargs)


def test_direct_outcomes_are_classified(run_module, lab):
    eps = [
        {"name": "valid", "host": "valid.eftest", "port": 443, "protocol": "https", "ips": ["127.0.0.2"]},
        {"name": "expired", "host": "expired.eftest", "port": 443, "protocol": "https"},
        {"name": "wrong", "host": "wrong.eftest", "port": 443, "protocol": "tls"},
        {"name": "selfsigned", "host": "selfsigned.eftest", "port": 443, "protocol": "amqps"},
        {"name": "plain", "host": "plain.eftest", "port": 2525, "protocol": "tcp", "purpose": "kept"},
        {"name": "refused", "host": "refused.eftest", "port": 2526, "protocol": "tcp"},
        {"name": "blackhole", "host": "blackhole.eftest", "port": 443, "protocol": "https", "timeout": 1},
        {"name": "nodns", "host": "missing.eftest", "port": 443, "protocol": "https"},
        {"name": "dual", "host": "dual.eftest", "port": 443, "protocol": "https", "ips": ["127.0.0.0/30"]},
        {"name": "pinned", "host": "pinned.eftest", "port": 443, "protocol": "https", "server_name": "valid.eftest"},
        {"name": "bad", "host": "valid.eftest", "port": 70000, "protocol": "https"},
        {"name": "gone", "host": "valid.eftest", "port": 443, "protocol": "https", "dropped": "not used here"},
    ]
    result = _run(run_module, lab, {"endpoints": eps, "http": True, "resolve": {"pinned.eftest": ["127.0.0.2"]}})
    assert not result.get("failed"), result
    assert result["changed"] is False
    r = _by_name(result)

    v = r["valid"]
    assert (v["ok"], v["status"]) == (True, "ok"), v
    assert v["dns"]["addresses"] == ["127.0.0.2"]
    assert v["tcp"][0]["status"] == "ok" and v["tcp"][0]["latency_ms"] >= 0
    assert v["tls"]["verified"] and v["tls"]["version"].startswith("TLSv1.")
    assert v["tls"]["server_name"] == "valid.eftest"
    assert 88 <= v["tls"]["cert_expires_in_days"] <= 90
    assert v["tls"]["issuer"] == "CN=eftest CA"
    assert v["http"]["status_code"] == 200
    assert abs(v["http"]["date_skew_seconds"]) <= 2
    assert v["undocumented_addresses"] == []
    assert v["proxy"] == {"used": False, "url": None, "reason": "no proxy configured"}

    e = r["expired"]
    assert (e["ok"], e["status"], e["tls"]["verify_reason"]) == (False, "tls_error", "expired"), e
    assert "expired" in e["tls"]["verify_error"]
    assert e["tls"]["cert_expires_in_days"] < 0 and e["tls"]["version"]

    w = r["wrong"]
    assert (w["status"], w["tls"]["verify_reason"]) == ("tls_error", "hostname_mismatch"), w
    assert "wrong.eftest" in w["tls"]["verify_error"]
    assert w["tls"]["subject"] == "CN=other.eftest"

    s = r["selfsigned"]
    assert (s["status"], s["tls"]["verify_reason"]) == ("tls_error", "self_signed"), s
    assert "self-signed" in s["tls"]["verify_error"] or "self signed" in s["tls"]["verify_error"]

    p = r["plain"]
    assert (p["ok"], p["status"], p["tls"]) == (True, "ok", None), p
    assert p["purpose"] == "kept"  # extra catalogue keys pass through

    assert (r["refused"]["status"], r["refused"]["tcp"][0]["status"]) == ("tcp_refused", "refused")

    b = r["blackhole"]
    assert (b["status"], b["tcp"][0]["status"]) == ("tcp_timeout", "timeout"), b
    assert 900 <= b["tcp"][0]["latency_ms"] < 1900  # the per-endpoint timeout (1 s) applied

    n = r["nodns"]
    assert (n["ok"], n["status"], n["dns"]["ok"]) == (False, "dns_error", False), n
    assert n["dns"]["error"] and n["tcp"] == []

    d = r["dual"]
    assert set(d["dns"]["addresses"]) == {"127.0.0.2", "::1"}, d
    assert {t["address"]: t["status"] for t in d["tcp"]} == {"127.0.0.2": "ok", "::1": "refused"}
    assert (d["ok"], d["status"], d["partial"]) == (True, "ok", True), d
    assert d["undocumented_addresses"] == ["::1"]
    assert d["failed_addresses"] == [{"address": "::1", "status": "refused", "error": "connection refused"}]
    assert b["failed_addresses"] == [{"address": "127.0.0.9", "status": "timeout", "error": "timed out"}]
    assert v["failed_addresses"] == [] and "exception" not in v

    pin = r["pinned"]
    assert (pin["status"], pin["dns"]["source"], pin["tls"]["server_name"]) == ("ok", "resolve option", "valid.eftest")

    assert (r["bad"]["ok"], r["bad"]["status"]) == (False, "invalid")
    assert "port" in r["bad"]["message"]
    assert (r["gone"]["ok"], r["gone"]["status"]) == (True, "skipped")

    assert result["summary"]["total"] == len(eps)
    assert result["summary"]["errors"] == 0
    assert set(result["summary"]["failed_names"]) == {
        "expired",
        "wrong",
        "selfsigned",
        "refused",
        "blackhole",
        "nodns",
        "bad",
    }


def test_check_mode_returns_the_same_probe(run_module, lab):
    eps = [{"name": "valid", "host": "valid.eftest", "port": 443, "protocol": "https"}]
    result = _run(run_module, lab, {"endpoints": eps}, check=True)
    assert result["changed"] is False and _by_name(result)["valid"]["status"] == "ok", result


def test_proxy_connect_allowed_and_refused(run_module, lab):
    eps = [
        {"name": "allowed", "host": "valid.eftest", "port": 443, "protocol": "https"},
        {"name": "refused-port", "host": "valid.eftest", "port": 9443, "protocol": "tls"},
        {"name": "nodns-local", "host": "missing.eftest", "port": 443, "protocol": "https"},
        {"name": "bypass", "host": "127.0.0.2", "port": 443, "protocol": "https", "server_name": "valid.eftest"},
        {"name": "direct-only", "host": "plain.eftest", "port": 2525, "protocol": "tcp", "use_proxy": False},
    ]
    result = _run(run_module, lab, {"endpoints": eps, "proxy": lab["proxy"], "no_proxy": "10.0.0.0/8, 127.0.0.0/8"})
    r = _by_name(result)
    a = r["allowed"]
    assert (a["ok"], a["status"], a["proxy"]["used"]) == (True, "ok", True), a
    assert a["proxy"]["url"] == lab["proxy"] and a["proxy"]["connect_status"].startswith("HTTP/1.")
    assert a["tls"]["verified"] and a["tcp"][0]["via_proxy"] and a["tcp"][0]["address"] == "127.0.0.1"

    refused = r["refused-port"]
    assert (refused["ok"], refused["status"]) == (False, "proxy_error"), refused
    assert "403" in refused["proxy"]["error"] and "403" in refused["message"]

    # The proxy resolves names itself: a local DNS failure is reported but does not fail the endpoint.
    n = r["nodns-local"]
    assert n["dns"]["ok"] is False and n["dns"]["note"]
    assert n["status"] == "proxy_error" and n["proxy"]["used"]  # the proxy cannot resolve it either

    by = r["bypass"]
    assert (by["ok"], by["proxy"]["used"]) == (True, False), by
    assert "127.0.0.0/8" in by["proxy"]["reason"]
    assert by["tcp"][0]["address"] == "127.0.0.2"

    do = r["direct-only"]
    assert (do["ok"], do["proxy"]["used"]) == (True, False) and "use_proxy" in do["proxy"]["reason"]


def test_catalogue_amqp_entry_is_probed_direct_past_a_proxy_that_refuses_its_port(run_module, lab):
    """The catalogue's AMQP entry, moved to a loopback TLS port the real proxy refuses to CONNECT to (only 443).

    The integrasjonspunkt's Service Bus client never uses the JVM proxy, so neither does the probe: it goes
    direct, succeeds, and the result says why. Through the proxy it would be a 403 proxy_error.
    """
    amqp = catalogue.endpoints_for(catalogue.load(), environment="test", services=["DPE"], version="4.0.8")
    entry = next(e for e in amqp if e["protocol"] == "amqps")
    entry.update(host="valid.eftest", port=9443, ips=["127.0.0.2"])
    result = _run(run_module, lab, {"endpoints": [entry], "proxy": lab["proxy"], "no_proxy": ""})
    r = _by_name(result)["dpe-servicebus-amqp"]
    assert (r["ok"], r["status"], r["proxy"]["used"]) == (True, "ok", False), r
    assert "ServiceBusAmqpClient" in r["proxy"]["reason"] and "does not use the JVM proxy" in r["proxy"]["reason"]
    assert r["tcp"][0]["address"] == "127.0.0.2" and not r["tcp"][0].get("via_proxy")
    assert r["jvm_proxy"]["follows"] is False  # the record travels with the result
    # The control: the same entry with the proxy honoured is refused by the proxy (CONNECT to 9443 is 403).
    proxied = dict(entry, use_proxy=True, name="proxied")
    p = _by_name(_run(run_module, lab, {"endpoints": [proxied], "proxy": lab["proxy"], "no_proxy": ""}))["proxied"]
    assert (p["ok"], p["status"]) == (False, "proxy_error") and "403" in p["proxy"]["error"], p


def test_proxy_from_environment_without_no_proxy_match(run_module, lab):
    eps = [{"name": "literal", "host": "127.0.0.2", "port": 443, "protocol": "https", "server_name": "valid.eftest"}]
    env = {"https_proxy": lab["proxy"], "no_proxy": "example.org,.eftest"}
    r = _by_name(_run(run_module, lab, {"endpoints": eps}, env=env))["literal"]
    assert (r["ok"], r["proxy"]["used"]) == (True, True), r
    assert r["proxy"]["reason"] == "from the environment variable https_proxy"


def test_use_environment_proxy_false_probes_as_the_jvm_does(run_module, lab):
    """The integrasjonspunkt's JVM ignores *_proxy: with use_environment_proxy=false neither does the probe."""
    eps = [{"name": "valid", "host": "valid.eftest", "port": 443, "protocol": "https"}]
    env = {"HTTPS_PROXY": lab["proxy"], "https_proxy": lab["proxy"]}
    used = _by_name(_run(run_module, lab, {"endpoints": eps}, env=env))["valid"]
    ignored = _by_name(_run(run_module, lab, {"endpoints": eps, "use_environment_proxy": False}, env=env))["valid"]
    assert (used["ok"], used["proxy"]["used"]) == (True, True), used
    assert (ignored["ok"], ignored["proxy"]["used"], ignored["proxy"]["reason"]) == (True, False, "no proxy configured")
    assert ignored["tcp"][0]["address"] == "127.0.0.2" and not ignored["tcp"][0].get("via_proxy")


def test_credentialed_proxy_is_redacted_everywhere(run_module, lab):
    good = lab["auth_proxy"].replace("http://", "http://%s:%s@" % (USER, PASSWORD))
    bad = lab["auth_proxy"].replace("http://", "http://%s:%s-wrong@" % (USER, PASSWORD))
    eps = [{"name": "valid", "host": "valid.eftest", "port": 443, "protocol": "https"}]
    ok = _run(run_module, lab, {"endpoints": eps, "proxy": good, "http": True})
    refused = _run(run_module, lab, {"endpoints": eps, "proxy": bad})
    via_env = _run(run_module, lab, {"endpoints": eps}, env={"HTTPS_PROXY": good})
    for result in (ok, refused, via_env):
        text = json.dumps(result)
        assert PASSWORD not in text and USER not in text, text
        assert "********@127.0.0.1:8889" in text
    assert _by_name(ok)["valid"]["status"] == "ok", ok
    # ansible-core up to 2.19 returns the module's arguments (`invocation`); where it does, they are redacted too.
    if "invocation" in ok:
        assert ok["invocation"]["module_args"]["proxy"] == "http://********@127.0.0.1:8889"
    assert ok["proxy"] == "http://********@127.0.0.1:8889"
    r = _by_name(refused)["valid"]
    # tinyproxy answers a bad Proxy-Authorization with 401 (RFC 9110 says 407); either is the proxy's refusal.
    assert r["status"] == "proxy_error" and ("407" in r["message"] or "401" in r["message"]), r
    assert _by_name(via_env)["valid"]["status"] == "ok"


def test_blackholed_endpoints_cost_one_timeout_not_n(run_module, lab):
    timeout = 3.0
    eps = [
        {"name": "valid", "host": "valid.eftest", "port": 443, "protocol": "https"},
        {"name": "plain", "host": "plain.eftest", "port": 2525, "protocol": "tcp"},
        {"name": "bh1", "host": "blackhole.eftest", "port": 443, "protocol": "https"},
        {"name": "bh2", "host": "blackhole2.eftest", "port": 443, "protocol": "tls"},
        {"name": "bh3", "host": "blackhole3.eftest", "port": 443, "protocol": "tcp"},
    ]
    start = time.time()
    result = _run(run_module, lab, {"endpoints": eps, "timeout": timeout, "max_workers": 4})
    wall = time.time() - start
    r = _by_name(result)
    assert [r[n]["status"] for n in ("bh1", "bh2", "bh3")] == ["tcp_timeout"] * 3, result
    assert r["valid"]["ok"] and r["plain"]["ok"]
    elapsed = result["elapsed_ms"] / 1000.0
    print("blackhole case: module %.2f s, ansible run %.2f s, timeout %.1f s" % (elapsed, wall, timeout))
    assert timeout * 0.9 <= elapsed < 2 * timeout, result["elapsed_ms"]


def test_ntp_endpoint_served_by_loopback_chronyd(run_module):
    with ChronyServer() as server:
        eps = [
            {"name": "ntp", "host": "127.0.0.1", "port": server.port, "protocol": "udp-ntp", "severity": "warn"},
            {"name": "ntp-nothing", "host": "127.0.0.1", "port": server.port + 1, "protocol": "udp-ntp"},
        ]
        # A proxy in the environment must not be used for NTP (and is never contacted).
        result = run_module(
            "connectivity_info", {"endpoints": eps, "timeout": 2}, env={"https_proxy": "http://127.0.0.1:9"}
        )
    r = _by_name(result)
    ntp = r["ntp"]
    assert (ntp["ok"], ntp["status"]) == (True, "ok"), ntp
    assert abs(ntp["ntp"]["offset_seconds"]) < 0.5 and ntp["ntp"]["stratum"] == 8
    assert ntp["ntp"]["delay_seconds"] >= 0 and ntp["tcp"] == []
    assert ntp["proxy"] == {"used": False, "url": None, "reason": "NTP is UDP: never proxied"}
    miss = r["ntp-nothing"]
    assert (miss["ok"], miss["status"]) == (False, "ntp_error"), miss
    assert miss["ntp"]["addresses"][0]["status"] in ("refused", "timeout")


# --------------------------------------------------------------------------------------------------
# netprobe in-process, against real servers on 127.0.0.1 of this namespace: fault injection needs
# monkeypatch, so probe_all runs in the test process (IP literals only: no name is ever looked up).
# --------------------------------------------------------------------------------------------------

INPROC_TIMEOUT = 2.0


@pytest.fixture(scope="module")
def loop(tmp_path_factory):
    ca = CertAuthority(str(tmp_path_factory.mktemp("loopca")))
    here = Loopback()
    try:
        with ChronyServer() as ntp:
            tls_port, self_port = free_tcp_port(), free_tcp_port()
            here.serve("127.0.0.1", tls_port, *ca.issue("inproc", ["inproc.eftest"], ips=["127.0.0.1"]))
            here.serve("127.0.0.1", self_port, *ca.issue("inself", ["selfsigned.eftest"], self_signed=True))
            proxy = here.tinyproxy(free_tcp_port(), connect_ports=[tls_port])
            yield {
                "ca": ca.ca_file,
                "tls_port": tls_port,
                "self_port": self_port,
                "proxy": proxy,
                "ntp_port": ntp.port,
                "tmp": here.tmp,
            }
    finally:
        here.close()


def _https(loop, name="https", **kw):
    ep = {"name": name, "host": "127.0.0.1", "port": loop["tls_port"], "protocol": "https"}
    ep.update(server_name="inproc.eftest", **kw)
    return ep


def _probe(loop, eps, **kw):
    kw.setdefault("timeout", INPROC_TIMEOUT)
    kw.setdefault("environ", {})
    return netprobe.probe_all(eps, ca_file=loop["ca"], http=True, **kw)


def _boom(*_args, **_kwargs):
    raise ValueError("boom")


# (what to break, the step named in the message, the endpoint kind, through the proxy?)
FAULTS = [
    ("resolve", "DNS", "https", False),
    ("tcp_connect", "TCP", "https", False),
    ("tls_handshake", "TLS", "https", False),
    ("http_head", "HTTP", "https", False),
    ("sntp_query", "NTP", "ntp", False),
    ("_tunnel", "proxy tunnel", "https", True),
    ("http_connect", "CONNECT", "https", True),
    ("select_proxy", "endpoint", "https", False),
    ("endpoint_status", "status grading", "https", False),
]


@pytest.mark.parametrize(("function", "step", "kind", "via_proxy"), FAULTS)
def test_a_fault_in_any_step_is_an_error_never_ok(loop, monkeypatch, function, step, kind, via_proxy):
    if kind == "ntp":
        ep = {"name": "ntp", "host": "127.0.0.1", "port": loop["ntp_port"], "protocol": "udp-ntp"}
    else:
        ep = _https(loop)
    kw = {"proxy": loop["proxy"]} if via_proxy else {}
    # The same probe without the fault is ok: the error below comes from the fault alone.
    control = _probe(loop, [ep], **kw)[0]
    assert (control["ok"], control["status"]) == (True, "ok"), control
    assert control["proxy"]["used"] is via_proxy
    # Patched where it is looked up: the pool grades, the step chain in netprobe calls the rest.
    target = {"select_proxy": netprobe.noproxy, "endpoint_status": netprobe_pool}.get(function, netprobe)
    monkeypatch.setattr(target, function, _boom)
    results = _probe(loop, [ep], **kw)
    r = results[0]
    assert (r["ok"], r["status"]) == (False, "error"), r
    assert r["message"] == "internal error in the %s step: ValueError: boom" % step, r
    assert isinstance(r["exception"], str) and "Traceback" in r["exception"] and "ValueError: boom" in r["exception"]
    assert netprobe.summarize(results)["errors"] == 1


def test_an_error_is_sticky_when_another_address_succeeds(loop, monkeypatch):
    real = netprobe.tcp_connect

    def flaky(address, port, timeout):
        if address == "127.0.0.3":
            time.sleep(0.5)  # the other address has done TCP, TLS and HTTP by now
            raise ValueError("boom")
        return real(address, port, timeout)

    monkeypatch.setattr(netprobe, "tcp_connect", flaky)
    ep = _https(loop, host="inproc.eftest")
    r = _probe(loop, [ep], resolve_map={"inproc.eftest": ["127.0.0.1", "127.0.0.3"]})[0]
    assert r["tls"]["ok"] and r["http"]["status_code"] == 200, r  # the good address really succeeded
    assert (r["ok"], r["status"]) == (False, "error"), r
    assert r["message"] == "internal error in the TCP step: ValueError: boom"


def test_the_worker_survives_a_crash(loop, monkeypatch):
    monkeypatch.setattr(netprobe, "tls_handshake", _boom)
    plain = {"name": "tcp", "host": "127.0.0.1", "port": loop["tls_port"], "protocol": "tcp"}
    results = _probe(loop, [_https(loop), plain, _https(loop, name="https2")], max_workers=1)
    assert [(r["name"], r["status"]) for r in results] == [("https", "error"), ("tcp", "ok"), ("https2", "error")]


def test_a_self_signed_certificate_is_refused_without_ssl_certverificationerror(loop, monkeypatch):
    """EL 8's platform-python lacks ssl.SSLCertVerificationError; the verdict must not depend on it."""
    monkeypatch.delattr(ssl, "SSLCertVerificationError")
    selfsigned = {
        "name": "self",
        "host": "127.0.0.1",
        "port": loop["self_port"],
        "protocol": "https",
        "server_name": "selfsigned.eftest",
    }
    r = {e["name"]: e for e in _probe(loop, [selfsigned, _https(loop)])}
    assert (r["self"]["ok"], r["self"]["status"]) == (False, "tls_error"), r["self"]
    assert r["self"]["tls"]["verified"] is False and r["self"]["tls"]["verify_error"]
    assert (r["https"]["ok"], r["https"]["status"]) == (True, "ok"), r["https"]


def test_a_stalled_server_times_out_inside_the_budget(loop):
    """A per-endpoint timeout of 60 s is cut to the budget of 3 x 1 s: the stalled handshake ends with it."""
    timeout = 1.0
    budget = netprobe.budget_seconds(timeout)
    stall = StallServer()
    try:
        eps = [
            {"name": "stalled", "host": "127.0.0.1", "port": stall.port, "protocol": "https", "timeout": 60},
            _https(loop),
        ]
        start = time.monotonic()
        r = {e["name"]: e for e in _probe(loop, eps, timeout=timeout)}
        took = time.monotonic() - start
    finally:
        stall.close()
    assert took <= budget + 0.5, took  # the budget guarantee, nothing tighter
    s = r["stalled"]
    assert (s["ok"], s["status"]) == (False, "timeout"), s
    assert s["message"] == "TLS handshake with 127.0.0.1:%d still running when the 3 s budget ran out" % stall.port
    assert s["tcp"][0]["status"] == "ok"
    assert (r["https"]["ok"], r["https"]["status"]) == (True, "ok"), r["https"]


def test_a_slow_proxy_gives_per_endpoint_timeouts_inside_the_budget(loop):
    """Each CONNECT is answered after 0.7 s and the tunnel then stalls; 6 endpoints on 2 workers need
    about 5 s in sequence: the 3 s budget must close the rest as `timeout`, naming the step."""
    timeout = 1.0
    budget = netprobe.budget_seconds(timeout)
    proxy = SlowProxy(delay=0.7)
    try:
        eps = [_https(loop, name="e%d" % i) for i in range(6)]
        start = time.monotonic()
        results = _probe(loop, eps, timeout=timeout, proxy=proxy.url, max_workers=2)
        took = time.monotonic() - start
    finally:
        proxy.close()
    assert took <= budget + 0.5, took
    assert proxy.requests >= 2  # it really answered CONNECT
    assert not any(r["ok"] for r in results), results
    statuses = [r["status"] for r in results]
    assert set(statuses) <= {"tls_error", "timeout"}, results
    timeouts = [r for r in results if r["status"] == "timeout"]
    assert timeouts, results
    for r in timeouts:
        assert r["message"].endswith("when the 3 s budget ran out"), r
        assert "still running" in r["message"] or "waiting for a free probe worker" in r["message"], r
    for r in results:
        if r["status"] == "tls_error":
            assert r["tls"]["error"] == "handshake timed out" and r["proxy"]["connect_status"], r


def _connects_logged(loop):
    text = ""
    for path in glob.glob(os.path.join(loop["tmp"], "tinyproxy-*", "tinyproxy.log")):
        with open(path, errors="replace") as fh:
            text += fh.read()
    return text.count("CONNECT 127.0.0.1:%d" % loop["tls_port"])


def test_use_environment_false_ignores_the_proxy_variables(loop, monkeypatch):
    for var in ("no_proxy", "NO_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("https_proxy", loop["proxy"])
    ep = _https(loop)
    before = _connects_logged(loop)
    via_env = _probe(loop, [ep], environ=None)[0]
    assert (via_env["ok"], via_env["proxy"]["used"]) == (True, True), via_env
    assert via_env["proxy"]["reason"] == "from the environment variable https_proxy"
    assert _connects_logged(loop) == before + 1  # the tinyproxy really carried it

    ignored = _probe(loop, [ep], environ=None, use_environment=False)[0]
    assert (ignored["ok"], ignored["proxy"]["used"]) == (True, False), ignored
    assert ignored["proxy"]["reason"] == "no proxy configured"
    assert [t.get("via_proxy", False) for t in ignored["tcp"]] == [False]
    assert _connects_logged(loop) == before + 1  # never contacted

    explicit = _probe(loop, [ep], environ=None, use_environment=False, proxy=loop["proxy"])[0]
    assert (explicit["ok"], explicit["proxy"]["used"]) == (True, True), explicit


def test_failed_addresses_name_what_failed(loop):
    ep = _https(loop, host="inproc.eftest")
    r = _probe(loop, [ep], resolve_map={"inproc.eftest": ["127.0.0.1", "127.0.0.3"]})[0]
    assert (r["ok"], r["partial"]) == (True, True), r
    assert r["failed_addresses"] == [{"address": "127.0.0.3", "status": "refused", "error": "connection refused"}]
    assert [t["address"] for t in r["tcp"]] == ["127.0.0.1", "127.0.0.3"]  # tcp unchanged
    nothing = {"name": "ntp", "host": "127.0.0.1", "port": loop["ntp_port"] + 1, "protocol": "udp-ntp"}
    n = _probe(loop, [nothing])[0]
    assert n["status"] == "ntp_error" and [a["address"] for a in n["failed_addresses"]] == ["127.0.0.1"], n
