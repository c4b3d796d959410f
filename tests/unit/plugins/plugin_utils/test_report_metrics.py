"""report_metrics: a JSON report document as Prometheus text; the opt-in `prom` report format."""

import json
import os
import re

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import report, report_metrics
from tests.unit.plugins.plugin_utils.test_report import PER_HOST, run_action

STATUS_DOC = {
    "meta": {"generated_at": "2026-12-07T01:00:00+00:00", "report": "status"},
    "statuses": list(report.STATUSES),
    "hosts": {
        "ip1": {
            "state": "failed",
            "counts": {"pass": 1, "info": 0, "warn": 1, "unknown": 0, "error": 0, "fail": 1},
            "generated_at": "2026-12-07T00:59:30+00:00",
            "results": [
                {"id": "status.certificate", "status": "warn", "value": 21},
                {"id": "status.clock", "status": "fail", "value": -1.5},
                {"id": "status.running", "status": "pass", "value": True},
                {"id": 'odd"id\\x', "status": "pass", "value": "12 days"},
            ],
        },
        "ip2": {"state": "unreachable", "counts": {}, "results": []},
    },
}
SAMPLE = re.compile(r"^(eformidling_[a-z_]+)\{(.*)\} (\S+)$")


def samples(text):
    out = {}
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        match = SAMPLE.match(line)
        assert match, "not a sample line: %r" % line
        out[(match.group(1), match.group(2))] = match.group(3)
    return out


def test_one_series_per_status_with_1_for_the_checks_own():
    got = samples(report_metrics.render(STATUS_DOC))
    base = 'report="status",host="ip1",check="status.clock",status="%s"'
    assert {s: got[("eformidling_check_status", base % s)] for s in report.STATUSES} == {
        "pass": "0", "info": "0", "warn": "0", "unknown": "0", "error": "0", "fail": "1",
    }  # fmt: skip


def test_numeric_values_only():
    got = samples(report_metrics.render(STATUS_DOC))
    assert got[("eformidling_check_value", 'report="status",host="ip1",check="status.certificate"')] == "21"
    assert got[("eformidling_check_value", 'report="status",host="ip1",check="status.clock"')] == "-1.5"
    values = [k for k in got if k[0] == "eformidling_check_value"]
    assert len(values) == 2, "a boolean or a text is no measurement: %s" % values


def test_host_state_counts_and_timestamp():
    got = samples(report_metrics.render(STATUS_DOC))
    assert got[("eformidling_host_state", 'report="status",host="ip2",state="unreachable"')] == "1"
    assert got[("eformidling_host_state", 'report="status",host="ip2",state="ok"')] == "0"
    assert got[("eformidling_checks", 'report="status",host="ip1",status="fail"')] == "1"
    # the host's own time wins over the run's
    assert float(got[("eformidling_report_timestamp_seconds", 'report="status",host="ip1"')]) == 1796605170.0
    assert float(got[("eformidling_report_timestamp_seconds", 'report="status",host="ip2"')]) == 1796605200.0


def test_label_values_are_escaped():
    text = report_metrics.render(STATUS_DOC)
    assert 'check="odd\\"id\\\\x"' in text


def test_preflight_report_renders_through_the_writer_signature():
    text = report_metrics.prometheus_report({"good": PER_HOST["good"], "bad": PER_HOST["bad2"]}, {})
    got = samples(text)
    assert got[("eformidling_host_state", 'report="preflight",host="bad",state="failed"')] == "1"
    assert got[("eformidling_check_status", 'report="preflight",host="bad",check="inbound.port",status="fail"')] == "1"


def test_prom_is_opt_in_and_written_with_the_set(tmp_path):
    run_action({"hosts": ["good"], "report_dir": str(tmp_path)}, {"good": {"preflight_result": PER_HOST["good"]}})
    assert "preflight.prom" not in os.listdir(tmp_path), "prom must be opt-in"
    run_action(
        {"hosts": ["good"], "report_dir": str(tmp_path), "formats": ["json", "prom"]},
        {"good": {"preflight_result": PER_HOST["good"]}},
    )
    assert sorted(os.listdir(tmp_path)) == ["preflight.json", "preflight.prom"]
    prom = (tmp_path / "preflight.prom").read_text()
    doc = json.loads((tmp_path / "preflight.json").read_text())
    assert prom == report_metrics.render(doc)
