"""Report rendering: one counting rule, host states, each host's own fix, the DNS collapse, header, HTML, secrets."""

import json
import os
import re
from html.parser import HTMLParser
from unittest import mock
from xml.etree import ElementTree as ET

import pytest
import yaml
from ansible.errors import AnsibleActionFail

from ansible_collections.eformidling.integrasjonspunkt.plugins.action import preflight_report as action
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import report

SETTINGS = {"environment": "production", "services": ["DPO"], "version": "4.0.8"}


def result(cid, status, measured=None, required=None, unit=None, ignored=None, fix=None, message=None, **extra):
    r = {
        "id": cid,
        "title": "title of " + cid,
        "category": cid.split(".", 1)[0],
        "severity": "fail",
        "status": status,
        "measured": measured,
        "required": required,
        "unit": unit,
        "message": message or "message of %s" % cid,
        "fix": fix or "fix " + cid,
        "doc_url": "https://docs.digdir.no/x",
        "ignored": ignored,
    }
    r.update(extra)
    return r


def engine(results, settings=None, **extra):
    record = {
        "changed": False,
        "results": results,
        "settings": dict(SETTINGS if settings is None else settings),
        "generated_at": "2026-12-01T20:00:00+00:00",
    }
    record.update(extra)
    return record


TRACEBACK = "Traceback (most recent call last):\n  File \"checks.py\", line 9, in run\nKeyError: 'offset'"

# One host with every status, so each count is distinct (pass 6, info 5, warn 4, unknown 3, error 2, fail 1).
EVERY_STATUS = [result("p.%d" % i, "pass") for i in range(6)]
EVERY_STATUS += [result("i.%d" % i, "info") for i in range(5)]
EVERY_STATUS += [result("w.%d" % i, "warn") for i in range(4)]
EVERY_STATUS += [result("u.%d" % i, "unknown") for i in range(3)]
EVERY_STATUS += [result("e.%d" % i, "error", exception=TRACEBACK) for i in range(2)]
EVERY_STATUS += [result("f.0", "fail", 1024, 2048, "MiB")]
EXPECTED = {"pass": 6, "info": 5, "warn": 4, "unknown": 3, "error": 2, "fail": 1}

PER_HOST = {
    "good": engine([result("resources.cpu", "pass", 2, 1, "CPUs"), result("time.timezone", "pass")]),
    "bad1": engine(
        [
            result("resources.memory", "fail", 1024, 2048, "MiB", fix="Give bad1 2048 MiB"),
            result("time.timezone", "warn", "UTC", "Europe/Oslo rules", ignored="servers run UTC"),
        ]
    ),
    "bad2": engine(
        [
            result("resources.memory", "fail", 900, 2048, "MiB", fix="Give bad2 2048 MiB"),
            result("inbound.port", "fail", "in use"),
        ]
    ),
    "gone": {"unreachable": True, "msg": "Failed to connect to the host via ssh"},
    "broke": {"failed": True, "msg": "preflight: bad input", "exception": "Traceback\nValueError: no such service"},
    "never": None,
}


def counts_in_console(lines, host):
    line = next(line for line in lines if line.split()[:1] == [host])
    numbers = [int(n) for n in line.split()[1:7]]
    return dict(zip(report.STATUSES, numbers))


def counts_in_markdown(md, host):
    line = next(line for line in md.splitlines() if line.startswith("| %s |" % host))
    cells = [c.strip() for c in line.strip("|").split("|")]
    header = next(line for line in md.splitlines() if line.startswith("| Host |"))
    names = [c.strip().lower() for c in header.strip("|").split("|")]
    return {s: int(cells[names.index(s)]) for s in report.STATUSES}


def counts_in_junit(xml, host):
    suite = next(s for s in ET.fromstring(xml).findall("testsuite") if s.get("name") == host)
    props = {p.get("name"): p.get("value") for p in suite.find("properties")}
    return {s: int(props["count.%s" % s]) for s in report.STATUSES}


