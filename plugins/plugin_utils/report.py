# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Render the preflight results of all hosts: summary lines, JSON, JUnit XML, Markdown and HTML.

Pure functions. The action plugin hands in, per host, the registered result of the host's preflight task (or None)
and writes the strings. Every rendering starts from `host_rows()`, and every count comes from `count()`, so the
numbers agree in all of them.

A per-host record is one of:
- an engine result: {"results": [check result...], "settings": {...}, "resolver": {...}, "failed_ids": [...], ...}
- a failed task: {"failed": true, "msg": "...", "exception": "..."} -> state "error" with that reason
- an unreachable host: {"unreachable": true, "msg": "..."} -> state "unreachable"
- None, or a skipped task -> state "error": the preflight task did not run
"""

import base64
import hashlib
import html
import json
import re
from xml.etree import ElementTree as ET

# The order of the counts in every report.
STATUSES = ("pass", "info", "warn", "unknown", "error", "fail")
# Problems first, worst first.
ORDER = {"error": 0, "fail": 1, "unknown": 2, "warn": 3, "info": 4, "pass": 5}
PROBLEMS = ("error", "fail", "unknown", "warn")
LABELS = {"error": "ERROR", "fail": "FAILED", "unknown": "UNKNOWN", "warn": "WARNING", "info": "INFO", "pass": "PASS"}
HOST_STATES = ("ok", "failed", "error", "unreachable")

NO_RESULT = (
    "no preflight result: the host's preflight task did not run (an earlier task failed or the host was skipped)"
)
NO_RESULTS_IN_RECORD = "the preflight task returned no check results"

SECRET_KEY = re.compile(r"pass|secret|token|key_?pass", re.IGNORECASE)
REDACTED = "<redacted>"
MIN_SECRET_LEN = 6  # shorter values are too common to scrub from free text


EXIT_NOTE = (
    "Exit status: ansible-playbook exits 0 when every host is ok, 2 when the preflight role fails a FAILED or "
    "ERROR host (preflight_fail_hosts, the default), and 4 when a host is unreachable."
)


def run_name(meta):
    """Which run the reports are of: `preflight` (the default) or `status` (meta["run"])."""
    return str((meta or {}).get("run") or "preflight")


# Secrets ----------------------------------------------------------------------------------------


def secret_values(obj, found=None):
    """Every string value under a key that looks like a secret (password, token, ...), at any depth."""
    found = set() if found is None else found
    if isinstance(obj, dict):
        for key, value in obj.items():
            if SECRET_KEY.search(str(key)):
                _collect_strings(value, found)
            else:
                secret_values(value, found)
    elif isinstance(obj, (list, tuple)):
        for item in obj:
            secret_values(item, found)
    return found


def _collect_strings(obj, found):
    if isinstance(obj, dict):
        for value in obj.values():
            _collect_strings(value, found)
    elif isinstance(obj, (list, tuple)):
        for item in obj:
            _collect_strings(item, found)
    elif isinstance(obj, str) and len(obj) >= MIN_SECRET_LEN:
        found.add(obj)


def redact(obj, secrets=()):
    """A copy with secret-looking keys' values replaced and known secret values scrubbed from every string."""
    # Longest first, so a secret containing another is scrubbed whole.
    ordered = sorted(set(secrets), key=len, reverse=True)
    return _redact(obj, ordered)


def _redact(obj, secrets):
    if isinstance(obj, dict):
        return {
            str(k): (REDACTED if SECRET_KEY.search(str(k)) and v not in (None, "") else _redact(v, secrets))
            for k, v in obj.items()
        }
    if isinstance(obj, (list, tuple)):
        return [_redact(v, secrets) for v in obj]
    if isinstance(obj, str):
        for secret in secrets:
            obj = obj.replace(secret, REDACTED)
        return obj
    return obj


# Counting and host states ----------------------------------------------------------------------


def count(results):
    """The one counting rule: every status of STATUSES, in that order, zero included."""
    counts = dict.fromkeys(STATUSES, 0)
    for r in results:
        counts[r["status"]] += 1
    return counts


def last_line(text):
    """The exception's last line (its type and message); nothing for Ansible's "(traceback unavailable)"."""
    lines = [line.strip() for line in str(text or "").strip().splitlines() if line.strip()]
    return lines[-1] if lines and "traceback unavailable" not in lines[-1] else ""


def _clean_result(r):
    """A check result with a known status; anything else is an error, never a pass."""
    if not isinstance(r, dict):
        return {
            "id": "preflight.result",
            "title": "A check result",
            "category": "preflight",
            "status": "error",
            "message": "the preflight task returned a check result that is not a mapping: %r" % (r,),
        }
    r = dict(r)
    r.setdefault("id", "preflight.unnamed")
    r.setdefault("title", r["id"])
    if r.get("status") not in STATUSES:
        r["message"] = "unknown status %r: %s" % (r.get("status"), r.get("message") or "")
        r["status"] = "error"
    return r


def _task_reason(record, default):
    msg = str(record.get("msg") or record.get("message") or default)
    exc = last_line(record.get("exception"))
    return "%s (%s)" % (msg, exc) if exc and exc not in msg else msg


