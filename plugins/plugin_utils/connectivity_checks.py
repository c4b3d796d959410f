# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""connectivity.* and install.* endpoint checks: each probe result judged, with a fix per cause (proxy, DNS, NTP)."""

import re

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import plan
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils.check_base import (
    Check,
    error_outcome,
    outcome,
)

FIXES = {
    "dns_error": "Make {host} resolvable from this host (check /etc/resolv.conf and the DNS forwarder).",
    "tcp_refused": "Something refuses {host}:{port}: open outbound {proto} {port} to {ips} in the firewall.",
    "tcp_timeout": "Outbound {proto} {port} to {ips} is dropped: open it in the firewall (or set a proxy).",
    "tcp_unreachable": "No route to {host}: check routing and the firewall for {ips}.",
    "tls_error": "TLS to {host} fails: if a proxy inspects TLS, trust its CA (ca_file) or exempt {host}.",
    "proxy_error": "The proxy {proxy} refused {host}:{port}: allow it on the proxy, or add {host} to"
    " integrasjonspunkt_no_proxy.",
    "ntp_error": "Open outbound UDP 123 to {ips}, or point integrasjonspunkt_ntp_host at an internal NTP server.",
    "timeout": "{host}:{port} did not answer within the probe budget: check the proxy and the firewall for {ips}.",
}


# The integrasjonspunkt resolves difi.move.ntp.host when it starts (NtpSyncChecker's NTPClient): a name that
# does not resolve stops the start. A dropped UDP 123 does not: the check runs after start-up, on a pool.
NTP_DNS_REASON = "the integrasjonspunkt does not start when difi.move.ntp.host does not resolve (NtpSyncChecker)"


# commons-net's NTPUDPClient has no timeout unless set, and NTPClient sets none: a silent drop makes the check
# wait for ever after start-up, logging nothing; a reported drop (ICMP) is logged (upstream audit 2026-12-06, row 5).
NTP_DROP_REASON = (
    "the integrasjonspunkt starts, but cannot check its clock: a silently dropped UDP 123 makes that check wait"
    " with no timeout and log nothing (it runs after start-up)"
)


KNOWN_PROBE_STATUSES = tuple(FIXES) + ("http_error", "tcp_error", "invalid", "skipped")


# A proxy error has as many causes as steps, each with its own fix (the texts are netprobe's: _tunnel,
# parse_proxy_url, http_connect, and the forward proxy's own answer). A cause that does not depend on the
# endpoint (the proxy's URL, name, or connection) has a fix that names no endpoint, so the report says it once.
PROXY_CAUSES = (
    (
        ("empty proxy URL", "cannot parse the proxy URL", "unsupported proxy scheme", "the proxy URL has no host"),
        "integrasjonspunkt_proxy is not a usable proxy URL",
        "Set integrasjonspunkt_proxy to the URL of your HTTP proxy, http://host:port ({error}).",
    ),
    (
        ("cannot resolve the proxy host",),
        "the proxy's own name does not resolve on this host",
        "The proxy's own name in {proxy} does not resolve on this host: correct the host in integrasjonspunkt_proxy,"
        " or make the host's resolver answer for it (check /etc/resolv.conf).",
    ),
    (
        ("cannot connect to the proxy",),
        "this host cannot connect to the proxy",
        "This host cannot open TCP to the proxy {proxy} ({error}): check the port in integrasjonspunkt_proxy, that"
        " the proxy runs, and the firewall between this host and the proxy.",
    ),
)


PROXY_STATUS_FIXES = {
    "407": (
        "the proxy asks for credentials (407)",
        "The proxy {proxy} wants credentials (407 Proxy Authentication Required): give them in integrasjonspunkt_proxy"
        " as http://user:password@host:port (keep it in Ansible Vault).",
    ),
    "502": (
        None,
        "The proxy {proxy} could not reach {host}:{port} itself (it answered {code}): the proxy's own DNS"
        " and outbound access must allow {host}.",
    ),
    "403": (None, FIXES["proxy_error"]),
}


PROXY_STATUS_FIXES["503"] = PROXY_STATUS_FIXES["504"] = PROXY_STATUS_FIXES["502"]


PROXY_NO_ANSWER = (
    "the proxy gives no valid answer to CONNECT",
    "The proxy {proxy} gave no valid HTTP answer to CONNECT ({error}): check that integrasjonspunkt_proxy points"
    " at an HTTP proxy's port (not SOCKS or TLS).",
)


def _status_code(line):
    match = re.match(r"^HTTP/\S+\s+(\d{3})", str(line or ""))
    return match.group(1) if match else None


def proxy_cause(result):
    """(cause or None, fix template) of a proxy_error: which step failed decides what to do about it."""
    proxy = result.get("proxy") or {}
    error = str(proxy.get("error") or "")
    for prefixes, cause, fix in PROXY_CAUSES:
        if error.startswith(prefixes):
            return cause, fix
    http = result.get("http") or {}
    code = _status_code(proxy.get("connect_status")) or (
        str(http.get("status_code")) if http.get("from_proxy") and http.get("status_code") else None
    )
    if code in PROXY_STATUS_FIXES:
        return PROXY_STATUS_FIXES[code]
    if error.startswith("CONNECT ") and code is None:
        return PROXY_NO_ANSWER
    return None, FIXES["proxy_error"] + " The proxy answered: {error}."


