# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Gather every host's preflight results and write the JSON, JUnit and Markdown reports on the controller."""

import datetime
import os

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import report

FORMATS = {
    "json": ("preflight.json", report.json_report),
    "junit": ("preflight-junit.xml", report.junit_report),
    "markdown": ("preflight.md", report.markdown_report),
}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset(("hosts", "report_dir", "formats", "meta"))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = self._task.args
        hostvars = (task_vars or {}).get("hostvars", {})
        per_host = {}
        for host in args.get("hosts") or []:
            facts = (hostvars.get(host) or {}).get("ansible_facts") or {}
            per_host[host] = facts.get("eformidling_preflight")
        formats = args.get("formats") or list(FORMATS)
        unknown = [f for f in formats if f not in FORMATS]
        if unknown:
            raise AnsibleActionFail(
                "preflight_report_formats has unknown %s; allowed: %s" % (unknown, ", ".join(FORMATS))
            )
        meta = dict(args.get("meta") or {})
        meta.setdefault("generated_at", datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"))
        files = []
        report_dir = args.get("report_dir")
        if report_dir:
            report_dir = os.path.abspath(os.path.expanduser(str(report_dir)))
            try:
                os.makedirs(report_dir, exist_ok=True)
                for name in formats:
                    filename, render = FORMATS[name]
                    path = os.path.join(report_dir, filename)
                    tmp_path = path + ".tmp"
                    with open(tmp_path, "w") as fh:
                        fh.write(render(per_host, meta))
                    os.replace(tmp_path, path)
                    files.append(path)
            except OSError as exc:
                raise AnsibleActionFail("cannot write the preflight reports to %s: %s" % (report_dir, exc)) from exc
        rows = report.host_rows(per_host)
        result.update(
            changed=False,
            summary=report.summary_lines(per_host),
            hosts=rows,
            unreachable_hosts=[r["host"] for r in rows if r["state"] == "unreachable"],
            failed_hosts=[r["host"] for r in rows if r["state"] == "failed"],
            files=files,
        )
        return result
