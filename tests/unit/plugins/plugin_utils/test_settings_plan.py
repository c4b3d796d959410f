"""The one settings model and the install plan both roles read."""

import os

import pytest
import yaml

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import plan
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import settings as model

MIB = 1024 * 1024
TABLE = {"Debian": {"min_version": "13", "package": "openjdk-21-jre-headless"}}


def test_defaults_normalise():
    s = model.normalise({})
    assert s["directories"] == {
        "install": "/opt/integrasjonspunkt",
        "data": "/var/lib/integrasjonspunkt",
        "logs": "/var/log/integrasjonspunkt",
        "temp": "/tmp",
    }
    assert (s["environment"], s["port"], s["ntp_host"], s["proxy"]) == ("production", 9093, "time.google.com", None)
    # TLS and basic auth on, as upstream v3/v4 default them
    assert (s["ssl_enabled"], s["auth_enabled"]) == (True, True)


@pytest.mark.parametrize(
    ("value", "expected"), [(False, False), ("false", False), ("no", False), (True, True), ("yes", True), (None, True)]
)
def test_api_security_booleans_normalise(value, expected):
    s = model.normalise({"integrasjonspunkt_ssl_enabled": value, "integrasjonspunkt_auth_enabled": value})
    assert (s["ssl_enabled"], s["auth_enabled"]) == (expected, expected)


def test_the_model_defaults_are_the_install_roles_defaults():
    # One source: the install role's defaults/main.yml says what settings.DEFAULTS says (make argspec checks it too).
    role = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "roles", "integrasjonspunkt")
    with open(os.path.join(role, "defaults", "main.yml"), encoding="utf-8") as fh:
        defaults = yaml.safe_load(fh)
    assert {k: v for k, v in defaults.items() if k.startswith("integrasjonspunkt_")} == model.DEFAULTS


@pytest.mark.parametrize(
    ("var", "value", "allowed"),
    [
        ("integrasjonspunkt_data_dir", "~/data", "absolute path"),
        ("integrasjonspunkt_log_dir", "$HOME/logs", "absolute path"),
        ("integrasjonspunkt_install_dir", "relative/dir", "absolute path"),
        ("integrasjonspunkt_environment", "staging", "production or test"),
        ("integrasjonspunkt_services", ["DPX"], "any of DPO"),
        ("integrasjonspunkt_version", "v4.0.8", "without the 'v'"),
        ("integrasjonspunkt_port", 70000, "1 to 65535"),
        ("integrasjonspunkt_ntp_host", "not a host!", "DNS name or an IP"),
        ("integrasjonspunkt_proxy", "ftp://proxy:21", "http proxy URL"),
        ("integrasjonspunkt_java_path", "java", "absolute path"),
        ("integrasjonspunkt_jvm_max_heap_mb", 100, "256+"),
        ("integrasjonspunkt_java_install_method", "brew", "auto, distribution"),
        ("integrasjonspunkt_external_database", "maybe", "a boolean"),
        ("integrasjonspunkt_ssl_enabled", "maybe", "a boolean"),
        ("integrasjonspunkt_auth_enabled", "enabled", "a boolean"),
        # Turning TLS or auth off must be said: an empty value is not read as false.
        ("integrasjonspunkt_ssl_enabled", "", "must be said explicitly"),
        ("integrasjonspunkt_auth_enabled", " ", "must be said explicitly"),
    ],
)
def test_bad_input_names_the_variable_the_value_and_what_is_allowed(var, value, allowed):
    with pytest.raises(model.SettingsError) as err:
        model.normalise({var: value})
    assert var in str(err.value) and allowed in str(err.value)


def test_proxy_credentials_are_refused_without_echoing_them():
    with pytest.raises(model.SettingsError) as err:
        model.normalise({"integrasjonspunkt_proxy": "http://bob:s3cret@proxy.example.no:3128"})
    assert "s3cret" not in str(err.value)


def test_directories_are_normalised_so_joins_are_exact():
    s = model.normalise({"integrasjonspunkt_data_dir": "/srv//ip/data/"})
    assert s["directories"]["data"] == "/srv/ip/data"


def test_the_probed_proxy_is_the_jvm_proxy():
    s = model.normalise(
        {
            "integrasjonspunkt_proxy": "http://proxy.example.no:3128",
            "integrasjonspunkt_no_proxy": ".intern.example.no,10.0.0.0/8,db.example.no",
        }
    )
    assert s["proxy"] == {
        "url": "http://proxy.example.no:3128",
        "scheme": "http",
        "host": "proxy.example.no",
        "port": 3128,
    }
    opts = s["jvm_proxy_options"]
    assert "-Dhttps.proxyHost=proxy.example.no" in opts and "-Dhttps.proxyPort=3128" in opts
    assert "-Dhttp.proxyHost=proxy.example.no" in opts
    non_proxy = next(o for o in opts if o.startswith("-Dhttp.nonProxyHosts="))
    assert "*.intern.example.no" in non_proxy and "db.example.no" in non_proxy and "localhost" in non_proxy
    assert "10.0.0.0/8" not in non_proxy
    assert s["jvm_non_proxy_unsupported"] == ["10.0.0.0/8"]


