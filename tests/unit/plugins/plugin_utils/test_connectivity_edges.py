# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""connectivity.* outcomes pinned: the title, the fix's fields (failed addresses, proxy, code), the NTP special
case and the docs page per environment (written for mutation round 3's survivors of connectivity_checks.py)."""

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import check_base, checks
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils.connectivity_checks import EndpointCheck
from tests.unit.plugins.plugin_utils.test_checks import by_id, ctx

ENTRY = {"name": "eformidling", "host": "eformidling.no", "port": 443, "protocol": "https", "ips": ["139.105.36.173"]}


def judged(conn, entry=None):
    c = ctx()
    if entry is not None:
        c["endpoints"].append(entry)
    name = conn["name"]
    c["connectivity"][name] = conn
    return by_id(checks.run_checks(c))["connectivity.%s" % name]


def test_the_title_names_protocol_host_port_and_purpose():
    assert EndpointCheck(dict(ENTRY, purpose="DPO"), "runtime").title == "https eformidling.no:443 (DPO)"
    assert EndpointCheck(ENTRY, "runtime").title == "https eformidling.no:443 ()"


def test_a_probe_without_status_is_an_error_not_a_verdict():
    res = judged({"name": "eformidling", "ok": False})
    assert res["status"] == "error"
    assert (
        res["message"] == "no verdict: the probe of eformidling.no:443/https crashed: eformidling.no:443/https: error"
    )


def test_the_fix_names_the_addresses_that_failed_not_the_documented_ones():
    conn = {
        "name": "eformidling", "ok": False, "status": "tcp_timeout",
        "failed_addresses": [{"address": "10.9.9.9"}, {"error": "no address"}],
    }  # fmt: skip
    assert judged(conn)["fix"] == ("Outbound TCP 443 to 10.9.9.9 is dropped: open it in the firewall (or set a proxy).")


def test_a_status_without_a_fix_of_its_own_gets_the_general_one():
    res = judged({"name": "eformidling", "ok": False, "status": "http_error", "message": "HTTP 500"})
    assert res["fix"] == "Open outbound access to eformidling.no:443 (139.105.36.173)."
    assert (res["status"], res["measured"], res["required"]) == ("fail", "http_error", "reachable")


def test_a_proxy_refusal_names_the_proxy_or_says_in_use():
    conn = {"name": "eformidling", "ok": False, "status": "proxy_error", "proxy": {"used": True}}
    assert judged(conn)["fix"].startswith("The proxy in use refused eformidling.no:443:")
    conn["proxy"]["url"] = "http://proxy.intern:3128"
    assert judged(conn)["fix"].startswith("The proxy http://proxy.intern:3128 refused eformidling.no:443:")
    assert judged(conn)["fix"].endswith(" The proxy answered: -.")
    conn["http"] = {"error": "reset by peer"}
    assert judged(conn)["fix"].endswith(" The proxy answered: reset by peer.")


def test_the_proxy_s_status_code_is_named_in_the_fix():
    conn = {
        "name": "eformidling", "ok": False, "status": "proxy_error",
        "proxy": {"used": True, "url": "http://p:3128", "connect_status": "HTTP/1.1 502 Bad Gateway"},
    }  # fmt: skip
    assert "(it answered 502)" in judged(conn)["fix"]
    conn["proxy"] = {"used": True, "url": "http://p:3128"}
    conn["http"] = {"status_code": 504, "from_proxy": True}
    assert "(it answered 504)" in judged(conn)["fix"]


def test_only_the_integrasjonspunkt_s_ntp_host_gets_the_ntp_reasons():
    res = judged({"name": "ntp", "ok": False, "status": "dns_error", "message": "no such host"})
    assert res["status"] == "fail"
    assert res["message"] == (
        "time.google.com:123/udp-ntp: no such host; the integrasjonspunkt does not start when difi.move.ntp.host does"
        " not resolve (NtpSyncChecker)"
    )
    other = {"name": "ntp-intern", "host": "ntp.intern", "port": 123, "protocol": "udp-ntp", "severity": "warn"}
    res = judged({"name": "ntp-intern", "ok": False, "status": "ntp_error", "message": "silent"}, entry=other)
    assert (res["status"], res["message"]) == ("warn", "ntp.intern:123/udp-ntp: silent")


def test_the_docs_page_follows_the_entry_s_environments():
    test_only = dict(ENTRY, name="test-only", environments=["test"])
    both = dict(ENTRY, name="both", environments=["production", "test"])
    assert (
        judged({"name": "test-only", "ok": True, "status": "ok"}, entry=test_only)["doc_url"] == check_base.DOCS["test"]
    )
    assert judged({"name": "both", "ok": True, "status": "ok"}, entry=both)["doc_url"] == check_base.DOCS["production"]
