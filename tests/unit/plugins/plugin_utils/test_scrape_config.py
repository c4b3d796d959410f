"""scrape_config: targets from the settings model's management settings, password by file only (bad values are the
model's to refuse: test_actuator_checks.py)."""

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import scrape_config as sc

OFF = {"metrics": False, "port": None, "address": "127.0.0.1"}
SETTINGS = {"port": 9093, "ssl_enabled": True, "auth_enabled": True, "environment": "test", "auth_user": "api"}
SETTINGS["management"] = OFF


def on(**management):
    """The model's settings with metrics on a management port (the settings model's management dict)."""
    return dict(SETTINGS, management=dict({"metrics": True, "port": 9094, "address": "0.0.0.0"}, **management))


def test_defaults_are_off_and_loopback():
    assert sc.target("h", {}, SETTINGS) == (None, "integrasjonspunkt_metrics_enabled is false")
    addr, why = sc.target("h", {}, on(address="127.0.0.1"))
    assert addr is None and "listens on 127.0.0.1 only" in why


def test_target_address_and_port():
    assert sc.target("h", {}, on()) == ("h:9094", None)
    assert sc.target("h", {"ansible_host": "10.1.1.1"}, on(port=9095))[0] == "10.1.1.1:9095"
    assert sc.target("h", {}, on(address="10.2.2.2"))[0] == "10.2.2.2:9094"
    assert sc.target("h", {"ansible_host": "fd00::1"}, on())[0] == "[fd00::1]:9094"
    assert sc.target("h", {}, on(port=None))[0] == "h:9093"


def test_basic_auth_by_file_only_and_one_job_per_scheme_and_user():
    hosts = {
        "a": ({}, on()),
        "b": ({}, dict(on(), auth_user="other")),
        "c": ({}, dict(on(), ssl_enabled=False, auth_enabled=False)),
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
    assert jobs[1]["static_configs"] == [{"targets": ["a:9094"], "labels": {"host": "a", "environment": "test"}}]
    assert all(set(j["basic_auth"]) == {"username", "password_file"} for j in jobs if "basic_auth" in j)
