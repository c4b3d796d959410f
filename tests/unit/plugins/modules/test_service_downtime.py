# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""service_downtime: the module the role calls before a stop/restart and after the health answer (clock injected)."""

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import downtime
from ansible_collections.eformidling.integrasjonspunkt.plugins.modules import service_downtime

BOOT = "boot-1"


def run(capsys, **args):
    with patch_module_args(args), pytest.raises(SystemExit):
        service_downtime.main()
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def clock(monkeypatch):
    """The host's clock as the test sets it: clock['now'] = (monotonic, 'HH:MM:SS')."""
    state = {"now": (100.0, "12:00:01"), "error": None}

    def take_mark():
        if state["error"]:
            return {"error": state["error"]}
        mono, hms = state["now"]
        return {"monotonic": mono, "wall": "2026-12-07T%sZ" % hms, "boot_id": BOOT}

    monkeypatch.setattr(downtime, "take_mark", take_mark)
    return state


def test_mark_returns_this_moment_and_changes_nothing(capsys, clock):
    out = run(capsys, action="mark")
    assert out["mark"] == {"monotonic": 100.0, "wall": "2026-12-07T12:00:01Z", "boot_id": BOOT}
    assert out["changed"] is False and "line" not in out


def test_restart_measures_from_the_registered_stop_mark(capsys, clock):
    stopped = run(capsys, action="mark")
    clock["now"] = (107.44, "12:00:08")
    out = run(capsys, action="restart", stopped=stopped)
    assert out["line"] == "downtime: 7.4 s (stopped 12:00:01 UTC, healthy 12:00:08 UTC)"
    assert out["record"]["seconds"] == 7.4


def test_restart_without_a_stop_mark_says_not_measured(capsys, clock):
    out = run(capsys, action="restart")
    assert out["line"] == "downtime: not measured (no stop time was taken)" and out["record"]["seconds"] is None
    assert "failed" not in out  # never fails the play: a restart that worked must not be rolled back for this


def test_restart_when_the_healthy_time_cannot_be_read_says_not_measured(capsys, clock):
    stopped = run(capsys, action="mark")
    clock["error"] = "the host's clock could not be read: EIO"
    out = run(capsys, action="restart", stopped=stopped)
    assert out["line"].startswith("downtime: not measured (the healthy time could not be read")


def test_restart_of_a_service_that_was_not_running(capsys, clock):
    out = run(capsys, action="restart", was_running=False)
    assert out["line"].startswith("downtime: none caused")


def test_rollback_reports_the_failed_attempt_and_the_total(capsys, clock):
    stopped = run(capsys, action="mark")
    clock["now"] = (180.0, "12:01:21")
    gave_up = run(capsys, action="mark")
    clock["now"] = (195.0, "12:01:36")
    out = run(capsys, action="rollback", stopped=stopped, gave_up=gave_up, healthy_again=True)
    assert out["record"]["seconds"] == 95.0 and out["record"]["failed_attempt_seconds"] == 80.0
    assert out["line"].startswith("downtime: 95.0 s in all (stopped 12:00:01 UTC, healthy again 12:01:36 UTC)")


def test_rollback_not_healthy_again(capsys, clock):
    stopped = run(capsys, action="mark")
    clock["now"] = (180.0, "12:01:21")
    out = run(capsys, action="rollback", stopped=stopped, gave_up=run(capsys, action="mark"), healthy_again=False)
    assert out["record"]["seconds"] is None and "the service is still down" in out["line"]
