"""The engine's judgement: fail closed, thresholds that act, waivers, selection and the disk sum."""

import datetime

import pytest
import yaml

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import (
    catalogue,
    certificates,
    checks,
    thresholds,
)
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import settings as settings_model
from tests.helpers import seid_test_ca as ca

from .test_checks import GB, GIB, by_id, ctx

ALL_CHECK_CLASSES = [*checks.registry(), checks.EndpointCheck]


def _boom(self, context):
    raise RuntimeError("injected fault")


@pytest.mark.parametrize("cls", ALL_CHECK_CLASSES, ids=lambda c: c.__name__)
def test_a_check_that_raises_is_error_never_pass_or_fail(monkeypatch, cls):
    monkeypatch.setattr(cls, "evaluate", _boom)
    context = (
        ctx(settings__run_mode="docker")
        if cls in (checks.ContainerEngineCheck, checks.ContainerDnsCheck, checks.DockerStorageCheck)
        else ctx()
    )
    results = checks.run_checks(context)
    hit = [r for r in results if r["status"] == "error"]
    assert hit, "the injected fault must show as error"
    for r in hit:
        assert "injected fault" in r["message"]
        assert "RuntimeError: injected fault" in r["exception"]
        assert r["fix"]
    # Every result of that class is an error: none of them pass with the fault in place.
    if cls is checks.EndpointCheck:
        assert {r["status"] for r in results if r["category"] == "connectivity"} == {"error"}
    else:
        assert by_id(results)[cls.id]["status"] == "error"
        assert len(hit) == 1


def test_every_check_raising_leaves_no_pass(monkeypatch):
    for cls in ALL_CHECK_CLASSES:
        monkeypatch.setattr(cls, "evaluate", _boom)
    for context in (ctx(), ctx(settings__run_mode="docker")):
        statuses = {r["status"] for r in checks.run_checks(context)}
        assert statuses == {"error"}


def test_a_broken_applies_does_not_hide_the_check(monkeypatch):
    def broken(self, context):
        raise KeyError("run_mode")

    monkeypatch.setattr(checks.JavaCheck, "applies", broken)
    monkeypatch.setattr(checks.JavaCheck, "evaluate", _boom)
    assert by_id(checks.run_checks(ctx()))["runtime.java"]["status"] == "error"


def test_an_invalid_status_from_a_check_is_error(monkeypatch):
    monkeypatch.setattr(checks.CpuCheck, "evaluate", lambda self, c: checks.outcome("ok"))
    assert by_id(checks.run_checks(ctx()))["resources.cpu"]["status"] == "error"


@pytest.mark.parametrize(
    ("section", "ids"),
    [
        ("resources", ["resources.cpu", "resources.memory", "resources.disk", "runtime.java"]),
        (
            "timesync",
            ["time.service", "time.synchronised", "time.offset", "time.probe", "time.source", "time.timezone"],
        ),
        ("port", ["inbound.port"]),
        ("connectivity", ["connectivity.eformidling", "connectivity.ntp"]),
    ],
)
def test_a_section_that_could_not_be_gathered_makes_its_checks_error(section, ids):
    c = ctx()
    c["errors"] = {section: {"message": "collecting %s did not finish within the 17.0 s budget" % section}}
    results = by_id(checks.run_checks(c))
    for cid in ids:
        assert results[cid]["status"] == "error", cid
        assert "budget" in results[cid]["message"]
    others = [r for r in results.values() if r["id"] not in ids and r["status"] not in ("pass", "info")]
    assert others == []


@pytest.mark.parametrize("status", ["error", "something-new", None])
def test_an_endpoint_whose_probe_crashed_is_error(status):
    c = ctx()
    c["connectivity"]["eformidling"] = {
        "name": "eformidling",
        "ok": False,
        "status": status,
        "message": "internal error in the TLS step: ValueError: boom",
        "exception": "Traceback ... ValueError: boom",
    }
    r = by_id(checks.run_checks(c))["connectivity.eformidling"]
    assert r["status"] == "error"
    assert "boom" in r["message"]