def host_state(host, record):
    """One host's normalised record: state, reason, counts, results and its own settings/resolver."""
    row = {
        "host": host,
        "state": "error",
        "reason": None,
        "counts": count([]),
        "failed_ids": [],
        "error_ids": [],
        "results": [],
        "settings": {},
        "resolver": None,
        "generated_at": None,
    }
    if record is None:
        row["reason"] = NO_RESULT
        return row
    if not isinstance(record, dict):
        row["reason"] = "the preflight result is not a mapping: %r" % (record,)
        return row
    if record.get("unreachable"):
        row["state"] = "unreachable"
        row["reason"] = str(record.get("msg") or "the host could not be reached")
        return row
    if record.get("skipped"):
        skip = record.get("skip_reason") or record.get("false_condition")
        row["reason"] = NO_RESULT + (" (skipped: %s)" % skip if skip else "")
        return row
    results = record.get("results")
    if not isinstance(results, list):
        row["reason"] = _task_reason(record, NO_RESULTS_IN_RECORD) if record.get("failed") else NO_RESULTS_IN_RECORD
        return row
    row["results"] = [_clean_result(r) for r in results]
    row["settings"] = record.get("settings") if isinstance(record.get("settings"), dict) else {}
    row["resolver"] = record.get("resolver") if isinstance(record.get("resolver"), dict) else None
    row["generated_at"] = record.get("generated_at")
    row["counts"] = count(row["results"])
    row["error_ids"] = sorted({r["id"] for r in row["results"] if r["status"] == "error"})
    own = {r["id"] for r in row["results"] if r["status"] == "fail"}
    # The engine may fail more (strict mode turns warnings into failures): its list can only add.
    engine = {str(i) for i in record.get("failed_ids") or []} if isinstance(record.get("failed_ids"), list) else set()
    row["failed_ids"] = sorted(own | engine)
    if not row["results"]:
        row["reason"] = NO_RESULTS_IN_RECORD
    elif record.get("failed") and not (row["failed_ids"] or row["error_ids"]):
        # The task failed, yet no check says why: never report such a host as ok.
        row["reason"] = _task_reason(record, "the preflight task failed")
    elif row["error_ids"] or row["failed_ids"]:
        row["state"] = "failed"
    else:
        row["state"] = "ok"
    return row


def host_rows(per_host, meta=None):
    """per_host: {host: record or None} -> normalised rows, sorted by host, secrets redacted."""
    secrets = secret_values(meta or {})
    for record in per_host.values():
        secret_values(record, secrets)
    return [_redact_row(shared_causes(host_state(host, per_host[host])), secrets) for host in sorted(per_host)]


def _redact_row(row, secrets):
    # Counts and statuses are ours and never secret ("pass" is a count's key, not a password).
    row = dict(row)
    for key in ("reason", "settings", "resolver"):
        row[key] = redact(row[key], secrets)
    row["results"] = [dict(redact(r, secrets), status=r["status"], id=r["id"]) for r in row["results"]]
    return row


def summary_rows(rows):
    """What the action plugin returns per host (no results)."""
    keys = ("host", "state", "reason", "counts", "failed_ids", "error_ids")
    return [{k: row[k] for k in keys} for row in rows]


# Run metadata ----------------------------------------------------------------------------------


def _describe(value):
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) or "none"
    return str(value) if value not in (None, "") else None


def run_meta(rows, meta=None):
    """Environment, services and version for the header: from `meta` when given, else from each host's settings.

    Each becomes a string; when hosts disagree it lists the values with their hosts; never empty.
    """
    meta = redact(dict(meta or {}), secret_values(meta or {}))
    stamps = sorted(str(r["generated_at"]) for r in rows if r.get("generated_at"))
    out = {"generated_at": meta.get("generated_at") or (stamps[-1] if stamps else "at an unknown time")}
    fallbacks = {"environment": "not given", "services": "none", "version": "not given"}
    for key, fallback in fallbacks.items():
        given = _describe(meta.get(key))
        if given is not None:
            out[key] = given
            continue
        by_value = {}
        for row in rows:
            value = _describe((row.get("settings") or {}).get(key))
            if value is not None:
                by_value.setdefault(value, []).append(row["host"])
        if not by_value:
            out[key] = fallback
        elif len(by_value) == 1:
            out[key] = next(iter(by_value))
        else:
            out[key] = "differs per host: " + "; ".join(
                "%s (%s)" % (value, ", ".join(hosts)) for value, hosts in sorted(by_value.items())
            )
    for key, value in meta.items():
        out.setdefault(key, value)
    return out


def header_line(rows, meta):
    m = run_meta(rows, meta)
    return "environment %s, services %s, integrasjonspunkt %s" % (m["environment"], m["services"], m["version"])


# Grouping --------------------------------------------------------------------------------------

# Results that can share one cause across endpoints: a broken resolver, an unusable proxy.
ENDPOINT_PREFIXES = ("connectivity.", "install.")
SAME_FIX_TITLE = "one cause, one fix for %d endpoints"


