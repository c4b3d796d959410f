"""The rollback's records and notice through real Ansible (issue 21), Java and Docker mode alike (one task file,
record_rollback.yml, both rescue paths include): the failed version is blocklisted on the host with the reason and
the redacted log tail, the mail arrives at a STAND-IN SMTP server on loopback (tests/helpers/smtp_sink.py) with the
version and the log tail, the webhook gets the same as JSON; the seeded secrets are nowhere: not in the -vvv output,
the records or the mail. And the canary: a failing first host stops the play before the second one is touched.
"""

import grp
import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

from tests.integration import harness
from tests.integration.test_engine import playbook, write_inventory

REPO = harness.REPO
KEYSTORE_PW = "Ks\\pw=seed:#1a"
AUTH_PW = "Api-seed-pw-7Q"
MAIL_PW = "Smtp-seed-pw-3Z"
SEEDED = [KEYSTORE_PW, AUTH_PW, MAIL_PW]
LOG_TAIL = "\n".join(
    [
        "--- journalctl -u integrasjonspunkt.service (last 40 lines)",
        "Starting IntegrasjonspunktApplication v4.0.9",
        "difi.move.org.keystore.password=%s" % KEYSTORE_PW,
        "login as ops with %s refused" % AUTH_PW,
        "stand-in: this release never becomes healthy",
    ]
)
ROLLBACK_BOOK = """
- hosts: all
  gather_facts: false
  tasks:
    - name: The rollback's records and notice (record_rollback.yml, as the Java and Docker rescue include it)
      ansible.builtin.include_role:
        name: eformidling.integrasjonspunkt.integrasjonspunkt
        tasks_from: record_rollback
"""
UPGRADE_BOOK = ROLLBACK_BOOK.replace("record_rollback", "record_upgrade").replace("rollback's", "upgrade's")
# What tasks/downtime.yml leaves for the records and the notice (the line is printed as it stands).
ROLLBACK_DOWNTIME = {
    "line": "downtime: 24.1 s in all (stopped 12:17:48 UTC, healthy again 12:18:13 UTC); "
    "the failed attempt: 18.2 s (stopped 12:17:48 UTC, gave up 12:18:07 UTC)",
    "record": {"seconds": 24.1, "failed_attempt_seconds": 18.2},
}
UPGRADE_DOWNTIME = {
    "line": "downtime: 5.4 s (stopped 12:19:52 UTC, healthy 12:19:57 UTC)",
    "record": {"seconds": 5.4, "stopped_at": "2026-12-07T12:19:52Z", "healthy_at": "2026-12-07T12:19:57Z"},
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Webhook:
    def __init__(self):
        seen = self.seen = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                seen.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_args):
                pass

        self.httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/hook" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def start_sink(directory):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, os.path.join(REPO, "tests", "helpers", "smtp_sink.py"), "127.0.0.1", str(port), directory],
        env=harness.ansible_env(),
    )
    for _attempt in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise AssertionError("the stand-in SMTP server did not start")


def notified_host(install, version, mail_port, hook_url, **extra):
    """A host whose notices go to the stand-in SMTP server and the webhook, with every seeded secret set."""
    host = {
        "ansible_python_interpreter": sys.executable,
        "integrasjonspunkt_version": version,
        "integrasjonspunkt_install_dir": str(install),
        "integrasjonspunkt_group": grp.getgrgid(os.getgid()).gr_name,
        "integrasjonspunkt_keystore_password": KEYSTORE_PW,
        "integrasjonspunkt_auth_password": AUTH_PW,
        "integrasjonspunkt_notify_mail_to": ["ops@example.invalid"],
        "integrasjonspunkt_notify_mail_from": "ansible@example.invalid",
        "integrasjonspunkt_notify_mail_host": "127.0.0.1",
        "integrasjonspunkt_notify_mail_port": mail_port,
        "integrasjonspunkt_notify_mail_secure": "never",
        "integrasjonspunkt_notify_mail_password": MAIL_PW,
        "integrasjonspunkt_notify_webhook_url": hook_url,
    }
    host.update(extra)
    return host


def run_notified(tmp_path, book_text, host_for):
    """Run `book_text` at -vvv on one host `host_for(mail_port, hook_url)` with the sinks up:
    (the completed process, the mail directory, the webhook's received bodies)."""
    mails = tmp_path / "mail"
    sink, port = start_sink(str(mails))
    hook = Webhook()
    book = tmp_path / "book.yml"
    book.write_text(book_text)
    try:
        proc = playbook(tmp_path, write_inventory(tmp_path, {"ip": host_for(port, hook.url)}), str(book), "-vvv")
    finally:
        sink.send_signal(signal.SIGTERM)
        sink.wait(timeout=10)
        hook.close()
    return proc, mails, hook.seen