def test_a_probe_that_says_ok_without_ok_flag_is_not_a_pass():
    c = ctx()
    c["connectivity"]["eformidling"] = {"name": "eformidling", "status": "ok"}
    assert by_id(checks.run_checks(c))["connectivity.eformidling"]["status"] != "pass"


def test_gather_error_result_is_one_error():
    r = checks.gather_error_result("Python 3.6.15 is too old", "Traceback", fix="set ansible_python_interpreter")
    assert (r["id"], r["status"], r["fix"]) == (checks.GATHER_ID, "error", "set ansible_python_interpreter")
    assert checks.count([r]) == {"pass": 0, "info": 0, "warn": 0, "unknown": 0, "error": 1, "fail": 0}
    assert checks.failing_ids([r]) == [checks.GATHER_ID]


def test_count_treats_an_unknown_status_as_error():
    assert checks.count([{"status": "weird"}, {"status": "pass"}])["error"] == 1


def test_error_is_never_waived():
    c = ctx()
    c["errors"] = {"port": {"message": "boom"}}
    r = by_id(checks.run_checks(c, ignore=[{"id": "inbound.port", "reason": "we know"}]))["inbound.port"]
    assert r["status"] == "error"


# Thresholds: every key of argument_specs flips a verdict when overridden ---------------------------


def _chrony_age(age):
    return {"timesync__chrony": {"available": True, "unsync_reasons": [], "reference_time_age_seconds": age}}


THRESHOLD_FLIPS = {
    "cpu_min": ({}, "resources.cpu", 4, "fail"),
    "memory_min_mb": ({}, "resources.memory", 8192, "fail"),
    "memory_tolerance_mb": ({"resources__memory__effective_bytes": 1900 * 1024 * 1024}, "resources.memory", 0, "fail"),
    "einnsyn_memory_mb": ({"settings__einnsyn_same_host": True}, "resources.memory", 4096, "fail"),
    "disk_min_gb": ({}, "resources.disk", 100, "fail"),
    "disk_app_gb": ({}, "resources.disk", 60, "fail"),
    "disk_logs_gb_per_million": ({}, "resources.disk", 60, "fail"),
    "disk_database_gb_per_million": ({}, "resources.disk", 60, "fail"),
    "disk_temp_gb_per_million": ({}, "resources.disk", 60, "fail"),
    "time_offset_warn_seconds": ({}, "time.offset", 0.0001, "warn"),
    "time_offset_fail_seconds": ({"ntp_probe__offset_seconds": -0.5}, "time.offset", 0.2, "fail"),
    "time_probe_agreement_seconds": ({}, "time.probe", 0.0001, "warn"),
    "reference_max_age_seconds": (_chrony_age(100), "time.synchronised", 50, "fail"),
    "cert_expiry_warn_days": ({}, "connectivity.eformidling", 365, "warn"),
    "cert_warn_days": ({}, "certificate.validity", 90, "warn"),
    # 214 days before the end of SvarUt's SOAP API: outside the 90-day margin, inside a 365-day one.
    "lifecycle_warn_days": (
        {"settings__services": ["DPF"], "now": datetime.datetime(2026, 6, 1, 12, tzinfo=datetime.timezone.utc)},
        "lifecycle.api_end",
        365,
        "warn",
    ),
}


def _with_keystore(context, days_left=60):
    """A SEID-2-like PKCS12 from the test CA, valid for `days_left` more days, as the engine's ctx holds it."""
    now = datetime.datetime.now(datetime.timezone.utc)
    root = ca.make_root()
    inter = ca.make_intermediate(root)
    key, leaf = ca.make_leaf(inter, orgnr="991825827", not_after=now + datetime.timedelta(days=days_left))
    context["keystore"] = {
        "available": True,
        "reason": "",
        "path": "/secure/keystore.p12",
        "type": "PKCS12",
        "data": ca.p12(key, leaf, "Pw-engine-1", "virksomhet", [inter.cert]),
        "password": "Pw-engine-1",
        "alias": "virksomhet",
        "org_number": "991825827",
        "environment": "test",
    }
    context["certificate_issuers"] = ca.issuers_with(certificates.load_issuers(), root, inter, environment="test")
    context["settings"]["environment"] = "test"
    return context