def test_public_settings_hold_no_secret():
    s = dict(model.normalise({}), keystore_password="x", java_packages=TABLE)
    s["database_url"] = "jdbc:sqlserver://db;user=ip;password=hunter2"
    shown = model.public(s)
    assert "keystore_password" not in shown and "java_packages" not in shown
    assert "hunter2" not in str(shown)


def _resources(runtimes, distribution="Debian", version="13", memory=4096 * MIB):
    return {
        "runtimes": {"java": {"runtimes": runtimes}},
        "platform": {"distribution": distribution, "distribution_version": version},
        "memory": {"effective_bytes": memory},
    }


def test_plan_uses_the_java_preflight_judged():
    runtimes = [
        {"path": "/usr/bin/java", "real_path": "/usr/lib/jvm/java-17/bin/java", "major": 17, "sources": ["path"]},
        {"path": "/opt/java/bin/java", "real_path": "/opt/java/bin/java", "major": 21, "sources": ["jvm_dir"]},
    ]
    java = plan.java_plan(model.normalise({}), _resources(runtimes), TABLE)
    assert (java["action"], java["path"], java["major"]) == ("use", "/opt/java/bin/java", 21)
    given = plan.java_plan(
        model.normalise({"integrasjonspunkt_java_path": "/usr/bin/java"}), _resources(runtimes), TABLE
    )
    assert given["action"] == "refuse" and "Java 17" in given["reason"]


def test_plan_installs_the_distribution_package_or_temurin():
    assert plan.java_plan(model.normalise({}), _resources([]), TABLE)["package"] == "openjdk-21-jre-headless"
    temurin = plan.java_plan(model.normalise({}), _resources([], version="12"), TABLE)
    assert (temurin["action"], temurin["method"]) == ("install", "temurin")
    none = plan.java_plan(model.normalise({}), _resources([], version="12"), TABLE, install_method="none")
    assert none["action"] == "refuse"


def test_heap_comes_from_the_cgroup_aware_memory():
    assert plan.heap_mb(model.normalise({}), _resources([], memory=1024 * MIB))[0] == 614
    assert plan.heap_mb(model.normalise({}), _resources([], memory=64 * 1024 * MIB))[0] == plan.HEAP_MAX_MB
    assert plan.heap_mb(model.normalise({"integrasjonspunkt_jvm_max_heap_mb": 3000}), _resources([]))[0] == 3000


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("jdbc:postgresql://db.intern:5433/ip", ("db.intern", 5433, "postgresql")),
        ("jdbc:postgresql://db.intern/ip?ssl=true", ("db.intern", 5432, "postgresql")),
        ("jdbc:sqlserver://sql01:1444;databaseName=ip;user=ip;password=x", ("sql01", 1444, "sqlserver")),
        ("jdbc:sqlserver://sql01;databaseName=ip", ("sql01", 1433, "sqlserver")),
        ("jdbc:oracle:thin:@ora1:1522:IP", ("ora1", 1522, "oracle")),
        ("jdbc:oracle:thin:@//ora1:1523/ip.intern", ("ora1", 1523, "oracle")),
        ("jdbc:oracle:thin:@(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=ora2)(PORT=1524)))", ("ora2", 1524, "oracle")),
        ("jdbc:mariadb://maria:3307/ip", ("maria", 3307, "mariadb")),
        ("jdbc:h2:tcp://h2srv:9093/ip", ("h2srv", 9093, "h2")),
        ("jdbc:h2:file:/var/lib/ip/db", None),
    ],
)
def test_database_urls_become_endpoints(url, expected):
    assert model.database_endpoint(url) == expected


def test_broker_urls_become_endpoints():
    assert model.broker_endpoints("tcp://mq:61617") == [("mq", 61617, "tcp")]
    assert model.broker_endpoints("failover:(ssl://mq1:61617,tcp://mq2:61616)?randomize=false") == [
        ("mq1", 61617, "ssl"),
        ("mq2", 61616, "tcp"),
    ]


def test_external_database_and_queue_are_probed_like_catalogue_entries():
    s = model.normalise(
        {
            "integrasjonspunkt_external_database": True,
            "integrasjonspunkt_database_url": "jdbc:postgresql://db.intern:5432/ip",
            "integrasjonspunkt_external_queue": True,
            "integrasjonspunkt_queue_broker_url": "failover:(tcp://mq1:61616,tcp://mq2:61616)",
        }
    )
    entries = {e["name"]: e for e in model.external_endpoints(s)}
    assert set(entries) == {"database", "queue-1", "queue-2"}
    assert (entries["database"]["host"], entries["database"]["port"], entries["database"]["use_proxy"]) == (
        "db.intern",
        5432,
        False,
    )


@pytest.mark.parametrize(
    ("var", "url"),
    [
        ("integrasjonspunkt_database_url", "jdbc:db2://x:50000/ip"),
        ("integrasjonspunkt_queue_broker_url", "amqp://mq:5672"),
    ],
)
def test_unreadable_external_urls_are_refused(var, url):
    flag = "integrasjonspunkt_external_database" if "database" in var else "integrasjonspunkt_external_queue"
    with pytest.raises(model.SettingsError, match=var):
        model.normalise({flag: True, var: url})
