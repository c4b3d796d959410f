#!/usr/bin/env python
"""Check preflight report files against expected verdicts (used by the molecule verify playbooks).

    check_reports.py --report-dir DIR --expect JSON [--compare-to OTHER_DIR]

Always: preflight.json, preflight-junit.xml, preflight.md and preflight.html exist and parse; the JSON summary
agrees with the results; the JUnit file has exactly one testcase per host and check, with the same verdict as the
JSON (failure = fail, error = error, the status property otherwise) and matching failures/errors/tests counts.

--expect is a JSON object {host: expectation}; every key of an expectation is optional:
  fail          exact list of failing IDs                 warn      exact list of warning IDs
  error         exact list of IDs with status error
  ignored       exact {id: reason} of ignored checks      status    {id: status}
  allowed       {id: [statuses]} for machine-dependent checks
  all_pass      ID prefixes whose checks must all pass (e.g. "connectivity."), except those in allowed
  ids           IDs that must be present (e.g. every simulated endpoint)
  measured      {id: value} exact measured values         measured_between  {id: [low, high]}
The expected hosts must be exactly the hosts of the report.

--compare-to: the other report must give every host the same verdict for every check (check mode = normal run).
Prints one line per host and exits 1 with every problem listed.
"""

import argparse
import json
import os
import sys
import xml.etree.ElementTree as ET

STATUSES = ("pass", "info", "warn", "unknown", "error", "fail")


def load(report_dir):
    problems = []
    paths = {
        n: os.path.join(report_dir, n)
        for n in ("preflight.json", "preflight-junit.xml", "preflight.md", "preflight.html")
    }
    for path in paths.values():
        if not os.path.isfile(path) or os.path.getsize(path) == 0:
            problems.append("missing or empty: %s" % path)
    if problems:
        return None, None, None, problems
    with open(paths["preflight.json"]) as fh:
        doc = json.load(fh)
    junit = ET.parse(paths["preflight-junit.xml"]).getroot()
    with open(paths["preflight.md"]) as fh:
        markdown = fh.read()
    for key in ("meta", "summary", "hosts"):
        if key not in doc:
            problems.append("preflight.json has no %r" % key)
    return doc, junit, markdown, problems


def junit_verdicts(junit):
    out = {}
    for suite in junit.iter("testsuite"):
        host = suite.get("name")
        cases = {}
        for case in suite.iter("testcase"):
            prop = case.find("properties/property[@name='status']")
            if case.find("failure") is not None:
                status = "fail"
            elif case.find("error") is not None:
                status = "error"
            else:
                text = prop.get("value") if prop is not None else ""
                status = text if text in STATUSES else "?" + text
            if case.get("name") in cases:
                status = "duplicate"
            cases[case.get("name")] = status
        out[host] = {
            "cases": cases,
            "tests": suite.get("tests"),
            "failures": suite.get("failures"),
            "errors": suite.get("errors"),
        }
    return out


def consistency(doc, junit, markdown):
    problems = []
    hosts = doc["hosts"]
    rows = {row["host"]: row for row in doc["summary"]}
    jv = junit_verdicts(junit)
    if sorted(jv) != sorted(hosts):
        problems.append("JUnit suites %s != JSON hosts %s" % (sorted(jv), sorted(hosts)))
    for host, hdoc in hosts.items():
        if hdoc.get("state") == "unreachable":
            continue
        results = hdoc["results"]
        ids = [r["id"] for r in results]
        if len(ids) != len(set(ids)):
            problems.append("%s: duplicate check IDs in JSON" % host)
        verdicts = {r["id"]: r["status"] for r in results}
        fails = [r["id"] for r in results if r["status"] == "fail"]
        errors = [r["id"] for r in results if r["status"] == "error"]
        row = rows.get(host) or {}
        counts = {s: sum(1 for r in results if r["status"] == s) for s in STATUSES}
        if {k: v for k, v in (row.get("counts") or {}).items() if v} != {k: v for k, v in counts.items() if v}:
            problems.append("%s: summary counts %s != results %s" % (host, row.get("counts"), counts))
        if sorted(row.get("failed_ids") or []) != sorted(fails):
            problems.append("%s: summary failed_ids %s != results %s" % (host, row.get("failed_ids"), fails))
        if row.get("state") != ("failed" if fails or errors else "ok"):
            problems.append("%s: summary state %s with fails %s, errors %s" % (host, row.get("state"), fails, errors))
        if sorted(hdoc.get("error_ids") or []) != sorted(errors):
            problems.append("%s: error_ids %s != results %s" % (host, hdoc.get("error_ids"), errors))
        suite = jv.get(host)
        if suite is None:
            continue
        if suite["cases"] != verdicts:
            diff = sorted(
                "%s: json=%s junit=%s" % (i, verdicts.get(i), suite["cases"].get(i))
                for i in set(verdicts) | set(suite["cases"])
                if verdicts.get(i) != suite["cases"].get(i)
            )
            problems.append("%s: JSON and JUnit disagree: %s" % (host, "; ".join(diff)))
        if (suite["tests"], suite["failures"], suite["errors"]) != tuple(
            map(str, (len(results), len(fails), len(errors)))
        ):
            problems.append(
                "%s: JUnit tests=%s failures=%s errors=%s, JSON has %d results, %d fails, %d errors"
                % (host, suite["tests"], suite["failures"], suite["errors"], len(results), len(fails), len(errors))
            )
        if host not in markdown:
            problems.append("%s is not named in preflight.md" % host)
        for fid in fails:
            if fid not in markdown:
                problems.append("%s: failing check %s is not in preflight.md" % (host, fid))
    return problems