def test_every_threshold_has_a_flip_test():
    assert set(THRESHOLD_FLIPS) == set(thresholds.THRESHOLDS)


@pytest.mark.parametrize("name", sorted(THRESHOLD_FLIPS))
def test_overriding_a_threshold_flips_the_verdict(name):
    change, check_id, value, flipped = THRESHOLD_FLIPS[name]
    prepare = _with_keystore if check_id.startswith("certificate.") else (lambda c: c)
    before = prepare(ctx(**change))
    assert by_id(checks.run_checks(before))[check_id]["status"] in ("pass", "warn"), name
    baseline = by_id(checks.run_checks(before))[check_id]["status"]
    after = prepare(ctx(**change))
    after["thresholds"] = thresholds.merged({name: value})
    got = by_id(checks.run_checks(after))[check_id]["status"]
    assert got == flipped != baseline, (name, baseline, got)


def test_the_role_spec_documents_the_same_thresholds():
    with open("roles/preflight/meta/argument_specs.yml") as fh:
        spec = yaml.safe_load(fh)
    assert set(spec["argument_specs"]["main"]["options"]["preflight_thresholds"]["options"]) == set(THRESHOLD_FLIPS)


# Time --------------------------------------------------------------------------------------------


def test_offset_against_the_ntp_host_wins_over_a_daemon_that_believes_itself_fine():
    c = ctx(timesync__offset_seconds=0.00001)
    c["ntp_probe"] = {"server": "ntp.intern", "reachable": True, "offset_seconds": -30.0}
    r = by_id(checks.run_checks(c))["time.offset"]
    assert r["status"] == "fail"
    assert r["measured"] == -30.0
    assert "NTP host ntp.intern" in r["message"]
    assert "chrony believes" in r["message"]


def test_chrony_offset_note_is_explained():
    c = ctx()
    c["timesync"]["chrony"]["offset_note"] = "System time 0.0 s, but the selected source's sample says -30 s"
    c["timesync"]["offset_seconds"] = -30.0
    c["ntp_probe"] = {"server": "ntp.intern", "reachable": False, "error": "timed out", "error_kind": "timeout"}
    r = by_id(checks.run_checks(c))["time.offset"]
    assert r["status"] == "fail"
    assert "selected source's sample" in r["message"]


# Waivers, selection, strict -----------------------------------------------------------------------


def test_a_waiver_with_until_applies_before_and_expires_after():
    c = ctx(resources__cpu__effective=0.5)
    waiver = [{"id": "resources.cpu", "reason": "new VM ordered", "until": "2026-12-31"}]
    before = by_id(checks.run_checks(c, waiver, today=datetime.date(2026, 12, 31)))["resources.cpu"]
    assert (before["status"], before["ignored"], before["ignored_until"]) == ("warn", "new VM ordered", "2026-12-31")
    after = by_id(checks.run_checks(c, waiver, today=datetime.date(2027, 1, 1)))["resources.cpu"]
    assert after["status"] == "fail"
    assert after["ignored"] is None
    assert "expired on 2026-12-31" in after["waiver_expired"]


@pytest.mark.parametrize(
    ("entry", "match"),
    [
        ({"id": "resources.cpu", "reason": "x", "until": "31.12.2026"}, "YYYY-MM-DD"),
        ({"id": "resources.cpu", "reason": "x", "untill": "2026-12-31"}, "unknown keys"),
    ],
)
def test_bad_waivers_are_refused(entry, match):
    with pytest.raises(ValueError, match=match):
        checks.run_checks(ctx(), [entry])


