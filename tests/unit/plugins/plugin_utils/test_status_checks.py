"""The status.* checks, one at a time: a healthy host passes, each finding is seen, and every fact that could not
be gathered or read is `error` or `unknown`, never `pass` (fail closed)."""

import datetime

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import checks, thresholds
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import status_checks as sc
from tests.helpers import seid_test_ca as ca

NOW = datetime.datetime(2026, 12, 7, 1, 0, tzinfo=datetime.timezone.utc)
PASSWORD = "Pw-status-keystore"
from tests.unit.plugins.plugin_utils.test_actuator_checks import running

IDS = [
    "status.running",
    "status.health",
    "status.restarts",
    "status.version",
    "status.blocklist",
    "status.certificate",
    "status.clock",
    "status.disk",
    "status.memory",
    "status.log_errors",
    "status.queue",
    "security.actuator",
]
HEALTH = {
    "status": "UP",
    "components": {
        "db": {"status": "UP"},
        "diskSpace": {"status": "UP"},
        "jms": {"status": "UP"},
        "nextMoveQueue": {"status": "UP", "details": {"outgoing": 3, "incoming": 0}},
    },
}


@pytest.fixture(scope="module")
def keystore_bytes():
    root = ca.make_root()
    inter = ca.make_intermediate(root)
    key, cert = ca.make_leaf(inter, not_after=NOW + datetime.timedelta(days=200))
    return ca.p12(key, cert, PASSWORD)


def healthy(keystore_bytes=None):
    """The ctx of a healthy Java-mode host."""
    return {
        "settings": {"environment": "production", "services": ["DPO"], "run_mode": "java", "ntp_host": "ntp.test"},
        "thresholds": thresholds.defaults(),
        "now": NOW,
        "errors": {},
        "service": {
            "available": True,
            "mode": "java",
            "unit": "integrasjonspunkt.service",
            "running": True,
            "active": "active",
            "sub": "running",
            "since": "Sun 2026-12-06 10:00:00 UTC",
            "restarts": 0,
            "pid": 4242,
        },
        "health": {"url": "https://127.0.0.1:9093/manage/health", "http_status": 200, "body": HEALTH},
        "version": {"available": True, "version": "4.0.8", "source": "link"},
        "releases": {
            "available": True,
            "releases": [
                {"tag_name": "v4.0.8"},
                {"tag_name": "v4.0.7"},
                {"tag_name": "v5.0.0-rc1", "prerelease": True},
            ],
        },
        "blocklist": {"available": True, "present": False, "entries": []},
        # security.actuator: the role's unit holds the port; health answers, every dangerous endpoint is 404.
        "actuator": running({"health": 200}),
        "keystore_read": {
            "available": keystore_bytes is not None,
            "reason": "not given",
            "path": "/opt/integrasjonspunkt/keystore.p12",
            "type": "PKCS12",
            "alias": "virksomhet",
            "password": PASSWORD,
            "data": keystore_bytes,
        },
        "ntp_probe": {"offset_seconds": 0.004, "reachable": True},
        "disk": {
            "available": True,
            "path": "/var/lib/integrasjonspunkt",
            "free_bytes": 50 * 10**9,
            "data_bytes": 10**8,
        },
        "memory": {"available": True, "rss_bytes": 1500 * 2**20, "heap_limit_bytes": 1536 * 2**20},
        "log": {"available": True, "total": 0, "groups": [], "since": "2026-12-06T01:00:00+00:00", "path": "/x"},
        "previous": None,
        "dated_facts": [],
    }


def one(ctx, check_id):
    [result] = checks.run_checks(ctx, only=[check_id], classes=sc.STATUS_CHECKS)
    return result


def test_the_registry_has_every_fixed_id_once():
    assert [c.id for c in sc.STATUS_CHECKS] == IDS


