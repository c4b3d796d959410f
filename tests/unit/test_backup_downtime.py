"""The backup role measures its downtime like the install role: service_downtime on the host (issue 21).

One mechanism for one quantity: a mark on the host's monotonic clock just before the stop (stop.yml) and the
measurement just after /manage/health answered UP (start.yml); never the controller's clock (now()), which adds
Ansible's own overhead and jumps when the controller's clock is stepped. The module's own behaviour (fail closed:
seconds null with the reason) is tested in tests/unit/plugins/module_utils/test_downtime.py.
"""

import pathlib

import yaml

TASKS = pathlib.Path(__file__).resolve().parents[2] / "roles" / "backup" / "tasks"
MODULE = "eformidling.integrasjonspunkt.service_downtime"


def tasks(name):
    return yaml.safe_load((TASKS / name).read_text(encoding="utf-8"))


def flat(items):
    for task in items or []:
        yield task
        for key in ("block", "rescue", "always"):
            yield from flat(task.get(key))


def test_no_backup_task_times_the_downtime_with_the_controllers_clock():
    for path in sorted(TASKS.glob("*.yml")):
        assert "now(" not in path.read_text(encoding="utf-8"), path.name


def test_the_stop_mark_is_taken_on_the_host_before_the_service_is_stopped():
    stop = list(flat(tasks("stop.yml")))
    marks = [i for i, t in enumerate(stop) if MODULE in t]
    stops = [i for i, t in enumerate(stop) if t.get("ansible.builtin.systemd_service", {}).get("state") == "stopped"]
    assert len(marks) == 1 and stops and marks[0] < min(stops)
    mark = stop[marks[0]]
    assert mark[MODULE]["action"] == "mark" and mark["register"] == "__backup_stop_mark"
    assert mark["failed_when"] is False  # a mark that failed is "not measured", never a failed backup


def test_the_downtime_is_measured_on_the_host_after_the_health_wait_and_recorded_as_measured():
    start = tasks("start.yml")
    block = next(t for t in start if "block" in t)  # start, then the install role's health wait
    assert any(t.get("ansible.builtin.include_role", {}).get("tasks_from") == "health_wait" for t in flat([block]))
    measure = next(t for t in start if MODULE in t)
    assert start.index(measure) > start.index(block)
    assert measure[MODULE]["action"] == "restart"
    assert "__backup_stop_mark" in measure[MODULE]["stopped"]
    assert measure["failed_when"] is False and measure["check_mode"] is False
    for entry in ("main.yml", "restore.yml"):
        text = (TASKS / entry).read_text(encoding="utf-8")
        assert 'backup_downtime_seconds: "{{ __backup_downtime.seconds }}"' in text, entry
        assert 'downtime: "{{ __backup_downtime }}"' in text, entry
        assert "DOWNTIME not measured (" in text, entry
