"""The preflight judgement: every check, its IDs, statuses, ignore semantics and isolation."""

import copy
import os

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import checks, plan, thresholds
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import settings as settings_model

GIB = 1024**3
GB = 1000**3

HEALTHY = {
    "resources": {
        "cpu": {"available": True, "online": 2, "affinity": 2, "cgroup_quota": None, "effective": 2.0},
        "memory": {
            "available": True,
            "mem_total_bytes": 4 * GIB,
            "mem_available_bytes": 3 * GIB,
            "cgroup_limit_bytes": None,
            "effective_bytes": 4 * GIB,
        },
        "disk": [
            {
                "path": path,
                "measured_path": path,
                "exists": True,
                "mount_point": "/",
                "dev": "8:1",
                "fstype": "ext4",
                "available_bytes": 50 * GB,
                "read_only": False,
                "notes": [],
            }
            for path in ("/var/lib/integrasjonspunkt", "/var/log/integrasjonspunkt", "/tmp", "/opt/integrasjonspunkt")
        ],
        "platform": {
            "available": True,
            "distribution": "Debian",
            "distribution_version": "13",
            "virtualization": {"role": "guest", "type": "kvm"},
        },
        "runtimes": {
            "available": True,
            "java": {
                "available": True,
                "best_major": 21,
                "runtimes": [
                    {
                        "path": "/usr/bin/java",
                        "real_path": "/usr/lib/jvm/java-21/bin/java",
                        "major": 21,
                        "sources": ["path"],
                    }
                ],
            },
            "container_engine": {"available": False, "reason": "no docker or podman"},
        },
    },
    "timesync": {
        "service": {"present": ["chrony"], "active": ["chrony"], "conflict": False, "name": "chrony"},
        "synchronised": True,
        "offset_seconds": -0.0004,
        "source": "chrony",
        "chrony": {"available": True, "unsync_reasons": [], "sources": [{"name": "10.0.0.123", "state": "selected"}]},
        "timezone": {"name": "Europe/Oslo", "oslo_equivalent": True, "abbreviation": "CET"},
        "probes": [
            {
                "server": "ntp1.example",
                "reachable": True,
                "offset_seconds": -0.0006,
                "delay_seconds": 0.001,
                "client": "ntplib",
            }
        ],
    },
    "connectivity": {
        "eformidling": {"name": "eformidling", "ok": True, "status": "ok", "tls": {"cert_expires_in_days": 200}},
        "ntp": {"name": "ntp", "ok": True, "status": "ok"},
    },
    "port": {"port": 9093, "readable": True, "in_use": False, "listeners": [], "holders": [], "holders_complete": True},
    # The actuator probe's answer on a host where the integrasjonspunkt does not run yet (security.actuator).
    "actuator": {"running": False, "port": 9093, "reason": "the port is free", "targets": []},
    # The one probe of integrasjonspunkt_ntp_host (the settings model's default, time.google.com).
    "ntp_probe": {"server": "time.google.com", "reachable": True, "offset_seconds": -0.0005, "delay_seconds": 0.01},
    "directories": {
        "available": True,
        "user": {"name": "integrasjonspunkt", "exists": True, "uid": 990, "gids": [990]},
        "directories": {
            role: {"path": path, "exists": True, "owner_uid": 990, "mode": "0750", "writable": True, "reason": "ok"}
            for role, path in (("data", "/var/lib/ip"), ("logs", "/var/log/ip"), ("temp", "/tmp"))
        },
    },
    "lifecycle": {"path": "/opt/integrasjonspunkt/lifecycle/blocklist.json", "entries": []},
    "endpoints": [
        {"name": "eformidling", "host": "eformidling.no", "port": 443, "protocol": "https", "ips": ["139.105.36.173"]},
        {"name": "ntp", "host": "time.google.com", "port": 123, "protocol": "udp-ntp", "severity": "warn"},
    ],
    "install_endpoints": [],
    "input_problems": [],  # the settings model found nothing (config.inputs)
    "tls_keystore": {"enabled": True, "path": ""},  # TLS on, served by the enterprise keystore (the default)
    "settings": dict(
        settings_model.normalise({"integrasjonspunkt_services": ["DPO"], "integrasjonspunkt_version": "4.0.8"}),
        retained_messages=1000000,
        java_packages={
            "Debian": {"min_version": "13", "package": "openjdk-21-jre-headless"},
            "Ubuntu": {"min_version": "22.04", "package": "openjdk-21-jre-headless"},
        },
    ),
}


def ctx(**changes):
    c = copy.deepcopy(HEALTHY)
    c["thresholds"] = thresholds.defaults()
    for path, value in changes.items():
        node = c
        keys = path.split("__")
        for k in keys[:-1]:
            node = node[int(k)] if isinstance(node, list) else node[k]
        node[keys[-1]] = value
    return c


def by_id(results):
    return {r["id"]: r for r in results}


