# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The downtime of a restart, measured on the managed host (issue 21: upgrade, its rollback, certificate renewal).

A *mark* is one moment on the host: the monotonic clock (CLOCK_MONOTONIC: one clock for the whole Linux host, so
two module runs of one play compare; NTP or an operator's ``date`` never moves it), the wall time for people (UTC,
second precision, the lifecycle records' form) and the boot id (a reboot restarts the monotonic clock, so marks of
two boots never compare). The role takes one mark just before it issues the stop or restart and one just after
``/manage/health`` answered UP; the downtime is the difference of their monotonic readings. It is an upper bound:
it includes Ansible's start of the restart task and of the closing mark, and the health wait's poll interval.

On a rollback a third mark ends the failed attempt (the moment the role gave up on the new version): the record
holds the failed attempt's time and the total until the previous version answered UP again.

Fail closed: a mark that was not taken, could not be read, or comes from another boot gives
``downtime: not measured (<why>)``, never a number.

Python 3.8 compatible; standard library only.
"""

import datetime
import math
import time

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import lifecycle_records as records

BOOT_ID_PATH = "/proc/sys/kernel/random/boot_id"


def read_boot_id(path=BOOT_ID_PATH):
    """This boot's id (the kernel's random boot_id); OSError or ValueError when it cannot be read."""
    with open(path, encoding="ascii") as handle:
        value = handle.read().strip()
    if not value:
        raise ValueError("%s is empty" % path)
    return value


def _utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


def take_mark(monotonic=time.monotonic, wall=_utc_now, boot_id=read_boot_id):
    """This moment as a mark {monotonic, wall, boot_id}, or {error} naming what could not be read (never raises)."""
    try:
        reading = float(monotonic())
        if not math.isfinite(reading):
            raise ValueError("the monotonic clock read %r" % reading)
        return {"monotonic": reading, "wall": records.utc_text(wall()), "boot_id": boot_id()}
    except Exception as err:  # any failure to read a clock is "not measured", never a crash
        return {"error": "the host's clock could not be read: %s" % (err or type(err).__name__)}


def _number(value):
    """A finite float from a JSON number or its text (Ansible may hand a templated number back as text)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def usable_mark(value, what):
    """(mark, None) for a usable mark, or (None, why not).

    value: a mark, or the registered result of the task that took it (skipped, failed, or holding ``mark``), or
    None when no such task ran. what: the moment's name in the reason ("stop", "gave-up", "healthy")."""
    if value is None or value == "":
        return None, "no %s time was taken" % what
    if not isinstance(value, dict):
        return None, "the %s time is not a mark (%s)" % (what, type(value).__name__)
    if value.get("skipped"):
        return None, "no %s time was taken (its task was skipped)" % what
    if value.get("failed"):
        return None, "the %s time could not be taken: %s" % (what, value.get("msg") or "its task failed")
    if "mark" in value:
        value = value["mark"]
        if not isinstance(value, dict):
            return None, "the %s time is not a mark (%s)" % (what, type(value).__name__)
    elif "monotonic" not in value and "error" not in value:
        # A task result without a mark: its task failed (under failed_when: false) or was something else.
        return None, "the %s time could not be taken: %s" % (what, value.get("msg") or "no mark in its result")
    if value.get("error"):
        return None, "the %s time could not be read: %s" % (what, value["error"])
    reading = _number(value.get("monotonic"))
    if reading is None:
        return None, "the %s time has no monotonic clock reading" % what
    try:
        wall = records.utc_text(records.parse_utc(value.get("wall")))
    except records.RecordError:
        return None, "the %s time has no UTC wall time" % what
    boot = value.get("boot_id")
    if not isinstance(boot, str) or not boot:
        return None, "the %s time has no boot id" % what
    return {"monotonic": reading, "wall": wall, "boot_id": boot}, None


def span(start, end, start_name, end_name):
    """(seconds rounded to 0.1, None) from mark start to mark end, or (None, why not)."""
    first, why = usable_mark(start, start_name)
    if first is None:
        return None, why
    last, why = usable_mark(end, end_name)
    if last is None:
        return None, why
    if first["boot_id"] != last["boot_id"]:
        return None, "the host rebooted between the %s and the %s time" % (start_name, end_name)
    seconds = last["monotonic"] - first["monotonic"]
    if seconds < 0:
        return None, "the %s time is after the %s time" % (start_name, end_name)
    return round(seconds, 1), None


def clock(wall):
    """HH:MM:SS of a wall time in the records' form (YYYY-MM-DDTHH:MM:SSZ)."""
    return wall[11:19]


def _wall(value):
    mark = usable_mark(value, "")[0]
    return mark["wall"] if mark else None


def restart(stopped, healthy, was_running=True):
    """The downtime of a restart that ended healthy: {line, record}.

    stopped: the mark taken just before the stop/restart was issued; healthy: the mark taken just after
    /manage/health answered UP. was_running=False: the service did not run before, so this run caused none."""
    if not was_running:
        note = "the service was not running before this restart"
        return {"line": "downtime: none caused (%s)" % note, "record": {"seconds": 0.0, "note": note}}
    seconds, why = span(stopped, healthy, "stop", "healthy")
    if seconds is None:
        return {"line": "downtime: not measured (%s)" % why, "record": {"seconds": None, "not_measured": why}}
    start, end = _wall(stopped), _wall(healthy)
    return {
        "line": "downtime: %.1f s (stopped %s UTC, healthy %s UTC)" % (seconds, clock(start), clock(end)),
        "record": {"seconds": seconds, "stopped_at": start, "healthy_at": end},
    }


def rollback(stopped, gave_up, now, healthy_again):
    """The downtime of a rolled-back restart: the failed attempt (stop to giving up) and the total (stop to the
    previous version's UP at now; not measured when it did not answer UP either: the service is still down)."""
    attempt, attempt_why = span(stopped, gave_up, "stop", "gave-up")
    total, total_why = (None, "the previous version did not answer healthy either: the service is still down")
    if healthy_again:
        total, total_why = span(stopped, now, "stop", "healthy-again")
    start, end, gave = _wall(stopped), _wall(now), _wall(gave_up)
    record = {"seconds": total, "failed_attempt_seconds": attempt}
    if total is None:
        line = "downtime: not measured (%s)" % total_why
        record["not_measured"] = total_why
    else:
        line = "downtime: %.1f s in all (stopped %s UTC, healthy again %s UTC)" % (total, clock(start), clock(end))
        record.update(stopped_at=start, healthy_at=end)
    if attempt is None:
        line += "; the failed attempt: not measured (%s)" % attempt_why
        record["failed_attempt_not_measured"] = attempt_why
    else:
        line += "; the failed attempt: %.1f s (stopped %s UTC, gave up %s UTC)" % (attempt, clock(start), clock(gave))
        record.update(stopped_at=start, gave_up_at=gave)
    return {"line": line, "record": record}