def _dns_down(row):
    """When no endpoint name resolved on this host: the dns_error results, else None."""
    conn = [r for r in row["results"] if r["id"].startswith("connectivity.")]
    if not conn or any(r.get("measured") != "dns_error" for r in conn):
        return None
    return [r for r in row["results"] if r["id"].startswith(ENDPOINT_PREFIXES) and r.get("measured") == "dns_error"]


def shared_causes(row):
    """The row with one cause and one fix on every endpoint result a broken resolver explains.

    Each result keeps its own ID, status and message (so counts, lists and IDs agree in every report); only
    the fix, which would otherwise ask to make each name resolvable in turn, names the resolver once.
    """
    dns = _dns_down(row)
    if not dns:
        return row
    resolver = row.get("resolver") or {}
    servers = ", ".join(str(s) for s in resolver.get("nameservers") or []) or "none configured"
    source = resolver.get("source") or "the host's resolver configuration"
    cause = "no endpoint name resolves on this host (nameservers %s from %s)" % (servers, source)
    fix = (
        "Make the resolver work on this host: nameservers %s (from %s) must answer for public names, "
        "or point the host at a DNS server that does." % (servers, source)
    )
    ids = {id(r) for r in dns}
    row = dict(row)
    row["results"] = [dict(r, cause=cause, fix=fix) if id(r) in ids else r for r in row["results"]]
    return row


def _entry(row, r):
    return {
        "host": row["host"],
        "id": r["id"],
        "measured": r.get("measured"),
        "required": r.get("required"),
        "unit": r.get("unit"),
        "message": r.get("message"),
        "fix": r.get("fix"),
        "cause": r.get("cause"),
        "ignored": r.get("ignored"),
        "exception": last_line(r.get("exception")) or None,
        "doc_url": r.get("doc_url"),
    }


def _shared_fixes(rows, statuses):
    """(status, fix) pairs that endpoint checks of two or more IDs share: one cause, said once."""
    ids = {}
    for row in rows:
        for r in row["results"]:
            if r["status"] in statuses and r.get("fix") and r["id"].startswith(ENDPOINT_PREFIXES):
                ids.setdefault((r["status"], r["fix"]), set()).add(r["id"])
    return {key for key, found in ids.items() if len(found) > 1}


def grouped(rows, statuses=PROBLEMS):
    """Results with these statuses grouped by (status, check id), each host with its own values and fix.

    `fix` is set only when every host's fix is the same; otherwise each host entry carries its own. Endpoint
    checks (connectivity.*, install.*) of one status that share their fix (one cause: the resolver, the proxy)
    form one group instead. Every group lists the checks it holds in `ids`, and each host entry its own `id`.
    """
    shared = _shared_fixes(rows, statuses)
    groups = {}
    for row in rows:
        for r in row["results"]:
            if r["status"] not in statuses:
                continue
            by_fix = (r["status"], r.get("fix")) in shared
            key = (r["status"], "fix", r["fix"]) if by_fix else (r["status"], "id", r["id"])
            g = groups.setdefault(key, {"status": r["status"], "doc_urls": set(), "causes": set(), "hosts": []})
            g["hosts"].append(_entry(row, r))
            g["doc_urls"].add(r.get("doc_url"))
            g["causes"].add(r.get("cause"))
            g.setdefault("title", r.get("title"))
    out = []
    for g in groups.values():
        g["ids"] = sorted({h["id"] for h in g["hosts"]})
        g["id"] = ", ".join(g["ids"])
        fixes = {h["fix"] for h in g["hosts"]}
        g["fix"] = fixes.pop() if len(fixes) == 1 else None
        docs, causes = g.pop("doc_urls"), g.pop("causes")
        g["doc_url"] = docs.pop() if len(docs) == 1 else None
        if len(g["ids"]) > 1:
            g["title"] = causes.pop() if len(causes) == 1 and None not in causes else SAME_FIX_TITLE % len(g["ids"])
            g["hosts"].sort(key=lambda h: (h["host"], h["id"]))
        out.append(g)
    return sorted(out, key=lambda g: (ORDER[g["status"]], g["ids"][0]))


def _value(v, unit):
    if v is None or v == "":
        return "-"
    return "%s %s" % (v, unit) if unit else str(v)


def _detail(h):
    text = str(h.get("message") or "")
    if h.get("exception"):
        text += " [exception: %s]" % h["exception"]
    if h.get("ignored"):
        text += " (ignored: %s)" % h["ignored"]
    return text.strip() or "-"


def _who(group, entry):
    """A host entry's label: the host, and the check too when the group holds several."""
    return "%s %s" % (entry["host"], entry["id"]) if len(group["ids"]) > 1 else entry["host"]


def _verdict(row):
    return {"ok": "ok", "failed": "FAILED", "error": "ERROR", "unreachable": "UNREACHABLE"}[row["state"]]


def hosts_without_verdict(rows):
    return [r for r in rows if r["state"] in ("error", "unreachable") and r["reason"]]


# Console summary -------------------------------------------------------------------------------