def test_healthy_host_passes_every_check():
    results = checks.run_checks(ctx())
    bad = [r for r in results if r["status"] not in ("pass", "info")]
    assert bad == []
    ids = set(by_id(results))
    assert {"resources.cpu", "resources.memory", "resources.disk", "runtime.java", "inbound.port"} <= ids
    assert {"time.service", "time.synchronised", "time.offset", "time.probe", "time.timezone"} <= ids
    assert {"connectivity.eformidling", "connectivity.ntp"} <= ids
    assert "runtime.container_engine" not in ids  # java mode


def test_every_result_carries_the_report_fields():
    for r in checks.run_checks(ctx(resources__cpu__effective=0.5)):
        for key in ("id", "title", "status", "severity", "measured", "required", "unit", "message", "fix", "doc_url"):
            assert key in r, (r["id"], key)
        assert r["doc_url"].startswith("https://docs.digdir.no/"), r["id"]
        assert r["status"] in checks.STATUSES


@pytest.mark.parametrize(
    ("change", "check_id", "status"),
    [
        ({"resources__cpu__effective": 0.5}, "resources.cpu", "fail"),
        ({"resources__memory__effective_bytes": 1 * GIB}, "resources.memory", "fail"),
        ({"resources__memory__effective_bytes": int(1.85 * GIB)}, "resources.memory", "pass"),  # a "2 GB" VM
        ({"resources__disk__0__available_bytes": 1 * GB}, "resources.disk", "fail"),
        ({"resources__disk__0__read_only": True}, "resources.disk", "fail"),
        ({"resources__disk__0__notes": ["on tmpfs: lost at reboot"]}, "resources.disk", "warn"),
        ({"port__in_use": True}, "inbound.port", "fail"),
        ({"timesync__synchronised": False}, "time.synchronised", "fail"),
        ({"timesync__synchronised": None}, "time.synchronised", "unknown"),
        (
            {
                "ntp_probe__offset_seconds": 0.5,
                "timesync__offset_seconds": 0.5,
                "timesync__probes__0__offset_seconds": 0.5,
            },
            "time.offset",
            "warn",
        ),
        (
            {
                "ntp_probe__offset_seconds": -30.0,
                "timesync__offset_seconds": -30.0,
                "timesync__probes__0__offset_seconds": -30.0,
            },
            "time.offset",
            "fail",
        ),
        ({"timesync__timezone": {"name": "UTC", "oslo_equivalent": False}}, "time.timezone", "warn"),
        (
            {"timesync__timezone": {"name": None, "oslo_equivalent": None, "reason": "broken"}},
            "time.timezone",
            "unknown",
        ),
        ({"timesync__service": {"present": ["chrony"], "active": [], "conflict": False}}, "time.service", "fail"),
        ({"timesync__service": {"active": ["chrony", "ntpd"], "conflict": True}}, "time.service", "warn"),
        (
            {"connectivity__eformidling": {"ok": False, "status": "tcp_timeout", "message": "timed out"}},
            "connectivity.eformidling",
            "fail",
        ),
        (
            {"connectivity__eformidling": {"ok": True, "status": "ok", "tls": {"cert_expires_in_days": 3}}},
            "connectivity.eformidling",
            "warn",
        ),
        (
            # A dropped UDP 123 does not stop the start (the check runs after start-up): warn.
            {"connectivity__ntp": {"ok": False, "status": "ntp_error", "message": "timed out"}},
            "connectivity.ntp",
            "warn",
        ),
        (
            # An NTP host that does not resolve stops the start (NtpSyncChecker's constructor): fail.
            {"connectivity__ntp": {"ok": False, "status": "dns_error", "message": "no such host"}},
            "connectivity.ntp",
            "fail",
        ),
        (
            {"resources__runtimes__java": {"available": False, "best_major": None, "runtimes": []}},
            "runtime.java",
            "info",
        ),
        ({"resources__runtimes__java": {"available": True, "best_major": 17, "runtimes": []}}, "runtime.java", "info"),
    ],
)
def test_each_fault_has_its_id_and_status(change, check_id, status):
    results = by_id(checks.run_checks(ctx(**change)))
    assert results[check_id]["status"] == status, results[check_id]
    others = [r for r in results.values() if r["id"] != check_id and r["status"] not in ("pass", "info")]
    assert others == [], "a single fault must not spill into other checks"


def test_memory_failure_names_measured_required_and_fix():
    r = by_id(
        checks.run_checks(ctx(resources__memory__effective_bytes=1 * GIB, resources__memory__cgroup_limit_bytes=GIB))
    )
    mem = r["resources.memory"]
    assert (mem["measured"], mem["required"], mem["unit"]) == (1024, 2048, "MiB")
    assert "cgroup limit" in mem["message"]
    assert "MemoryMax" in mem["fix"]


def test_einnsyn_on_same_host_adds_memory():
    r = by_id(checks.run_checks(ctx(settings__einnsyn_same_host=True)))
    assert r["resources.memory"]["required"] == 3072
    r = by_id(checks.run_checks(ctx(settings__einnsyn_same_host=True, resources__memory__effective_bytes=2 * GIB)))
    assert r["resources.memory"]["status"] == "fail"


