# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The registry's own results, pinned whole: a dropped catalogue entry and a host whose gathering failed.

Written for the mutants of checks.py that survived the third mutation round (README, Mutation testing)."""

import datetime

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import check_base, checks

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
