# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side judgement of one host's preflight facts. Thin: the logic is plugin_utils.checks."""

import datetime

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import checks, thresholds


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset(
        (
            "resources",
            "timesync",
            "connectivity",
            "port",
            "endpoints",
            "install_endpoints",
            "dropped_endpoints",
            "settings",
            "thresholds",
            "ignore",
            "known_endpoint_names",
        )
    )

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = self._task.args
        try:
            limits = thresholds.merged(args.get("thresholds"))
            names = args.get("known_endpoint_names") or {}
            valid = checks.known_ids(names.get("runtime") or [], names.get("install") or [])
            by_name = {e.get("name"): e for e in (args.get("connectivity") or {}).get("endpoints") or []}
            ctx = {
                "resources": args.get("resources") or {},
                "timesync": args.get("timesync") or {},
                "connectivity": by_name,
                "port": args.get("port") or {},
                "endpoints": args.get("endpoints") or [],
                "install_endpoints": args.get("install_endpoints") or [],
                "settings": args.get("settings") or {},
                "thresholds": limits,
            }
            results = checks.run_checks(ctx, args.get("ignore"), valid)
        except ValueError as exc:
            raise AnsibleActionFail(str(exc)) from exc
        for dropped in args.get("dropped_endpoints") or []:
            results.append(
                {
                    "id": "connectivity.%s" % dropped.get("name"),
                    "title": "%s (dropped from the catalogue)" % dropped.get("host", dropped.get("name")),
                    "category": "connectivity",
                    "severity": "info",
                    "status": "info",
                    "measured": "not probed",
                    "required": None,
                    "unit": None,
                    "message": "dropped by integrasjonspunkt_endpoint_overrides: %s" % dropped.get("reason"),
                    "fix": None,
                    "doc_url": None,
                    "needs_root": False,
                    "ignored": None,
                }
            )
        counts = checks.count(results)
        failed = sorted(r["id"] for r in results if r["status"] == "fail")
        result.update(
            changed=False,
            failed_ids=failed,
            counts=counts,
            ansible_facts={
                "eformidling_preflight": {
                    "results": results,
                    "counts": counts,
                    "failed_ids": failed,
                    "thresholds": limits,
                    "generated_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                }
            },
        )
        return result