def summary_lines(per_host, meta=None, rows=None):
    rows = host_rows(per_host, meta) if rows is None else rows
    lines = ["eFormidling %s: %d host(s); %s" % (run_name(meta), len(rows), header_line(rows, meta)), EXIT_NOTE, ""]
    width = max([len(r["host"]) for r in rows] + [4])
    lines.append("  %-*s  %s  verdict" % (width, "host", "  ".join("%7s" % s for s in STATUSES)))
    for row in rows:
        c = row["counts"]
        lines.append("  %-*s  %s  %s" % (width, row["host"], "  ".join("%7d" % c[s] for s in STATUSES), _verdict(row)))
    no_verdict = hosts_without_verdict(rows)
    if no_verdict:
        lines += ["", "Hosts without a verdict:"]
        lines += ["  %s: %s: %s" % (r["host"], r["state"].upper(), r["reason"]) for r in no_verdict]
    for status in PROBLEMS:
        groups = grouped(rows, (status,))
        if not groups:
            continue
        lines += ["", "%s checks:" % LABELS[status]]
        for g in groups:
            hosts = len({h["host"] for h in g["hosts"]})
            checks = "%d checks, " % len(g["ids"]) if len(g["ids"]) > 1 else ""
            lines.append("  [%s] %s (%s%d host(s))" % (g["id"], g["title"], checks, hosts))
            for h in g["hosts"]:
                lines.append(
                    "    %s: measured %s, required %s%s"
                    % (
                        _who(g, h),
                        _value(h["measured"], h["unit"]),
                        _value(h["required"], h["unit"]),
                        " (ignored: %s)" % h["ignored"] if h["ignored"] else "",
                    )
                )
                if h["message"]:
                    lines.append("      %s" % h["message"])
                if h["exception"]:
                    lines.append("      exception: %s" % h["exception"])
                if g["fix"] is None and h["fix"]:
                    lines.append("      fix: %s" % h["fix"])
            if g["fix"]:
                lines.append("    fix: %s" % g["fix"])
            if g["doc_url"]:
                lines.append("    docs: %s" % g["doc_url"])
    return lines


# JSON ------------------------------------------------------------------------------------------


def json_report(per_host, meta=None, rows=None):
    rows = host_rows(per_host, meta) if rows is None else rows
    return json.dumps(
        {
            "meta": run_meta(rows, meta),
            "statuses": list(STATUSES),
            "summary": summary_rows(rows),
            "hosts": {row["host"]: row for row in rows},
        },
        indent=2,
        sort_keys=True,
        default=str,
    )


# JUnit -----------------------------------------------------------------------------------------

_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _junit_text(r):
    return "%s\nmeasured: %s\nrequired: %s\nfix: %s\ndocs: %s%s%s" % (
        r.get("message") or "-",
        _value(r.get("measured"), r.get("unit")),
        _value(r.get("required"), r.get("unit")),
        r.get("fix") or "-",
        r.get("doc_url") or "-",
        "\nignored: %s" % r["ignored"] if r.get("ignored") else "",
        "\nexception:\n%s" % r["exception"] if r.get("exception") else "",
    )


def junit_report(per_host, meta=None, rows=None):
    rows = host_rows(per_host, meta) if rows is None else rows
    m = run_meta(rows, meta)
    suites = ET.Element("testsuites", name="eformidling %s" % run_name(meta))
    for row in rows:
        suite = ET.SubElement(suites, "testsuite", name=row["host"])
        props = ET.SubElement(suite, "properties")
        ET.SubElement(props, "property", name="state", value=row["state"])
        for key in ("environment", "services", "version"):
            ET.SubElement(props, "property", name=key, value=str(m[key]))
        for s in STATUSES:
            ET.SubElement(props, "property", name="count.%s" % s, value=str(row["counts"][s]))
        errors = row["counts"]["error"]
        if row["state"] in ("error", "unreachable") and row["reason"]:
            case = ET.SubElement(
                suite, "testcase", classname=row["host"], name="%s.%s" % (run_name(meta), row["state"])
            )
            ET.SubElement(case, "error", message=row["reason"], type=row["state"]).text = row["reason"]
            errors += 1
        for r in row["results"]:
            case = ET.SubElement(suite, "testcase", classname=row["host"], name=r["id"])
            cprops = ET.SubElement(case, "properties")
            ET.SubElement(cprops, "property", name="status", value=r["status"])
            text = _junit_text(r)
            if r["status"] == "fail":
                ET.SubElement(case, "failure", message=r.get("message") or r["id"], type="fail").text = text
            elif r["status"] == "error":
                message = r.get("message") or r["id"]
                if r.get("exception"):
                    message += " [exception: %s]" % last_line(r["exception"])
                ET.SubElement(case, "error", message=message, type="error").text = text
            ET.SubElement(case, "system-out").text = "%s: %s" % (r["status"].upper(), text)
        suite.set("tests", str(len(suite.findall("testcase"))))
        suite.set("failures", str(row["counts"]["fail"]))
        suite.set("errors", str(errors))
        suite.set("skipped", "0")
    suites.set("timestamp", str(m.get("generated_at") or ""))
    for el in suites.iter():
        # XML 1.0 cannot carry most control characters; a probe's raw output may contain them.
        el.text = _XML_BAD.sub("?", el.text) if el.text else el.text
        for k, v in el.attrib.items():
            el.set(k, _XML_BAD.sub("?", v))
    return ET.tostring(suites, encoding="unicode")


# Markdown --------------------------------------------------------------------------------------


