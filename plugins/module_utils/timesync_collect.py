# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The time collector: gathers every time-sync view of a host in-process, inside one monotonic time budget.

``gather(run, which, ...)`` returns the dict that ``timesync_facts`` returns as
``ansible_facts.eformidling_timesync``. Any module can call it: ``run(argv, timeout)`` runs a read-only command
and returns ``(rc, stdout, stderr)``, or None when the binary is missing, and raises ``CommandTimeout`` (or
``subprocess.TimeoutExpired``) when it ran out of time; ``which(name)`` is a path or None. ``run_command`` and
``which`` below are ready-made ones (subprocess, LC_ALL=C, the process group killed on timeout).

Fail closed: a command that times out, a step that raises, or a step still running at the deadline gives that
view ``synchronised: None`` with a ``reason`` (and ``error`` for our own exceptions), never a pass. The views are
gathered concurrently (chrony, ntpd, timedatectl, the NTP probes), so the whole call takes about the slowest of
them, bounded by ``deadline`` (a time.monotonic() value). Read-only, needs no root. Python 3.8 compatible.
"""

import contextlib
import glob
import os
import shutil
import signal
import subprocess
import threading
import time

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import (
    sntp,
    timesync,
    tzif,
    upstream_defaults,
)

DEFAULT_CHECK_HOST = upstream_defaults.NTP_HOST
DEFAULT_COMMAND_TIMEOUT = 5.0
CHRONY_CONFS = ("/etc/chrony/chrony.conf", "/etc/chrony.conf")
NTP_CONFS = ("/etc/ntpsec/ntp.conf", "/etc/ntp.conf")
TIMESYNCD_CONFS = ("/etc/systemd/timesyncd.conf", "/etc/systemd/timesyncd.conf.d/*.conf")
TIMESYNCD_BINS = ("/lib/systemd/systemd-timesyncd", "/usr/lib/systemd/systemd-timesyncd")
ZONEINFO = "/usr/share/zoneinfo"
SBIN_DIRS = ("/usr/sbin", "/sbin", "/usr/local/sbin")
COMMAND_ENV = {"LANG": "C", "LC_ALL": "C", "LC_MESSAGES": "C"}
# A command is not started with less than this left: it could not finish anyway.
MIN_COMMAND_SECONDS = 0.05
# Commands and probes stop this long before the deadline, so that killing them and recording the outcome
# happens before it: the step then reports "timed out", not "did not finish".
DEADLINE_RESERVE_SECONDS = 0.15


class CommandTimeout(Exception):
    """A command ran out of time (raised by run_command; gather accepts subprocess.TimeoutExpired too)."""

    def __init__(self, argv, timeout):
        Exception.__init__(self, "%s timed out after %.3g s" % (" ".join(argv), timeout))
        self.argv = list(argv)
        self.timeout = timeout


# --------------------------------------------------------------------------- default runner


def which(name):
    """Path of `name` on PATH or in the sbin directories, or None."""
    path = os.environ.get("PATH") or os.defpath
    return shutil.which(name, path=os.pathsep.join([path, *SBIN_DIRS]))


def run_command(argv, timeout, resolve=None):
    """Run a read-only command with LC_ALL=C -> (rc, stdout, stderr), None when the binary is missing.

    Raises CommandTimeout after `timeout` seconds; the command's whole process group is killed then, so a
    helper it forked cannot keep the pipes open.
    """
    path = (resolve or which)(argv[0])
    if not path:
        return None
    env = dict(os.environ)
    env.update(COMMAND_ENV)
    # Not AnsibleModule.run_command: it has no timeout, and this must kill the command's whole process group
    # when the time budget runs out (ansible-test 2.21's ansible-bad-function check; 2.19 and 2.20 lack it).
    proc = subprocess.Popen(  # pylint: disable=ansible-bad-function
        [path, *argv[1:]],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=max(0.0, timeout))
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise CommandTimeout(argv, timeout) from None
    return proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def _kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        proc.kill()
    # a grandchild that left the group may hold the pipes: do not wait for it
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.communicate(timeout=2)


# --------------------------------------------------------------------------- budget and guarded steps


class Budget:
    """Per-command timeouts bounded by an absolute monotonic deadline; records every command it runs."""

    def __init__(self, run, command_timeout, deadline):
        self.run = run
        self.command_timeout = float(command_timeout)
        self.deadline = deadline
        self.commands = []
        self._lock = threading.Lock()

    def remaining(self):
        return None if self.deadline is None else self.deadline - DEADLINE_RESERVE_SECONDS - time.monotonic()

    def command(self, argv):
        """``(result, failure)``: result is ``(rc, out, err)`` or None (missing); failure a sentence or None."""
        timeout = self.command_timeout
        left = self.remaining()
        if left is not None:
            timeout = min(timeout, left)
        name = " ".join(argv)
        record = {"command": name, "timeout_seconds": round(timeout, 3), "outcome": None, "seconds": 0.0}
        with self._lock:
            self.commands.append(record)
        if timeout < MIN_COMMAND_SECONDS:
            record["outcome"] = "skipped"
            return None, "%s was not run: the time budget was used up" % name
        started = time.monotonic()
        try:
            result = self.run(list(argv), timeout)
        except (CommandTimeout, subprocess.TimeoutExpired):
            record["outcome"] = "timeout"
            return None, "%s timed out after %s s" % (name, _seconds(timeout))
        except Exception as exc:  # a runner that breaks is an error of ours, not a missing tool
            record["outcome"] = "error"
            return None, "%s could not be run: %s: %s" % (name, exc.__class__.__name__, exc)
        finally:
            record["seconds"] = round(time.monotonic() - started, 6)
        record["outcome"] = "missing" if result is None else "rc=%s" % (result[0],)
        return result, None


def _seconds(value):
    return ("%.3f" % value).rstrip("0").rstrip(".")


def failed_view(view, reason, error=None):
    """`view` marked unknown: synchronised None, ``reason`` and ``error`` (the exception text, or the reason).

    ``error`` set means our collection failed (a crash, a timeout, the budget), not that the daemon said no.
    """
    view["available"] = False
    view["synchronised"] = None
    view["unsync_reasons"] = []
    view["offset_seconds"] = None
    view["max_error_seconds"] = None
    view["reason"] = reason
    view["error"] = error or reason
    return view


def _guard(step, fallback, fn, *args):
    """fn(*args), or `fallback()` marked unknown with the exception text when fn raises."""
    try:
        value = fn(*args)
    except Exception as exc:  # fail closed: a crashed step is unknown, with its text
        error = "%s: %s" % (exc.__class__.__name__, exc)
        return failed_view(fallback(), "%s failed: %s" % (step, error), error)
    if isinstance(value, dict):
        value.setdefault("error", None)
    return value


class _Step:
    """One gathering step in its own thread; `value(deadline)` waits for it until the deadline."""

    def __init__(self, name, fn):
        self.name = name
        self.result = None
        self.error = None
        self.started = time.monotonic()
        self.thread = threading.Thread(target=self._work, args=(fn,), name="timesync-" + name)
        self.thread.daemon = True
        self.thread.start()

    def _work(self, fn):
        try:
            self.result = fn()
        except Exception as exc:  # the step's own guard normally catches; this is the last net
            self.error = "%s: %s" % (exc.__class__.__name__, exc)

    def join(self, deadline):
        self.thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        return not self.thread.is_alive()


# --------------------------------------------------------------------------- files and services


def read(path, binary=False, limit=1 << 20):
    """File content, or None when unreadable."""
    try:
        with open(path, "rb" if binary else "r") as fh:
            return fh.read(limit)
    except (OSError, UnicodeDecodeError):
        return None


def services(which_fn):
    present = []
    if which_fn("chronyd"):
        present.append("chrony")
    if which_fn("ntpd"):
        present.append("ntpd")
    if any(os.path.exists(p) for p in TIMESYNCD_BINS):
        present.append("timesyncd")
    comms = [read(path) or "" for path in own_namespace_procs(glob.glob("/proc/[0-9]*/comm"))]
    summary = timesync.service_summary(present, timesync.services_from_comms(comms))
    summary["error"] = None
    return summary


def own_namespace_procs(comm_paths, readlink=os.readlink):
    """The /proc/PID/comm paths of processes in our own PID namespace.

    A container's time daemon (systemd-nspawn, docker) shows in the host's /proc but does not set the
    host's clock. Where the namespace link cannot be read (another user's process without root), the
    process is kept: better a possible conflict reported than a daemon missed.
    """
    try:
        ours = readlink("/proc/self/ns/pid")
    except OSError:
        return list(comm_paths)
    kept = []
    for path in comm_paths:
        try:
            theirs = readlink(os.path.join(os.path.dirname(path), "ns", "pid"))
        except OSError:
            theirs = ours
        if theirs == ours:
            kept.append(path)
    return kept


def failed_services(error):
    """The service fact when finding the services raised: nothing is known, which is not "none running"."""
    return {"present": [], "active": [], "conflict": None, "name": None, "error": error}


def chrony_servers(path, depth=0, seen=None):
    seen = set() if seen is None else seen
    if depth > 4 or path in seen:
        return []
    seen.add(path)
    servers, includes = timesync.parse_chrony_conf(read(path))
    for directive, arg in includes:
        if directive == "include":
            files = glob.glob(arg)
        elif directive == "confdir":
            files = glob.glob(os.path.join(arg, "*.conf"))
        else:
            files = glob.glob(os.path.join(arg, "*.sources"))
        for included in sorted(files):
            servers += chrony_servers(included, depth + 1, seen)
    return servers


def configured_servers(active):
    found = {"chrony": [], "ntpd": [], "timesyncd": []}
    for path in CHRONY_CONFS:
        if os.path.exists(path):
            found["chrony"] += chrony_servers(path)
            break
    for path in NTP_CONFS:
        if os.path.exists(path):
            found["ntpd"] += timesync.parse_ntp_conf(read(path))
            break
    for pattern in TIMESYNCD_CONFS:
        for path in sorted(glob.glob(pattern)):
            found["timesyncd"] = timesync.parse_timesyncd_conf(read(path)) or found["timesyncd"]
    names = [s for s in active if s in found] or list(found)
    return timesync.unique([server for name in names for server in found[name]])


def timezone(show_cmd, now):
    name, source = None, None
    if show_cmd is not None and show_cmd[0] == 0:
        name = timesync.parse_keyvalue(show_cmd[1]).get("Timezone") or None
        source = "timedatectl" if name else None
    if not name:
        name = tzif.zone_name_from_etc_timezone(read("/etc/timezone"))
        source = "/etc/timezone" if name else None
    if not name:
        try:
            name = tzif.zone_name_from_link(os.readlink("/etc/localtime"))
        except OSError:
            name = None
        source = "/etc/localtime" if name else None
    localtime, error = None, None
    try:
        with open("/etc/localtime", "rb") as fh:
            localtime = fh.read(1 << 20)
    except OSError as exc:
        error = exc.strerror or str(exc)
    oslo, _reason = tzif.parse_tzif(read(os.path.join(ZONEINFO, "Europe", "Oslo"), binary=True))
    if oslo is None:
        oslo = tzif.zone_from_posix(tzif.OSLO_TZ)
    return tzif.timezone_view(name, source, localtime, oslo, now, localtime_error=error)


def empty_timezone():
    return {
        "name": None,
        "source": None,
        "utc_offset_seconds": None,
        "abbreviation": None,
        "is_dst": None,
        "oslo_equivalent": None,
        "reason": None,
    }


# --------------------------------------------------------------------------- the views


# The empty views are built here, not by the view functions: those are what may have failed.


def _empty_chrony():
    return timesync.empty_view(
        tracking=None, sources=[], offset_basis=None, offset_note=None, reference_time_age_seconds=None
    )


def _empty_ntpd():
    return timesync.empty_view(peers=[], system=None)


def _empty_timesyncd():
    return timesync.empty_view(**dict.fromkeys(TIMESYNCD_KEYS))


def _empty_kernel():
    return timesync.empty_view(
        state=None, status=None, status_flags=[], maxerror_seconds=None, esterror_seconds=None, frequency_ppm=None
    )


TIMESYNCD_KEYS = (
    "ntp_enabled",
    "can_ntp",
    "ntp_synchronized",
    "timezone",
    "local_rtc",
    "server_name",
    "server_address",
    "poll_interval_seconds",
    "root_distance_max_seconds",
    "ntp_message",
)


def chronyc_argv(chronyc_host=None, chronyc_port=None):
    argv = ["chronyc"]
    if chronyc_host:
        argv += ["-h", chronyc_host]
    if chronyc_port:
        argv += ["-p", str(chronyc_port)]
    return argv + ["-c"]


def chrony_step(budget, chronyc, now, max_age):
    tracking, failure = budget.command([*chronyc, "tracking"])
    if failure:
        return failed_view(_empty_chrony(), failure)
    sources, sources_failure = None, None
    if tracking is not None and tracking[0] == 0:
        sources, sources_failure = budget.command([*chronyc, "sources"])
    view = _guard("chrony view", _empty_chrony, timesync.chrony_view, tracking, sources, now, max_age)
    if sources_failure:
        # Without sources there is no selected source, and "not synchronised" would be a verdict we did not
        # reach: unknown, keeping the tracking report for the reader.
        return failed_view(view, sources_failure)
    return view


def ntpd_step(budget, active):
    if "ntpd" not in active:
        view = _empty_ntpd()
        view["reason"] = "ntpd is not running"
        view["error"] = None
        return view
    peers, failure = budget.command(["ntpq", "-pn"])
    if failure:
        return failed_view(_empty_ntpd(), failure)
    readvar, rv_failure = budget.command(
        ["ntpq", "-n", "-c", "rv 0 leap,stratum,refid,offset,rootdelay,rootdisp,sys_jitter"]
    )
    view = _guard("ntpd view", _empty_ntpd, timesync.ntpd_view, peers, readvar)
    if rv_failure:  # without the system variables leap 3 would go unseen: unknown, not a verdict
        return failed_view(view, rv_failure)
    return view


def timedatectl_step(budget, active):
    """``(timesyncd view, timedatectl show result or None)``."""
    show, failure = budget.command(["timedatectl", "show"])
    if failure:
        return failed_view(_empty_timesyncd(), failure), None
    timesync_cmd = None
    if "timesyncd" in active:
        timesync_cmd, ts_failure = budget.command(["timedatectl", "show-timesync"])
        if ts_failure:
            view = _guard("timesyncd view", _empty_timesyncd, timesync.timesyncd_view, show, None)
            return failed_view(view, ts_failure), show
    view = _guard("timesyncd view", _empty_timesyncd, timesync.timesyncd_view, show, timesync_cmd)
    if "timesyncd" not in active and show is not None and show[0] == 0 and view.get("error") is None:
        view["reason"] = "systemd-timesyncd is not running"
    return view, show


def kernel_step():
    timex, reason = timesync.read_adjtimex()
    return timesync.kernel_view(timex, reason)


# --------------------------------------------------------------------------- probes


def probe_list(ntp_servers, check_host, configured):
    if ntp_servers is not None:
        return list(ntp_servers)
    return timesync.unique([*configured, check_host] if check_host else configured)


def probe_all(servers, probes_done, samples, timeout, client, deadline):
    """One record per server, in order; servers in `probes_done` are not probed again (its records are used)."""
    done = probes_done or {}
    todo = timesync.unique([s for s in servers if s not in done])
    measured = {}
    if todo:
        results = sntp.probe_servers(todo, samples, timeout, client, deadline=deadline)
        measured = dict(zip(todo, results))
    return [done[s] if s in done else measured[s] for s in servers]


def _failed_probes(servers, probes_done, client, error):
    done = probes_done or {}
    return [done[s] if s in done else sntp.empty_result(s, client, error, "error") for s in servers]


# --------------------------------------------------------------------------- gather


def gather(
    run,
    which,
    *,
    ntp_servers=None,
    check_host=DEFAULT_CHECK_HOST,
    probe=True,
    probe_timeout=1.0,
    probe_samples=4,
    probe_client="auto",
    chronyc_host=None,
    chronyc_port=None,
    reference_time_max_age=timesync.DEFAULT_REFERENCE_TIME_MAX_AGE,
    deadline=None,
    command_timeout=DEFAULT_COMMAND_TIMEOUT,
    probes_done=None,
):
    """Every time-sync view of this host -> the ``eformidling_timesync`` dict (see timesync_facts RETURN).

    ``deadline`` is an absolute time.monotonic() value: every command's timeout and every probe is bounded by
    it, and a step still running then is reported unknown. ``reference_time_max_age`` None leaves the age of
    chrony's reference out of ``synchronised`` (the caller judges ``chrony.reference_time_age_seconds``).
    ``probes_done`` maps a server spec to a probe record the caller made (or will fill in): that server is not
    probed again, and the caller's record object is returned in ``probes``.

    Worst case without a deadline: max(2 * command_timeout, probe_samples * probe_timeout + 1) plus thread
    overhead; with one, the deadline plus thread overhead (a runner that ignores its timeout is abandoned then).
    """
    started = time.monotonic()
    budget = Budget(run, command_timeout, deadline)
    now = time.time()
    service = _guard_services(which)
    active = service["active"]

    configured, configured_error = [], None
    try:
        configured = configured_servers(active)
    except Exception as exc:  # a configuration we cannot read must not hide the probes of check_host
        configured_error = "reading the time daemon configuration failed: %s: %s" % (exc.__class__.__name__, exc)
    servers = probe_list(ntp_servers, check_host, configured) if probe else []

    inner_deadline = None if deadline is None else deadline - DEADLINE_RESERVE_SECONDS
    steps = {}
    if servers:
        steps["probes"] = _Step(
            "probes",
            lambda: probe_all(servers, probes_done, probe_samples, probe_timeout, probe_client, inner_deadline),
        )
    chronyc = chronyc_argv(chronyc_host, chronyc_port)
    steps["chrony"] = _Step("chrony", lambda: chrony_step(budget, chronyc, now, reference_time_max_age))
    steps["ntpd"] = _Step("ntpd", lambda: ntpd_step(budget, active))
    steps["timedatectl"] = _Step("timedatectl", lambda: timedatectl_step(budget, active))

    kernel = _guard("kernel view", _empty_kernel, kernel_step)

    values = {}
    for name, step in steps.items():
        finished = step.join(deadline)
        if not finished:
            values[name] = (None, "%s did not finish within the time budget (%.3g s)" % (name, _elapsed(started)))
        elif step.error:
            values[name] = (None, "%s failed: %s" % (name, step.error))
        else:
            values[name] = (step.result, None)

    chrony = _step_view(values["chrony"], _empty_chrony)
    ntpd = _step_view(values["ntpd"], _empty_ntpd)
    show = None
    result, failure = values["timedatectl"]
    if failure:
        timesyncd = failed_view(_empty_timesyncd(), failure)
    else:
        timesyncd, show = result

    tz = _guard_timezone(show, now)
    probes = []
    if servers:
        result, failure = values["probes"]
        probes = result if failure is None else _failed_probes(servers, probes_done, probe_client, failure)

    views = {"chrony": chrony, "ntpd": ntpd, "timesyncd": timesyncd}
    try:
        source, synchronised, offset, max_err = timesync.overall(service["name"], chrony, ntpd, timesyncd, kernel)
    except Exception as exc:  # fail closed: no verdict
        source, synchronised, offset, max_err = None, None, None, None
        configured_error = "judging the views failed: %s: %s" % (exc.__class__.__name__, exc)
    running = views.get(service["name"])
    if running is not None and running.get("error"):
        # The running daemon's view could not be collected: another view must not stand in for it.
        source, synchronised, offset, max_err = service["name"], None, None, None

    return {
        "offset_convention": timesync.OFFSET_CONVENTION,
        "synchronised": synchronised,
        "offset_seconds": offset,
        "max_error_seconds": max_err,
        "source": source,
        "service": service,
        "chrony": chrony,
        "ntpd": ntpd,
        "timesyncd": timesyncd,
        "kernel": kernel,
        "timezone": tz,
        "ntp_servers_configured": configured,
        "probes": probes,
        "error": configured_error,
        "commands": list(budget.commands),
        "duration_seconds": round(_elapsed(started), 6),
    }


def _elapsed(started):
    return time.monotonic() - started


def _step_view(value, empty):
    result, failure = value
    if failure:
        return failed_view(empty(), failure)
    return result


def _guard_services(which_fn):
    try:
        return services(which_fn)
    except Exception as exc:  # unknown, not "no time service"
        return failed_services("finding the time services failed: %s: %s" % (exc.__class__.__name__, exc))


def _guard_timezone(show, now):
    try:
        return timezone(show, now)
    except Exception as exc:  # fail closed: every value unknown, with the reason
        tz = empty_timezone()
        tz["reason"] = "reading the time zone failed: %s: %s" % (exc.__class__.__name__, exc)
        return tz