class _HTMLCounts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.counts, self._host, self._status = {}, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr" and "hostrow" in (a.get("class") or ""):
            self._host = a["data-host"]
            self.counts[self._host] = {}
        if tag == "td" and "data-count" in a and self._host:
            self._status = a["data-count"]

    def handle_data(self, data):
        if self._status and data.strip():
            self.counts[self._host][self._status] = int(data)
            self._status = None


def counts_in_html(page, host):
    parser = _HTMLCounts()
    parser.feed(page)
    return parser.counts[host]


# 1. One counting rule ---------------------------------------------------------------------------


def test_count_knows_all_six_statuses_in_order():
    assert report.STATUSES == ("pass", "info", "warn", "unknown", "error", "fail")
    assert report.count(EVERY_STATUS) == EXPECTED
    assert list(report.count([])) == list(report.STATUSES)


def test_same_records_give_identical_counts_in_every_rendering():
    per_host = {"mixed": engine(EVERY_STATUS), "good": PER_HOST["good"]}
    meta = {"generated_at": "now"}
    console = report.summary_lines(per_host, meta)
    doc = json.loads(report.json_report(per_host, meta))
    junit = report.junit_report(per_host, meta)
    md = report.markdown_report(per_host, meta)
    page = report.html_report(per_host, meta)
    for host, expected in (("mixed", EXPECTED), ("good", dict(report.count([]), **{"pass": 2}))):
        json_counts = next(r["counts"] for r in doc["summary"] if r["host"] == host)
        renderings = {
            "console": counts_in_console(console, host),
            "json": json_counts,
            "json.hosts": doc["hosts"][host]["counts"],
            "junit": counts_in_junit(junit, host),
            "markdown": counts_in_markdown(md, host),
            "html": counts_in_html(page, host),
        }
        assert renderings == dict.fromkeys(renderings, expected), host
    suite = next(s for s in ET.fromstring(junit).findall("testsuite") if s.get("name") == "mixed")
    attrs = [suite.get(k) for k in ("tests", "failures", "errors", "skipped")]
    assert attrs == ["21", "1", "2", "0"]


def test_an_error_is_never_a_fail_nor_ok():
    per_host = {"h": engine([result("time.offset", "error", message="the check itself crashed", exception=TRACEBACK)])}
    rows = report.host_rows(per_host)
    assert rows[0]["state"] == "failed"  # an error fails the host by default
    assert rows[0]["error_ids"] == ["time.offset"] and rows[0]["failed_ids"] == []
    text = "\n".join(report.summary_lines(per_host))
    assert "ERROR checks:" in text and "FAILED checks:" not in text
    assert "exception: KeyError: 'offset'" in text
    assert "Traceback" not in text  # only the exception's last line in the summary
    md = report.markdown_report(per_host, {})
    assert "### `time.offset` ERROR" in md and "KeyError: 'offset'" in md
    case = ET.fromstring(report.junit_report(per_host, {})).find(".//testcase[@name='time.offset']")
    assert case.find("failure") is None
    assert "KeyError: 'offset'" in case.find("error").get("message")
    assert "Traceback" in case.find("error").text  # the whole traceback for whoever reads the JUnit


def test_junit_maps_fail_to_failure_error_to_error_and_the_rest_pass_with_their_status():
    per_host = {"h": engine([result("x.%s" % s, s) for s in report.STATUSES])}
    cases = {c.get("name"): c for c in ET.fromstring(report.junit_report(per_host, {})).iter("testcase")}
    for status in report.STATUSES:
        case = cases["x.%s" % status]
        kinds = sorted(child.tag for child in case if child.tag in ("failure", "error", "skipped"))
        assert kinds == {"fail": ["failure"], "error": ["error"]}.get(status, []), status
        assert case.find("properties/property[@name='status']").get("value") == status
        assert case.find("system-out").text.startswith(status.upper() + ":")


def test_unknown_status_values_are_errors_not_passes():
    rows = report.host_rows({"h": engine([result("x.y", "ok")])})
    assert rows[0]["results"][0]["status"] == "error"
    assert "unknown status 'ok'" in rows[0]["results"][0]["message"]
    assert rows[0]["state"] == "failed"


