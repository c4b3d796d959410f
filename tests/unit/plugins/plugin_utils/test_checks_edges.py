"""The checks at their edges: each test here was written for a mutant of checks.py that the suite let live.

`make mutation` (README, "Mutation testing") changes one operator or constant at a time; these pin the
comparisons, the choices and the wording those mutants changed without any other test noticing.
"""

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import checks
from tests.unit.plugins.plugin_utils.test_checks import by_id, ctx


def probe(server, offset, delay, reachable=True):
    return {"server": server, "reachable": reachable, "offset_seconds": offset, "delay_seconds": delay,
            "client": "builtin"}  # fmt: skip


# --------------------------------------------------------------------------- best_probe


def test_best_probe_is_the_one_with_the_shortest_round_trip():
    near, far = probe("near.ntp", 0.010, 0.002), probe("far.ntp", 0.300, 0.250)
    assert checks.best_probe({"probes": [far, near]}) is near
    assert checks.best_probe({"probes": [near, far]}) is near


def test_best_probe_skips_unreachable_and_unmeasured_probes():
    dead = probe("dead.ntp", None, None, reachable=False)
    unmeasured = probe("odd.ntp", None, 0.001)
    slow = probe("slow.ntp", 0.2, 0.5)
    assert checks.best_probe({"probes": [dead, unmeasured, slow]}) is slow
    assert checks.best_probe({"probes": [dead, unmeasured]}) is None
    assert checks.best_probe({}) is None


def test_time_probe_compares_the_daemon_with_the_fastest_probe():
    # the far probe disagrees by 0.8 s (over the 0.5 s limit), the near one agrees: near decides
    c = ctx(timesync__offset_seconds=0.0)
    c["timesync"]["probes"] = [probe("far.ntp", 0.8, 0.4), probe("near.ntp", 0.01, 0.002)]
    result = by_id(checks.run_checks(c))["time.probe"]
    assert (result["status"], result["measured"]) == ("pass", 0.01)
    assert "near.ntp" in result["message"]


# --------------------------------------------------------------------------- time.probe


def test_time_probe_warns_when_some_servers_do_not_answer():
    c = ctx(timesync__offset_seconds=0.0)
    c["timesync"]["probes"] = [probe("good.ntp", 0.01, 0.002), probe("gone.ntp", None, None, reachable=False)]
    result = by_id(checks.run_checks(c))["time.probe"]
    assert result["status"] == "warn"
    assert "unreachable: gone.ntp" in result["message"]
    assert result["fix"] == "Make every listed NTP server reachable."


def test_time_probe_passes_when_every_server_answers_and_agrees():
    c = ctx(timesync__offset_seconds=0.0)
    c["timesync"]["probes"] = [probe("a.ntp", 0.01, 0.002), probe("b.ntp", 0.02, 0.003)]
    result = by_id(checks.run_checks(c))["time.probe"]
    assert (result["status"], result["fix"]) == ("pass", None)
    assert "unreachable" not in result["message"]


@pytest.mark.parametrize(("offset", "status"), [(0.5, "pass"), (-0.5, "pass"), (0.5001, "warn"), (-0.5001, "warn")])
def test_time_probe_agreement_limit_is_inclusive(offset, status):
    """time.probe is a warning check: a disagreement over the limit (0.5 s) warns, never fails the host."""
    c = ctx(timesync__offset_seconds=0.0)
    c["timesync"]["probes"] = [probe("a.ntp", offset, 0.002)]
    result = by_id(checks.run_checks(c))["time.probe"]
    assert (result["status"], result["measured"]) == (status, abs(offset))
    assert ("disagreement" in result["message"]) is (status == "warn")


# --------------------------------------------------------------------------- time.offset wording


@pytest.mark.parametrize(("offset", "word"), [(0.05, "ahead"), (-0.05, "behind"), (2.0, "ahead"), (-2.0, "behind")])
def test_offset_message_says_ahead_or_behind_by_its_sign(offset, word):
    c = ctx()
    c["ntp_probe"] = {"server": "ntp.intern", "reachable": True, "offset_seconds": offset}
    result = by_id(checks.run_checks(c))["time.offset"]
    assert "clock is %.4f s %s" % (abs(offset), word) in result["message"]
    assert result["measured"] == offset


# --------------------------------------------------------------------------- resources.cpu


@pytest.mark.parametrize(
    ("effective", "status"), [(1.0, "pass"), (1.5, "pass"), (0.99, "fail"), (0.5, "fail"), (0.0, "fail")]
)
def test_cpu_minimum_is_inclusive(effective, status):
    result = by_id(checks.run_checks(ctx(resources__cpu__effective=effective)))["resources.cpu"]
    assert (result["status"], result["measured"], result["required"]) == (status, effective, 1.0)


