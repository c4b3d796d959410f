# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The registry's own results, pinned whole: a dropped catalogue entry and a host whose gathering failed.

Written for the mutants of checks.py that survived the third mutation round (README, Mutation testing)."""

import datetime

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import check_base, checks
from tests.unit.plugins.plugin_utils import test_checks

ERROR_FIX = check_base.error_outcome("x")["fix"]


def test_a_dropped_entry_is_one_info_result_naming_why():
    entry = {"name": "altinn", "host": "altinn.example", "dropped": "not used here"}
    assert checks.dropped_result(entry) == {
        "id": "connectivity.altinn",
        "title": "altinn.example (dropped from the catalogue)",
        "category": "connectivity",
        "severity": "info",
        "status": "info",
        "measured": "not probed",
        "required": None,
        "unit": None,
        "message": "dropped by preflight_endpoint_overrides: not used here",
        "fix": None,
        "doc_url": None,
        "ignored": None,
    }
    assert checks.dropped_result({"name": "x"})["title"] == "x (dropped from the catalogue)"


def test_a_failed_gathering_is_one_error_result_for_the_host():
    assert checks.gather_error_result("the module crashed", exception="Traceback ...") == {
        "id": "preflight.gather",
        "title": "Gather the host's facts",
        "category": "preflight",
        "severity": "fail",
        "doc_url": None,
        "ignored": None,
        "status": "error",
        "measured": None,
        "required": None,
        "unit": None,
        "message": "no verdict for this host: the module crashed",
        "fix": ERROR_FIX,
        "exception": "Traceback ...",
    }


def test_a_gathering_error_keeps_a_given_fix():
    result = checks.gather_error_result("python too old", fix="Install Python 3.8+.")
    assert result["fix"] == "Install Python 3.8+."
    assert result["exception"] is None
    assert result["status"] == "error"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        (" 2026-12-31 ", datetime.date(2026, 12, 31)),
        (datetime.date(2027, 1, 2), datetime.date(2027, 1, 2)),
    ],
)
def test_waiver_until_dates(value, expected):
    assert checks._parse_until(0, "time.offset", value) == expected


def test_a_waiver_until_that_is_no_date_names_the_entry():
    with pytest.raises(ValueError) as err:
        checks._parse_until(3, "time.offset", "someday")
    assert str(err.value) == "preflight_ignore[3] (time.offset) has until='someday'; allowed: a date YYYY-MM-DD"


def test_the_error_fix_says_it_is_no_finding_about_the_host():
    assert check_base.error_outcome("m")["fix"] == (
        "This is not a finding about the host: fix the cause above, or report it as a bug in "
        "eformidling.integrasjonspunkt with the exception text from the JSON report."
    )


def test_known_ids_hold_the_endpoint_and_install_ids():
    ids = checks.known_ids(["web"], ["repo"])
    assert {"connectivity.web", "install.repo", "time.offset", "inbound.port"} <= ids
    assert "install.web" not in ids and "connectivity.repo" not in ids


class Fixed(check_base.Check):
    """A check whose evaluate() is given, to drive Check.run() through each of its paths."""

    id = "test.fixed"
    title = "fixed"
    category = "test"
    needs = ("resources",)

    def __init__(self, evaluate):
        self._evaluate = evaluate

    def evaluate(self, ctx):
        return self._evaluate(ctx)


def test_the_base_result_carries_ignored_none():
    assert Fixed(None).base()["ignored"] is None
    assert set(Fixed(None).base()) == {"id", "title", "category", "severity", "doc_url", "ignored"}


def test_a_missing_section_is_an_error_carrying_the_collector_s_exception():
    ctx = {"errors": {"resources": {"message": "collecting resources failed: OSError", "exception": "Traceback X"}}}
    result = Fixed(lambda c: check_base.outcome("pass")).run(ctx)
    assert (result["status"], result["exception"]) == ("error", "Traceback X")
    assert (
        result["message"]
        == "no verdict: the resources facts could not be gathered: collecting resources failed: OSError"
    )


def test_a_crashing_check_is_an_error_with_its_traceback():
    def crash(_ctx):
        raise KeyError("disk")

    result = Fixed(crash).run({"errors": {}})
    assert result["status"] == "error"
    assert result["message"] == "no verdict: the check itself crashed: KeyError: 'disk'"
    assert result["exception"].startswith("Traceback (most recent call last):\n")
    assert result["exception"].rstrip().endswith("KeyError: 'disk'")


def test_a_check_returning_an_unknown_status_is_an_error_naming_it():
    result = Fixed(lambda c: check_base.outcome("great")).run({"errors": {}})
    assert (result["status"], result["message"]) == ("error", "no verdict: the check returned status 'great'")


def test_an_unavailable_section_reads_as_empty():
    assert check_base._section({"disk": {"available": False, "x": 1}}, "disk") == {}
    assert check_base._section({"disk": {"x": 1}}, "disk") == {"x": 1}
    assert check_base._section({"disk": {"available": True, "x": 1}}, "disk") == {"available": True, "x": 1}


@pytest.mark.parametrize(
    "entry", [{"id": "time.offset"}, {"id": "time.offset", "reason": None}, {"id": "time.offset", "reason": "  "}]
)
def test_a_waiver_needs_a_reason(entry):
    with pytest.raises(ValueError) as err:
        checks.validate_ignore([entry], {"time.offset"})
    assert str(err.value) == "preflight_ignore[0] (time.offset) needs a reason"


def test_waiver_errors_name_the_entry_and_what_is_allowed():
    with pytest.raises(ValueError) as err:
        checks.validate_ignore(["time.offset"], {"time.offset"})
    assert str(err.value) == "preflight_ignore[0] must be a dict with id and reason, got 'time.offset'"
    with pytest.raises(ValueError) as err:
        checks.validate_ignore([{"id": "time.ofset", "reason": "r"}], {"time.offset", "inbound.port"})
    assert (
        str(err.value)
        == "preflight_ignore[0] names unknown check 'time.ofset'; known checks: inbound.port, time.offset"
    )
    with pytest.raises(ValueError) as err:
        checks.validate_ignore([{"id": "time.offset", "reason": "r", "until": "soon"}], {"time.offset"})
    assert str(err.value).startswith("preflight_ignore[0] (time.offset) has until='soon'")


def test_an_expired_waiver_says_when_and_why():
    waivers = checks.validate_ignore(
        [{"id": "time.offset", "reason": "lab clock", "until": "2026-01-01"}],
        {"time.offset"},
        datetime.date(2026, 12, 7),
    )
    result = checks.apply_waiver({"id": "time.offset", "status": "fail", "ignored": None}, waivers)
    assert result["waiver_expired"] == "the waiver expired on 2026-01-01: lab clock"
    assert (result["status"], result["ignored"]) == ("fail", None)


def test_blank_only_patterns_are_dropped():
    assert checks.validate_only(["  ", "", "time.*"], {"time.offset"}) == ["time.*"]


def test_dropped_entries_are_reported_and_selected_by_only():
    ctx = test_checks.ctx()
    ctx["dropped_endpoints"] = [{"name": "altinn", "host": "altinn.example", "dropped": "not used"}]
    ids = [r["id"] for r in checks.run_checks(ctx)]
    assert "connectivity.altinn" in ids
    valid = checks.known_ids(["eformidling", "ntp", "altinn"])
    only_dropped = checks.run_checks(ctx, valid_ids=valid, only=["connectivity.altinn"])
    assert [r["id"] for r in only_dropped] == ["connectivity.altinn"]
    assert "connectivity.altinn" not in [r["id"] for r in checks.run_checks(ctx, valid_ids=valid, only=["time.*"])]
