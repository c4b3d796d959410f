# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A JSON report document (preflight's or status's shape) as Prometheus text exposition, for node_exporter's
textfile collector. A pure renderer: the verdicts are the report's own (the one counting rule in report.py);
nothing is judged again here, so the alert rules alert on the statuses the checks gave, with their thresholds.

The host is the label `host`, not `instance`: node_exporter's target owns `instance`, and a file's `instance`
would be renamed to `exported_instance` on scrape.
"""

import datetime
import json
import math

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import report

PREFIX = "eformidling_"
HELP = {
    "check_status": "1 for the status the check has on the host, 0 for the others (one series per status)",
    "check_value": "the number the check measured (days left, offset seconds, free bytes, restarts ...)",
    "host_state": "1 for the host's state in the report (ok, failed, error, unreachable), 0 for the others",
    "checks": "how many checks of the host have each status (the report's counts)",
    "report_timestamp_seconds": "when the report was generated (Unix time)",
}


def _escape(value):
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(**labels):
    return "{%s}" % ",".join('%s="%s"' % (k, _escape(v)) for k, v in labels.items())


def _number(value):
    """A sample value, or None: booleans and text are no measurement."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, float) and math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(value)


def timestamp(text):
    """An ISO 8601 time as Unix seconds, or None."""
    try:
        moment = datetime.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.timestamp()


def render(doc, report_name=None):
    """The report document (a dict, or its JSON text) as exposition text; every series carries `report`."""
    if isinstance(doc, str):
        doc = json.loads(doc)
    meta = doc.get("meta") or {}
    name = report_name or meta.get("report") or meta.get("run") or "preflight"
    samples = {key: [] for key in HELP}
    hosts = doc.get("hosts") or {}
    for host in sorted(hosts):
        row = hosts[host] or {}
        state = row.get("state")
        for each in report.HOST_STATES:
            samples["host_state"].append((_labels(report=name, host=host, state=each), int(each == state)))
        for status, n in sorted((row.get("counts") or {}).items()):
            samples["checks"].append((_labels(report=name, host=host, status=status), int(n)))
        for result in row.get("results") or []:
            check, current = result.get("id", "unnamed"), result.get("status")
            for status in report.STATUSES:
                samples["check_status"].append(
                    (_labels(report=name, host=host, check=check, status=status), int(status == current))
                )
            value = _number(result.get("value"))
            if value is not None:
                samples["check_value"].append((_labels(report=name, host=host, check=check), value))
        when = timestamp(row.get("generated_at") or meta.get("generated_at"))
        if when is not None:
            samples["report_timestamp_seconds"].append((_labels(report=name, host=host), repr(when)))
    lines = []
    for key, help_text in HELP.items():
        lines += ["# HELP %s%s %s" % (PREFIX, key, help_text), "# TYPE %s%s gauge" % (PREFIX, key)]
        lines += ["%s%s%s %s" % (PREFIX, key, labels, value) for labels, value in samples[key]]
    return "\n".join(lines) + "\n"


def prometheus_report(per_host, meta=None, rows=None):
    """The report writer's renderer signature (report_files.write_set through the report action)."""
    return render(json.loads(report.json_report(per_host, meta, rows=rows)))