# Host states from the record contract -----------------------------------------------------------


def test_host_states_follow_the_record_contract():
    rows = {r["host"]: r for r in report.host_rows(PER_HOST)}
    assert {h: r["state"] for h, r in rows.items()} == {
        "bad1": "failed",
        "bad2": "failed",
        "broke": "error",
        "gone": "unreachable",
        "good": "ok",
        "never": "error",
    }
    assert rows["broke"]["reason"] == "preflight: bad input (ValueError: no such service)"
    assert rows["gone"]["reason"] == "Failed to connect to the host via ssh"
    assert rows["never"]["reason"] == report.NO_RESULT
    assert rows["bad2"]["failed_ids"] == ["inbound.port", "resources.memory"]


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({"skipped": True, "false_condition": "x"}, report.NO_RESULT + " (skipped: x)"),
        (engine([]), report.NO_RESULTS_IN_RECORD),
        ({"changed": False}, report.NO_RESULTS_IN_RECORD),
        ({"failed": True, "msg": "boom", "results": [result("a.b", "pass")]}, "boom"),
        ("not a mapping", "the preflight result is not a mapping: 'not a mapping'"),
    ],
)
def test_records_without_a_verdict_are_errors_never_ok(record, reason):
    row = report.host_rows({"h": record})[0]
    assert (row["state"], row["reason"]) == ("error", reason)


def test_the_engines_failed_ids_can_only_add_failures():
    row = report.host_rows({"h": engine([result("w.x", "warn")], failed_ids=["w.x"])})[0]
    assert row["state"] == "failed" and row["failed_ids"] == ["w.x"]


def test_hosts_without_a_verdict_show_their_reason_everywhere():
    text = "\n".join(report.summary_lines(PER_HOST))
    md = report.markdown_report(PER_HOST, {})
    page = report.html_report(PER_HOST, {})
    for rendered in (text, md, page):
        assert "preflight: bad input (ValueError: no such service)" in rendered
        assert "the host&#x27;s preflight task did not run" in rendered or report.NO_RESULT in rendered
    assert re.search(r"^\s+gone\s.*UNREACHABLE$", text, re.M)
    assert re.search(r"^\s+broke\s.*ERROR$", text, re.M)
    suites = {s.get("name"): s for s in ET.fromstring(report.junit_report(PER_HOST, {})).findall("testsuite")}
    assert suites["broke"].find("testcase[@name='preflight.error']/error") is not None
    assert suites["gone"].find("testcase[@name='preflight.unreachable']/error") is not None
    assert suites["never"].get("errors") == "1"


# 2. Each host gets its own fix --------------------------------------------------------------------


def test_each_host_is_told_its_own_fix():
    proxy = result("connectivity.dpo", "fail", "proxy_error", "reachable", fix="The proxy refused CONNECT to dpo")
    firewall = result("connectivity.dpo", "fail", "tcp_timeout", "reachable", fix="Outbound TCP 443 is dropped")
    per_host = {"a": engine([proxy]), "b": engine([firewall])}
    groups = report.grouped(report.host_rows(per_host))
    assert len(groups) == 1 and groups[0]["fix"] is None
    assert [(h["host"], h["fix"]) for h in groups[0]["hosts"]] == [
        ("a", "The proxy refused CONNECT to dpo"),
        ("b", "Outbound TCP 443 is dropped"),
    ]
    text = "\n".join(report.summary_lines(per_host))
    a_part, b_part = text.split("    b: measured")
    assert "The proxy refused CONNECT to dpo" in a_part and "Outbound TCP 443" not in a_part
    assert "Outbound TCP 443 is dropped" in b_part and "proxy refused" not in b_part
    md = report.markdown_report(per_host, {})
    assert "| a | proxy_error | reachable | message of connectivity.dpo | The proxy refused CONNECT to dpo |" in md
    assert "| b | tcp_timeout | reachable | message of connectivity.dpo | Outbound TCP 443 is dropped |" in md
    assert "**Fix:**" not in md