def test_rollback_blocklists_mails_and_posts_the_redacted_log_tail_and_no_secret(tmp_path):
    install = tmp_path / "install"
    rollback = {
        "integrasjonspunkt_blocklist_hours": 2,
        "__integrasjonspunkt_log_tail": {"stdout": LOG_TAIL},
        "__integrasjonspunkt_rolled_back_to": "4.0.8",
        # What the install's validate step leaves for the tasks after it (the settings model's management settings:
        # the health URL in the blocklist reason is built from them).
        "__integrasjonspunkt_settings": {"settings": {"management": {"health_host": "127.0.0.1", "health_port": 9093}}},
        "__integrasjonspunkt_health": {"failed": False},
        "__integrasjonspunkt_downtime": ROLLBACK_DOWNTIME,
    }
    proc, mails, seen = run_notified(
        tmp_path, ROLLBACK_BOOK, lambda port, url: notified_host(install, "4.0.9", port, url, **rollback)
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]

    blocklist = json.loads((install / "lifecycle" / "blocklist.json").read_text())
    entry = blocklist["entries"][0]
    assert entry["version"] == "4.0.9" and entry["until"] and "rolled back to 4.0.8" in entry["reason"]
    assert "never becomes healthy" in entry["log_tail"] and "keystore.password=********" in entry["log_tail"]
    history = (install / "lifecycle" / "history.jsonl").read_text()
    assert '"action": "blocklist"' in history and '"action": "rollback"' in history
    assert oct((install / "lifecycle").stat().st_mode & 0o777) == "0o750"

    sent = sorted(mails.glob("msg-*.eml"))
    assert len(sent) == 1, sent
    mail = sent[0].with_suffix(".txt").read_text()  # decoded, as a reader sees it
    raw = sent[0].read_text()
    assert "Subject: integrasjonspunkt rollback on ip: 4.0.9" in mail
    assert "ROLLED BACK to 4.0.8" in mail and "never becomes healthy" in mail
    assert "X-Sink-To: <ops@example.invalid>" in raw  # the recipient is in the envelope, not the text
    assert seen and seen[0]["event"] == "rollback" and "never becomes healthy" in seen[0]["log_tail"]
    # The measured downtime, worded as printed, in the mail and the webhook (and recorded in the history).
    assert ROLLBACK_DOWNTIME["line"] in mail and seen[0]["downtime"] == ROLLBACK_DOWNTIME["line"]
    assert '"failed_attempt_seconds": 18.2' in history

    everything = {
        "-vvv output": proc.stdout + proc.stderr,
        "blocklist": json.dumps(blocklist),
        "history": history,
        "mail": mail,
        "mail as sent": raw,
        "webhook": json.dumps(seen),
    }
    for where, text in everything.items():
        for secret in SEEDED:
            assert secret not in text, "a seeded secret is in the %s" % where


def test_the_upgrade_notice_carries_the_measured_downtime_and_no_secret(tmp_path):
    install = tmp_path / "install"
    install.mkdir()
    upgrade = {"__integrasjonspunkt_upgraded_from": "4.0.8", "__integrasjonspunkt_downtime": UPGRADE_DOWNTIME}
    proc, mails, seen = run_notified(
        tmp_path, UPGRADE_BOOK, lambda port, url: notified_host(install, "4.0.10", port, url, **upgrade)
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]

    history = (install / "lifecycle" / "history.jsonl").read_text()
    assert '"action": "upgrade"' in history and '"seconds": 5.4' in history
    sent = sorted(mails.glob("msg-*.eml"))
    assert len(sent) == 1, sent
    mail = sent[0].with_suffix(".txt").read_text()
    assert "Subject: integrasjonspunkt upgrade on ip: 4.0.10" in mail and "upgraded from 4.0.8 to 4.0.10" in mail
    assert UPGRADE_DOWNTIME["line"] in mail  # the same wording as printed
    assert seen and seen[0]["event"] == "upgrade" and seen[0]["downtime"] == UPGRADE_DOWNTIME["line"]
    everything = {
        "-vvv output": proc.stdout + proc.stderr,
        "history": history,
        "mail": mail,
        "webhook": json.dumps(seen),
    }
    for where, text in everything.items():
        for secret in SEEDED:
            assert secret not in text, "a seeded secret is in the %s" % where


CANARY_FAIL = "http://127.0.0.1:9/releases.json"  # nothing listens: the canary's resolution fails


def test_a_failing_canary_stops_the_play_before_the_next_host(tmp_path):
    """playbooks/upgrade_canary.yml: serial [1, 100%] and max_fail_percentage 0. The first host's upgrade fails
    (its release list cannot be fetched; nothing is changed); the second host is never reached."""
    hosts = {}
    for name in ("canary", "second"):
        hosts[name] = {
            "ansible_python_interpreter": sys.executable,
            "ansible_become": False,  # root already; this machine has no sudo
            "integrasjonspunkt_version": "latest",
            "integrasjonspunkt_install_dir": str(tmp_path / name),
            "integrasjonspunkt_releases_url": CANARY_FAIL,
            "integrasjonspunkt_upgrade_backup": False,
            "integrasjonspunkt_upgrade_backup_reason": "test: the canary fails before any backup",
        }
    (tmp_path / "canary" / "releases").mkdir(parents=True)
    os.symlink("releases/integrasjonspunkt-v4.0.8.jar", tmp_path / "canary" / "integrasjonspunkt.jar")
    book = os.path.join(REPO, "playbooks", "upgrade_canary.yml")
    proc = playbook(tmp_path, write_inventory(tmp_path, hosts), book)
    doc = json.loads(proc.stdout)
    seen = {h for play in doc["plays"] for task in play["tasks"] for h in task["hosts"]}
    failed = [
        (task["task"]["name"], r.get("msg", ""))
        for play in doc["plays"]
        for task in play["tasks"]
        for h, r in task["hosts"].items()
        if h == "canary" and r.get("failed") and not r.get("ignore_errors")
    ]
    assert proc.returncode != 0
    assert failed and "cannot list the releases at %s" % CANARY_FAIL in failed[-1][1], failed
    assert "second" not in seen, "the play went on to the second host after the canary failed"
    assert not (tmp_path / "second").exists()