def test_a_healthy_host_passes_every_check_but_the_queue_without_a_previous_report(keystore_bytes):
    results = {r["id"]: r for r in checks.run_checks(healthy(keystore_bytes), classes=sc.STATUS_CHECKS)}
    assert sorted(results) == sorted(IDS)
    assert {i: r["status"] for i, r in results.items() if r["status"] != "pass"} == {"status.queue": "info"}
    assert results["status.certificate"]["value"] == pytest.approx(200, abs=1)
    assert results["status.clock"]["value"] == 0.004
    assert results["status.disk"]["value"] == 50 * 10**9
    assert results["status.queue"]["value"] == 3
    assert results["status.restarts"]["value"] == 0


@pytest.mark.parametrize("check_id", IDS)
def test_every_check_is_error_when_its_collector_failed(check_id, keystore_bytes):
    ctx = healthy(keystore_bytes)
    needs = next(c for c in sc.STATUS_CHECKS if c.id == check_id).needs
    ctx["errors"] = {needs[0]: {"message": "collecting %s did not finish within the 7.0 s budget" % needs[0]}}
    result = one(ctx, check_id)
    assert result["status"] == "error"
    assert "could not be gathered" in result["message"]


@pytest.mark.parametrize("check_id", IDS)
def test_every_check_is_error_when_it_crashes(check_id, keystore_bytes):
    ctx = healthy(keystore_bytes)
    ctx["thresholds"] = None  # a check that reads it crashes; the others get broken sections below
    for name in (
        "service", "health", "version", "blocklist", "disk", "memory", "log", "ntp_probe", "keystore_read", "actuator",
    ):  # fmt: skip
        ctx[name] = 42
    # security.actuator reads a broken answer as no probe result: unknown (no verdict), never a pass.
    assert one(ctx, check_id)["status"] == ("unknown" if check_id == "security.actuator" else "error")


@pytest.mark.parametrize(
    ("check_id", "section"),
    [
        ("status.running", "service"),
        ("status.restarts", "service"),
        ("status.version", "version"),
        ("status.blocklist", "blocklist"),
        ("status.certificate", "keystore_read"),
        ("status.disk", "disk"),
        ("status.memory", "memory"),
        ("status.log_errors", "log"),
    ],
)
def test_an_unreadable_fact_is_unknown_and_names_the_become_fix(check_id, section, keystore_bytes):
    ctx = healthy(keystore_bytes)
    ctx[section] = {"available": False, "reason": "cannot read it: Permission denied", "permission": True}
    result = one(ctx, check_id)
    assert result["status"] == "unknown"
    assert "Permission denied" in result["message"]
    assert "status_become" in result["fix"]


def test_a_stopped_service_fails_running():
    ctx = healthy()
    ctx["service"].update(running=False, active="inactive", sub="dead", pid=None)
    result = one(ctx, "status.running")
    assert (result["status"], result["value"]) == ("fail", 0)
    assert "systemctl start" in result["fix"]


def test_a_missing_container_fails_running():
    ctx = healthy()
    ctx["service"] = {"available": True, "mode": "docker", "exists": False, "running": False, "container": "ip"}
    assert one(ctx, "status.running")["status"] == "fail"


@pytest.mark.parametrize(
    "health",
    [
        {"http_status": None, "body": None, "reason": "ConnectionRefusedError"},
        {"http_status": 503, "body": {"status": "DOWN", "components": {"db": {"status": "DOWN"}}}},
        {"http_status": 200, "body": dict(HEALTH, components=dict(HEALTH["components"], jms={"status": "DOWN"}))},
        {"http_status": 200, "body": "not json"},
    ],
)
def test_health_fails_when_down_or_silent(health):
    ctx = healthy()
    ctx["health"] = dict(health, url="u")
    assert one(ctx, "status.health")["status"] == "fail"


def test_restarts_in_the_last_day_warn_and_old_ones_pass():
    ctx = healthy()
    ctx["service"].update(restarts=2, since="Mon 2026-12-07 00:30:00 UTC")
    assert (one(ctx, "status.restarts")["status"], one(ctx, "status.restarts")["value"]) == ("warn", 2)
    ctx["service"]["since"] = "Sun 2026-12-01 00:30:00 UTC"
    assert one(ctx, "status.restarts")["status"] == "pass"
    ctx["service"]["since"] = "garbage"
    assert one(ctx, "status.restarts")["status"] == "unknown"


