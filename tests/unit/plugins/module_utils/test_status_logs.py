"""The application log's ERROR entries since a time, counted by logger and fingerprint, and never their text:
a password, a JWT and a national ID number seeded into error messages are in no output of the status run."""

import datetime
import json

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import status_logs as sl
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import checks, report, thresholds
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import status_checks as sc

PASSWORD = "Hunter2-Keystore-Pw"
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJlLXNlY3JldA"
NATIONAL_ID = "01017012345"
LOG = """2026-12-06T23:00:00.000+01:00  INFO 4242 --- [           main] n.d.m.Application : Started
2026-12-06T23:30:00.000+01:00 ERROR 4242 --- [           main] n.d.m.Old : too old to count
2026-12-07T01:10:00.123+01:00 ERROR 4242 --- [integrasjonspunkt] [  task-1] n.d.m.nextmove.Sender                    : \
send failed for 'conv-1' with password=%(pw)s
java.lang.IllegalStateException: token %(jwt)s rejected
\tat no.difi.Sender.send(Sender.java:42)
2026-12-07T01:11:00,500+01:00 ERROR 4242 --- [  task-2] n.d.m.nextmove.Sender                    : \
send failed for 'conv-2' with password=%(pw)s
2026-12-07T01:12:00.000Z ERROR 4242 --- [  task-3] n.d.m.Lookup                             : person %(id)s not found
2026-12-07T01:13:00.000+01:00  WARN 4242 --- [  task-4] n.d.m.Lookup                             : a warning
""" % {"pw": PASSWORD, "jwt": JWT, "id": NATIONAL_ID}
SINCE = datetime.datetime(2026, 12, 7, 0, 0, tzinfo=datetime.timezone.utc)


def test_errors_since_a_time_are_counted_by_logger_and_fingerprint():
    found = sl.count_errors(LOG.splitlines(), SINCE)
    assert found["total"] == 3
    sender, lookup = found["groups"]
    assert (sender["logger"], sender["count"], sender["exception"]) == (
        "n.d.m.nextmove.Sender",
        2,
        "java.lang.IllegalStateException",
    )
    assert (lookup["logger"], lookup["count"]) == ("n.d.m.Lookup", 1)


def test_the_same_message_with_other_ids_has_one_fingerprint():
    assert sl.fingerprint("send failed for 'conv-1' after 3 tries") == sl.fingerprint(
        "send failed for 'conv-2' after 17 tries"
    )
    assert sl.fingerprint("send failed") != sl.fingerprint("lookup failed")


def test_no_message_text_reaches_the_result_or_any_report(tmp_path):
    path = tmp_path / "application.log"
    path.write_text(LOG)
    found = sl.log_errors(str(path), SINCE.timestamp())
    ctx = {"log": found, "errors": {}, "thresholds": thresholds.defaults()}
    [result] = checks.run_checks(ctx, only=["status.log_errors"], classes=sc.STATUS_CHECKS)
    assert (result["status"], result["value"]) == ("warn", 3)
    record = {"results": [result], "counts": checks.count([result]), "failed_ids": [], "settings": {}}
    per_host = {"h1": record}
    meta = {"run": "status"}
    outputs = (
        [json.dumps(found), json.dumps(result)]
        + [
            render(per_host, meta)
            for render in (report.json_report, report.junit_report, report.markdown_report, report.html_report)
        ]
        + report.summary_lines(per_host, meta)
    )
    for text in outputs:
        for secret in (PASSWORD, JWT, NATIONAL_ID, "send failed", "not found", "rejected"):
            assert secret not in text


def test_an_unreadable_log_is_a_reason_with_permission(tmp_path):
    found = sl.log_errors(str(tmp_path / "missing.log"), 0)
    assert (found["available"], found["permission"]) == (False, False)
    path = tmp_path / "application.log"
    path.write_text(LOG)
    path.chmod(0)
    denied = sl.log_errors(str(path), 0)
    # root reads it anyway; any other user gets the permission flag
    assert denied["available"] is True or denied["permission"] is True


def test_only_the_tail_of_a_large_file_is_read(tmp_path):
    path = tmp_path / "application.log"
    path.write_text(LOG * 50)
    lines, truncated = sl.read_tail(str(path), limit=2000)
    assert truncated is True
    assert sum(len(line) + 1 for line in lines) <= 2000


def test_timestamps_of_every_form_parse():
    assert sl.parse_time("2026-12-07T01:10:00.123+01:00") == datetime.datetime(
        2026, 12, 7, 0, 10, 0, 123000, tzinfo=datetime.timezone.utc
    )
    assert sl.parse_time("2026-12-07 01:10:00,5") == datetime.datetime(
        2026, 12, 7, 1, 10, 0, 500000, tzinfo=datetime.timezone.utc
    )
    assert sl.parse_time("2026-12-07T01:10:00Z").tzinfo is not None
