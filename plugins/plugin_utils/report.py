# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render the preflight results of all hosts: summary lines, JSON, JUnit XML and Markdown.

Pure functions: the action plugin feeds them the per-host results and writes the strings.
"""

import json
from xml.etree import ElementTree as ET

ORDER = {"fail": 0, "unknown": 1, "warn": 2, "info": 3, "pass": 4}


def _counts(results):
    c = {"pass": 0, "info": 0, "warn": 0, "unknown": 0, "fail": 0}
    for r in results:
        c[r["status"]] = c.get(r["status"], 0) + 1
    return c


def host_rows(per_host):
    """per_host: {host: {"results": [...]} or None (unreachable)} -> rows sorted by host."""
    rows = []
    for host in sorted(per_host):
        doc = per_host[host]
        if doc is None:
            rows.append({"host": host, "state": "unreachable", "counts": None, "failed_ids": []})
            continue
        results = doc.get("results") or []
        counts = _counts(results)
        rows.append(
            {
                "host": host,
                "state": "failed" if counts["fail"] else "passed",
                "counts": counts,
                "failed_ids": sorted(r["id"] for r in results if r["status"] == "fail"),
            }
        )
    return rows


def grouped(per_host, statuses=("fail",)):
    """The same check failing on several hosts is listed once, with its hosts (openshift's summary)."""
    groups = {}
    for host in sorted(per_host):
        for r in (per_host[host] or {}).get("results") or []:
            if r["status"] not in statuses:
                continue
            g = groups.setdefault(
                r["id"],
                {
                    "id": r["id"],
                    "status": r["status"],
                    "title": r["title"],
                    "fix": r.get("fix"),
                    "doc_url": r.get("doc_url"),
                    "hosts": [],
                },
            )
            g["hosts"].append(
                {
                    "host": host,
                    "measured": r.get("measured"),
                    "required": r.get("required"),
                    "unit": r.get("unit"),
                    "message": r.get("message"),
                    "ignored": r.get("ignored"),
                }
            )
    return sorted(groups.values(), key=lambda g: (ORDER.get(g["status"], 9), g["id"]))


def _value(v, unit):
    if v is None:
        return "-"
    return "%s %s" % (v, unit) if unit else str(v)


def summary_lines(per_host):
    lines = ["eFormidling preflight: %d host(s)" % len(per_host)]
    for row in host_rows(per_host):
        if row["counts"] is None:
            lines.append(
                "  %-30s UNREACHABLE (no results: the host could not be reached or failed before the checks)"
                % row["host"]
            )
            continue
        c = row["counts"]
        extra = "  unknown %d" % c["unknown"] if c["unknown"] else ""
        lines.append(
            "  %-30s pass %3d  warn %3d  fail %3d%s  %s"
            % (row["host"], c["pass"] + c["info"], c["warn"], c["fail"], extra, "FAILED" if c["fail"] else "ok")
        )
    for status, label in (("fail", "FAILED"), ("warn", "WARNING"), ("unknown", "UNKNOWN")):
        groups = grouped(per_host, (status,))
        if not groups:
            continue
        lines.append("")
        lines.append("%s checks:" % label)
        for g in groups:
            lines.append("  [%s] %s (%d host(s))" % (g["id"], g["title"], len(g["hosts"])))
            for h in g["hosts"]:
                lines.append(
                    "    %s: measured %s, required %s%s"
                    % (
                        h["host"],
                        _value(h["measured"], h["unit"]),
                        _value(h["required"], h["unit"]),
                        " (ignored: %s)" % h["ignored"] if h["ignored"] else "",
                    )
                )
                if h["message"]:
                    lines.append("      %s" % h["message"])
            if g["fix"]:
                lines.append("    fix: %s" % g["fix"])
            if g["doc_url"]:
                lines.append("    docs: %s" % g["doc_url"])
    return lines


def json_report(per_host, meta):
    return json.dumps(
        {"meta": meta, "summary": host_rows(per_host), "hosts": per_host}, indent=2, sort_keys=True, default=str
    )


def junit_report(per_host, meta):
    suites = ET.Element("testsuites", name="eformidling preflight")
    for host in sorted(per_host):
        doc = per_host[host]
        suite = ET.SubElement(suites, "testsuite", name=host)
        if doc is None:
            case = ET.SubElement(suite, "testcase", classname=host, name="host.reachable")
            ET.SubElement(case, "error", message="host unreachable or failed before the checks ran")
            suite.set("tests", "1")
            suite.set("errors", "1")
            suite.set("failures", "0")
            continue
        results = doc.get("results") or []
        failures = 0
        for r in results:
            case = ET.SubElement(suite, "testcase", classname=host, name=r["id"])
            text = "%s\nmeasured: %s\nrequired: %s\nfix: %s\ndocs: %s%s" % (
                r.get("message"),
                _value(r.get("measured"), r.get("unit")),
                _value(r.get("required"), r.get("unit")),
                r.get("fix") or "-",
                r.get("doc_url") or "-",
                "\nignored: %s" % r["ignored"] if r.get("ignored") else "",
            )
            if r["status"] == "fail":
                failures += 1
                ET.SubElement(case, "failure", message=r.get("message") or r["id"], type="fail").text = text
            elif r["status"] == "unknown":
                ET.SubElement(case, "skipped", message="unknown: %s" % (r.get("message") or ""))
            else:
                ET.SubElement(case, "system-out").text = "%s: %s" % (r["status"].upper(), text)
        suite.set("tests", str(len(results)))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
    suites.set("timestamp", str(meta.get("generated_at", "")))
    return ET.tostring(suites, encoding="unicode")


def _md_escape(text):
    return str(text if text is not None else "-").replace("|", "\\|").replace("\n", " ")


def markdown_report(per_host, meta):
    out = ["# eFormidling preflight report", ""]
    out.append(
        "Generated %s for environment `%s`, services %s, integrasjonspunkt %s."
        % (
            meta.get("generated_at"),
            meta.get("environment"),
            ", ".join(meta.get("services") or []) or "none",
            meta.get("version"),
        )
    )
    out += ["", "## Summary", "", "| Host | Pass | Warn | Fail | Verdict |", "|---|---:|---:|---:|---|"]
    for row in host_rows(per_host):
        if row["counts"] is None:
            out.append("| %s | - | - | - | unreachable |" % row["host"])
            continue
        c = row["counts"]
        out.append(
            "| %s | %d | %d | %d | %s |"
            % (
                row["host"],
                c["pass"] + c["info"],
                c["warn"] + c["unknown"],
                c["fail"],
                "**FAILED**" if c["fail"] else "ok",
            )
        )
    groups = grouped(per_host, ("fail", "warn", "unknown"))
    if groups:
        out += ["", "## Problems", ""]
        for g in groups:
            out.append("### `%s` %s: %s" % (g["id"], g["status"].upper(), g["title"]))
            out += ["", "| Host | Measured | Required | Detail |", "|---|---|---|---|"]
            for h in g["hosts"]:
                detail = h["message"] + (" (ignored: %s)" % h["ignored"] if h["ignored"] else "")
                out.append(
                    "| %s | %s | %s | %s |"
                    % (
                        h["host"],
                        _md_escape(_value(h["measured"], h["unit"])),
                        _md_escape(_value(h["required"], h["unit"])),
                        _md_escape(detail),
                    )
                )
            out.append("")
            if g["fix"]:
                out.append("**Fix:** %s" % g["fix"])
            if g["doc_url"]:
                out.append("**Docs:** <%s>" % g["doc_url"])
            out.append("")
    out += ["## All checks", ""]
    for host in sorted(per_host):
        doc = per_host[host]
        out.append("### %s" % host)
        out.append("")
        if doc is None:
            out += ["Unreachable: no results.", ""]
            continue
        out += ["| Check | Status | Measured | Required | Detail |", "|---|---|---|---|---|"]
        for r in sorted(doc.get("results") or [], key=lambda r: (ORDER.get(r["status"], 9), r["id"])):
            out.append(
                "| `%s` | %s | %s | %s | %s |"
                % (
                    r["id"],
                    r["status"] + (" (ignored)" if r.get("ignored") else ""),
                    _md_escape(_value(r.get("measured"), r.get("unit"))),
                    _md_escape(_value(r.get("required"), r.get("unit"))),
                    _md_escape(r.get("message")),
                )
            )
        out.append("")
    return "\n".join(out) + "\n"