def expectations(doc, expect):
    problems = []
    if sorted(expect) != sorted(doc["hosts"]):
        problems.append("report hosts %s != expected hosts %s" % (sorted(doc["hosts"]), sorted(expect)))
    for host, exp in expect.items():
        hdoc = doc["hosts"].get(host)
        if hdoc is None or hdoc.get("state") == "unreachable":
            problems.append("%s: no results (%s)" % (host, (hdoc or {}).get("reason") or "not in the report"))
            continue
        by_id = {r["id"]: r for r in hdoc["results"]}

        def ids_with(status, by_id=by_id):
            return sorted(i for i, r in by_id.items() if r["status"] == status)

        for status in ("fail", "warn", "error"):
            if status in exp and ids_with(status) != sorted(exp[status]):
                problems.append("%s: %s IDs %s, expected %s" % (host, status, ids_with(status), sorted(exp[status])))
        if "ignored" in exp:
            got = {i: r["ignored"] for i, r in by_id.items() if r.get("ignored")}
            if got != exp["ignored"]:
                problems.append("%s: ignored %s, expected %s" % (host, got, exp["ignored"]))
        for cid, status in (exp.get("status") or {}).items():
            if (by_id.get(cid) or {}).get("status") != status:
                problems.append("%s: %s is %s, expected %s" % (host, cid, (by_id.get(cid) or {}).get("status"), status))
        for cid, allowed in (exp.get("allowed") or {}).items():
            if (by_id.get(cid) or {}).get("status") not in allowed:
                problems.append("%s: %s is %s, allowed %s" % (host, cid, (by_id.get(cid) or {}).get("status"), allowed))
        for prefix in exp.get("all_pass") or []:
            bad = sorted(
                "%s=%s" % (i, r["status"])
                for i, r in by_id.items()
                if i.startswith(prefix) and r["status"] != "pass" and i not in (exp.get("allowed") or {})
            )
            if bad:
                problems.append("%s: not passing under %s: %s" % (host, prefix, ", ".join(bad)))
        missing = sorted(set(exp.get("ids") or []) - set(by_id))
        if missing:
            problems.append("%s: checks missing: %s" % (host, ", ".join(missing)))
        for cid, value in (exp.get("measured") or {}).items():
            if (by_id.get(cid) or {}).get("measured") != value:
                problems.append(
                    "%s: %s measured %r, expected %r" % (host, cid, (by_id.get(cid) or {}).get("measured"), value)
                )
        for cid, (low, high) in (exp.get("measured_between") or {}).items():
            got = (by_id.get(cid) or {}).get("measured")
            if not isinstance(got, (int, float)) or not low <= got <= high:
                problems.append("%s: %s measured %r, expected between %s and %s" % (host, cid, got, low, high))
    return problems


def compare(doc, other):
    problems = []
    for host in sorted(set(doc["hosts"]) | set(other["hosts"])):
        a = {r["id"]: r["status"] for r in (doc["hosts"].get(host) or {}).get("results") or []}
        b = {r["id"]: r["status"] for r in (other["hosts"].get(host) or {}).get("results") or []}
        if a != b:
            diff = sorted("%s: %s vs %s" % (i, a.get(i), b.get(i)) for i in set(a) | set(b) if a.get(i) != b.get(i))
            problems.append("%s: verdicts differ from the other report: %s" % (host, "; ".join(diff)))
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--report-dir", required=True)
    parser.add_argument("--expect", required=True, help="JSON object {host: expectation}")
    parser.add_argument("--compare-to", help="another report directory that must give the same verdicts")
    args = parser.parse_args()
    doc, junit, markdown, problems = load(args.report_dir)
    if not problems:
        problems += consistency(doc, junit, markdown)
        problems += expectations(doc, json.loads(args.expect))
        if args.compare_to:
            other, _j, _m, more = load(args.compare_to)
            problems += more or compare(doc, other)
    if doc:
        for row in doc.get("summary") or []:
            print("%s: %s %s fails=%s" % (row["host"], row.get("state"), row.get("counts"), row.get("failed_ids")))
    for problem in problems:
        print("PROBLEM: %s" % problem)
    print("%d problem(s) in %s" % (len(problems), args.report_dir))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