class EndpointCheck(Check):
    """One catalogue endpoint, as probed from this host by connectivity_info."""

    def __init__(self, entry, phase):
        self.entry = entry
        self.id = "%s.%s" % ("connectivity" if phase == "runtime" else "install", entry["name"])
        self.title = "%s %s:%s (%s)" % (
            entry.get("protocol"),
            entry.get("host"),
            entry.get("port"),
            entry.get("purpose") or "",
        )
        self.category = "connectivity" if phase == "runtime" else "install_endpoints"
        self.severity = entry.get("severity") or "fail"
        if phase != "runtime" and self.severity == "fail":
            self.severity = "warn"  # only the install role's downloads need these
        self.doc = ctx_env_doc(entry) if phase == "runtime" else "last_ned"

    needs = ("connectivity",)

    def needed(self, ctx):
        """True, or why this host does not need the endpoint (Temurin's repository when no Temurin is installed)."""
        if self.entry.get("needed_when") != "temurin":
            return True
        settings = ctx["settings"]
        java = plan.java_plan(
            settings, ctx["resources"], settings.get("java_packages"), settings.get("java_install_method", "auto")
        )
        if java.get("method") == "temurin":
            return True
        return "the install role installs no Temurin here (%s)" % (java.get("package") or java.get("reason"))

    def evaluate(self, ctx):
        e = self.entry
        result = (ctx.get("connectivity") or {}).get(e["name"])
        target = "%s:%s/%s" % (e.get("host"), e.get("port"), e.get("protocol"))
        if result is None:
            return outcome("unknown", required="reachable", message="%s was not probed" % target)
        ips = ", ".join(e.get("ips") or []) or "the addresses %s resolves to" % e.get("host")
        fmt = {
            "host": e.get("host"),
            "port": e.get("port"),
            "proto": "UDP" if e.get("protocol") == "udp-ntp" else "TCP",
            "ips": ips,
        }
        proxy = result.get("proxy") or {}
        via = " via proxy %s" % (proxy.get("url") or "(no URL reported)") if proxy.get("used") else ""
        extra = []
        if result.get("undocumented_addresses"):
            extra.append(
                "resolves to addresses not in the documented list: %s" % ", ".join(result["undocumented_addresses"])
            )
        needed = self.needed(ctx)
        if needed is not True:
            return outcome("info", result.get("status"), None, None, "not needed on this host: %s" % needed)
        if result.get("ok"):
            tls = result.get("tls") or {}
            days = tls.get("cert_expires_in_days")
            if days is not None and days < ctx["thresholds"]["cert_expiry_warn_days"]:
                return outcome(
                    "warn",
                    "certificate expires in %s days" % days,
                    "more than %d days" % ctx["thresholds"]["cert_expiry_warn_days"],
                    "days",
                    "%s answers%s, but its certificate expires in %s days" % (target, via, days),
                    "Tell Digdir's servicedesk if the service certificate is not renewed; check for TLS interception.",
                )
            return outcome("pass", "reachable", "reachable", None, "; ".join(["%s answers%s" % (target, via)] + extra))
        status = result.get("status") or "error"
        message = "%s: %s%s" % (target, result.get("message") or status, via)
        if status == "error" or status not in KNOWN_PROBE_STATUSES:
            return error_outcome("no verdict: the probe of %s crashed: %s" % (target, message), result.get("exception"))
        failed = [a.get("address") for a in result.get("failed_addresses") or [] if a.get("address")]
        if failed:
            fmt["ips"] = ", ".join(failed)  # the addresses that actually failed, not the documented ones
        fmt["proxy"] = (result.get("proxy") or {}).get("url") or "in use"
        fix, cause = FIXES.get(status, "Open outbound access to {host}:{port} ({ips})."), None
        if status == "proxy_error":
            cause, fix = proxy_cause(result)
            fmt["error"] = (result.get("proxy") or {}).get("error") or (result.get("http") or {}).get("error") or "-"
            fmt["code"] = _status_code((result.get("proxy") or {}).get("connect_status")) or (
                (result.get("http") or {}).get("status_code")
            )
        severity = self.severity
        if e.get("protocol") == "udp-ntp" and e.get("name") == "ntp":
            severity, why = ("fail", NTP_DNS_REASON) if status == "dns_error" else ("warn", NTP_DROP_REASON)
            message += "; " + why
        out = outcome(severity, status, "reachable", None, "; ".join([message] + extra), fix.format(**fmt))
        if cause:
            out["cause"] = cause
        return out


def ctx_env_doc(entry):
    envs = entry.get("environments") or []
    return "test" if envs == ["test"] else "production"
