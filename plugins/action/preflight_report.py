# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Gather every host's registered preflight result and write the JSON, JUnit, Markdown and HTML reports.

Runs on the controller only. The per-host record is read from hostvars[host][result_var], the variable the
host's preflight task registered; never from ansible_facts, so a fact cache cannot serve a stale verdict.
"""

import datetime
import functools
from collections.abc import Mapping

from ansible.errors import AnsibleActionFail
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import (
    paths,
    report,
    report_files,
    report_metrics,
)

FORMATS = {
    "json": ("preflight.json", report.json_report),
    "junit": ("preflight-junit.xml", report.junit_report),
    "markdown": ("preflight.md", report.markdown_report),
    "html": ("preflight.html", report.html_report),
    # Opt-in (not in the default formats): for node_exporter's textfile collector (docs/metrics.md).
    "prom": ("preflight.prom", report_metrics.prometheus_report),
}
# The runs these reports are of; each writes its own file names (status.json, status-junit.xml, ...).
RUNS = ("preflight", "status")
DEFAULT_FORMATS = ["json", "junit", "markdown", "html"]

ARGUMENT_SPEC = {
    "hosts": {"type": "list", "elements": "str", "required": True},
    "report_dir": {"type": "path"},
    "formats": {"type": "list", "elements": "str", "default": DEFAULT_FORMATS, "choices": list(FORMATS)},
    "meta": {"type": "dict"},
    "result_var": {"type": "str", "default": "preflight_result"},
    "run": {"type": "str", "default": "preflight", "choices": list(RUNS)},
    "fail_var": {"type": "str"},
    "stats_key": {"type": "str"},
}


def plain(value):
    """Plain dicts, lists and strings (hostvars hand out lazy, tagged containers)."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


def host_record(hostvars, host, result_var):
    """The host's registered record, None when the task never ran; an error record when the host is unknown."""
    if host not in hostvars:
        return {"failed": True, "msg": "%s is not in the inventory" % host}
    try:
        record = hostvars[host].get(result_var)
    except Exception as exc:  # a value that cannot be templated must not hide the other hosts
        return {"failed": True, "msg": "cannot read %s of %s: %s: %s" % (result_var, host, type(exc).__name__, exc)}
    return None if record is None else plain(record)


def fails_host(hostvars, host, fail_var):
    """Whether the verdict would fail this host if it is not ok: its `fail_var`, True when unset or unreadable."""
    try:
        value = hostvars[host].get(fail_var)
        return True if value is None else boolean(value, strict=True)
    except Exception:  # not a boolean, or a template that cannot be resolved: the verdict task decides
        return True


def verdict_hosts(rows, hostvars, fail_var):
    """The hosts a verdict play has to visit: failed or in error, and not told to pass (never an ok host)."""
    return [r["host"] for r in rows if r["state"] in ("failed", "error") and fails_host(hostvars, r["host"], fail_var)]


def job_stats(key, hosts):
    """What set_stats(data={key: hosts}, per_host=false) returns: Ansible reads it from any task's result, so the
    report task publishes the verdicts itself instead of a set_stats task (one task, and one worker, fewer)."""
    return {"data": {key: hosts}, "per_host": False, "aggregate": True}


def file_name(name, run="preflight"):
    """The file of one format for a run: preflight.json, status.json, status-junit.xml ..."""
    return FORMATS[name][0].replace("preflight", run, 1)


def write_reports(report_dir, formats, per_host, meta, rows, run="preflight"):
    """Write the chosen formats as one set (report_files.write_set): all of them, or none and a clear failure."""
    renderers = [
        (file_name(name, run), functools.partial(FORMATS[name][1], per_host, meta, rows=rows))
        for name in dict.fromkeys(formats)
    ]
    all_filenames = [file_name(name, run) for name in FORMATS]
    report_dir = paths.controller_path(report_dir)
    try:
        return report_files.write_set(report_dir, renderers, all_filenames)
    except report_files.ReportWriteError as exc:
        raise AnsibleActionFail("the %s reports were not written: %s" % (run, exc)) from exc


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)[1]
        hostvars = (task_vars or {}).get("hostvars", {})
        per_host = {host: host_record(hostvars, host, args["result_var"]) for host in args["hosts"]}
        meta = plain(args.get("meta") or {})
        if args["run"] != "preflight":
            meta.setdefault("run", args["run"])
        meta.setdefault("generated_at", datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"))
        rows = report.host_rows(per_host, meta)
        files = (
            write_reports(args["report_dir"], args["formats"], per_host, meta, rows, args["run"])
            if args["report_dir"]
            else []
        )
        by_state = {state: [r["host"] for r in rows if r["state"] == state] for state in report.HOST_STATES}
        result.update(
            changed=False,
            summary=report.summary_lines(per_host, meta, rows=rows),
            hosts=report.summary_rows(rows),
            meta=report.run_meta(rows, meta),
            ok_hosts=by_state["ok"],
            failed_hosts=by_state["failed"],
            error_hosts=by_state["error"],
            unreachable_hosts=by_state["unreachable"],
            files=files,
        )
        if args.get("fail_var"):
            result["verdict_hosts"] = verdict_hosts(rows, hostvars, args["fail_var"])
        if args.get("stats_key"):
            result["ansible_stats"] = job_stats(args["stats_key"], result["hosts"])
        return result
