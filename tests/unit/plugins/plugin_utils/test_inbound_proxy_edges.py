# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""inbound.port's naming of the holders, and which proxy answer decides the fix (mutation round 3's survivors)."""

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import checks, connectivity_checks
from tests.unit.plugins.plugin_utils.test_checks import _port, by_id, ctx


def test_every_foreign_holder_is_named_with_its_pid_and_why():
    port = _port(ours=False, why="not in the unit")
    port["holders"].append({"pid": 77, "cmdline": "nginx", "ours": False, "why": "another program"})
    port["listeners"][0]["pids"] = [4242, 77]
    res = by_id(checks.run_checks(ctx(port=port)))["inbound.port"]
    held = "java -jar integrasjonspunkt.jar (pid 4242: not in the unit), nginx (pid 77: another program)"
    assert (res["status"], res["measured"], res["required"]) == ("fail", "in use by %s" % held, "free")
    assert res["message"] == "port 9093 is already taken on 0.0.0.0 by %s" % held


def test_an_origin_answer_is_not_taken_for_the_proxy_s():
    generic = connectivity_checks.FIXES["proxy_error"] + " The proxy answered: {error}."
    origin_403 = {"proxy": {}, "http": {"status_code": 403, "from_proxy": False}}
    assert connectivity_checks.proxy_cause(origin_403) == (None, generic)
    proxy_403 = {"proxy": {}, "http": {"status_code": 403, "from_proxy": True}}
    assert connectivity_checks.proxy_cause(proxy_403) == (None, connectivity_checks.FIXES["proxy_error"])
    assert generic.endswith(". The proxy answered: {error}.")


def port_result(**changes):
    res = by_id(checks.run_checks(ctx(**changes)))["inbound.port"]
    return res["status"], res["measured"], res["required"], res["message"], res["fix"]


def test_unreadable_socket_tables_are_unknown_with_the_reason_and_fix():
    port = _port(readable=False, reason="hidepid=2", in_use=False, listeners=[], holders=[])
    assert port_result(port=port) == (
        "unknown", None, "free", "the kernel's socket tables could not be read: hidepid=2",
        "Check that /proc is mounted and readable (hidepid or a restricted container hides it).",
    )  # fmt: skip


def test_a_holder_that_cannot_be_told_is_unknown_naming_what_it_would_have_to_be():
    holder = "java -jar integrasjonspunkt.jar (pid 4242: runs in the systemd unit integrasjonspunkt.service)"
    become = "Run preflight with become (root) for this check: only root may see which process holds another user's"
    status, measured, required, message, fix = port_result(port=_port(ours=None, holders_complete=False))
    assert (status, measured, required) == ("unknown", "in use", "free")
    assert message == (
        "port 9093 is in use on 0.0.0.0, and whether the holder is the role's systemd unit integrasjonspunkt.service"
        " cannot be told: %s" % holder
    )
    assert fix.startswith(become)
    docker = port_result(port=_port(ours=None, holders_complete=False), settings__run_mode="docker")
    assert "whether the holder is the role's container cannot be told" in docker[3]


def test_every_holder_of_ours_is_named_across_sockets():
    port = _port()
    port["listeners"].append({"address": "::", "port": 9093, "uid": 0, "inode": 2, "pids": [4243]})
    port["holders"].append({"pid": 4243, "cmdline": "docker-proxy", "ours": True, "why": "publishes the container"})
    assert port_result(port=port) == (
        "pass", "held by the integrasjonspunkt", "free",
        "port 9093 is held by the integrasjonspunkt (java -jar integrasjonspunkt.jar (pid 4242: runs in the systemd"
        " unit integrasjonspunkt.service), docker-proxy (pid 4243: publishes the container))",
        None,
    )  # fmt: skip


def test_in_use_at_unknown_addresses_is_taken_as_foreign():
    assert port_result(port=_port(listeners=[], in_use=True)) == (
        "fail", "in use by an unnamed holder (address unknown)", "free",
        "port 9093 is already taken on 0.0.0.0 by an unnamed holder (address unknown)",
        "Stop the process on port 9093, or choose another port with integrasjonspunkt_port.",
    )  # fmt: skip


def endpoint_result(conn, **changes):
    c = ctx(**changes)
    c["connectivity"]["eformidling"] = conn
    res = by_id(checks.run_checks(c))["connectivity.eformidling"]
    return res["status"], res["measured"], res["required"], res["unit"], res["message"], res["fix"]


def test_undocumented_addresses_are_listed_beside_a_pass():
    conn = {"name": "eformidling", "ok": True, "status": "ok", "undocumented_addresses": ["10.1.1.1", "10.1.1.2"]}
    assert endpoint_result(conn)[4] == (
        "eformidling.no:443/https answers; resolves to addresses not in the documented list: 10.1.1.1, 10.1.1.2"
    )


def test_a_service_certificate_near_expiry_warns_in_days():
    conn = {"name": "eformidling", "ok": True, "status": "ok", "tls": {"cert_expires_in_days": 3}}
    warn_days = ctx()["thresholds"]["cert_expiry_warn_days"]
    assert endpoint_result(conn) == (
        "warn", "certificate expires in 3 days", "more than %d days" % warn_days, "days",
        "eformidling.no:443/https answers, but its certificate expires in 3 days",
        "Tell Digdir's servicedesk if the service certificate is not renewed; check for TLS interception.",
    )  # fmt: skip


def test_a_refused_tcp_endpoint_names_protocol_port_and_addresses_in_the_fix():
    conn = {"name": "eformidling", "ok": False, "status": "tcp_refused", "message": "connection refused"}
    assert endpoint_result(conn) == (
        "fail", "tcp_refused", "reachable", None, "eformidling.no:443/https: connection refused",
        "Something refuses eformidling.no:443: open outbound TCP 443 to 139.105.36.173 in the firewall.",
    )  # fmt: skip


def test_an_endpoint_this_host_does_not_need_is_info_with_its_probe_status():
    c = ctx()
    c["endpoints"][0]["needed_when"] = "temurin"  # the distribution package is planned: no Temurin
    c["connectivity"]["eformidling"] = {"name": "eformidling", "ok": False, "status": "tcp_timeout"}
    res = by_id(checks.run_checks(c))["connectivity.eformidling"]
    assert (res["status"], res["measured"]) == ("info", "tcp_timeout")
    assert res["message"].startswith("not needed on this host: the install role installs no Temurin here (")


def test_a_port_free_here_but_used_elsewhere_lists_every_other_address():
    port = _port(in_use=True, listeners=[{"address": "10.0.0.1", "pids": []}, {"address": "10.0.0.2", "pids": []}])
    port["owner"] = {"mode": "docker", "container_name": "integrasjonspunkt", "published": {"containers": []}}
    status, _m, _r, message, _f = port_result(
        port=port, settings__run_mode="docker", settings__bind_address="127.0.0.1"
    )
    assert (status, message) == ("pass", "port 9093 is free on 127.0.0.1 (in use on 10.0.0.1, 10.0.0.2 only)")
