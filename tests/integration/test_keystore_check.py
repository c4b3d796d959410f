"""keystore_check through ansible-playbook, and the install role's keystore validation at -vvv.

A bad keystore fails with exactly the certificate.* IDs expected. The leak test runs the role's
tasks/validate_keystore.yml (controller and remote_src) at -vvv while a sampler reads every process's
/proc/PID/cmdline and /proc/PID/environ, and searches the whole output and every sample for the password.
"""

import json
import os
import subprocess
import sys
import threading

import yaml

from tests.helpers import seid_test_ca as ca
from tests.integration import harness

PASSWORD = "Canary-7q!Ks=pw:x"  # characters a shell would need quoted
ORGNR = "991825827"
PASSING = {"certificate.keystore", "certificate.type", "certificate.chain", "certificate.jks"}


def inventory(tmp_path):
    path = tmp_path / "inventory.yml"
    host = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    path.write_text(yaml.safe_dump({"all": {"hosts": {"ip-host": host}}}))
    return str(path)


def bundle(tmp_path, **leaf_args):
    return ca.write_bundle(str(tmp_path / "pki"), leaf_args.pop("orgnr", ORGNR), PASSWORD, "virksomhet", **leaf_args)


def playbook(tmp_path, tasks, play_vars):
    # The password reaches the play through a vars file, as a vault would give it: never through argv.
    path = tmp_path / "play.yml"
    play = {"hosts": "ip-host", "gather_facts": False, "vars_files": [str(tmp_path / "secret.yml")], "tasks": tasks}
    (tmp_path / "secret.yml").write_text(yaml.safe_dump({"keystore_password": PASSWORD}))
    play["vars"] = play_vars
    path.write_text(yaml.safe_dump([play], sort_keys=False))
    return str(path)


def run_playbook(tmp_path, path, *extra, callback="json"):
    env = harness.ansible_env({"ANSIBLE_STDOUT_CALLBACK": callback})
    argv = [os.path.join(harness.VENV_BIN, "ansible-playbook"), "-i", inventory(tmp_path), path, *extra]
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300, check=False)


def check_task(paths, **args):
    task_args = {
        "path": paths["keystore"],
        "alias": "virksomhet",
        "password": "{{ keystore_password }}",
        "org_number": ORGNR,
        "environment": "test",
        "extra_issuers": paths["issuers"],
    }
    task_args.update(args)
    return {
        "name": "keystore check",
        "eformidling.integrasjonspunkt.keystore_check": task_args,
        "register": "ks",
        "no_log": True,
    }


def findings(tmp_path, task):
    """Run the (no_log) task, then write its registered result to a file: the result holds no secret."""
    tasks = [
        dict(task, ignore_errors=True),
        {
            "name": "expose the findings",
            "ansible.builtin.copy": {"content": "{{ ks | to_json }}", "dest": str(tmp_path / "ks.json")},
        },
    ]
    proc = run_playbook(tmp_path, playbook(tmp_path, tasks, {}))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert PASSWORD not in proc.stdout + proc.stderr
    text = (tmp_path / "ks.json").read_text()
    assert PASSWORD not in text
    return json.loads(text)


def test_a_good_keystore_passes(tmp_path):
    paths = bundle(tmp_path)
    proc = run_playbook(tmp_path, playbook(tmp_path, [check_task(paths)], {}))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert PASSWORD not in proc.stdout + proc.stderr


def test_a_bad_keystore_fails_with_exactly_the_expected_ids(tmp_path):
    # Expired, issued to another organisation, by a test issuer, used in production.
    now = ca.NOW
    paths = bundle(tmp_path, orgnr="974760673", not_before=now - 400 * ca.DAY, not_after=now - 2 * ca.DAY)
    res = findings(tmp_path, check_task(paths, environment="production"))
    assert res["failed"] is True
    assert res["failed_ids"] == ["certificate.environment", "certificate.org_number", "certificate.validity"]
    statuses = {r["id"]: r["status"] for r in res["results"]}
    assert {k for k, v in statuses.items() if v == "pass"} == PASSING
    assert res["certificate"]["serial"] and "NTRNO-974760673" in res["certificate"]["subject"]


def test_remote_src_slurps_the_same_keystore(tmp_path):
    paths = bundle(tmp_path, orgnr="974760673")
    res = findings(tmp_path, check_task(paths, remote_src=True, fail_on_findings=False))
    assert res["failed"] is False
    assert res["failed_ids"] == ["certificate.org_number"]


def test_a_missing_file_fails_on_the_keystore_check(tmp_path):
    paths = bundle(tmp_path)
    paths["keystore"] = str(tmp_path / "nope.p12")
    res = findings(tmp_path, check_task(paths))
    assert "certificate.keystore" in res["failed_ids"]
    keystore = next(r for r in res["results"] if r["id"] == "certificate.keystore")
    assert keystore["status"] == "fail" and "nope.p12" in keystore["message"]
    jks = next(r for r in res["results"] if r["id"] == "certificate.jks")
    assert jks["status"] == "unknown", jks  # judged by the file, never by the configured type (issue 18)


