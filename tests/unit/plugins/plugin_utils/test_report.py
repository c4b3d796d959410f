"""Report rendering: summary lines grouped across hosts, JSON, JUnit XML and Markdown."""

import json
from xml.etree import ElementTree as ET

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import report


def result(cid, status, measured=None, required=None, unit=None, ignored=None):
    return {
        "id": cid,
        "title": "title of " + cid,
        "status": status,
        "measured": measured,
        "required": required,
        "unit": unit,
        "message": "message of %s" % cid,
        "fix": "fix " + cid,
        "doc_url": "https://docs.digdir.no/x",
        "ignored": ignored,
    }


PER_HOST = {
    "good": {"results": [result("resources.cpu", "pass", 2, 1, "CPUs"), result("time.timezone", "pass")]},
    "bad1": {
        "results": [
            result("resources.memory", "fail", 1024, 2048, "MiB"),
            result("time.timezone", "warn", "UTC", "Europe/Oslo rules", ignored="servers run UTC"),
        ]
    },
    "bad2": {
        "results": [result("resources.memory", "fail", 900, 2048, "MiB"), result("inbound.port", "fail", "in use")]
    },
    "gone": None,
}


def test_summary_has_a_line_per_host_then_failures_grouped_by_id():
    lines = report.summary_lines(PER_HOST)
    text = "\n".join(lines)
    assert lines[0] == "eFormidling preflight: 4 host(s)"
    host_lines = {line.split()[0]: line for line in lines[1:5]}
    assert "pass   2  warn   0  fail   0" in host_lines["good"]
    assert "pass   0  warn   1  fail   1" in host_lines["bad1"]
    assert "UNREACHABLE" in host_lines["gone"]
    # the memory failure appears once, with both hosts under it
    assert text.count("[resources.memory]") == 1
    assert "[resources.memory] title of resources.memory (2 host(s))" in text
    assert "bad1: measured 1024 MiB, required 2048 MiB" in text
    assert "bad2: measured 900 MiB, required 2048 MiB" in text
    assert "fix: fix resources.memory" in text
    assert "(ignored: servers run UTC)" in text
    assert text.index("FAILED checks") < text.index("WARNING checks")


def test_json_report_keeps_every_result_and_unreachable_hosts():
    doc = json.loads(report.json_report(PER_HOST, {"environment": "test"}))
    assert doc["meta"]["environment"] == "test"
    assert doc["hosts"]["gone"] is None
    assert len(doc["hosts"]["bad2"]["results"]) == 2
    states = {row["host"]: row["state"] for row in doc["summary"]}
    assert states == {"bad1": "failed", "bad2": "failed", "gone": "unreachable", "good": "passed"}


def test_junit_has_one_testcase_per_host_and_check():
    root = ET.fromstring(report.junit_report(PER_HOST, {}))
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {"good", "bad1", "bad2", "gone"}
    assert suites["bad2"].get("failures") == "2"
    cases = {(c.get("classname"), c.get("name")): c for c in root.iter("testcase")}
    assert len(cases) == 7
    assert cases[("bad1", "resources.memory")].find("failure") is not None
    assert cases[("good", "resources.cpu")].find("failure") is None
    assert cases[("gone", "host.reachable")].find("error") is not None
    assert "ignored: servers run UTC" in cases[("bad1", "time.timezone")].find("system-out").text


def test_markdown_has_summary_problems_and_all_checks():
    md = report.markdown_report(PER_HOST, {"environment": "production", "services": ["DPO"], "version": "4.0.8"})
    assert md.startswith("# eFormidling preflight report")
    assert "| bad1 | 0 | 1 | 1 | **FAILED** |" in md
    assert "| gone | - | - | - | unreachable |" in md
    assert "### `resources.memory` FAIL" in md
    assert "**Fix:** fix resources.memory" in md
    assert "### good" in md


def test_markdown_escapes_pipes():
    per_host = {"h": {"results": [result("x.y", "fail", "a|b", "c")]}}
    assert "a\\|b" in report.markdown_report(per_host, {})