def test_disk_requirement_follows_messages_and_external_database():
    t = thresholds.defaults()
    assert checks.required_disk_gb({"retained_messages": 1000000}, t) == 2.0
    assert checks.required_disk_gb({"retained_messages": 5000000}, t) == 9.2
    assert checks.required_disk_gb({"retained_messages": 0}, t) == 2.0
    assert checks.required_disk_gb({"retained_messages": 1000000, "external_database": True}, t) == 0.6


def test_java_missing_on_debian_12_needs_temurin():
    r = by_id(
        checks.run_checks(
            ctx(
                resources__runtimes__java={"available": False, "best_major": None, "runtimes": []},
                resources__platform__distribution_version="12",
            )
        )
    )
    assert r["runtime.java"]["status"] == "warn"
    assert "Temurin" in r["runtime.java"]["message"]


def test_java_8_is_enough_for_2x():
    r = by_id(
        checks.run_checks(
            ctx(
                settings__version="2.28.6",
                resources__runtimes__java={
                    "available": True,
                    "best_major": 8,
                    "runtimes": [{"path": "/usr/bin/java", "major": 8, "sources": ["path"]}],
                },
            )
        )
    )
    assert r["runtime.java"]["status"] == "pass"
    assert r["runtime.java"]["required"] == 8


def test_docker_mode_checks_engine_and_external_storage():
    r = by_id(checks.run_checks(ctx(settings__run_mode="docker")))
    assert r["runtime.container_engine"]["status"] == "fail"
    # v4 keeps H2 and ActiveMQ on host volumes under the data directory, here on a persistent ext4
    assert r["config.docker_storage"]["status"] == "pass"
    assert "h2-data" in r["config.docker_storage"]["message"] and "ext4" in r["config.docker_storage"]["message"]
    assert "runtime.java" not in r


def _storage(**changes):
    return by_id(checks.run_checks(ctx(settings__run_mode="docker", **changes)))["config.docker_storage"]


@pytest.mark.parametrize(
    ("changes", "status", "words"),
    [
        ({"resources__disk__0__read_only": True}, "fail", "read-only"),
        ({"resources__disk__0__notes": ["on tmpfs: contents are lost at reboot"]}, "fail", "tmpfs"),
        ({"resources__disk__0__notes": ["on overlay (container layer): data is lost"]}, "fail", "overlay"),
        ({"resources__disk__0__available_bytes": None, "resources__disk__0__mount_point": None}, "unknown", "data"),
        ({"resources__disk": []}, "unknown", "not measured"),
    ],
)
def test_docker_storage_fails_when_the_host_volumes_do_not_persist(changes, status, words):
    r = _storage(**changes)
    assert r["status"] == status, r
    assert words in r["message"]


def _external(db_url=None, queue_url=None):
    values = {"integrasjonspunkt_services": ["DPO"], "integrasjonspunkt_version": "4.0.8"}
    values["integrasjonspunkt_run_mode"] = "docker"
    if db_url:
        values.update(integrasjonspunkt_external_database=True, integrasjonspunkt_database_url=db_url)
    if queue_url:
        values.update(integrasjonspunkt_external_queue=True, integrasjonspunkt_queue_broker_url=queue_url)
    c = ctx()
    c["settings"] = dict(settings_model.normalise(values), retained_messages=1000000, java_packages={})
    c["endpoints"] += settings_model.external_endpoints(c["settings"])  # as the engine selects them
    return c


def test_docker_storage_fails_when_the_external_database_or_queue_is_unreachable():
    c = _external("jdbc:postgresql://db.intern:5432/ip", "tcp://mq.intern:61616")
    c["connectivity"]["database"] = {"name": "database", "ok": True, "status": "ok"}
    c["connectivity"]["queue"] = {"name": "queue", "ok": True, "status": "ok"}
    assert by_id(checks.run_checks(c))["config.docker_storage"]["status"] == "pass"
    c["connectivity"]["queue"] = {"name": "queue", "ok": False, "status": "tcp_refused", "message": "refused"}
    r = by_id(checks.run_checks(c))["config.docker_storage"]
    assert r["status"] == "fail" and "mq.intern" in r["message"]
    del c["connectivity"]["queue"]
    assert by_id(checks.run_checks(c))["config.docker_storage"]["status"] == "unknown"
    c["errors"] = {"connectivity": {"message": "collecting connectivity failed: RuntimeError: injected"}}
    assert by_id(checks.run_checks(c))["config.docker_storage"]["status"] == "error"


def test_docker_storage_fails_for_an_h2_file_outside_the_mounted_volume():
    inside = _external("jdbc:h2:file:/workspace/h2-data/ip;MODE=PostgreSQL")
    assert by_id(checks.run_checks(inside))["config.docker_storage"]["status"] == "pass"
    for url in ("jdbc:h2:file:/opt/ip/db", "jdbc:h2:mem:ip", "jdbc:h2:./h2-data/ip"):
        r = by_id(checks.run_checks(_external(url)))["config.docker_storage"]
        assert r["status"] == "fail", (url, r)
        assert "container" in r["message"]


