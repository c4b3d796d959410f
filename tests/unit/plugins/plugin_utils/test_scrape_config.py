"""scrape_config: targets from the metrics settings, password by file only, bad values named."""

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import scrape_config as sc

SETTINGS = {"port": 9093, "ssl_enabled": True, "auth_enabled": True, "environment": "test", "auth_user": "api"}


def on(**extra):
    return dict({"integrasjonspunkt_metrics_enabled": True, "integrasjonspunkt_management_address": "0.0.0.0"}, **extra)


def test_defaults_are_off_and_loopback():
    assert sc.metrics_settings({}) == sc.METRICS_DEFAULTS
    assert sc.target("h", {}, SETTINGS) == (None, "integrasjonspunkt_metrics_enabled is false")
    addr, why = sc.target("h", {"integrasjonspunkt_metrics_enabled": True}, SETTINGS)
    assert addr is None and "listens on 127.0.0.1 only" in why


def test_target_address_and_port():
    assert sc.target("h", on(), SETTINGS) == ("h:9093", None)
    assert sc.target("h", on(ansible_host="10.1.1.1", integrasjonspunkt_management_port=9094), SETTINGS)[0] == (
        "10.1.1.1:9094"
    )
    assert sc.target("h", on(integrasjonspunkt_management_address="10.2.2.2"), SETTINGS)[0] == "10.2.2.2:9093"
    assert sc.target("h", on(ansible_host="fd00::1"), SETTINGS)[0] == "[fd00::1]:9093"


@pytest.mark.parametrize(
    "values, message",
    [
        ({"integrasjonspunkt_metrics_enabled": "yes"}, "integrasjonspunkt_metrics_enabled='yes' is not allowed"),
        ({"integrasjonspunkt_management_port": 0}, "integrasjonspunkt_management_port=0 is not allowed"),
        ({"integrasjonspunkt_management_port": True}, "integrasjonspunkt_management_port=True is not allowed"),
        ({"integrasjonspunkt_management_address": "any"}, "integrasjonspunkt_management_address='any' is not allowed"),
    ],
)
def test_bad_values_are_named(values, message):
    with pytest.raises(sc.ScrapeConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        sc.metrics_settings(values)


def test_basic_auth_by_file_only_and_one_job_per_scheme_and_user():
    hosts = {
        "a": (on(), SETTINGS),
        "b": (on(), dict(SETTINGS, auth_user="other")),
        "c": (on(), dict(SETTINGS, ssl_enabled=False, auth_enabled=False)),
        "d": ({}, SETTINGS),
    }
    config, skipped = sc.scrape_config(hosts, "/etc/p/{user}.pw", "/etc/ca.pem", "30s")
    assert skipped == {"d": "integrasjonspunkt_metrics_enabled is false"}
    jobs = config["scrape_configs"]
    assert [j["job_name"] for j in jobs] == ["integrasjonspunkt", "integrasjonspunkt-2", "integrasjonspunkt-3"]
    assert jobs[0]["scheme"] == "http" and "basic_auth" not in jobs[0] and "tls_config" not in jobs[0]
    assert jobs[1]["basic_auth"] == {"username": "api", "password_file": "/etc/p/api.pw"}
    assert jobs[2]["basic_auth"] == {"username": "other", "password_file": "/etc/p/other.pw"}
    assert jobs[1]["tls_config"] == {"ca_file": "/etc/ca.pem"} and jobs[1]["scrape_interval"] == "30s"
    assert jobs[1]["static_configs"] == [{"targets": ["a:9093"], "labels": {"host": "a", "environment": "test"}}]
    assert all(set(j["basic_auth"]) == {"username", "password_file"} for j in jobs if "basic_auth" in j)