def test_only_selects_by_glob_and_refuses_a_pattern_that_matches_nothing():
    ids = set(by_id(checks.run_checks(ctx(), only=["time.*", "inbound.port"])))
    expected = {"time.service", "time.synchronised", "time.offset", "time.probe", "time.source", "time.timezone"}
    assert ids == expected | {"inbound.port"}
    with pytest.raises(ValueError, match="matches no check"):
        checks.run_checks(ctx(), only=["tiem.*"])


def test_strict_fails_warnings_and_unknowns():
    results = checks.run_checks(ctx(timesync__timezone={"name": "UTC", "oslo_equivalent": False}))
    assert checks.failing_ids(results) == []
    assert checks.failing_ids(results, strict=True) == ["time.timezone"]


# Disk: what must fit on each filesystem --------------------------------------------------------


def _disks(layout):
    """layout: {path: (dev, available GB)}"""
    return [
        {
            "path": path,
            "measured_path": path,
            "mount_point": "/mnt/" + dev,
            "dev": dev,
            "fstype": "ext4",
            "available_bytes": gb * GB,
            "read_only": False,
            "notes": [],
        }
        for path, (dev, gb) in layout.items()
    ]


DIRS = ("/var/lib/integrasjonspunkt", "/var/log/integrasjonspunkt", "/tmp", "/opt/integrasjonspunkt")


def test_disk_sums_data_and_logs_on_one_filesystem():
    # 5 M messages: data 7.0, logs 0.5, temp 1.5, app 0.2 = 9.2 GB
    c = ctx(settings__retained_messages=5000000)
    c["resources"]["disk"] = _disks({p: ("a", 9.0) for p in DIRS})
    r = by_id(checks.run_checks(c))["resources.disk"]
    assert (r["status"], r["measured"], r["required"]) == ("fail", 9.0, 9.2)
    assert "data /var/lib/integrasjonspunkt 7.00 GB" in r["message"]


def test_disk_on_two_filesystems_judges_each_with_its_own_share():
    c = ctx(settings__retained_messages=5000000)
    c["resources"]["disk"] = _disks(
        {DIRS[0]: ("a", 7.5), DIRS[1]: ("b", 3.0), DIRS[2]: ("b", 3.0), DIRS[3]: ("b", 3.0)}
    )
    r = by_id(checks.run_checks(c))["resources.disk"]
    assert r["status"] == "pass", r["message"]
    assert (r["measured"], r["required"]) == (7.5, 7.0)  # the tightest filesystem
    c["resources"]["disk"] = _disks(
        {DIRS[0]: ("a", 6.5), DIRS[1]: ("b", 3.0), DIRS[2]: ("b", 3.0), DIRS[3]: ("b", 3.0)}
    )
    r = by_id(checks.run_checks(c))["resources.disk"]
    assert r["status"] == "fail"
    assert "/mnt/a" in r["fix"] and "/mnt/b" not in r["fix"]
    assert r["fix"].startswith("Free or add at least 0.50 GB on /mnt/a")


def test_disk_of_an_unmeasured_directory_is_unknown_not_pass():
    c = ctx()
    c["resources"]["disk"] = [d for d in c["resources"]["disk"] if d["path"] != "/var/log/integrasjonspunkt"]
    r = by_id(checks.run_checks(c))["resources.disk"]
    assert r["status"] == "unknown"
    assert "/var/log/integrasjonspunkt" in r["message"]


def test_memory_of_the_cgroup_counts():
    c = ctx(resources__memory__effective_bytes=GIB, resources__memory__cgroup_limit_bytes=GIB)
    assert by_id(checks.run_checks(c))["resources.memory"]["status"] == "fail"


# Install endpoints follow the run mode and the install method ----------------------------------