# --------------------------------------------------------------------------- fail closed, and what is said


def test_memory_that_could_not_be_measured_is_unknown_with_the_reason():
    result = by_id(checks.run_checks(ctx(resources__memory={"effective_bytes": None, "reason": "no /proc"})))
    memory = result["resources.memory"]
    assert (memory["status"], memory["unit"], memory["message"]) == ("unknown", "MiB", "no /proc")
    gone = by_id(checks.run_checks(ctx(resources__memory=None)))["resources.memory"]
    assert (gone["status"], gone["message"]) == ("unknown", "the memory facts were not gathered")


def test_strict_failing_ids_add_warnings_and_unknowns():
    statuses = {"a": "fail", "b": "warn", "c": "unknown", "d": "error", "e": "pass", "f": "info"}
    results = [{"id": key, "status": status} for key, status in statuses.items()]
    assert checks.failing_ids(results) == ["a", "d"]
    assert checks.failing_ids(results, strict=True) == ["a", "b", "c", "d"]


def test_gather_error_result_says_no_verdict():
    result = checks.gather_error_result("the module crashed", "Traceback ...", fix="Run it again")
    assert (result["status"], result["severity"], result["fix"]) == ("error", "fail", "Run it again")
    assert result["message"].startswith("no verdict for this host: the module crashed")


def test_dropped_endpoint_is_named_by_host_else_by_name():
    assert checks.dropped_result({"name": "x", "host": "x.example", "dropped": "r"})["title"] == (
        "x.example (dropped from the catalogue)"
    )
    assert checks.dropped_result({"name": "x", "dropped": "r"})["title"] == "x (dropped from the catalogue)"


def test_time_service_wording():
    ok = by_id(checks.run_checks(ctx()))["time.service"]
    assert (ok["status"], ok["required"], ok["message"]) == ("pass", "one active", "chrony is active")
    none = ctx(timesync__service__active=[], timesync__service__present=["chrony"])
    missing = by_id(checks.run_checks(none))["time.service"]
    assert (missing["status"], missing["message"]) == ("fail", "no time service is active (present: chrony)")
    two = ctx(timesync__service__active=["chrony", "ntpd"], timesync__service__conflict=True)
    conflict = by_id(checks.run_checks(two))["time.service"]
    assert conflict["status"] == "warn"
    assert conflict["message"] == "more than one time service is active: chrony, ntpd; they fight over the clock"


def test_no_time_service_is_fine_only_in_a_container():
    c = ctx(timesync__service__active=[], timesync__service__present=[])
    c["resources"]["platform"] = {"virtualization": {"role": "container"}}
    assert by_id(checks.run_checks(c))["time.service"]["status"] == "info"
    c["resources"]["platform"] = {"virtualization": None}
    assert by_id(checks.run_checks(c))["time.service"]["status"] == "fail"


def test_time_sync_messages_carry_the_daemons_reasons():
    c = ctx(timesync__synchronised=False)
    c["timesync"]["chrony"]["unsync_reasons"] = ["leap status is 'Not synchronised'", "no selected (*) source"]
    failed = by_id(checks.run_checks(c))["time.synchronised"]
    assert (
        failed["message"] == "chrony says not synchronised: leap status is 'Not synchronised'; no selected (*) source"
    )
    c = ctx(timesync__synchronised=None)
    c["timesync"]["chrony"]["unsync_reasons"] = ["chronyc timed out"]
    unknown = by_id(checks.run_checks(c))["time.synchronised"]
    assert (unknown["status"], unknown["message"]) == ("unknown", "no time daemon could be asked (chronyc timed out)")
    c["timesync"]["chrony"]["unsync_reasons"] = []
    assert by_id(checks.run_checks(c))["time.synchronised"]["message"] == (
        "no time daemon could be asked (none answered)"
    )


def test_time_probe_without_a_daemon_offset_reports_the_probe():
    c = ctx(timesync__offset_seconds=None)
    c["timesync"]["probes"] = [probe("a.ntp", 0.123456, 0.002), probe("gone.ntp", None, None, reachable=False)]
    result = by_id(checks.run_checks(c))["time.probe"]
    assert (result["status"], result["measured"], result["unit"]) == ("info", 0.1235, "s")
    assert result["message"] == "probe of a.ntp only (no daemon offset); unreachable: gone.ntp"
    c["timesync"]["offset_seconds"] = 0.1
    agreed = by_id(checks.run_checks(c))["time.probe"]
    assert agreed["message"] == "probe of a.ntp (builtin) says 0.1235 s, the daemon 0.1000 s; unreachable: gone.ntp"
