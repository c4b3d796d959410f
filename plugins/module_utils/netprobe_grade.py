# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The grading of the probes: one endpoint's verdict from its recorded steps, the summary, the result's shape.

Fail closed: `endpoint_status` gives ok only on positive evidence of every step the protocol implies (a
connected address or an established tunnel, a verified TLS handshake, an HTTP answer when one is expected);
a missing step result is `error`. Every proxy credential is redacted from the result before it leaves.
Pure functions of values; the pool (netprobe_pool) decides when a result is graded.

Python 3.8 compatible; standard library only.
"""

import ipaddress

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import noproxy
from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils.netprobe_endpoint import (
    HTTP_PROTOCOLS,
    TLS_PROTOCOLS,
)


def undocumented_addresses(addresses, documented):
    """Return the addresses not inside any documented IP or CIDR. Empty when nothing is documented."""
    nets = []
    for item in documented or []:
        try:
            nets.append(ipaddress.ip_network(str(item).strip(), strict=False))
        except ValueError:
            continue
    if not nets:
        return []
    out = []
    for addr in addresses or []:
        try:
            ip = ipaddress.ip_address(str(addr).split("%", 1)[0])
        except ValueError:
            out.append(addr)
            continue
        if not any(ip.version == n.version and ip in n for n in nets):
            out.append(addr)
    return out


def endpoint_status(result, http_expected=False):
    """Decide (ok, status, message) for one finished endpoint result. Pure.

    Fail closed: ok needs positive evidence for every step the protocol implies (a connected address or an
    established tunnel, a verified TLS handshake, an HTTP answer when `http_expected`); a missing step
    result is `error`, never ok.
    """
    name, host, port = result["name"], result["host"], result["port"]
    target = "%s port %s" % (host, port)
    protocol = result["protocol"]
    proxy = result.get("proxy") or {}
    dns = result.get("dns") or {}
    if result.get("status") in ("invalid", "skipped", "timeout", "error"):
        return result["status"] == "skipped", result["status"], result.get("message")
    if not isinstance(result.get("dns"), dict):
        return False, "error", "no DNS result was recorded for %s" % target
    if protocol == "udp-ntp":
        ntp = result.get("ntp") or {}
        if not dns.get("ok"):
            return False, "dns_error", "DNS lookup of %s failed: %s" % (host, dns.get("error"))
        if ntp.get("ok") is True and ntp.get("offset_seconds") is not None:
            return (
                True,
                "ok",
                "NTP reply from %s: offset %+.3f s, stratum %s"
                % (ntp.get("address"), ntp.get("offset_seconds") or 0.0, ntp.get("stratum")),
            )
        errors = "; ".join("%s %s" % (a["address"], a.get("error") or a["status"]) for a in ntp.get("addresses", []))
        return False, "ntp_error", "no usable NTP reply from %s: %s" % (target, errors or ntp.get("error"))
    http = result.get("http")
    if proxy.get("used"):
        if proxy.get("error"):
            return False, "proxy_error", "proxy %s: %s" % (proxy.get("url"), proxy.get("error"))
        if protocol == "http" and http is None:
            return False, "error", "no answer through the proxy %s was recorded" % proxy.get("url")
        if protocol != "http" and not proxy.get("connect_status"):
            return False, "error", "no CONNECT tunnel through the proxy %s was recorded" % proxy.get("url")
    elif not dns.get("ok"):
        return False, "dns_error", "DNS lookup of %s failed: %s" % (host, dns.get("error"))
    else:
        tcp = result.get("tcp") or []
        good = [t for t in tcp if t["status"] == "ok"]
        if not good:
            statuses = {t["status"] for t in tcp}
            for kind in ("timeout", "unreachable", "refused", "error"):
                if kind in statuses:
                    detail = ", ".join("%s %s" % (t["address"], t["status"]) for t in tcp)
                    return False, "tcp_" + kind, "TCP connect to %s failed: %s" % (target, detail)
            return False, "tcp_error", "TCP connect to %s: no address to try" % target
    tls = result.get("tls")
    if protocol in TLS_PROTOCOLS and not isinstance(tls, dict):
        return False, "error", "no TLS handshake result was recorded for %s" % target
    if tls is not None and not (tls.get("ok") is True and tls.get("verified") is True):
        if tls.get("verify_error"):
            return (
                False,
                "tls_error",
                "TLS certificate of %s not accepted (%s): %s" % (target, tls.get("verify_reason"), tls["verify_error"]),
            )
        return False, "tls_error", "TLS handshake with %s failed: %s" % (target, tls.get("error"))
    if http_expected and protocol in HTTP_PROTOCOLS and http is None:
        return False, "error", "no HTTP result was recorded for %s" % target
    if http is not None and (http.get("error") or http.get("status_code") is None):
        status = "proxy_error" if http.get("from_proxy") else "http_error"
        return False, status, "HTTP request to %s failed: %s" % (target, http.get("error") or "no status code")
    bits = []
    tcp = result.get("tcp") or []
    if proxy.get("used"):
        bits.append("via proxy %s" % proxy.get("url"))
    else:
        bits.append("%d/%d addresses reachable" % (len([t for t in tcp if t["status"] == "ok"]), len(tcp)))
    if tls:
        days = tls.get("cert_expires_in_days")
        bits.append("%s, certificate valid for %s more days" % (tls.get("version"), days))
    if http and http.get("status_code") is not None:
        bits.append("HTTP %s" % http["status_code"])
    if result.get("undocumented_addresses"):
        bits.append("undocumented addresses: %s" % ", ".join(result["undocumented_addresses"]))
    return True, "ok", "%s reachable: %s" % (name, "; ".join(bits))


def summarize(results):
    """summary dict for a list of endpoint results."""
    failed = [r for r in results if not r.get("ok")]
    return {
        "total": len(results),
        "ok": len(results) - len(failed),
        "failed": len(failed),
        "errors": len([r for r in results if r.get("status") == "error"]),
        "failed_names": [r.get("name") for r in failed],
        "failed_severity_fail": len([r for r in failed if r.get("severity") != "warn"]),
        "failed_severity_warn": len([r for r in failed if r.get("severity") == "warn"]),
    }


def redact_tree(value, urls):
    """Copy of a JSON-like value with every proxy credential redacted from every string."""
    if isinstance(value, dict):
        return {redact_tree(k, urls): redact_tree(v, urls) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_tree(v, urls) for v in value]
    if isinstance(value, str):
        return noproxy.redact_text(value, urls)
    return value


def failed_addresses(result):
    """[{address, status, error}] of every direct TCP connect and NTP query that failed."""
    reports = [t for t in result.get("tcp") or [] if not t.get("via_proxy")]
    reports += list((result.get("ntp") or {}).get("addresses") or [])
    return [
        {"address": r.get("address"), "status": r.get("status"), "error": r.get("error")}
        for r in reports
        if r.get("status") != "ok"
    ]


def _tidy(result):
    """Flag partial reachability, list failed addresses and put per-address lists in resolver order."""
    order = list((result.get("dns") or {}).get("addresses") or [])

    def rank(item):
        addr = item.get("address")
        return (bool(item.get("via_proxy")), order.index(addr) if addr in order else len(order), str(addr))

    tcp = sorted(result.get("tcp") or [], key=rank)
    result["tcp"] = tcp
    direct = [t for t in tcp if not t.get("via_proxy")]
    ok_count = len([t for t in direct if t["status"] == "ok"])
    result["partial"] = bool(result.get("ok") and 0 < ok_count < len(direct))
    if isinstance(result.get("ntp"), dict):
        result["ntp"]["addresses"] = sorted(result["ntp"]["addresses"], key=rank)
    result["failed_addresses"] = failed_addresses(result)
    return result