def _install_names(run_mode, version="4.0.8"):
    entries = catalogue.load()
    return {
        e["name"]
        for e in catalogue.endpoints_for(
            entries, environment="production", version=version, phase="install", run_mode=run_mode
        )
    }


def test_java_mode_probes_the_release_download_and_temurin_not_the_registry():
    assert _install_names("java") == {"github", "github-release-assets", "adoptium"}


def test_docker_mode_probes_the_registry_and_its_blob_host_not_the_jar_download():
    assert _install_names("docker") == {"ghcr", "ghcr-blobs"}


def test_nothing_probes_the_kosmos_feed_and_the_download_starts_at_4_0_1():
    assert "github-raw" not in _install_names(None)
    assert "github" not in _install_names("java", version="4.0.0")
    assert "github" in _install_names("java", version="4.0.1")


ADOPTIUM = {
    "name": "adoptium",
    "host": "packages.adoptium.net",
    "port": 443,
    "protocol": "https",
    "needed_when": "temurin",
}


def test_temurin_repository_is_judged_only_where_temurin_would_be_installed():
    down = {"name": "adoptium", "ok": False, "status": "tcp_timeout", "message": "timed out"}
    c = ctx()  # Java 21 is on PATH: nothing is installed
    c["install_endpoints"] = [ADOPTIUM]
    c["connectivity"]["adoptium"] = down
    r = by_id(checks.run_checks(c))["install.adoptium"]
    assert r["status"] == "info" and "not needed" in r["message"]
    c = ctx(resources__runtimes__java={"runtimes": []}, resources__platform__distribution_version="12")
    c["install_endpoints"] = [ADOPTIUM]
    c["connectivity"]["adoptium"] = down
    assert by_id(checks.run_checks(c))["install.adoptium"]["status"] == "warn"


def test_versions_without_release_assets_fail_in_java_mode():
    for version, status in (("4.0.0", "fail"), ("3.0.2", "fail"), ("4.0.1", "pass"), ("4.0.8", "pass")):
        assert by_id(checks.run_checks(ctx(settings__version=version)))["config.version"]["status"] == status, version


def test_a_time_source_on_the_public_internet_warns():
    def with_source(name):
        c = ctx()
        c["timesync"]["chrony"]["sources"] = [
            {"name": name, "state": "selected"},
            {"name": "10.1.1.1", "state": "combined"},
        ]
        return by_id(checks.run_checks(c))["time.source"]

    assert with_source("2.debian.pool.ntp.org")["status"] == "warn"
    assert with_source("216.239.35.0")["status"] == "warn"
    assert "integrasjonspunkt_ntp_host" in with_source("time.google.com")["fix"]
    assert with_source("10.20.30.40")["status"] == "pass"
    assert with_source("ntp1.intern.kommune.no")["status"] == "pass"
    c = ctx()
    c["timesync"]["chrony"]["sources"] = []  # nothing selected: the configured servers are judged
    c["timesync"]["ntp_servers_configured"] = ["ntp.ubuntu.com"]
    assert by_id(checks.run_checks(c))["time.source"]["status"] == "warn"


def test_the_engine_runs_the_certificate_checks_and_never_prints_the_password():
    results = checks.run_checks(_with_keystore(ctx()))
    ids = {r["id"]: r["status"] for r in results if r["id"].startswith("certificate.")}
    assert ids == {
        "certificate.keystore": "pass",
        "certificate.validity": "pass",
        "certificate.type": "pass",
        "certificate.org_number": "pass",
        "certificate.environment": "pass",
        "certificate.chain": "pass",
        "certificate.jks": "pass",
        "certificate.tls": "info",  # no TLS keystore of its own: the enterprise certificate serves TLS
    }, ids
    assert "Pw-engine-1" not in repr(results)
    wrong = _with_keystore(ctx())
    wrong["keystore"]["password"] = "not-it"
    assert by_id(checks.run_checks(wrong))["certificate.keystore"]["status"] == "fail"