def test_one_fix_line_when_every_host_has_the_same_fix():
    text = "\n".join(report.summary_lines(PER_HOST))
    assert text.count("[resources.memory]") == 1
    assert "bad1: measured 1024 MiB, required 2048 MiB" in text
    assert "bad2: measured 900 MiB, required 2048 MiB" in text
    assert "fix: Give bad1 2048 MiB" in text and "fix: Give bad2 2048 MiB" in text
    same = {h: engine([result("resources.memory", "fail", 900, 2048, "MiB")]) for h in ("x", "y")}
    text = "\n".join(report.summary_lines(same))
    assert text.count("fix: fix resources.memory") == 1
    md = report.markdown_report(same, {})
    assert md.count("**Fix:** fix resources.memory") == 1


# 3. No name resolves ------------------------------------------------------------------------------


def _dns_host(resolver=True):
    results = [
        result("connectivity.%s" % name, "fail", "dns_error", "reachable", fix="Make %s.no resolvable" % name)
        for name in ("dpo", "maskinporten", "altinn")
    ]
    results.append(result("install.temurin", "warn", "dns_error", "reachable", fix="Make temurin resolvable"))
    results.append(result("resources.cpu", "pass", 2, 1, "CPUs"))
    extra = {"resolver": {"nameservers": ["10.0.0.2", "10.0.0.3"], "source": "/etc/resolv.conf"}} if resolver else {}
    return engine(results, **extra)


def _listed(text):
    """{section label: [(host, id) ...]} from the console summary's FAILED/WARNING/... lists."""
    listed, section, ids = {}, None, []
    for line in text.splitlines():
        if line.endswith(" checks:"):
            section = line[: -len(" checks:")]
            listed[section] = []
        elif section and line.startswith("  [") and "]" in line:
            ids = line[3 : line.index("]")].split(", ")
        elif section and line.startswith("    ") and ": measured " in line:
            who = line.strip().split(": measured ")[0].split(" ")
            listed[section].append((who[0], who[1] if len(who) > 1 else ids[0]))
            assert who[1:] == [] or who[1] in ids, "an entry names a check its group does not list"
        elif not line.strip():
            section = None
    return listed


def test_when_no_name_resolves_the_resolver_is_named_once_and_every_check_keeps_its_id():
    per_host = {"nodns": _dns_host(), "fine": engine([result("connectivity.dpo", "fail", "dns_error", "reachable")])}
    per_host["fine"]["results"].append(result("connectivity.altinn", "pass", "reachable", "reachable"))
    text = "\n".join(report.summary_lines(per_host))
    md = report.markdown_report(per_host, {})
    page = report.html_report(per_host, {})
    for rendered in (text, md, page):
        assert "Make dpo.no resolvable" not in rendered
        assert "Make maskinporten.no resolvable" not in rendered
        assert "nameservers 10.0.0.2, 10.0.0.3" in rendered and "/etc/resolv.conf" in rendered
        assert "connectivity.dns" not in rendered  # an ID no check has, in no README table
    # the shared cause is said once per status, naming every check it groups
    fix = "fix: Make the resolver work on this host: nameservers 10.0.0.2, 10.0.0.3"
    assert text.count(fix) == 2  # once for the three failures, once for the install warning
    assert "  [connectivity.altinn, connectivity.dpo, connectivity.maskinporten] no endpoint name resolves" in text
    assert "(3 checks, 1 host(s))" in text
    # a host where some names resolve keeps its own result and fix
    assert "fine: measured dns_error, required reachable" in text and "fix connectivity.dpo" in text
    # the lists agree with the counts, and with the JSON's failed_ids
    doc = json.loads(report.json_report(per_host, {}))
    listed = _listed(text)
    for host, row in doc["hosts"].items():
        assert sum(1 for entry in listed.get("FAILED", []) if entry[0] == host) == row["counts"]["fail"]
        assert sum(1 for entry in listed.get("WARNING", []) if entry[0] == host) == row["counts"]["warn"]
        assert sorted(i for h, i in listed["FAILED"] if h == host) == row["failed_ids"]
        for cid in row["failed_ids"]:
            assert "`%s`" % cid in md and "<code>%s</code>" % cid in page
    assert len(doc["hosts"]["nodns"]["results"]) == 5
    names = {c.get("name") for c in ET.fromstring(report.junit_report(per_host, {})).iter("testcase")}
    assert {"connectivity.dpo", "connectivity.maskinporten", "connectivity.altinn", "install.temurin"} <= names