def _port(address="0.0.0.0", ours=True, why="runs in the systemd unit integrasjonspunkt.service", **info):
    holder = {"pid": 4242, "cmdline": "java -jar integrasjonspunkt.jar", "ours": ours, "why": why}
    port = {"port": 9093, "readable": True, "in_use": True, "holders_complete": True, "holders": [holder]}
    port["listeners"] = [{"address": address, "port": 9093, "uid": 998, "inode": 1, "pids": [4242]}]
    port.update(info)
    return port


def test_port_held_by_the_roles_unit_passes():
    r = by_id(checks.run_checks(ctx(port=_port())))["inbound.port"]
    assert (r["status"], r["measured"]) == ("pass", "held by the integrasjonspunkt")


def test_port_held_by_a_process_outside_the_unit_fails_whatever_it_answers_or_is_called():
    """The old rule passed any holder named integrasjonspunkt or answering /manage/health (issue 18)."""
    port = _port(ours=False, why="not in the systemd unit integrasjonspunkt.service", held_by_integrasjonspunkt=True)
    port["actuator"] = {"answered": True, "scheme": "http", "status": "UP"}
    r = by_id(checks.run_checks(ctx(port=port)))["inbound.port"]
    assert r["status"] == "fail" and "not in the systemd unit" in r["message"]


def test_port_holder_that_cannot_be_identified_is_unknown_with_become():
    unnamed = _port(holders=[], holders_complete=False)
    unnamed["listeners"][0]["pids"] = []
    for port in (unnamed, _port(ours=None, why="its /proc/4242/cgroup cannot be read")):
        r = by_id(checks.run_checks(ctx(port=port)))["inbound.port"]
        assert r["status"] == "unknown", r
        assert "become" in r["fix"]
    hidden_by_kernel = _port(holders=[])  # complete, yet nobody holds it: taken, by something we cannot name
    hidden_by_kernel["listeners"][0]["pids"] = []
    assert by_id(checks.run_checks(ctx(port=hidden_by_kernel)))["inbound.port"]["status"] == "fail"


def test_port_tables_that_cannot_be_read_are_unknown_not_free():
    port = {"port": 9093, "readable": False, "reason": "cannot read /proc/net/tcp: Permission denied",
            "in_use": False, "listeners": [], "holders": [], "holders_complete": True}  # fmt: skip
    r = by_id(checks.run_checks(ctx(port=port)))["inbound.port"]
    assert r["status"] == "unknown" and "Permission denied" in r["message"]
    del port["readable"]  # facts without the flag are never taken as read
    assert by_id(checks.run_checks(ctx(port=port)))["inbound.port"]["status"] == "unknown"
    # a foreign listener found in the part that could be read still fails
    partly = _port(ours=False, why="not in the unit", readable=False, reason="cannot read /proc/net/tcp6")
    assert by_id(checks.run_checks(ctx(port=partly)))["inbound.port"]["status"] == "fail"


@pytest.mark.parametrize(
    ("bind", "listener", "clash"),
    [
        ("10.0.0.5", "10.0.0.5", True),  # exactly the publish address
        ("10.0.0.5", "::ffff:10.0.0.5", True),  # the same address on a Java dual-stack socket
        ("10.0.0.5", "0.0.0.0", True),
        ("10.0.0.5", "::", True),
        ("0.0.0.0", "127.0.0.1", True),
        ("::", "::1", True),
        ("10.0.0.5", None, True),  # an address we cannot read: fail closed
        ("10.0.0.5", "127.0.0.1", False),
        ("10.0.0.5", "::ffff:127.0.0.1", False),
    ],
)
def test_docker_publish_address_clashes(bind, listener, clash):
    c = ctx(settings__run_mode="docker", settings__bind_address=bind)
    c["port"] = _port(address=listener, ours=False, why="not in the role's container")
    c["port"]["owner"] = {"mode": "docker", "container_name": "integrasjonspunkt", "published": {"containers": []}}
    r = by_id(checks.run_checks(c))["inbound.port"]
    assert r["status"] == ("fail" if clash else "pass"), r


def test_ignore_downgrades_fail_to_warn_and_keeps_reason():
    c = ctx(resources__cpu__effective=0.5)
    results = by_id(checks.run_checks(c, ignore=[{"id": "resources.cpu", "reason": "test VM"}]))
    assert results["resources.cpu"]["status"] == "warn"
    assert results["resources.cpu"]["ignored"] == "test VM"


def test_ignore_needs_reason_and_known_id():
    valid = checks.known_ids(["eformidling"], [])
    with pytest.raises(ValueError, match="needs a reason"):
        checks.run_checks(ctx(), ignore=[{"id": "resources.cpu", "reason": " "}], valid_ids=valid)
    with pytest.raises(ValueError, match=r"unknown check 'resources\.gpu'"):
        checks.run_checks(ctx(), ignore=[{"id": "resources.gpu", "reason": "x"}], valid_ids=valid)
    # an endpoint that exists in the catalogue but is not selected for this host is still a valid ID
    checks.run_checks(ctx(), ignore=[{"id": "connectivity.eformidling", "reason": "x"}], valid_ids=valid)


