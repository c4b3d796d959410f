# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Write every host's redacted support material and its reports into one archive on the controller (doc:
plugins/modules/support_bundle_archive.py). Runs on the controller only."""

from collections.abc import Mapping

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.eformidling.integrasjonspunkt.plugins.action.preflight_report import plain
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import paths, support_archive

ARGUMENT_SPEC = {
    "hosts": {"type": "list", "elements": "str", "required": True},
    "result_var": {"type": "str", "default": "support_bundle_result"},
    "bundle_dir": {"type": "path", "required": True},
    "report_dirs": {"type": "list", "elements": "path", "default": []},
    "collection_version": {"type": "str", "default": "unknown"},
}


def host_record(hostvars, host, result_var):
    """What the archive keeps of a host: its files and items, or why it has none (fail closed: never empty-ok)."""
    try:
        record = hostvars[host].get(result_var) if host in hostvars else None
    except Exception as exc:  # a value that cannot be templated must not hide the other hosts
        return {"state": "error", "reason": "cannot read %s: %s" % (result_var, type(exc).__name__)}
    if not isinstance(record, Mapping):
        return {"state": "error", "reason": "no support material: the collect task did not run on this host"}
    record = plain(record)
    if record.get("unreachable"):
        return {"state": "unreachable", "reason": str(record.get("msg") or "the host could not be reached")}
    if record.get("failed") or not isinstance(record.get("files"), dict):
        return {"state": "error", "reason": str(record.get("msg") or "the collect task failed")}
    errors = [i["name"] for i in record.get("item_status") or [] if i.get("status") == "error"]
    return {
        "state": "partial" if errors else "ok",
        "reason": ("could not read: " + ", ".join(errors)) if errors else None,
        "files": record["files"],
        "items": record.get("item_status") or [],
        "secrets_found": record.get("secrets_found"),
    }


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)[1]
        hostvars = (task_vars or {}).get("hostvars", {})
        report_dirs = [paths.controller_path(d) for d in args["report_dirs"]]
        per_host = {}
        for host in args["hosts"]:
            record = host_record(hostvars, host, args["result_var"])
            record.setdefault("files", {}).update(support_archive.report_files(report_dirs, host))
            per_host[host] = record
        try:
            path = support_archive.write(
                paths.controller_path(args["bundle_dir"]), per_host, args["collection_version"]
            )
        except support_archive.ArchiveError as exc:
            raise AnsibleActionFail(str(exc)) from exc
        result.update(
            changed=False,
            path=path,
            hosts={
                h: {"state": r["state"], "reason": r.get("reason"), "files": len(r["files"])}
                for h, r in per_host.items()
            },
            lines=[
                "%s: %s%s" % (h, r["state"], ", " + r["reason"] if r.get("reason") else "")
                for h, r in sorted(per_host.items())
            ],
        )
        return result