def _md(text):
    """Safe in a Markdown table cell: no pipes, no raw HTML, one line."""
    text = str(text if text not in (None, "") else "-")
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"\s*[\r\n]+\s*", " ", text.replace("\\", "\\\\").replace("|", "\\|"))


def markdown_report(per_host, meta=None, rows=None):
    rows = host_rows(per_host, meta) if rows is None else rows
    m = run_meta(rows, meta)
    out = ["# eFormidling %s report" % run_name(meta), ""]
    out.append(
        "Generated %s for environment %s, services %s, integrasjonspunkt %s."
        % (_md(m.get("generated_at")), _md(m["environment"]), _md(m["services"]), _md(m["version"]))
    )
    out += ["", EXIT_NOTE, "", "## Summary", ""]
    out.append("| Host | %s | Verdict |" % " | ".join(s.capitalize() for s in STATUSES))
    out.append("|---|%s|---|" % "|".join("---:" for status in STATUSES))
    for row in rows:
        verdict = _verdict(row)
        out.append(
            "| %s | %s | %s |"
            % (
                _md(row["host"]),
                " | ".join(str(row["counts"][s]) for s in STATUSES),
                verdict if verdict == "ok" else "**%s**" % verdict,
            )
        )
    no_verdict = hosts_without_verdict(rows)
    if no_verdict:
        out += ["", "## Hosts without a verdict", ""]
        out += ["- **%s** (%s): %s" % (_md(r["host"]), r["state"], _md(r["reason"])) for r in no_verdict]
    groups = grouped(rows)
    if groups:
        out += ["", "## Problems", ""]
    for g in groups:
        own_fix = g["fix"] is None
        several = len(g["ids"]) > 1
        names = ", ".join("`%s`" % i.replace("`", "'") for i in g["ids"])
        out.append("### %s %s: %s" % (names, LABELS[g["status"]], _md(g["title"])))
        out.append("")
        out.append(
            "| Host |%s Measured | Required | Detail |%s" % (" Check |" if several else "", " Fix |" if own_fix else "")
        )
        out.append("|---|%s---|---|---|%s" % ("---|" if several else "", "---|" if own_fix else ""))
        for h in g["hosts"]:
            cells = (
                [_md(h["host"])]
                + (["`%s`" % h["id"].replace("`", "'")] if several else [])
                + [
                    _md(_value(h["measured"], h["unit"])),
                    _md(_value(h["required"], h["unit"])),
                    _md(_detail(h)),
                ]
            )
            if own_fix:
                cells.append(_md(h["fix"]))
            out.append("| %s |" % " | ".join(cells))
        out.append("")
        if g["fix"]:
            out += ["**Fix:** %s" % _md(g["fix"]), ""]
        if g["doc_url"]:
            out.append("**Docs:** <%s>" % str(g["doc_url"]).replace(">", "%3E"))
        out.append("")
    out += ["## All checks", ""]
    for row in rows:
        out += ["### %s" % _md(row["host"]), ""]
        if not row["results"]:
            out += ["%s: %s" % (row["state"].upper(), _md(row["reason"])), ""]
            continue
        out += ["| Check | Status | Measured | Required | Detail |", "|---|---|---|---|---|"]
        for r in sorted(row["results"], key=lambda r: (ORDER[r["status"]], r["id"])):
            detail = {"message": r.get("message"), "exception": last_line(r.get("exception")), "ignored": None}
            out.append(
                "| `%s` | %s | %s | %s | %s |"
                % (
                    r["id"].replace("`", "'"),
                    r["status"] + (" (ignored)" if r.get("ignored") else ""),
                    _md(_value(r.get("measured"), r.get("unit"))),
                    _md(_value(r.get("required"), r.get("unit"))),
                    _md(_detail(detail)),
                )
            )
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


# HTML ------------------------------------------------------------------------------------------