def test_exception_in_one_check_becomes_its_failure_only():
    c = ctx()
    c["resources"]["cpu"]["effective"] = "not-a-number"
    results = by_id(checks.run_checks(c))
    assert results["resources.cpu"]["status"] == "error"
    assert "the check itself crashed" in results["resources.cpu"]["message"]
    assert "Traceback" in results["resources.cpu"]["exception"]
    assert results["resources.memory"]["status"] == "pass"


def test_missing_facts_give_unknown_not_a_crash():
    c = ctx()
    c["resources"] = {"cpu": {"available": False, "reason": "no /proc"}}
    c["timesync"] = {}
    c["ntp_probe"] = {}
    results = by_id(checks.run_checks(c))
    assert results["resources.cpu"]["status"] == "unknown"
    assert results["resources.cpu"]["message"] == "no /proc"
    assert results["time.offset"]["status"] == "unknown"


def test_install_endpoint_failures_are_warnings():
    c = ctx()
    c["install_endpoints"] = [{"name": "github", "host": "github.com", "port": 443, "protocol": "https"}]
    c["connectivity"]["github"] = {"ok": False, "status": "tcp_timeout", "message": "timed out"}
    r = by_id(checks.run_checks(c))
    assert r["install.github"]["status"] == "warn"
    assert r["install.github"]["category"] == "install_endpoints"


def test_thresholds_override_and_reject_unknown():
    assert thresholds.merged({"cpu_min": 2})["cpu_min"] == 2.0
    with pytest.raises(ValueError, match="unknown key 'cpus'"):
        thresholds.merged({"cpus": 2})
    with pytest.raises(ValueError, match="must be a number"):
        thresholds.merged({"cpu_min": "many"})


def test_argument_spec_lists_every_threshold():
    here = os.path.dirname(os.path.abspath(__file__))
    spec_path = os.path.join(here, "..", "..", "..", "..", "roles", "preflight", "meta", "argument_specs.yml")
    with open(spec_path) as fh:
        spec = yaml.safe_load(fh)
    options = spec["argument_specs"]["main"]["options"]["preflight_thresholds"]["options"]
    assert set(options) == set(thresholds.THRESHOLDS)


facts_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(resources=facts_values, timesync=facts_values, port=facts_values)
def test_garbage_facts_never_raise(resources, timesync, port):
    c = ctx()
    c["resources"] = resources if isinstance(resources, dict) else {}
    c["timesync"] = timesync if isinstance(timesync, dict) else {}
    c["port"] = port if isinstance(port, dict) else {}
    results = checks.run_checks(c)
    assert {r["status"] for r in results} <= set(checks.STATUSES)


def test_probe_disagreeing_with_daemon_warns():
    r = by_id(checks.run_checks(ctx(timesync__probes__0__offset_seconds=2.0)))
    assert r["time.probe"]["status"] == "warn"
    assert r["time.probe"]["measured"] > 0.5


def test_offset_of_an_unsynchronised_clock_comes_from_the_probe_or_is_unknown():
    silent = {"server": "time.google.com", "reachable": False, "error": "timed out", "error_kind": "timeout"}
    r = by_id(checks.run_checks(ctx(timesync__synchronised=False, timesync__offset_seconds=0.0, ntp_probe=silent)))
    assert r["time.offset"]["status"] == "unknown"  # without the NTP host, a small offset is never a pass
    assert "direct probe of ntp1.example" in r["time.offset"]["message"]  # the probe, not the daemon's stale zero
    far = dict(silent)
    r = by_id(
        checks.run_checks(
            ctx(
                timesync__synchronised=False,
                timesync__offset_seconds=0.0,
                timesync__probes__0__offset_seconds=-30.0,
                ntp_probe=far,
            )
        )
    )
    assert (r["time.offset"]["status"], r["time.offset"]["measured"]) == ("fail", -30.0)
    r = by_id(
        checks.run_checks(
            ctx(timesync__synchronised=False, timesync__offset_seconds=0.0, timesync__probes=[], ntp_probe=silent)
        )
    )
    assert r["time.offset"]["status"] == "unknown"


def test_install_endpoints_link_to_the_download_page():
    c = ctx()
    c["install_endpoints"] = [{"name": "github", "host": "github.com", "port": 443, "protocol": "https"}]
    c["connectivity"]["github"] = {"ok": True, "status": "ok"}
    assert by_id(checks.run_checks(c))["install.github"]["doc_url"].endswith("/last_ned")


# The install role's own table (the single source the role, preflight and install_plan pass to java_package).
ROLE_VARS = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "roles", "integrasjonspunkt", "vars", "main.yml"
)


def role_java_packages():
    """The one table the install role installs from (through install_plan) and preflight judges with."""
    with open(ROLE_VARS) as fh:
        role_vars = yaml.safe_load(fh)
    # No copy in the role: a second table could drift from the one the plan uses.
    assert not [k for k in role_vars if "java_distribution_packages" in k]
    return plan.JAVA_DISTRIBUTION_PACKAGES


