"""inbound.port, connectivity.* and time.* outcomes pinned: measured, required and unit in full, and the key
phrase of each message and fix an operator reads (written for the mutants of the check family files that the suite
let live)."""

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import checks, time_checks
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils.connectivity_checks import EndpointCheck
from tests.unit.plugins.plugin_utils.test_checks import by_id, ctx

OFFSET_REQUIRED = "|offset| <= 0.1"


def result(check_id, **changes):
    return by_id(checks.run_checks(ctx(**changes)))[check_id]


def fields(res):
    return res["status"], res["measured"], res["required"], res["unit"]


# --------------------------------------------------------------------------- inbound.port


def test_a_free_port_passes_naming_the_address_and_where_else_it_is_used():
    res = result("inbound.port")
    assert fields(res) == ("pass", "free", "free", None)
    assert res["message"] == "port 9093 is free on 0.0.0.0"
    res = result(
        "inbound.port",
        settings__run_mode="docker",
        settings__bind_address="127.0.0.1",
        port__listeners=[{"address": "10.0.0.1", "pids": []}],
        port__owner={"mode": "docker", "container_name": "integrasjonspunkt", "published": {"containers": []}},
    )
    assert fields(res) == ("pass", "free", "free", None)
    assert res["message"] == "port 9093 is free on 127.0.0.1 (in use on 10.0.0.1 only)"


def test_a_port_that_was_not_inspected_is_unknown_with_the_reason():
    res = result("inbound.port", port={})
    assert fields(res) == ("unknown", None, "free", None)
    assert res["message"] == "the port was not inspected"
    assert result("inbound.port", port={"msg": "ss failed"})["message"] == "ss failed"


def test_a_taken_port_names_the_holder_and_the_fix():
    res = result("inbound.port", port__listeners=[{"address": "127.0.0.1", "pids": []}])
    assert fields(res) == ("fail", "in use by an unnamed holder (on 127.0.0.1)", "free", None)
    assert res["message"].startswith("port 9093 is already taken on 0.0.0.0 by ")
    assert res["fix"] == "Stop the process on port 9093, or choose another port with integrasjonspunkt_port."


# --------------------------------------------------------------------------- connectivity.*


def test_a_reachable_endpoint_passes_naming_the_target_the_proxy_and_odd_addresses():
    res = result("connectivity.eformidling")
    assert fields(res) == ("pass", "reachable", "reachable", None)
    assert res["message"] == "eformidling.no:443/https answers"
    proxied = {
        "name": "eformidling",
        "ok": True,
        "status": "ok",
        "proxy": {"used": True, "url": "http://p:3128"},
        "undocumented_addresses": ["192.0.2.7"],
    }
    res = result("connectivity.eformidling", connectivity__eformidling=proxied)
    assert res["message"] == (
        "eformidling.no:443/https answers via proxy http://p:3128; resolves to addresses not in the documented list:"
        " 192.0.2.7"
    )


def test_an_endpoint_that_was_not_probed_is_unknown():
    res = result("connectivity.eformidling", connectivity={})
    assert fields(res) == ("unknown", None, "reachable", None)
    assert res["message"] == "eformidling.no:443/https was not probed"


def test_an_endpoints_own_severity_is_kept():
    entry = {"name": "x", "host": "x.example", "port": 443, "protocol": "https"}
    assert EndpointCheck(dict(entry, severity="warn"), "runtime").severity == "warn"
    assert EndpointCheck(entry, "runtime").severity == "fail"
    assert EndpointCheck(entry, "install").severity == "warn"


def test_temurins_repository_is_not_needed_where_java_is_found_or_packaged():
    entry = {"name": "adoptium", "host": "packages.adoptium.net", "port": 443, "protocol": "https"}
    check = EndpointCheck(dict(entry, needed_when="temurin"), "install")
    assert check.needed(ctx()) == "the install role installs no Temurin here (java on PATH)"
    no_java = ctx(resources__runtimes__java={"available": False, "best_major": None, "runtimes": []})
    assert check.needed(no_java) == "the install role installs no Temurin here (openjdk-21-jre-headless)"
    assert EndpointCheck(entry, "install").needed(ctx()) is True


# --------------------------------------------------------------------------- time.offset


def test_the_offset_passes_by_the_probe_of_the_ntp_host():
    res = result("time.offset")
    assert fields(res) == ("pass", -0.0005, OFFSET_REQUIRED, "s")
    assert res["message"] == (
        "clock is 0.0005 s behind (probe of the integrasjonspunkt's NTP host time.google.com; offset = local - true"
        " time)"
    )