_CSS = """
:root{--pass:#1a7f37;--info:#0969da;--warn:#9a6700;--unknown:#6e7781;--error:#8250df;--fail:#cf222e;
--pass-bg:#dafbe1;--info-bg:#ddf4ff;--warn-bg:#fff8c5;--unknown-bg:#eaeef2;--error-bg:#fbefff;--fail-bg:#ffebe9}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:0;color:#1f2328;
background:#f6f8fa}
header{background:#24292f;color:#fff;padding:16px 24px}
header h1{margin:0 0 4px;font-size:20px}
header p{margin:2px 0;color:#d0d7de}
main{padding:16px 24px;max-width:1600px}
section{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:12px 16px;margin:0 0 16px}
h2{font-size:16px;margin:0 0 8px}
h3{font-size:14px;margin:12px 0 6px}
table{border-collapse:collapse;width:100%}
th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa;font-weight:600}
td.n{text-align:right;font-variant-numeric:tabular-nums;width:64px}
th[scope=row],#matrix thead th,#counts td:nth-child(2){white-space:nowrap}
#matrix th.check{white-space:normal;position:sticky;left:0;background:#f6f8fa}
:target{outline:3px solid #0969da;outline-offset:-3px}
td.zero{color:#8c959f}
.badge,.cell{display:inline-block;border-radius:4px;padding:1px 6px;font-weight:600;font-size:12px}
.s-pass{color:var(--pass);background:var(--pass-bg)}.s-info{color:var(--info);background:var(--info-bg)}
.s-warn{color:var(--warn);background:var(--warn-bg)}.s-unknown{color:var(--unknown);background:var(--unknown-bg)}
.s-error{color:var(--error);background:var(--error-bg)}.s-fail{color:var(--fail);background:var(--fail-bg)}
.v-ok{color:var(--pass);background:var(--pass-bg)}.v-failed{color:var(--fail);background:var(--fail-bg)}
.v-error{color:var(--error);background:var(--error-bg)}.v-unreachable{color:var(--unknown);background:var(--unknown-bg)}
#matrix td.m{text-align:center;padding:3px 6px;font-weight:600;font-size:12px;min-width:90px}
#matrix td.m a{color:inherit;text-decoration:none;display:block}
#matrix td.m a:hover{text-decoration:underline}
#matrix td.m small{display:block;font-weight:400;color:#57606a;max-width:180px;overflow:hidden;text-overflow:ellipsis;
white-space:nowrap;margin:0 auto}
#matrix td.m .why{display:block;font-weight:400;font-size:11px;color:#57606a;max-width:220px;margin:0 auto;
white-space:normal;text-align:left}
#matrix td.m.none{color:#8c959f;font-weight:400}
#matrix td.s-pass{background:#f0fff4}
#matrix th.check{font-weight:400;max-width:520px}
#matrix th.check code{font-weight:600}
#matrix th.check small{display:block;color:#57606a}
#matrix thead th{position:sticky;top:0;z-index:1}
.wrap{overflow-x:auto}
.filters{display:flex;flex-wrap:wrap;gap:4px 16px;align-items:center}
.filters fieldset{border:1px solid #d0d7de;border-radius:6px;padding:4px 10px;margin:0}
.filters label{margin-right:10px;white-space:nowrap}
.nojs{color:#57606a}
.problem{border-left:4px solid #d0d7de;padding:4px 0 4px 12px;margin:12px 0}
.problem.s-error{border-color:var(--error)}.problem.s-fail{border-color:var(--fail)}
.problem.s-warn{border-color:var(--warn)}.problem.s-unknown{border-color:var(--unknown)}
.problem{background:none;color:inherit}
.fix{background:#f6f8fa;border-radius:4px;padding:4px 8px;margin:6px 0}
.exc{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;color:var(--error)}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
[hidden]{display:none!important}
"""

_JS = """
(function () {
  "use strict";
  var doc = document;
  var NAMES = ["status", "host"];
  function list(nodes) { return Array.prototype.slice.call(nodes); }
  function all(sel, root) { return list((root || doc).querySelectorAll(sel)); }
  function boxes(name) { return all("input[name=" + name + "]"); }
  function checked(name) {
    return boxes(name).filter(function (b) { return b.checked; }).map(function (b) { return b.value; });
  }
  function apply() {
    var st = checked("status"), hs = checked("host");
    // the attribute follows the box, so a saved or printed page shows the filter that was applied
    all("input[type=checkbox]").forEach(function (b) { b.toggleAttribute("checked", b.checked); });
    all("#matrix [data-host], #counts tr[data-host], #no-verdict li[data-host]").forEach(function (el) {
      el.hidden = hs.indexOf(el.getAttribute("data-host")) < 0;
    });
    all("#matrix tbody tr").forEach(function (tr) {
      tr.hidden = !all("td[data-status]", tr).some(function (td) {
        return !td.hidden && st.indexOf(td.getAttribute("data-status")) >= 0;
      });
    });
    all(".problem").forEach(function (p) {
      var any = false;
      all("tr[data-host]", p).forEach(function (tr) {
        tr.hidden = hs.indexOf(tr.getAttribute("data-host")) < 0;
        any = any || !tr.hidden;
      });
      p.hidden = !any || st.indexOf(p.getAttribute("data-status")) < 0;
    });
    var none = doc.getElementById("no-verdict");
    if (none) { none.hidden = !all("li[data-host]", none).some(function (li) { return !li.hidden; }); }
    var shown = doc.getElementById("shown");
    if (shown) {
      shown.textContent = all("#matrix tbody tr:not([hidden])").length + " of " +
        all("#matrix tbody tr").length + " checks shown";
    }
  }
  function toHash() {
    var parts = [];
    NAMES.forEach(function (n) {
      if (boxes(n).some(function (b) { return !b.checked; })) {
        parts.push(n + "=" + checked(n).map(encodeURIComponent).join(","));
      }
    });
    if (history.replaceState) {
      history.replaceState(null, "", parts.length ? "#" + parts.join("&") : location.pathname + location.search);
    }
  }
  function fromHash() {
    var want = {};
    (location.hash || "").replace(/^#/, "").split("&").forEach(function (kv) {
      var i = kv.indexOf("=");
      var key = kv.slice(0, i);
      if (i > 0 && NAMES.indexOf(key) >= 0) {
        want[key] = kv.slice(i + 1) ? kv.slice(i + 1).split(",").map(decodeURIComponent) : [];
      }
    });
    NAMES.forEach(function (n) {
      boxes(n).forEach(function (b) { b.checked = want[n] ? want[n].indexOf(b.value) >= 0 : true; });
    });
    apply();
  }
  doc.addEventListener("change", function (e) {
    if (NAMES.indexOf(e.target.name) >= 0) { apply(); toHash(); }
  });
  all("button[data-preset]").forEach(function (b) {
    b.addEventListener("click", function () {
      var preset = b.getAttribute("data-preset");
      boxes("status").forEach(function (x) {
        x.checked = preset === "all" || x.getAttribute("data-problem") === "1";
      });
      apply();
      toHash();
    });
  });
  window.addEventListener("hashchange", fromHash);
  doc.getElementById("filters").hidden = false;
  fromHash();
})();
"""