def test_java_package_follows_the_install_role_table():
    table = role_java_packages()
    assert {"Debian", "Ubuntu", "RedHat"} <= set(table)
    for distribution, entry in table.items():  # from its minimum release on, that release's Java 21 package
        assert checks.java_package(distribution, entry["min_version"], table) == entry["package"], distribution
        major = int(entry["min_version"].split(".", maxsplit=1)[0])
        assert checks.java_package(distribution, "%d.99" % (major - 1), table) is None, distribution
        assert "21" in entry["package"], entry
    assert checks.java_package("Debian", "13.1", table) == "openjdk-21-jre-headless"
    assert checks.java_package("Debian", "12.11", table) is None
    assert checks.java_package("Ubuntu", "24.04", table) == "openjdk-21-jre-headless"
    assert checks.java_package("Ubuntu", "20.04", table) is None
    assert checks.java_package("Gentoo", "1", table) is None
    assert checks.java_package("Debian", None, table) is None


# config.api_security ------------------------------------------------------------------------


def test_api_security_passes_with_the_upstream_defaults():
    r = by_id(checks.run_checks(ctx()))["config.api_security"]
    assert r["status"] == "pass", r
    assert r["measured"] == "TLS on, basic auth on"
    assert r["doc_url"] == checks.DOCS["api_security"]


@pytest.mark.parametrize(
    ("ssl", "auth", "measured", "named", "not_named"),
    [
        (False, True, "TLS off, basic auth on", "integrasjonspunkt_ssl_enabled", "integrasjonspunkt_auth_enabled"),
        (True, False, "TLS on, basic auth off", "integrasjonspunkt_auth_enabled", "integrasjonspunkt_ssl_enabled"),
        (False, False, "TLS off, basic auth off", "integrasjonspunkt_ssl_enabled", None),
    ],
)
def test_api_security_warns_for_each_weakening(ssl, auth, measured, named, not_named):
    results = by_id(checks.run_checks(ctx(settings__ssl_enabled=ssl, settings__auth_enabled=auth)))
    r = results["config.api_security"]
    assert (r["status"], r["severity"], r["measured"]) == ("warn", "warn", measured), r
    assert named in r["message"] and named in r["fix"]
    assert "SecureDefaultsLogger" in r["message"]
    assert "preflight_ignore" in r["fix"] and "config.api_security" in r["fix"]
    if not_named:
        assert not_named not in r["message"] and not_named not in r["fix"]
    else:
        assert "integrasjonspunkt_auth_enabled" in r["message"] and "integrasjonspunkt_auth_password" in r["fix"]
    others = [x for x in results.values() if x["id"] != "config.api_security" and x["status"] not in ("pass", "info")]
    assert others == [], "a single weakening must not spill into other checks"


def test_api_security_settings_come_from_the_one_model():
    s = settings_model.normalise({"integrasjonspunkt_ssl_enabled": "false", "integrasjonspunkt_auth_enabled": "yes"})
    c = ctx()
    c["settings"].update(ssl_enabled=s["ssl_enabled"], auth_enabled=s["auth_enabled"])
    assert by_id(checks.run_checks(c))["config.api_security"]["measured"] == "TLS off, basic auth on"


def test_api_security_waiver_keeps_the_warning_with_its_reason():
    reason = "the API listens on loopback only and the archive system cannot do TLS"
    r = by_id(
        checks.run_checks(
            ctx(settings__ssl_enabled=False),
            ignore=[{"id": "config.api_security", "reason": reason}],
            valid_ids=checks.known_ids(),
        )
    )["config.api_security"]
    assert (r["status"], r["ignored"]) == ("warn", reason)


@pytest.mark.parametrize(
    "broken",
    [
        {"settings__ssl_enabled": "false"},  # not normalised: a string would read as true
        {"settings__auth_enabled": None},
    ],
)
def test_api_security_with_malformed_settings_is_an_error_not_a_pass(broken):
    r = by_id(checks.run_checks(ctx(**broken)))["config.api_security"]
    assert r["status"] == "error", r
    assert "the check itself crashed" in r["message"] and "not a boolean" in r["message"]


def test_api_security_without_the_settings_is_an_error(monkeypatch):
    c = ctx()
    del c["settings"]["auth_enabled"]
    r = by_id(checks.run_checks(c))["config.api_security"]
    assert r["status"] == "error" and "KeyError" in r["message"], r

    def crash(self, ctx):
        raise RuntimeError("injected")

    monkeypatch.setattr(checks.ApiSecurityCheck, "evaluate", crash)
    r = by_id(checks.run_checks(ctx()))["config.api_security"]
    assert r["status"] == "error" and "injected" in r["message"]


# The NTP host's probe, crashed or unanswered, never passes (issue 18) ----------------------------

NTP_HOST = "time.google.com"  # the settings model's default integrasjonspunkt_ntp_host
CRASH = {"message": "collecting ntp_probe failed: RuntimeError: injected", "exception": "Traceback: injected"}


