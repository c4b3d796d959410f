"""inbound.port in Docker mode when the engine publishes through NAT rules (userland proxy off, Podman): nothing
listens on the host, so only the engine's list of publishing containers tells the role's container from another."""

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import checks
from tests.unit.plugins.plugin_utils.test_checks import by_id, ctx


def _judge(published, bind="0.0.0.0", listeners=()):
    c = ctx(settings__run_mode="docker", settings__bind_address=bind)
    c["port"] = {
        "port": 9093,
        "readable": True,
        "in_use": bool(listeners),
        "listeners": list(listeners),
        "holders": [],
        "holders_complete": True,
        "owner": {"mode": "docker", "container_name": "integrasjonspunkt", "published": published},
    }
    return by_id(checks.run_checks(c))["inbound.port"]


def _pub(name, address="0.0.0.0"):
    return {"containers": [{"name": name, "id": "f" * 64, "address": address}]}


def test_the_roles_container_publishing_through_nat_passes_as_held_by_it():
    r = _judge(_pub("integrasjonspunkt"))
    assert (r["status"], r["measured"]) == ("pass", "held by the integrasjonspunkt")
    assert "NAT" in r["message"] and "integrasjonspunkt" in r["message"]


def test_another_container_publishing_through_nat_fails_though_nothing_listens():
    r = _judge(_pub("web"))
    assert r["status"] == "fail"
    assert "container web" in r["message"] and "NAT" in r["message"]


@pytest.mark.parametrize(
    ("bind", "address", "status"),
    [("127.0.0.1", "10.0.0.5", "pass"), ("127.0.0.1", "0.0.0.0", "fail"), ("0.0.0.0", "10.0.0.5", "fail")],
)
def test_nat_publishing_clashes_by_address(bind, address, status):
    assert _judge(_pub("web", address), bind=bind)["status"] == status


@pytest.mark.parametrize(
    ("published", "fix"),
    [
        ({"reason": "/run/docker.sock: Permission denied", "denied": True}, "group"),
        ({"reason": "GET /containers/json failed: timed out", "denied": False}, None),
        (None, None),  # never asked: not known to be free
    ],
)
def test_an_engine_that_cannot_be_asked_is_unknown_never_free(published, fix):
    r = _judge(published)
    assert r["status"] == "unknown"
    assert "NAT" in r["message"]
    if fix:
        assert "become" in r["fix"] and fix in r["fix"]


def test_no_engine_at_all_and_nothing_listening_is_free():
    r = _judge({"containers": [], "note": "no engine answers on /run/docker.sock"})
    assert (r["status"], r["measured"]) == ("pass", "free")


def test_java_mode_never_asks_the_engine():
    c = ctx()
    c["port"] = {"port": 9093, "readable": True, "in_use": False, "listeners": [], "holders": []}
    assert by_id(checks.run_checks(c))["inbound.port"]["status"] == "pass"