def test_no_keystore_configured_is_info_not_a_failure():
    c = ctx()
    c["keystore"] = {"available": False, "path": "", "reason": "no keystore configured"}
    statuses = {r["status"] for r in checks.run_checks(c) if r["id"].startswith("certificate.")}
    assert statuses == {"info"}


# Docker mode -----------------------------------------------------------------------------------


def _docker(**changes):
    c = ctx(settings__run_mode="docker", **changes)
    c["resources"]["runtimes"]["container_engine"] = {
        "available": True,
        "name": "docker",
        "binary": "/usr/bin/docker",
        "version": "20.10.24",
        "answers": True,
        "server_version": "20.10.24",
    }
    return c


def test_docker_engine_that_answers_passes_and_a_denied_socket_fails_with_the_fix():
    assert by_id(checks.run_checks(_docker()))["runtime.container_engine"]["status"] == "pass"
    c = _docker()
    c["resources"]["runtimes"]["container_engine"].update(
        answers=False,
        permission_denied=True,
        reason="`docker -H unix:///var/run/docker.sock version` exited 1: permission denied",
    )
    r = by_id(checks.run_checks(c))["runtime.container_engine"]
    assert (r["status"], r["measured"]) == ("fail", "permission denied")
    assert "become" in r["fix"] and "docker group" in r["fix"]


def test_docker_port_is_judged_on_the_publish_address():
    listeners = [{"address": "127.0.0.1", "port": 9093, "uid": 0, "inode": 1, "pids": [7]}]
    holders = [{"pid": 7, "cmdline": "nginx", "ours": False, "why": "not in the role's container"}]
    port = {"port": 9093, "readable": True, "in_use": True, "listeners": listeners, "holders": holders,
            "holders_complete": True,
            "owner": {"mode": "docker", "container_name": "ip", "published": {"containers": []}}}  # fmt: skip
    c = _docker(settings__bind_address="10.0.0.5")
    c["port"] = port
    assert by_id(checks.run_checks(c))["inbound.port"]["status"] == "pass"
    c = _docker(settings__bind_address="0.0.0.0")
    c["port"] = port
    assert by_id(checks.run_checks(c))["inbound.port"]["status"] == "fail"
    java = ctx()  # Java mode listens everywhere: a loopback listener is in the way
    java["port"] = port
    assert by_id(checks.run_checks(java))["inbound.port"]["status"] == "fail"


def test_a_container_limit_above_the_host_memory_warns():
    c = _docker(settings__container_memory_mb=8192)
    r = by_id(checks.run_checks(c))["resources.memory"]
    assert r["status"] == "warn" and "integrasjonspunkt_container_memory_mb" in r["fix"]
    assert by_id(checks.run_checks(_docker(settings__container_memory_mb=3072)))["resources.memory"]["status"] == "pass"


def test_docker_settings_are_validated():
    for var, value in (
        ("integrasjonspunkt_container_memory_mb", 1024),
        ("integrasjonspunkt_bind_address", "ip.example.no"),
        ("integrasjonspunkt_docker_host", "tcp://10.0.0.1:2375"),
    ):
        with pytest.raises(settings_model.SettingsError, match=var):
            settings_model.normalise({var: value})


def test_an_h2_file_given_as_external_database_still_needs_the_disk():
    s = settings_model.normalise(
        {
            "integrasjonspunkt_external_database": True,
            "integrasjonspunkt_database_url": "jdbc:h2:file:/workspace/h2-data/ip",
        }
    )
    assert s["database_on_host"] is True
    assert checks.disk_needs_gb(dict(s, retained_messages=1000000), thresholds.defaults())["data"] > 1.0
    pg = settings_model.normalise(
        {"integrasjonspunkt_external_database": True, "integrasjonspunkt_database_url": "jdbc:postgresql://db/ip"}
    )
    assert checks.disk_needs_gb(dict(pg, retained_messages=1000000), thresholds.defaults())["data"] == 0.0
