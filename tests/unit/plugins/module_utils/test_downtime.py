# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The downtime of a restart (upgrade, rollback, certificate renewal): marks taken with injected clocks, the
measured line and record, and every way a mark can be missing or unreadable giving "not measured", never a number."""

import datetime
import json

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import downtime
from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import lifecycle_records as records

BOOT = "0b6f2d8e-1111-4c1e-9a0e-7c3f00000001"
NOON = datetime.datetime(2026, 12, 7, 12, 0, 1, 400000, tzinfo=datetime.timezone.utc)


def mark(monotonic, seconds_after_noon=0.0, boot=BOOT):
    wall = NOON + datetime.timedelta(seconds=seconds_after_noon)
    return downtime.take_mark(monotonic=lambda: monotonic, wall=lambda: wall, boot_id=lambda: boot)


def fail(error):
    def clock():
        raise error

    return clock


# ---------------------------------------------------------------- marks
def test_a_mark_holds_the_monotonic_reading_the_utc_wall_time_and_the_boot_id():
    assert mark(100.25) == {"monotonic": 100.25, "wall": "2026-12-07T12:00:01Z", "boot_id": BOOT}


def test_the_boot_id_is_read_from_the_kernels_file(tmp_path):
    path = tmp_path / "boot_id"
    path.write_text(BOOT + "\n")
    assert downtime.read_boot_id(str(path)) == BOOT


@pytest.mark.parametrize(
    ("clocks", "expected"),
    [
        ({"monotonic": fail(OSError("clock_gettime: Invalid argument"))}, "clock_gettime: Invalid argument"),
        ({"monotonic": lambda: float("nan")}, "the monotonic clock read nan"),
        ({"wall": fail(OverflowError("date value out of range"))}, "date value out of range"),
        ({"boot_id": fail(FileNotFoundError(2, "No such file or directory"))}, "No such file or directory"),
    ],
    ids=["monotonic-raises", "monotonic-nan", "wall-raises", "boot-id-missing"],
)
def test_a_clock_that_cannot_be_read_gives_a_mark_with_the_error_never_a_crash(clocks, expected):
    args = {"monotonic": lambda: 1.0, "wall": lambda: NOON, "boot_id": lambda: BOOT}
    args.update(clocks)
    got = downtime.take_mark(**args)
    assert set(got) == {"error"} and expected in got["error"]


def test_an_empty_boot_id_file_is_an_error(tmp_path):
    path = tmp_path / "boot_id"
    path.write_text("\n")
    got = downtime.take_mark(monotonic=lambda: 1.0, wall=lambda: NOON, boot_id=lambda: downtime.read_boot_id(path))
    assert "is empty" in got["error"]


def test_the_real_clocks_give_a_mark_on_this_linux_host():
    got = downtime.take_mark()
    assert set(got) == {"monotonic", "wall", "boot_id"}
    assert records.parse_utc(got["wall"]) and got["boot_id"]


# ---------------------------------------------------------------- a healthy restart
def test_a_restart_measures_from_the_stop_mark_to_the_healthy_mark():
    got = downtime.restart(mark(100.0), mark(107.44, 7.0))
    assert got["line"] == "downtime: 7.4 s (stopped 12:00:01 UTC, healthy 12:00:08 UTC)"
    assert got["record"] == {"seconds": 7.4, "stopped_at": "2026-12-07T12:00:01Z", "healthy_at": "2026-12-07T12:00:08Z"}


def test_the_stop_mark_may_be_the_registered_result_of_the_task_that_took_it():
    registered = {"changed": False, "mark": mark(100.0), "invocation": {"module_args": {"action": "mark"}}}
    assert downtime.restart(registered, mark(103.0, 3.0))["record"]["seconds"] == 3.0


def test_a_monotonic_reading_handed_back_as_text_still_measures():
    stopped = dict(mark(100.0), monotonic="100.0")
    assert downtime.restart(stopped, mark(101.5, 2.0))["record"]["seconds"] == 1.5


def test_the_wall_clock_stepping_back_does_not_change_the_measured_seconds():
    got = downtime.restart(mark(100.0, 0.0), mark(105.0, -3600.0))
    assert got["record"]["seconds"] == 5.0
    assert got["line"].startswith("downtime: 5.0 s (stopped 12:00:01 UTC, healthy 11:00:01 UTC)")


def test_a_service_that_was_not_running_had_no_downtime_caused_by_the_run():
    got = downtime.restart(None, mark(5.0), was_running=False)
    assert got["line"] == "downtime: none caused (the service was not running before this restart)"
    assert got["record"]["seconds"] == 0.0


STOP_FAILURES = [
    (None, "no stop time was taken"),
    ("", "no stop time was taken"),
    ("12:00:01", "the stop time is not a mark (str)"),
    ({"skipped": True, "changed": False}, "no stop time was taken (its task was skipped)"),
    ({"failed": True, "msg": "MODULE FAILURE"}, "the stop time could not be taken: MODULE FAILURE"),
    ({"failed": False, "msg": "MODULE FAILURE"}, "the stop time could not be taken: MODULE FAILURE"),  # failed_when
    ({"mark": "later"}, "the stop time is not a mark (str)"),
    ({"mark": {"error": "the host's clock could not be read: x"}}, "could not be read: the host's clock could not"),
    ({"monotonic": None, "wall": "2026-12-07T12:00:01Z", "boot_id": BOOT}, "has no monotonic clock reading"),
    ({"monotonic": True, "wall": "2026-12-07T12:00:01Z", "boot_id": BOOT}, "has no monotonic clock reading"),
    ({"monotonic": "soon", "wall": "2026-12-07T12:00:01Z", "boot_id": BOOT}, "has no monotonic clock reading"),
    ({"monotonic": "inf", "wall": "2026-12-07T12:00:01Z", "boot_id": BOOT}, "has no monotonic clock reading"),
    ({"monotonic": 100.0, "wall": "noon", "boot_id": BOOT}, "the stop time has no UTC wall time"),
    ({"monotonic": 100.0, "wall": "2026-12-07T12:00:01Z", "boot_id": ""}, "the stop time has no boot id"),
]


@pytest.mark.parametrize(("stopped", "why"), STOP_FAILURES, ids=[why for _stopped, why in STOP_FAILURES])
def test_a_stop_mark_that_is_missing_or_unreadable_is_not_measured_never_a_number(stopped, why):
    got = downtime.restart(stopped, mark(107.0, 7.0))
    assert got["line"].startswith("downtime: not measured (") and why in got["line"]
    assert got["record"] == {"seconds": None, "not_measured": got["line"][len("downtime: not measured (") : -1]}


def test_a_healthy_mark_that_could_not_be_read_is_not_measured():
    got = downtime.restart(mark(100.0), {"error": "the host's clock could not be read: EIO"})
    assert got["line"] == (
        "downtime: not measured (the healthy time could not be read: the host's clock could not be read: EIO)"
    )


def test_marks_of_two_boots_are_not_compared():
    got = downtime.restart(mark(100.0), mark(3.0, 60.0, boot="another-boot"))
    assert got["line"] == "downtime: not measured (the host rebooted between the stop and the healthy time)"


def test_a_healthy_mark_before_the_stop_mark_is_not_measured():
    got = downtime.restart(mark(100.0), mark(99.0, 1.0))
    assert got["line"] == "downtime: not measured (the stop time is after the healthy time)"


# ---------------------------------------------------------------- a rollback
def test_a_rollback_reports_the_failed_attempt_and_the_total():
    got = downtime.rollback(mark(100.0), mark(180.06, 80.0), mark(195.2, 95.0), healthy_again=True)
    assert got["line"] == (
        "downtime: 95.2 s in all (stopped 12:00:01 UTC, healthy again 12:01:36 UTC); "
        "the failed attempt: 80.1 s (stopped 12:00:01 UTC, gave up 12:01:21 UTC)"
    )
    assert got["record"] == {
        "seconds": 95.2,
        "failed_attempt_seconds": 80.1,
        "stopped_at": "2026-12-07T12:00:01Z",
        "healthy_at": "2026-12-07T12:01:36Z",
        "gave_up_at": "2026-12-07T12:01:21Z",
    }


def test_a_rollback_that_is_not_healthy_again_has_no_total_the_service_is_still_down():
    got = downtime.rollback(mark(100.0), mark(180.0, 80.0), mark(195.0, 95.0), healthy_again=False)
    assert got["line"].startswith("downtime: not measured (the previous version did not answer healthy either")
    assert "; the failed attempt: 80.0 s" in got["line"]
    assert got["record"]["seconds"] is None and got["record"]["failed_attempt_seconds"] == 80.0


def test_a_rollback_without_a_gave_up_mark_still_has_the_total():
    got = downtime.rollback(mark(100.0), None, mark(195.0, 95.0), healthy_again=True)
    assert got["line"].endswith("; the failed attempt: not measured (no gave-up time was taken)")
    assert got["record"]["seconds"] == 95.0 and got["record"]["failed_attempt_seconds"] is None


def test_a_rollback_without_a_stop_mark_measures_nothing():
    got = downtime.rollback(None, mark(180.0, 80.0), mark(195.0, 95.0), healthy_again=True)
    assert got["record"]["seconds"] is None and got["record"]["failed_attempt_seconds"] is None
    assert got["line"].count("not measured (no stop time was taken)") == 2


# ---------------------------------------------------------------- the lifecycle record
@pytest.mark.parametrize(
    "measured",
    [
        downtime.restart(mark(100.0), mark(107.4, 7.0)),
        downtime.restart(None, mark(1.0)),
        downtime.rollback(mark(100.0), mark(180.0, 80.0), mark(195.0, 95.0), True),
    ],
    ids=["measured", "not-measured", "rollback"],
)
def test_the_record_goes_into_the_history_through_lifecycle_records_and_reads_back(measured):
    line = records.history_line("upgrade", NOON, to="4.0.10", result="healthy", downtime=measured["record"])
    assert records.parse_history(line)[0]["downtime"] == json.loads(json.dumps(measured["record"]))
