"""runtime.container_dns: the resolvers of the role's container (issue 24), and integrasjonspunkt_container_dns."""

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import checks
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import settings as settings_model
from tests.unit.plugins.plugin_utils.test_checks import by_id, ctx


def judge(dns, **changes):
    c = ctx(settings__run_mode="docker", **changes)
    if dns is not None:
        c["resources"]["runtimes"]["container_engine"] = {"available": True, "answers": True, "dns": dns}
    return by_id(checks.run_checks(c))["runtime.container_dns"]


def test_loopback_only_host_warns_naming_the_substitute_and_the_fix():
    r = judge({"effective": ["8.8.8.8", "8.8.4.4"], "substituted": True, "host_nameservers": ["127.0.0.1"],
               "host_source": "/etc/resolv.conf", "engine_dns": None})  # fmt: skip
    assert r["status"] == "warn"
    assert "8.8.8.8" in r["message"] and "127.0.0.1" in r["message"]
    assert "integrasjonspunkt_container_dns" in r["fix"]


def test_the_setting_passes_whatever_the_host():
    r = judge(None, settings__container_dns=["10.0.0.53"])
    assert (r["status"], r["measured"]) == ("pass", "10.0.0.53")


def test_host_and_engine_resolvers_pass():
    host = judge({"effective": ["10.1.1.1"], "substituted": False, "host_source": "/etc/resolv.conf"})
    assert host["status"] == "pass" and "10.1.1.1" in host["message"]
    engine = judge({"effective": ["10.3.3.3"], "engine_dns": ["10.3.3.3"], "engine_source": "/etc/docker/daemon.json"})
    assert engine["status"] == "pass" and "daemon.json" in engine["message"]


@pytest.mark.parametrize(
    "dns",
    [
        None,  # not gathered
        {"reason": "cannot read /etc/resolv.conf: Permission denied", "effective": None},
        {"available": False, "reason": "collecting the container's resolvers failed: RuntimeError: injected"},
        "garbage",
    ],
)
def test_unknown_never_pass_when_it_could_not_be_read(dns):
    r = judge(dns)
    assert r["status"] == "unknown"


def test_java_mode_does_not_judge_it():
    assert "runtime.container_dns" not in by_id(checks.run_checks(ctx()))


def _settings(value):
    values = dict(settings_model.DEFAULTS, integrasjonspunkt_container_dns=value)
    return settings_model.normalise(values, scope="probe")


def test_the_setting_is_validated_naming_the_variable_and_what_is_allowed():
    assert _settings(["10.0.0.53", "2001:db8::1"])["container_dns"] == ["10.0.0.53", "2001:db8::1"]
    assert _settings([])["container_dns"] == []
    for bad in (["127.0.0.1"], ["dns.example"], "10.0.0.53", ["::1"]):
        with pytest.raises(settings_model.SettingsError) as err:
            _settings(bad)
        assert "integrasjonspunkt_container_dns" in str(err.value) and "loopback" in str(err.value)