def test_restarts_say_what_is_counted_since_the_last_start_by_hand():
    """NRestarts / RestartCount count automatic restarts since the last start by hand, not per day: the message
    and the value say so (the value is that count, also when the latest restart is older than a day)."""
    ctx = healthy()
    ctx["service"].update(restarts=3, since="Sun 2026-12-01 00:30:00 UTC", restarts_source="systemd NRestarts")
    old = one(ctx, "status.restarts")
    assert (old["status"], old["value"]) == ("pass", 3)
    assert "3 automatic restart(s) since it was last started by hand (systemd NRestarts)" in old["message"]
    assert "more than a day ago" in old["message"]
    assert old["required"] == "no automatic restart in the last day"
    ctx["service"].update(since="Mon 2026-12-07 00:30:00 UTC")
    recent = one(ctx, "status.restarts")
    assert "since it was last started by hand" in recent["message"] and "within the last day" in recent["message"]
    ctx["service"].update(restarts=0)
    assert one(ctx, "status.restarts")["message"].endswith("none since")


def test_docker_started_at_is_read():
    assert sc.parse_since("2026-12-07T00:30:00.123456789Z") == datetime.datetime(
        2026, 12, 7, 0, 30, 0, 123456, tzinfo=datetime.timezone.utc
    )
    assert sc.parse_since("0001-01-01T00:00:00Z") is None


def test_version_warns_when_a_newer_release_of_its_major_exists_and_never_passes_unknown():
    ctx = healthy()
    ctx["version"]["version"] = "4.0.7"
    result = one(ctx, "status.version")
    assert (result["status"], result["required"]) == ("warn", "4.0.8")
    ctx["releases"] = {"available": False, "reason": "URLError: timed out"}
    assert one(ctx, "status.version")["status"] == "unknown"
    ctx["releases"] = None  # the offline option
    assert one(ctx, "status.version")["status"] == "info"
    ctx["releases"] = {"available": True, "releases": []}
    ctx["errors"] = {"releases": {"message": "collecting releases failed"}}
    assert one(ctx, "status.version")["status"] == "unknown"


def test_version_skips_a_blocklisted_newer_release():
    ctx = healthy()
    ctx["version"]["version"] = "4.0.7"
    ctx["blocklist"]["entries"] = [
        {"version": "4.0.8", "blocked_at": "2026-12-01T00:00:00Z", "until": None, "reason": "r", "log_tail": ""}
    ]
    assert one(ctx, "status.version")["status"] == "pass"


def test_version_fails_on_a_dated_minimum_in_force():
    ctx = healthy()
    ctx["version"]["version"] = "4.0.4"
    ctx["settings"]["services"] = ["DPI"]
    ctx["dated_facts"] = None  # the collection's data/dated_facts.yml: dpi_orbyt_cutover (<4.0.5 since 2026-05-19)
    result = one(ctx, "status.version")
    assert result["status"] == "fail"
    assert "dpi_orbyt_cutover" in result["message"]


def test_blocklisted_running_version_fails():
    ctx = healthy()
    ctx["blocklist"]["entries"] = [
        {"version": "4.0.8", "blocked_at": "2026-12-01T00:00:00Z", "until": None, "reason": "crashed", "log_tail": ""}
    ]
    assert one(ctx, "status.blocklist")["status"] == "fail"
    ctx["blocklist"]["entries"][0]["until"] = "2026-12-02T00:00:00Z"  # expired
    assert one(ctx, "status.blocklist")["status"] == "pass"


def test_certificate_days_left_warn_and_expired_fail():
    root = ca.make_root()
    inter = ca.make_intermediate(root)
    key, cert = ca.make_leaf(inter, not_after=NOW + datetime.timedelta(days=10))
    ctx = healthy(ca.p12(key, cert, PASSWORD))
    result = one(ctx, "status.certificate")
    assert result["status"] == "warn"
    assert sc.RENEWAL_PLAYBOOK in result["fix"]
    assert PASSWORD not in str(result)
    ctx = healthy(ca.p12(key, cert, PASSWORD))
    ctx["now"] = NOW + datetime.timedelta(days=11)
    assert one(ctx, "status.certificate")["status"] == "fail"