@pytest.mark.parametrize(
    ("probe", "says"),
    [
        ({}, "the integrasjonspunkt's NTP host time.google.com was not probed"),
        (
            {"server": "ntp.example", "reachable": False, "error": "timed out"},
            "the integrasjonspunkt's NTP host ntp.example did not answer: timed out",
        ),
    ],
)
def test_an_offset_from_another_source_is_unknown_naming_the_ntp_host(probe, says):
    res = result("time.offset", ntp_probe=probe)
    assert fields(res) == ("unknown", None, OFFSET_REQUIRED, "s")
    assert res["message"] == "clock is 0.0004 s behind (chrony; offset = local - true time); " + says
    assert res["fix"].startswith("Make integrasjonspunkt_ntp_host (")


@pytest.mark.parametrize(("offset", "word"), [(3.0, "3.0000 s ahead"), (-12.0, "12.0000 s behind")])
def test_a_large_offset_fails_with_what_the_integrasjonspunkt_does_about_it(offset, word):
    res = result("time.offset", ntp_probe__offset_seconds=offset)
    assert fields(res) == ("fail", offset, OFFSET_REQUIRED, "s")
    assert res["message"].startswith("clock is %s (probe of" % word)
    assert "; chrony believes -0.0004 s; the NTP host is what the integrasjonspunkt checks against" in res["message"]
    assert "stops itself after start-up above 5 s" in res["message"]
    assert res["fix"].startswith("Fix the time source: chronyc sources -v")


def test_a_middling_offset_warns():
    res = result("time.offset", ntp_probe__offset_seconds=0.3, timesync__offset_seconds=0.3)
    assert fields(res) == ("warn", 0.3, OFFSET_REQUIRED, "s")
    assert res["fix"] == "Check the NTP source's quality (chronyc sourcestats)."


# --------------------------------------------------------------------------- time.source and time.timezone


def test_an_internal_source_passes():
    res = result("time.source")
    assert fields(res) == ("pass", "10.0.0.123", "an internal NTP source", None)
    assert res["message"] == "selected source: 10.0.0.123"


@pytest.mark.parametrize(
    ("sources", "configured", "measured", "says"),
    [
        ([{"name": "time.google.com:123", "state": "selected"}], None, "time.google.com:123", "the selected source"),
        ([], ["10.0.0.1", "pool.ntp.org"], "pool.ntp.org", "the configured servers"),
    ],
)
def test_a_public_source_warns(sources, configured, measured, says):
    res = result("time.source", timesync__chrony__sources=sources, timesync__ntp_servers_configured=configured)
    assert fields(res) == ("warn", measured, "an internal NTP source", None)
    assert res["message"] == (
        "%s %s is on the public internet; the docs ask for a time source inside the data centre" % (says, measured)
    )
    assert res["fix"].startswith("Point chrony (server ... iburst) and integrasjonspunkt_ntp_host at")


def test_the_timezone_outcomes():
    res = result("time.timezone")
    assert fields(res) == ("pass", "Europe/Oslo", "Europe/Oslo rules", None)
    assert res["message"] == "Europe/Oslo keeps the Europe/Oslo rules"
    res = result("time.timezone", timesync__timezone={"name": "UTC", "oslo_equivalent": False, "abbreviation": "UTC"})
    assert fields(res) == ("warn", "UTC", "Europe/Oslo rules", None)
    assert res["message"].startswith("UTC (UTC) does not keep CET/CEST; the integrasjonspunkt sets Europe/Oslo")
    assert res["fix"] == "timedatectl set-timezone Europe/Oslo"
    res = result("time.timezone", timesync__timezone={"name": "X", "oslo_equivalent": None})
    assert fields(res) == ("unknown", "X", "Europe/Oslo rules", None)
    assert res["message"] == "timezone could not be read"


# --------------------------------------------------------------------------- time.service, time.probe


def test_two_time_services_warn_and_one_or_the_hosts_clock_is_enough():
    res = result(
        "time.service", timesync__service__active=["chrony", "systemd-timesyncd"], timesync__service__conflict=True
    )
    assert fields(res) == ("warn", "chrony, systemd-timesyncd", "exactly one", None)
    assert res["fix"] == "Keep one of them (chrony is preferred) and disable the others."
    assert fields(result("time.service")) == ("pass", "chrony", "one active", None)
    res = result(
        "time.service", timesync__service__active=[], resources__platform__virtualization={"role": "container"}
    )
    assert fields(res) == ("info", "none (container)", "one active", None)


def test_a_probe_of_the_ntp_host_that_failed_in_our_code_says_so():
    c = ctx()
    c["ntp_probe"] = {"server": "time.google.com", "reachable": False, "error": "boom", "error_kind": "error"}
    res = by_id(checks.run_checks(c))["time.probe"]
    assert res["message"] == "no verdict: the probe of the integrasjonspunkt's NTP host time.google.com failed in our" \
        " code: boom"  # fmt: skip