def test_no_resolver_in_the_record_still_says_it_once():
    text = "\n".join(report.summary_lines({"h": _dns_host(resolver=False)}))
    assert text.count("nameservers none configured from the host's resolver configuration") == 1  # the group's title
    assert text.count("fix: Make the resolver work") == 2


def test_endpoints_sharing_a_fix_are_one_group_that_names_them_and_others_keep_their_own():
    proxy_fix = "The proxy's own name proxy.example does not resolve on this host: fix integrasjonspunkt_proxy"
    results = [
        result("connectivity.%s" % n, "fail", "proxy_error", "reachable", fix=proxy_fix, cause="proxy down")
        for n in ("altinn", "dpo")
    ]
    results.append(result("connectivity.elma", "fail", "tcp_timeout", "reachable", fix="open 443 to elma"))
    text = "\n".join(report.summary_lines({"h": engine(results)}))
    assert text.count(proxy_fix) == 1
    assert "  [connectivity.altinn, connectivity.dpo] proxy down (2 checks, 1 host(s))" in text
    assert "    h connectivity.altinn: measured proxy_error" in text
    assert "  [connectivity.elma] title of connectivity.elma (1 host(s))" in text
    assert sorted(entry[1] for entry in _listed(text)["FAILED"]) == [
        "connectivity.altinn",
        "connectivity.dpo",
        "connectivity.elma",
    ]


# 4. Header ----------------------------------------------------------------------------------------


def test_header_comes_from_the_settings_when_meta_is_omitted():
    per_host = {"h": engine([result("a.b", "pass")])}
    text = report.summary_lines(per_host)[0]
    assert "environment production, services DPO, integrasjonspunkt 4.0.8" in text
    md = report.markdown_report(per_host, None)
    assert "for environment production, services DPO, integrasjonspunkt 4.0.8." in md
    assert report.EXIT_NOTE in md and report.EXIT_NOTE in report.summary_lines(per_host)
    page = report.html_report(per_host)
    assert "integrasjonspunkt <strong>4.0.8</strong>" in page


def test_header_never_prints_an_empty_version_and_lists_hosts_that_differ():
    per_host = {
        "a": engine([result("a.b", "pass")], settings={"environment": "production", "version": "4.0.8"}),
        "b": engine([result("a.b", "pass")], settings={"environment": "test", "version": "4.0.7"}),
        "c": None,
    }
    md = report.markdown_report(per_host, {"version": "", "services": []})
    assert "integrasjonspunkt ." not in md
    assert "environment differs per host: production (a); test (b)" in md
    assert "integrasjonspunkt differs per host: 4.0.7 (b); 4.0.8 (a)." in md
    assert "services none" in md
    md = report.markdown_report({"c": None}, {})
    assert "integrasjonspunkt not given." in md and "environment not given" in md


def test_meta_wins_over_settings():
    md = report.markdown_report({"h": engine([result("a.b", "pass")])}, {"environment": "test", "version": "4.1.0"})
    assert "for environment test, services DPO, integrasjonspunkt 4.1.0." in md


# Markdown escaping --------------------------------------------------------------------------------


def test_markdown_escapes_pipes_html_and_newlines():
    per_host = {"h": engine([result("x.y", "fail", "a|b", "c", message="<b>line1\nline2</b>")])}
    md = report.markdown_report(per_host, {})
    assert "a\\|b" in md
    assert "&lt;b&gt;line1 line2&lt;/b&gt;" in md
    assert "<b>" not in md


# 5. HTML --------------------------------------------------------------------------------------------


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []
        self.scripts = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)


EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_html_escapes_every_value():
    per_host = {
        "<b>host</b>": engine([result("x.y", "fail", EVIL, EVIL, message=EVIL, fix=EVIL, title=EVIL)]),
        "h2": engine([result("x.y", "error", message=EVIL, exception="Traceback\n" + EVIL)]),
    }
    page = report.html_report(per_host, {"environment": EVIL})
    parser = _Collect()
    parser.feed(page)
    assert [tag for tag, attrs in parser.tags].count("script") == 1  # only ours
    assert not [a for t, a in parser.tags if t == "img"]
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "&lt;b&gt;host&lt;/b&gt;" in page
    assert "<b>host</b>" not in page


def test_html_is_self_contained():
    page = report.html_report(PER_HOST, {})
    parser = _Collect()
    parser.feed(page)
    for tag, attrs in parser.tags:
        assert tag not in ("link", "img", "iframe", "object", "embed"), tag
        assert "src" not in attrs, (tag, attrs)
        assert "style" not in attrs, (tag, attrs)  # the CSP below would block it anyway
        if "href" in attrs:
            assert tag == "a"
            assert attrs["href"].startswith("#") or attrs["href"].startswith("https://docs.digdir.no/")
    assert "url(" not in page and "@import" not in page
    csp = next(a["content"] for t, a in parser.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp and "'unsafe-inline'" not in csp
    # the script CSP allows is exactly the script in the page
    assert "'sha256-%s'" % report._sha256_b64(parser.scripts[0]) in csp


def test_html_links_only_http_docs():
    per_host = {"h": engine([result("x.y", "fail", doc_url="javascript:alert(1)")])}
    page = report.html_report(per_host, {})
    assert 'href="javascript' not in page
    assert "javascript:alert(1)" in page  # shown as text


def test_html_shows_each_problems_measured_required_fix_and_docs():
    page = report.html_report(PER_HOST, {})
    for text in ("1024 MiB", "900 MiB", "2048 MiB", "Give bad1 2048 MiB", "Give bad2 2048 MiB", "servers run UTC"):
        assert text in page
    assert '<a href="https://docs.digdir.no/x" rel="noreferrer noopener">documentation</a>' in page
    assert 'data-host="bad1" data-status="fail"' in page
    assert 'data-host="good" data-status="pass"' in page


def test_html_is_in_the_action_plugins_formats():
    assert list(action.FORMATS) == ["json", "junit", "markdown", "html", "prom"]  # prom: opt-in (issue 22)
    assert action.ARGUMENT_SPEC["formats"]["default"] == ["json", "junit", "markdown", "html"]
    assert action.FORMATS["html"][0] == "preflight.html"


# 6. Secrets -----------------------------------------------------------------------------------------

SECRETS = {
    "proxy_password": "hunter2-proxy",
    "api_token": "tok-123456",
    "client_secret": "s3cr3t-value",
    "keystore_keypass": "kp-987654",
    "nested": {"Truststore_Password": "ts-pass-42"},
}


def test_secrets_never_reach_any_report():
    settings = dict(SETTINGS, **SECRETS)
    leak = result("connectivity.dpo", "fail", "proxy_error", "reachable", message="via http://u:hunter2-proxy@p:3128")
    per_host = {"h": engine([leak], settings=settings)}
    meta = {"environment": "production", "integrasjonspunkt_keystore_password": "meta-secret-1"}
    rendered = [
        "\n".join(report.summary_lines(per_host, meta)),
        report.json_report(per_host, meta),
        report.junit_report(per_host, meta),
        report.markdown_report(per_host, meta),
        report.html_report(per_host, meta),
    ]
    values = ["hunter2-proxy", "tok-123456", "s3cr3t-value", "kp-987654", "ts-pass-42", "meta-secret-1"]
    for text in rendered:
        for value in values:
            assert value not in text
    doc = json.loads(rendered[1])
    assert doc["hosts"]["h"]["settings"]["proxy_password"] == report.REDACTED
    assert doc["hosts"]["h"]["settings"]["nested"]["Truststore_Password"] == report.REDACTED
    assert doc["hosts"]["h"]["settings"]["version"] == "4.0.8"
    assert doc["meta"]["integrasjonspunkt_keystore_password"] == report.REDACTED
    assert "via http://u:<redacted>@p:3128" in doc["hosts"]["h"]["results"][0]["message"]
    # the counts keep their "pass" key: redaction is for settings, not for our own numbers
    assert doc["hosts"]["h"]["counts"]["pass"] == 0


def test_redact_matches_the_documented_pattern():
    out = report.redact({"PassWord": "x", "db_secret": "y", "authToken": "z", "key_pass": "k", "user": "u"})
    assert out == {"PassWord": "<redacted>", "db_secret": "<redacted>", "authToken": "<redacted>",
                   "key_pass": "<redacted>", "user": "u"}  # fmt: skip


# The action plugin --------------------------------------------------------------------------------


def run_action(args, hostvars):
    task = mock.MagicMock()
    task.args = args
    task.async_val = 0
    task.check_mode = False
    plugin = action.ActionModule(task, mock.MagicMock(), mock.MagicMock(), None, None, None)
    return plugin.run(task_vars={"hostvars": hostvars})


def test_action_reads_the_registered_result_var_and_writes_every_format(tmp_path):
    hostvars = {
        "good": {"preflight_result": PER_HOST["good"], "ansible_facts": {"eformidling_preflight": PER_HOST["bad1"]}},
        "bad": {"preflight_result": PER_HOST["bad2"]},
        "never": {"ansible_facts": {"eformidling_preflight": PER_HOST["good"]}},  # a stale cached verdict
    }
    res = run_action({"hosts": ["good", "bad", "never", "ghost"], "report_dir": str(tmp_path)}, hostvars)
    assert res["changed"] is False
    assert res["ok_hosts"] == ["good"] and res["failed_hosts"] == ["bad"]
    assert res["error_hosts"] == ["ghost", "never"] and res["unreachable_hosts"] == []
    states = {r["host"]: (r["state"], r["reason"]) for r in res["hosts"]}
    assert states["never"] == ("error", report.NO_RESULT)
    assert states["ghost"] == ("error", "ghost is not in the inventory")
    assert sorted(p.rsplit("/", 1)[1] for p in res["files"]) == [
        "preflight-junit.xml",
        "preflight.html",
        "preflight.json",
        "preflight.md",
    ]
    assert (tmp_path / "preflight.html").read_text().startswith("<!DOCTYPE html>")
    assert res["meta"]["version"] == "4.0.8"
    assert res["summary"][0].startswith("eFormidling preflight: 4 host(s); environment production")


def test_action_takes_another_result_var_and_rejects_unknown_formats(tmp_path):
    hostvars = {"h": {"mine": PER_HOST["bad1"]}}
    res = run_action({"hosts": ["h"], "result_var": "mine", "formats": ["html"], "report_dir": str(tmp_path)}, hostvars)
    assert res["failed_hosts"] == ["h"] and [p.rsplit("/", 1)[1] for p in res["files"]] == ["preflight.html"]
    with pytest.raises(AnsibleActionFail, match="formats must be one or more of: json, junit, markdown, html"):
        run_action({"hosts": ["h"], "formats": ["pdf"]}, hostvars)


def test_ansibles_traceback_placeholder_is_not_shown_as_the_exception():
    row = report.host_rows({"h": {"failed": True, "msg": "boom", "exception": "(traceback unavailable)"}})[0]
    assert row["reason"] == "boom"


def test_html_matrix_links_point_at_existing_problem_rows():
    per_host = dict(PER_HOST, nodns=_dns_host(), mixed=engine(EVERY_STATUS))
    parser = _Collect()
    parser.feed(report.html_report(per_host, {}))
    ids = [attrs["id"] for tag, attrs in parser.tags if "id" in attrs]
    assert len(ids) == len(set(ids))
    links = [a["href"][1:] for t, a in parser.tags if t == "a" and a.get("href", "").startswith("#")]
    assert links and set(links) <= set(ids)
    # each DNS result of 'nodns' leads to its own row in its group
    assert {"p-fail-connectivity.dpo--nodns", "p-warn-install.temurin--nodns"} <= set(links)


def test_html_shows_an_info_cells_reason_in_the_cell_not_only_in_a_tooltip():
    per_host = {"h": engine([result("time.service", "info", message="no time service in this container")])}
    page = report.html_report(per_host, {})
    cell = re.search(r'<td class="m s-info"[^>]*>(.*?)</td>', page).group(1)
    # what a printout or a screenshot shows: the cell's text, without its title attribute
    assert "no time service in this container" in re.sub(r"<[^>]+>", " ", cell)


class _Unreadable(dict):
    """A host whose variables cannot be templated (an undefined variable inside preflight_fail_hosts)."""

    def get(self, key, default=None):
        if key == "preflight_fail_hosts":
            raise ValueError("'undefined_thing' is undefined")
        return super().get(key, default)


def test_verdict_hosts_are_the_not_ok_hosts_the_verdict_would_fail_and_unknown_counts_as_failing():
    hostvars = {
        "good": {"preflight_result": PER_HOST["good"]},  # ok: nothing to fail
        "bad1": {"preflight_result": PER_HOST["bad1"]},  # failed, preflight_fail_hosts unset: the default, true
        "bad2": {"preflight_result": PER_HOST["bad2"], "preflight_fail_hosts": "false"},  # spared
        "broke": {"preflight_result": PER_HOST["broke"], "preflight_fail_hosts": True},  # error
        "gone": {"preflight_result": PER_HOST["gone"]},  # unreachable: out of the play already
        "never": {"preflight_fail_hosts": "maybe"},  # no result, and a value that is no boolean: fail closed
        "odd": _Unreadable(preflight_result=PER_HOST["bad1"]),  # cannot be read: fail closed
    }
    args = {"hosts": sorted(hostvars), "fail_var": "preflight_fail_hosts"}
    res = run_action(args, hostvars)
    assert res["verdict_hosts"] == ["bad1", "broke", "never", "odd"]
    assert "verdict_hosts" not in run_action({"hosts": sorted(hostvars)}, hostvars)
    # every host whose verdict task would fail it is in the list: it fails on a missing result, a failed task
    # or failing IDs, and each of those is a failed or error state
    would_fail = {h for h in hostvars if h not in ("good", "gone", "bad2")}
    assert would_fail <= set(res["verdict_hosts"])


def test_the_report_task_publishes_the_verdicts_as_set_stats_would_and_only_when_asked():
    hostvars = {"good": {"preflight_result": PER_HOST["good"]}, "bad1": {"preflight_result": PER_HOST["bad1"]}}
    res = run_action({"hosts": sorted(hostvars), "stats_key": "eformidling_preflight"}, hostvars)
    # The shape ansible.builtin.set_stats returns for data={key: ...}, per_host=false (aggregate by default).
    assert res["ansible_stats"] == {
        "data": {"eformidling_preflight": res["hosts"]},
        "per_host": False,
        "aggregate": True,
    }
    assert [(row["host"], row["state"]) for row in res["ansible_stats"]["data"]["eformidling_preflight"]] == [
        ("bad1", "failed"),
        ("good", "ok"),
    ]
    assert "ansible_stats" not in run_action({"hosts": sorted(hostvars)}, hostvars)


@pytest.mark.parametrize(("role", "key"), [("preflight", "eformidling_preflight"), ("status", "eformidling_status")])
def test_each_roles_report_task_publishes_its_verdicts_under_its_documented_key(role, key):
    """docs/status-run.md and the README name these artifact keys; the report task itself publishes them."""
    path = os.path.join(os.path.dirname(report.__file__), "..", "..", "roles", role, "tasks", "report.yml")
    with open(path) as fh:
        tasks = yaml.safe_load(fh)
    writers = [t for t in tasks if "eformidling.integrasjonspunkt.preflight_report" in t]
    assert len(writers) == 1 and writers[0]["eformidling.integrasjonspunkt.preflight_report"]["stats_key"] == key
    assert not [t for t in tasks if "ansible.builtin.set_stats" in t]  # no second, separate publication
