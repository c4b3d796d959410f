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
