# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The pool and the time budget of the probes: bounded daemon threads, one deadline, sticky verdicts.

One budget: probe_all has an absolute time.monotonic() deadline. Every step gets min(the endpoint's timeout,
time left); a step that cannot start, or ends, after the deadline makes its endpoint `timeout`; at the
deadline probe_all closes every unfinished endpoint as `timeout` and returns. An exception in any step makes
its endpoint `error`, for good: nothing that crashed is graded. Work is chained, never awaited inside a
worker, so N endpoints of which some are blackholed take about one timeout per step, not N timeouts.

Python 3.8 compatible; standard library only.
"""

import queue
import threading
import time
import traceback

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils.netprobe_endpoint import (
    _as_seconds,
    _ms,
    _one_line,
    _seconds,
)
from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils.netprobe_grade import endpoint_status

# Worst case, in per-step timeouts, of one endpoint whose every step is slow but answers in time:
# DNS (<= t), then TCP connect or the connection to the proxy (<= t), then one more blocking exchange
# (TLS handshake, CONNECT or HTTP, <= t). Steps beyond these three (HTTP after TLS, the unverified
# re-handshake that reads a rejected certificate) run in what is left and are cut by the budget.
BUDGET_STEPS = 3


def budget_seconds(timeout):
    """The documented worst case of one probe_all run, in seconds, for a per-step `timeout`:
    BUDGET_STEPS * timeout. probe_all returns within this (plus thread wake-up) by construction."""
    return BUDGET_STEPS * (_as_seconds(timeout) or 5.0)


class _OutOfTime(Exception):
    """The run's budget ran out before or during a step."""


class _Stop(Exception):
    """The endpoint already has its verdict (error or timeout): skip the rest of its steps."""


_here = threading.local()  # the name of the step the current worker thread is in, for error messages


class _Job:
    """The state of one endpoint while its steps run on the pool. Result writes happen under `lock`."""

    def __init__(self, ep, result, ctx):
        self.ep = ep
        self.result = result
        self.ctx = ctx
        self.lock = threading.Lock()
        self.pending = 0
        self.claimed = False
        self.closed = False  # the verdict is final; late steps change nothing
        self.error = None  # (message, traceback) of the first internal error: sticky
        self.timed_out = None  # message naming the step the budget cut
        self.step = None  # label of the step in progress; None: still waiting for a worker
        self.proxy_url = None  # the raw proxy URL (may hold credentials; never in the result)
        self.done = threading.Event()
        self.start = time.monotonic()


def _enter(job, name, label):
    """Start a step: remember it (for error and timeout messages) and return its timeout, the endpoint's
    own timeout cut to what is left of the budget."""
    _here.step = name
    with job.lock:
        if job.closed or job.error or job.timed_out:
            raise _Stop()
        job.step = label
    left = job.ctx["deadline"] - time.monotonic()
    if left <= 0:
        raise _OutOfTime("%s could not start: the %s s budget had run out" % (label, _seconds(job.ctx["budget"])))
    return min(job.ep["timeout"], left)


def _put(job, key, value):
    with job.lock:
        if not job.closed:
            job.result[key] = value


def _budget_message(job):
    budget = _seconds(job.ctx["budget"])
    if job.step is None:
        return "still waiting for a free probe worker when the %s s budget ran out" % budget
    return "%s still running when the %s s budget ran out" % (job.step, budget)


def _mark_error(job, step, exc):
    text = _one_line(exc) if str(exc) else ""
    message = "internal error in the %s step: %s%s" % (step, type(exc).__name__, ": " + text if text else "")
    trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    with job.lock:
        if job.error is None and not job.closed:
            job.error = (message, trace)


def _mark_timeout(job, message):
    with job.lock:
        if job.timed_out is None and not job.closed:
            job.timed_out = message


def _close(job):
    """Grade the endpoint (caller holds job.lock). An internal error beats a timeout beats the grading."""
    result = job.result
    result["elapsed_ms"] = _ms(time.monotonic() - job.start)
    verdict = None
    if job.error is None and job.timed_out is None:
        try:
            verdict = endpoint_status(result, http_expected=job.ctx["http"])
        except Exception as exc:
            _here.step = "status grading"
            text = _one_line(exc) if str(exc) else ""
            job.error = (
                "internal error in the status grading step: %s%s" % (type(exc).__name__, ": " + text if text else ""),
                "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
            )
    if job.error is not None:
        result["ok"], result["status"], result["message"] = False, "error", job.error[0]
        result["exception"] = job.error[1]
    elif job.timed_out is not None:
        result["ok"], result["status"], result["message"] = False, "timeout", job.timed_out
    else:
        result["ok"], result["status"], result["message"] = verdict
        result["ok"] = result["ok"] is True and result["status"] in ("ok", "skipped")
    job.closed = True
    job.done.set()


def _finish(job):
    with job.lock:
        job.pending -= 1
        if job.pending <= 0 and not job.closed:
            _close(job)


def _run_step(job, fn, args):
    """Run one step of one endpoint; never raises, so the worker thread survives anything."""
    _here.step = "endpoint"
    try:
        try:
            fn(job, *args)
            if time.monotonic() >= job.ctx["deadline"]:
                raise _OutOfTime(None)
        except _Stop:
            pass
        except _OutOfTime as exc:
            _mark_timeout(job, exc.args[0] or _budget_message(job))
        except Exception as exc:
            _mark_error(job, getattr(_here, "step", "endpoint"), exc)
        _finish(job)
    except Exception as exc:  # a bug in the bookkeeping itself: still close the endpoint as an error
        with job.lock:
            if not job.closed:
                job.error = job.error or ("internal error in the probe pool: %s" % _one_line(exc), "")
                job.result.update(ok=False, status="error", message=job.error[0], exception=job.error[1])
                job.closed = True
                job.done.set()


class _Pool:
    """A bounded pool of daemon threads (a hung resolver never delays the module's exit)."""

    def __init__(self, workers):
        self._queue = queue.Queue()
        self._workers = workers
        for index in range(workers):
            thread = threading.Thread(target=self._run, name="probe-%d" % index)
            thread.daemon = True
            thread.start()

    def submit(self, job, fn, *args):
        self._queue.put((job, fn, args))

    def close(self):
        """Let every worker exit once the work queued before this is done (closed endpoints skip it)."""
        for _index in range(self._workers):
            self._queue.put(None)

    def _run(self):
        while True:
            item = self._queue.get()
            if item is None:
                return
            _run_step(*item)