def test_certificate_with_a_wrong_password_is_unknown(keystore_bytes):
    ctx = healthy(keystore_bytes)
    ctx["keystore_read"]["password"] = "wrong-password"
    result = one(ctx, "status.certificate")
    assert result["status"] == "unknown"
    assert "wrong-password" not in str(result)


@pytest.mark.parametrize(("offset", "status"), [(0.05, "pass"), (-0.3, "warn"), (6.0, "fail")])
def test_clock_offset(offset, status):
    ctx = healthy()
    ctx["ntp_probe"] = {"offset_seconds": offset}
    result = one(ctx, "status.clock")
    assert (result["status"], result["value"]) == (status, offset)


def test_clock_without_a_reply_is_unknown_and_a_probe_crash_is_error():
    ctx = healthy()
    ctx["ntp_probe"] = {"offset_seconds": None, "error": "timed out", "error_kind": "timeout"}
    assert one(ctx, "status.clock")["status"] == "unknown"
    ctx["ntp_probe"] = {"offset_seconds": None, "error": "boom", "error_kind": "error"}
    assert one(ctx, "status.clock")["status"] == "error"


def test_disk_below_the_minimum_fails_and_fast_growth_warns():
    ctx = healthy()
    ctx["disk"]["free_bytes"] = 10**9
    assert one(ctx, "status.disk")["status"] == "fail"
    ctx = healthy()
    ctx["disk"].update(free_bytes=5 * 10**9, data_bytes=4 * 10**9)
    ctx["previous"] = {
        "generated_at": (NOW - datetime.timedelta(days=1)).isoformat(),
        "results": {"status.disk": {"id": "status.disk", "value": 6 * 10**9, "data_bytes": 3 * 10**9}},
    }
    result = one(ctx, "status.disk")
    assert result["status"] == "warn"
    assert "full in about 5 days" in result["message"]


def test_memory_ratio_and_unknown_without_a_limit():
    ctx = healthy()
    ctx["memory"]["rss_bytes"] = 3000 * 2**20
    result = one(ctx, "status.memory")
    assert result["status"] == "warn"
    assert result["value"] == pytest.approx(1.953, abs=0.001)
    ctx["memory"]["heap_limit_bytes"] = None
    assert one(ctx, "status.memory")["status"] == "unknown"
    ctx["memory"]["container_limit_bytes"] = 3072 * 2**20
    assert one(ctx, "status.memory")["status"] == "pass"


def test_log_errors_warn_with_the_count_by_logger():
    ctx = healthy()
    ctx["log"].update(
        total=3, groups=[{"logger": "n.d.m.Sender", "fingerprint": "abc123", "count": 3, "exception": None}]
    )
    result = one(ctx, "status.log_errors")
    assert (result["status"], result["value"]) == ("warn", 3)
    assert "n.d.m.Sender x3" in result["message"]


def test_queue_growth_against_the_previous_report():
    ctx = healthy()
    ctx["previous"] = {"generated_at": None, "results": {"status.queue": {"value": 1}}}
    assert one(ctx, "status.queue")["status"] == "warn"
    ctx["previous"]["results"]["status.queue"]["value"] = 3
    assert one(ctx, "status.queue")["status"] == "pass"
    ctx["health"]["body"] = {"status": "UP", "components": {}}
    assert one(ctx, "status.queue")["status"] == "unknown"


def test_a_waiver_downgrades_a_failing_status_check_and_strict_fails_warnings():
    ctx = healthy()
    ctx["service"].update(running=False, active="failed")
    waiver = [{"id": "status.running", "reason": "maintenance window"}]
    results = checks.run_checks(ctx, waiver, {c.id for c in sc.STATUS_CHECKS}, classes=sc.STATUS_CHECKS)
    running = next(r for r in results if r["id"] == "status.running")
    assert (running["status"], running["ignored"]) == ("warn", "maintenance window")
    assert "status.running" in checks.failing_ids(results, strict=True)
    assert "status.running" not in checks.failing_ids(results)