class ProcSampler(threading.Thread):
    """Read every process's cmdline and environ until stopped; keep what mentions the needles."""

    def __init__(self, needles):
        super().__init__(daemon=True)
        self.needles = [n.encode() for n in needles]
        self.hits = []
        self.seen = set()
        self.rounds = 0
        self._stop_event = threading.Event()

    def run(self):
        me = str(os.getpid())
        while not self._stop_event.is_set():
            for pid in os.listdir("/proc"):
                if not pid.isdigit() or pid == me:
                    continue
                for part in ("cmdline", "environ"):
                    try:
                        with open("/proc/%s/%s" % (pid, part), "rb") as fh:
                            blob = fh.read()
                    except OSError:
                        continue
                    if part == "cmdline" and b"AnsiballZ_" in blob:
                        self.seen.add(blob.split(b"AnsiballZ_")[1].split(b".py")[0].decode())
                    for needle in self.needles:
                        if needle in blob:
                            self.hits.append((pid, part, blob.replace(b"\0", b" ")[:300]))
            self.rounds += 1
            self._stop_event.wait(0.005)

    def stop(self):
        self._stop_event.set()
        self.join(5)


def role_validation_play(tmp_path, paths, remote_src, org_number=ORGNR):
    tasks = [
        {
            "name": "the install role's keystore validation",
            "ansible.builtin.include_role": {
                "name": "eformidling.integrasjonspunkt.integrasjonspunkt",
                "tasks_from": "validate_keystore",
            },
        }
    ]
    play_vars = {
        "integrasjonspunkt_environment": "test",
        "integrasjonspunkt_org_number": org_number,
        "integrasjonspunkt_keystore_src": paths["keystore"],
        "integrasjonspunkt_keystore_remote_src": remote_src,
        "integrasjonspunkt_keystore_alias": "virksomhet",
        "integrasjonspunkt_keystore_password": "{{ keystore_password }}",
        "integrasjonspunkt_keystore_extra_issuers": paths["issuers"],
    }
    return playbook(tmp_path, tasks, play_vars)


def test_role_validation_at_vvv_never_shows_the_password(tmp_path):
    paths = bundle(tmp_path, not_before=ca.NOW - 400 * ca.DAY, not_after=ca.NOW + 10 * ca.DAY)
    outputs = []
    sampler = ProcSampler([PASSWORD])
    sampler.start()
    try:
        for remote_src in (False, True):
            ok = run_playbook(tmp_path, role_validation_play(tmp_path, paths, remote_src), "-vvv", callback="default")
            assert ok.returncode == 0, ok.stdout + ok.stderr
            assert "certificate.validity: expires on" in ok.stdout  # the warning is shown
            bad = run_playbook(
                tmp_path,
                role_validation_play(tmp_path, paths, remote_src, org_number="974760673"),
                "-vvv",
                callback="default",
            )
            assert bad.returncode != 0
            assert "[certificate.org_number] fail" in bad.stdout, bad.stdout
            outputs += [ok.stdout, ok.stderr, bad.stdout, bad.stderr]
    finally:
        sampler.stop()
    everything = "\n".join(outputs)
    assert "EXEC /bin/sh -c" in everything  # -vvv really printed the module command lines
    assert PASSWORD not in everything
    assert sampler.rounds > 50 and "slurp" in sampler.seen, (sampler.rounds, sampler.seen)
    assert sampler.hits == [], sampler.hits


def test_a_directory_or_random_bytes_are_no_pkcs12_keystore(tmp_path):
    paths = bundle(tmp_path)
    paths["keystore"] = str(tmp_path)  # a directory
    jks = next(r for r in findings(tmp_path, check_task(paths))["results"] if r["id"] == "certificate.jks")
    assert jks["status"] == "unknown", jks
    garbage = tmp_path / "garbage.p12"
    garbage.write_bytes(os.urandom(2048))
    paths["keystore"] = str(garbage)
    res = findings(tmp_path, check_task(paths))
    jks = next(r for r in res["results"] if r["id"] == "certificate.jks")
    assert (jks["status"], jks["measured"]) == ("fail", "not a keystore")
    assert "certificate.jks" in res["failed_ids"]


def test_an_ec_keystore_fails_certificate_type(tmp_path):
    """Maskinporten takes RS256 only: an EC enterprise key would start the integrasjonspunkt and get no token."""
    res = findings(tmp_path, check_task(bundle(tmp_path, key_type="ec")))
    kind = next(r for r in res["results"] if r["id"] == "certificate.type")
    assert kind["status"] == "fail" and "RS256" in kind["message"]
    assert "certificate.type" in res["failed_ids"]