def test_a_crashed_ntp_host_probe_is_error_for_time_offset_and_time_probe():
    c = ctx()
    c["errors"] = {"ntp_probe": CRASH}
    c["ntp_probe"] = {}
    r = by_id(checks.run_checks(c))
    for cid in ("time.offset", "time.probe"):
        assert r[cid]["status"] == "error", (cid, r[cid])
        assert NTP_HOST in r[cid]["message"] and "injected" in r[cid]["message"]
    assert "(none set)" not in r["time.offset"]["message"]
    only = checks.run_checks(c, only=["time.*"])
    assert {"time.offset", "time.probe"} <= set(checks.failing_ids(only))


def test_an_ntp_host_probe_that_failed_in_our_code_is_error():
    c = ctx()
    c["ntp_probe"] = {"server": NTP_HOST, "reachable": False, "error": "probe failed: boom", "error_kind": "error"}
    c["timesync"]["probes"].append(dict(c["ntp_probe"]))
    r = by_id(checks.run_checks(c))
    assert r["time.offset"]["status"] == "error"
    assert r["time.probe"]["status"] == "error"


def test_an_ntp_host_that_does_not_answer_makes_time_offset_unknown_naming_it():
    c = ctx()
    c["ntp_probe"] = {"server": NTP_HOST, "reachable": False, "resolved": True, "error": "timed out",
                      "error_kind": "timeout"}  # fmt: skip
    c["timesync"]["probes"].append(dict(c["ntp_probe"]))
    r = by_id(checks.run_checks(c))
    assert r["time.offset"]["status"] == "unknown", r["time.offset"]
    assert NTP_HOST in r["time.offset"]["message"] and "timed out" in r["time.offset"]["message"]
    assert "(none set)" not in r["time.offset"]["message"]
    assert r["time.probe"]["status"] not in ("pass", "info")
    # A daemon that already measures a bad offset still fails: a missing NTP host never hides it.
    c["timesync"]["offset_seconds"] = -30.0
    assert by_id(checks.run_checks(c))["time.offset"]["status"] == "fail"


def test_time_source_that_cannot_be_read_is_unknown_not_info():
    c = ctx()
    c["timesync"]["chrony"]["sources"] = []
    c["timesync"]["ntp_servers_configured"] = []
    r = by_id(checks.run_checks(c))["time.source"]
    assert r["status"] == "unknown", r
    assert r["fix"]


# A crash inside any check touched for issue 18 is `error`, never a pass ------------------------------


@pytest.mark.parametrize(
    ("check_id", "target", "changes"),
    [
        ("inbound.port", "inbound_checks.addresses_clash", {"port": {"port": 9093, "readable": True, "in_use": True,
                                                                     "listeners": [{"address": "0.0.0.0", "pids": []}],
                                                                     "holders": [], "holders_complete": True}}),
        ("time.offset", "time_checks.ntp_probe_crash", {}),
        ("time.probe", "time_checks.ntp_probe_crash", {}),
        ("time.source", "time_checks.public_source", {}),
        ("config.docker_storage", "config_checks._volume_finding", {"settings__run_mode": "docker"}),
        ("connectivity.ntp", "connectivity_checks.ctx_env_doc", {}),
    ],
)  # fmt: skip
def test_an_exception_inside_a_touched_check_is_error(monkeypatch, check_id, target, changes):
    c = ctx(**{k: v for k, v in changes.items() if "__" in k})
    c.update({k: v for k, v in changes.items() if "__" not in k})

    def boom(*_args, **_kwargs):
        raise RuntimeError("injected into %s" % check_id)

    if check_id == "connectivity.ntp":  # the endpoint check reads its result; make reading it crash
        c["connectivity"]["ntp"] = {"ok": False, "status": "ntp_error", "proxy": "not-a-dict"}
    else:
        # The family module whose check calls it (plugin_utils/<family>_checks.py).
        monkeypatch.setattr("ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils." + target, boom)
    r = by_id(checks.run_checks(c))[check_id]
    assert r["status"] == "error", r
    assert "crashed" in r["message"]


def test_an_exception_inside_the_memory_check_is_error():
    r = by_id(checks.run_checks(ctx(resources__memory__effective_bytes="garbled")))["resources.memory"]
    assert r["status"] == "error" and "crashed" in r["message"]


# Proxy errors: one fix per cause, said once when it does not depend on the endpoint -----------------

PROXY = "http://proxy.intern.example:3128"
SEVEN = ["platform.altinn.no", "maskinporten.no", "eformidling.no", "a.example", "b.example", "c.example", "d.ex"]


def _proxied(error=None, connect_status=None, http=None):
    result = {"ok": False, "status": "proxy_error", "message": "proxy %s: %s" % (PROXY, error)}
    result["proxy"] = {"used": True, "url": PROXY, "error": error, "connect_status": connect_status}
    if http is not None:
        result["http"] = http
    return result


def _proxy_ctx(result):
    endpoints = [{"name": "e%d" % i, "host": h, "port": 443, "protocol": "https"} for i, h in enumerate(SEVEN)]
    return ctx(endpoints=endpoints, connectivity={e["name"]: copy.deepcopy(result) for e in endpoints})


def _endpoint_results(c):
    return [r for r in checks.run_checks(c) if r["id"].startswith("connectivity.e")]