def test_a_crashed_ntp_host_probe_keeps_its_exception_for_the_report():
    c = ctx()
    c["errors"] = {"ntp_probe": {"message": "collecting ntp_probe failed: boom", "exception": "Traceback: boom"}}
    assert by_id(checks.run_checks(c))["time.probe"]["exception"] == "Traceback: boom"


def test_without_probes_time_probe_is_info_and_without_answers_it_fails_with_the_fix():
    res = result("time.probe", timesync__probes=[])
    assert (res["status"], res["message"]) == ("info", "direct NTP probes were not run")
    dead = {"server": "a.ntp", "reachable": False, "offset_seconds": None, "delay_seconds": None}
    res = result("time.probe", timesync__probes=[dead])
    assert fields(res) == ("warn", "no server answered", "an answer", None)
    assert res["fix"].startswith("Open UDP 123 from this host to the NTP servers")


def test_a_probe_with_no_round_trip_delay_is_the_nearest():
    near = {"server": "local.ntp", "reachable": True, "offset_seconds": 0.0, "delay_seconds": 0.0}
    far = {"server": "far.ntp", "reachable": True, "offset_seconds": 0.1, "delay_seconds": 0.5}
    assert checks.best_probe({"probes": [far, near]}) is near


def test_a_public_ntp_name_with_its_trailing_dot_is_public():
    assert time_checks.public_source("time.google.com.") is True
    assert time_checks.public_source("[10.0.0.1]") is False


def test_a_timezone_that_could_not_be_read_says_why():
    res = result(
        "time.timezone", timesync__timezone={"name": None, "oslo_equivalent": None, "reason": "no timedatectl"}
    )
    assert res["message"] == "no timedatectl"


def test_time_probe_agreement_and_disagreement_are_in_seconds_against_the_limit():
    assert fields(result("time.probe")) == ("pass", 0.0002, "<= 0.5", "s")
    res = result("time.probe", timesync__offset_seconds=0.9)
    assert fields(res) == ("warn", 0.9006, "<= 0.5", "s")


def test_time_sources_that_cannot_be_read_are_unknown_with_the_fix():
    res = result("time.source", timesync__chrony__sources=[], timesync__ntp_servers_configured=[])
    assert fields(res) == ("unknown", None, "an internal NTP source", None)
    assert res["fix"].startswith("Make chronyc (or the daemon's configuration) readable by this user")


def test_time_synchronised_outcomes():
    res = result("time.synchronised")
    assert fields(res) == ("pass", "synchronised", "synchronised", None)
    assert res["message"] == "synchronised according to chrony"
    res = result("time.synchronised", timesync__chrony__reference_time_age_seconds=5000)
    assert fields(res) == ("fail", "reference 5000 s old", "reference <= %.0f s old" % thresholds_age(), None)
    res = result("time.synchronised", timesync__synchronised=False)
    assert fields(res) == ("fail", "not synchronised", "synchronised", None)
    res = result("time.synchronised", timesync__synchronised=None)
    assert fields(res) == ("unknown", "unknown", "synchronised", None)
    res = result(
        "time.synchronised", timesync__synchronised=None, resources__platform__virtualization={"role": "container"}
    )
    assert fields(res) == ("info", "unknown (container)", "synchronised", None)


def thresholds_age():
    return ctx()["thresholds"]["reference_max_age_seconds"]


def test_time_offset_by_a_direct_probe_and_a_crash_keeps_its_exception():
    res = result("time.offset", ntp_probe={}, timesync__synchronised=False)
    assert res["message"].startswith("clock is 0.0006 s behind (direct probe of ntp1.example; offset")
    c = ctx()
    c["errors"] = {"ntp_probe": {"message": "collecting ntp_probe failed: boom", "exception": "Traceback: boom"}}
    assert by_id(checks.run_checks(c))["time.offset"]["exception"] == "Traceback: boom"


def test_no_offset_at_all_is_unknown_and_a_middling_one_warns_rounded_to_four_places():
    res = result("time.offset", ntp_probe={}, timesync__synchronised=False, timesync__probes=[])
    assert fields(res) == ("unknown", None, OFFSET_REQUIRED, "s")
    assert res["message"].startswith("no offset could be measured: the integrasjonspunkt's NTP host")
    res = result("time.offset", ntp_probe__offset_seconds=0.123456, timesync__offset_seconds=0.123456)
    assert fields(res) == ("warn", 0.1235, OFFSET_REQUIRED, "s")
    assert res["message"].startswith("clock is 0.1235 s ahead")
    res = result("time.offset", ntp_probe__offset_seconds=12.0)
    assert res["message"].endswith("and Maskinporten rejects tokens above 10 s")