# What the HTML report may contain: our inline CSS and script (by hash), nothing fetched.
_CSP = (
    "default-src 'none'; style-src 'sha256-{css}'; script-src 'sha256-{js}'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)


def _sha256_b64(text):
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def _e(text):
    return html.escape(str(text if text is not None else ""), quote=True)


def _safe_url(url):
    """Only http(s) links; anything else (javascript:, data:) is shown as text, not linked."""
    url = str(url or "")
    return url if re.match(r"^https?://[^\s\"'<>]+$", url) else None


def _doc_link(url):
    safe = _safe_url(url)
    if safe:
        return '<a href="%s" rel="noreferrer noopener">documentation</a>' % _e(safe)
    return _e(url) if url else ""


def _anchor(status, check_id, host):
    """The id of a problem's row for one host (HTML ids may hold anything but whitespace)."""
    return re.sub(r"\s", "_", "p-%s-%s--%s" % (status, check_id, host))


def _matrix(rows):
    by_id = {}
    for row in rows:
        for r in row["results"]:
            entry = by_id.setdefault(r["id"], {"title": r.get("title"), "cells": {}, "worst": r["status"]})
            entry["cells"][row["host"]] = r
            if ORDER[r["status"]] < ORDER[entry["worst"]]:
                entry["worst"] = r["status"]
    ids = sorted(by_id, key=lambda i: (ORDER[by_id[i]["worst"]], i))
    out = ['<div class="wrap"><table id="matrix"><thead><tr><th>Check</th>']
    for row in rows:
        out.append(
            '<th data-host="%s" scope="col">%s<br><span class="badge v-%s">%s</span></th>'
            % (_e(row["host"]), _e(row["host"]), row["state"], _verdict(row))
        )
    out.append("</tr></thead><tbody>")
    for cid in ids:
        entry = by_id[cid]
        out.append(
            '<tr data-check="%s"><th class="check" scope="row"><code>%s</code><small>%s</small></th>'
            % (_e(cid), _e(cid), _e(entry["title"]))
        )
        for row in rows:
            r = entry["cells"].get(row["host"])
            if r is None:
                out.append(
                    '<td class="m none" data-host="%s" title="not run on this host">&ndash;</td>' % _e(row["host"])
                )
                continue
            tip = "%s: %s" % (r["status"], r.get("message") or "")
            label = r["status"] + ("*" if r.get("ignored") else "")
            if r["status"] in PROBLEMS:
                measured = _value(r.get("measured"), r.get("unit"))
                target = _anchor(r["status"], cid, row["host"])
                inner = '<a href="#%s">%s%s</a>' % (
                    _e(target),
                    _e(label),
                    "<small>%s</small>" % _e(measured) if measured != "-" else "",
                )
            elif r["status"] == "info" and r.get("message"):
                # An info cell's reason is the finding itself: in the cell, so a printout keeps it.
                inner = '%s<span class="why">%s</span>' % (_e(label), _e(r["message"]))
            else:
                inner = _e(label)
            out.append(
                '<td class="m s-%s" data-host="%s" data-status="%s" title="%s">%s</td>'
                % (r["status"], _e(row["host"]), r["status"], _e(tip), inner)
            )
        out.append("</tr>")
    out.append("</tbody></table></div>")
    if any(r.get("ignored") for row in rows for r in row["results"]):
        out.append('<p class="nojs">* ignored by preflight_ignore; the reason is in the check&#39;s details.</p>')
    return "".join(out)


def _counts_table(rows):
    out = ['<table id="counts"><thead><tr><th>Host</th><th>Verdict</th>']
    out += ['<th><span class="badge s-%s">%s</span></th>' % (s, s) for s in STATUSES]
    out.append("<th>Reason</th></tr></thead><tbody>")
    for row in rows:
        out.append(
            '<tr class="hostrow" data-host="%s" data-state="%s"><th scope="row">%s</th>'
            '<td><span class="badge v-%s">%s</span></td>'
            % (_e(row["host"]), row["state"], _e(row["host"]), row["state"], _verdict(row))
        )
        for s in STATUSES:
            n = row["counts"][s]
            out.append('<td class="n%s" data-count="%s">%d</td>' % ("" if n else " zero", s, n))
        out.append("<td>%s</td></tr>" % _e(row["reason"] or ""))
    out.append("</tbody></table>")
    return "".join(out)


def _filters(rows):
    out = ['<div id="filters" class="filters" hidden><fieldset><legend>Status</legend>']
    for s in STATUSES:
        out.append(
            '<label><input type="checkbox" name="status" value="%s" data-problem="%d" checked> '
            '<span class="badge s-%s">%s</span></label>' % (s, s in PROBLEMS, s, s)
        )
    out.append(
        '<button type="button" data-preset="problems">problems</button> '
        '<button type="button" data-preset="all">all</button></fieldset><fieldset><legend>Hosts</legend>'
    )
    for row in rows:
        out.append(
            '<label><input type="checkbox" name="host" value="%s" checked> %s</label>'
            % (_e(row["host"]), _e(row["host"]))
        )
    out.append('</fieldset><span id="shown"></span></div>')
    out.append(
        '<noscript><p class="nojs">Filters need JavaScript; every check of every host is shown below.</p></noscript>'
    )
    return "".join(out)


def _problems(rows):
    groups = grouped(rows)
    if not groups:
        return "<p>No problems: every check passed on every host.</p>"
    out = []
    for g in groups:
        own_fix = g["fix"] is None
        several = len(g["ids"]) > 1
        out.append(
            '<div class="problem s-%s" data-status="%s" data-check="%s"><h3><span class="badge s-%s">%s</span> '
            "%s %s</h3>"
            % (
                g["status"],
                g["status"],
                _e(g["id"]),
                g["status"],
                LABELS[g["status"]],
                ", ".join("<code>%s</code>" % _e(i) for i in g["ids"]),
                _e(g["title"]),
            )
        )
        out.append(
            "<table><thead><tr><th>Host</th>%s<th>Measured</th><th>Required</th><th>Detail</th>%s<th>Docs</th></tr>"
            "</thead><tbody>" % ("<th>Check</th>" if several else "", "<th>Fix</th>" if own_fix else "")
        )
        for h in g["hosts"]:
            detail = _e(h["message"] or "")
            if h["exception"]:
                detail += '<div class="exc">exception: %s</div>' % _e(h["exception"])
            if h["ignored"]:
                detail += "<div><em>ignored: %s</em></div>" % _e(h["ignored"])
            out.append(
                '<tr id="%s" data-host="%s"><th scope="row">%s</th>%s'
                "<td>%s</td><td>%s</td><td>%s</td>%s<td>%s</td></tr>"
                % (
                    _e(_anchor(g["status"], h["id"], h["host"])),
                    _e(h["host"]),
                    _e(h["host"]),
                    "<td><code>%s</code></td>" % _e(h["id"]) if several else "",
                    _e(_value(h["measured"], h["unit"])),
                    _e(_value(h["required"], h["unit"])),
                    detail,
                    "<td>%s</td>" % _e(h["fix"] or "-") if own_fix else "",
                    _doc_link(h["doc_url"]),
                )
            )
        out.append("</tbody></table>")
        if g["fix"]:
            out.append('<div class="fix"><strong>Fix:</strong> %s</div>' % _e(g["fix"]))
        out.append("</div>")
    return "".join(out)


def html_report(per_host, meta=None, rows=None):
    """One self-contained page: counts per host, a host x check matrix with filters, each problem's details."""
    rows = host_rows(per_host, meta) if rows is None else rows
    m = run_meta(rows, meta)
    css, js = _CSS.strip(), _JS.strip()
    csp = _CSP.format(css=_sha256_b64(css), js=_sha256_b64(js))
    no_verdict = hosts_without_verdict(rows)
    states = {s: sum(1 for r in rows if r["state"] == s) for s in HOST_STATES}
    verdict_line = ", ".join("%d %s" % (n, s) for s, n in states.items() if n) or "no hosts"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="%s">' % _e(csp),
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>eFormidling %s: %s</title>" % (_e(run_name(meta)), _e(verdict_line)),
        "<style>%s</style></head><body>" % css,
        "<header><h1>eFormidling %s report</h1>" % _e(run_name(meta)),
        "<p>Environment <strong>%s</strong> &middot; services <strong>%s</strong> &middot; integrasjonspunkt "
        "<strong>%s</strong></p>" % (_e(m["environment"]), _e(m["services"]), _e(m["version"])),
        "<p>%d host(s): %s &middot; generated %s</p>" % (len(rows), _e(verdict_line), _e(m.get("generated_at") or "")),
        "<p>%s</p></header><main>" % _e(EXIT_NOTE),
        '<section id="hosts"><h2>Hosts</h2>%s</section>' % _counts_table(rows),
    ]
    if no_verdict:
        parts.append('<section id="no-verdict"><h2>Hosts without a verdict</h2><ul>')
        parts += [
            '<li data-host="%s" class="hostrow"><span class="badge v-%s">%s</span> <strong>%s</strong>: %s</li>'
            % (_e(r["host"]), r["state"], _verdict(r), _e(r["host"]), _e(r["reason"]))
            for r in no_verdict
        ]
        parts.append("</ul></section>")
    parts += [
        '<section id="checks"><h2>Checks by host</h2>%s%s</section>' % (_filters(rows), _matrix(rows)),
        '<section id="problems"><h2>Problems</h2>%s</section>' % _problems(rows),
        "</main><script>%s</script></body></html>" % js,
    ]
    return "\n".join(parts) + "\n"