@pytest.mark.parametrize(
    ("error", "connect_status", "http", "says", "names_endpoint"),
    [
        ("cannot resolve the proxy host: [Errno -2] Name or service not known", None, None, "does not resolve", False),
        ("cannot connect to the proxy: connection refused", None, None, "cannot open TCP to the proxy", False),
        (
            "unsupported proxy scheme 'socks5': only http:// proxies (CONNECT) are supported",
            None,
            None,
            "http://",
            False,
        ),
        (
            "CONNECT x:443 refused: HTTP/1.1 407 Proxy Authentication Required",
            "HTTP/1.1 407 Proxy Authentication Required",
            None,
            "wants credentials",
            False,
        ),
        ("CONNECT x:443: no valid HTTP answer from the proxy", None, None, "no valid HTTP answer to CONNECT", False),
        ("CONNECT x:443 refused: HTTP/1.1 403 Forbidden", "HTTP/1.1 403 Forbidden", None, "refused", True),
        ("CONNECT x:443 refused: HTTP/1.1 502 Bad Gateway", "HTTP/1.1 502 Bad Gateway", None, "could not reach", True),
        (None, None, {"from_proxy": True, "status_code": 407, "error": "the proxy answered 407"}, "credentials", False),
    ],
)
def test_each_proxy_cause_has_its_own_fix(error, connect_status, http, says, names_endpoint):
    results = _endpoint_results(_proxy_ctx(_proxied(error, connect_status, http)))
    assert len(results) == 7 and all(r["status"] == "fail" for r in results)
    fixes = {r["fix"] for r in results}
    for r in results:
        assert says in r["fix"], r["fix"]
    if names_endpoint:
        assert len(fixes) == 7  # a refusal of one destination is that destination's fix
    else:
        assert len(fixes) == 1 and "platform.altinn.no" not in fixes.pop()  # said once in the report
        assert all(r["cause"] for r in results)
    if "refused" not in says:
        assert not any("refused platform.altinn.no" in r["fix"] for r in results)


def test_the_proxy_errors_matched_are_the_ones_the_probe_writes():
    import pathlib  # noqa: PLC0415

    module_utils = pathlib.Path(checks.__file__).parent.parent / "module_utils"
    source = "".join(p.read_text(encoding="utf-8") for p in module_utils.glob("*.py"))
    for prefixes, _cause, _fix in checks.PROXY_CAUSES:
        for prefix in prefixes:
            assert prefix in source, prefix
    assert "no valid HTTP answer from the proxy" in source and "refused: %s" in source


def test_a_proxy_whose_name_does_not_resolve_is_said_once_in_the_summary():
    from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import report  # noqa: PLC0415

    results = checks.run_checks(_proxy_ctx(_proxied("cannot resolve the proxy host: Name or service not known")))
    record = {"results": results, "settings": {}, "failed_ids": checks.failing_ids(results)}
    text = "\n".join(report.summary_lines({"h": record}))
    assert text.count("does not resolve on this host") == 2  # the group's title (the cause) and its one fix
    assert "refused" not in text


# Words that claim a measurement, fixes that fit the host ------------------------------------------


def test_api_security_pass_says_it_judged_the_settings_not_the_running_api():
    r = by_id(checks.run_checks(ctx()))["config.api_security"]
    assert r["status"] == "pass"
    assert "judged from the settings, not measured" in r["message"]
    assert not r["message"].startswith("the API answers")


@pytest.mark.parametrize("synchronised", [False, None])
def test_time_synchronised_with_no_time_daemon_says_to_run_one(synchronised):
    c = ctx(
        timesync__service={"present": [], "active": [], "conflict": False, "name": None},
        timesync__synchronised=synchronised,
        timesync__source="kernel",
        timesync__kernel={"synchronised": synchronised, "unsync_reasons": ["kernel reports not synchronised"]},
    )
    r = by_id(checks.run_checks(c))["time.synchronised"]
    assert r["status"] in ("fail", "unknown")
    assert "No time daemon runs" in r["fix"] and "prepare_time_sync" in r["fix"]
    assert "Point chrony" not in r["fix"] and "chronyc, ntpq" not in r["fix"]


def test_time_synchronised_with_a_daemon_still_says_to_point_it_at_a_source():
    c = ctx(timesync__synchronised=False, timesync__chrony={"available": True, "unsync_reasons": ["no * source"]})
    r = by_id(checks.run_checks(c))["time.synchronised"]
    assert r["status"] == "fail" and "Point chrony at a reachable NTP source" in r["fix"]


def test_time_synchronised_in_a_container_without_a_daemon_points_at_the_containers_host():
    c = ctx(
        resources__platform__virtualization={"role": "container", "type": "docker"},
        timesync__service={"present": ["chrony"], "active": [], "conflict": False, "name": None},
        timesync__synchronised=False,
        timesync__source="kernel",
        timesync__kernel={"synchronised": False, "unsync_reasons": ["kernel status has STA_UNSYNC set"]},
    )
    r = by_id(checks.run_checks(c))["time.synchronised"]
    assert r["status"] == "fail"
    assert "synchronise the container's host" in r["fix"] and "Point chrony" not in r["fix"]
