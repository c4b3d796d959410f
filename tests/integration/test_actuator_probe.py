"""security.actuator's probe against real HTTP servers on loopback (issue 22).

The server is the molecule scenarios' stand-in (extensions/molecule/install/files/standin/StandIn.java), which
serves the actuator as v4.0.8 does: with today's properties (no management.*) every endpoint but env answers
without credentials, and POST /manage/shutdown really exits. The probe must find that, and must leave it running.

The negative control of the lock: with upstream's defaults (the role before the lock rendered no management.*)
the stand-in serves a heap dump and exits on POST /manage/shutdown, the status collector and security.actuator
fail, and the scenarios' own check (extensions/molecule/install/tasks/actuator_closed.yml) fails; with the
properties the role renders now (plugins/plugin_utils/management.py), with basic auth on and off, health answers
200 without credentials, the dumps and the shutdown are refused and the process still runs.
"""

import http.client
import json
import os
import shutil
import socket
import subprocess
import threading
import time

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import actuator_probe as ap
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import actuator_checks as ac
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import settings as model
from tests.integration import harness
from tests.integration import test_inbound_port as inbound
from tests.integration.harness import REPO

# A real v1 cgroup named as the role's unit: the process in it is "ours" to listening.collect.
unit_cgroup = inbound.unit_cgroup
KEYSTORE_PASSWORD = "Seeded-Keystore-pw-17"
ACTUATOR_CLOSED = REPO + "/extensions/molecule/install/tasks/actuator_closed.yml"
STANDIN = REPO + "/extensions/molecule/install/files/standin/StandIn.java"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def classes(tmp_path_factory):
    for tool in ("java", "javac"):
        if not shutil.which(tool):
            pytest.fail("%s is needed (apt-get install openjdk-17-jdk-headless)" % tool)
    out = tmp_path_factory.mktemp("standin")
    subprocess.run(["javac", "--release", "17", "-d", str(out), STANDIN], check=True)
    return out


def start(classes, tmp_path, lines, auth=True, env=None):
    port = free_port()
    base = ["server.port=%d" % port, "difi.ssl.enabled=false", "difi.security.enable=%s" % str(auth).lower(),
            "difi.security.user.name=ops", "difi.security.user.password=Seeded-Api-pw-41"]  # fmt: skip
    (tmp_path / "integrasjonspunkt-local.properties").write_text("\n".join(base + lines) + "\n")
    proc = subprocess.Popen(["java", "-cp", str(classes), "StandIn"], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, env=dict(os.environ, **(env or {})))  # fmt: skip
    for _attempt in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    pytest.fail("the stand-in did not listen: %s" % proc.stdout.read())


def judged(port):
    targets = ap.probe([{"host": "127.0.0.1", "port": port, "scheme": "http"}], timeout=5.0)
    return ac.judge({"running": True, "port": port, "targets": targets}), targets


def test_todays_properties_fail_and_the_service_keeps_running(classes, tmp_path):
    proc, port = start(classes, tmp_path, [])
    try:
        verdict, targets = judged(port)
        assert verdict["status"] == "fail", verdict
        statuses = {a["endpoint"]: a.get("status") for a in targets[0]["answers"]}
        assert statuses["heapdump"] == 405 and statuses["shutdown"] == 405 and statuses["threaddump"] == 200
        time.sleep(0.5)  # the stand-in exits 200 ms after a shutdown: it must not have had one
        assert proc.poll() is None, "the probe shut the integrasjonspunkt down"
        assert "Seeded-Api-pw-41" not in repr(verdict) + repr(targets)
    finally:
        proc.kill()
        proc.wait()


def test_the_locked_properties_pass(classes, tmp_path):
    lines = ["%s=%s" % (k, v) for k, v in model.normalise({})["management"]["properties"]]
    proc, port = start(classes, tmp_path, lines)
    try:
        verdict, targets = judged(port)
        assert verdict["status"] == "pass", verdict
        assert {a["endpoint"]: a.get("status") for a in targets[0]["answers"]}["health"] == 503  # DOWN, but open
        assert proc.poll() is None
    finally:
        proc.kill()
        proc.wait()


def test_a_server_that_never_answers_is_unknown():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])  # accepted, never answered
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        port = server.getsockname()[1]
        targets = ap.probe([{"host": "127.0.0.1", "port": port, "scheme": "http"}], timeout=0.3)
        verdict = ac.judge({"running": True, "port": port, "targets": targets})
        assert verdict["status"] == "unknown" and "timed out" in verdict["message"]
    finally:
        stop.set()
        thread.join()
        server.close()
        for conn in held:
            conn.close()


# The negative control of the lock -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def keystore(tmp_path_factory):
    """A PKCS12 keystore with the alias the stand-in's health asks for."""
    path = tmp_path_factory.mktemp("keystore") / "keystore.p12"
    subprocess.run(
        ["keytool", "-genkeypair", "-alias", "ip", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=ip",
         "-validity", "2", "-storetype", "PKCS12", "-keystore", str(path), "-storepass", KEYSTORE_PASSWORD],
        check=True, capture_output=True,
    )  # fmt: skip
    return path


def start_healthy(classes, tmp_path, keystore, management_lines, auth):
    """The stand-in with every property its health needs (so /manage/health is 200 UP) plus `management_lines`."""
    lines = [
        "difi.move.org.number=987654321",
        "difi.move.org.keystore.alias=ip",
        "difi.move.org.keystore.password=" + KEYSTORE_PASSWORD,
        "difi.move.org.keystore.path=file:%s" % keystore,
        "difi.move.org.keystore.type=PKCS12",
        "difi.datasource.url=jdbc:h2:file:%s/integrasjonspunkt" % tmp_path,
        "difi.activemq.broker-url=vm://localhost",
        "difi.move.ntp.host=time.example",
    ]
    proc, port = start(
        classes, tmp_path, lines + management_lines, auth=auth, env={"SPRING_PROFILES_ACTIVE": "production"}
    )
    assert request(port, "GET", "health")[0] == 200, proc  # the control is only worth something on a healthy one
    return proc, port


def request(port, method, endpoint):
    """(status, body) of one request without credentials."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, "/manage/" + endpoint, headers={"Content-Length": "0"} if method == "POST" else {})
        answer = conn.getresponse()
        return answer.status, answer.read()
    finally:
        conn.close()


def locked_lines():
    """What the role renders now, from the one source (settings -> management.properties)."""
    return ["%s=%s" % (k, v) for k, v in model.normalise({})["management"]["properties"]]


def stop(proc):
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=10)


@pytest.mark.parametrize("auth", [True, False], ids=["auth-on", "auth-off"])
def test_upstream_defaults_serve_the_heap_and_shut_down(classes, tmp_path, keystore, auth):
    proc, port = start_healthy(classes, tmp_path, keystore, [], auth)
    try:
        status, body = request(port, "GET", "heapdump")
        assert status == 200 and body.startswith(b"JAVA PROFILE 1.0.2\0"), body[:40]
        assert KEYSTORE_PASSWORD.encode() in body  # what a real heap holds, and why the lock exists
        assert request(port, "GET", "threaddump")[0] == 200
        assert request(port, "POST", "shutdown")[0] == 200
        assert proc.wait(timeout=10) == 0, "POST /manage/shutdown did not stop the process"
    finally:
        stop(proc)


@pytest.mark.parametrize("auth", [True, False], ids=["auth-on", "auth-off"])
def test_the_rendered_properties_refuse_the_dumps_and_the_shutdown(classes, tmp_path, keystore, auth):
    proc, port = start_healthy(classes, tmp_path, keystore, locked_lines(), auth)
    try:
        assert request(port, "GET", "health")[0] == 200
        for endpoint in ("heapdump", "threaddump"):
            status, body = request(port, "GET", endpoint)
            assert status in (401, 403, 404), (endpoint, status)
            assert KEYSTORE_PASSWORD.encode() not in body
        assert request(port, "POST", "shutdown")[0] in (401, 403, 404, 405)
        time.sleep(0.5)  # the stand-in exits 200 ms after an accepted shutdown
        assert proc.poll() is None, "the locked integrasjonspunkt was shut down"
        assert request(port, "GET", "health")[0] == 200
    finally:
        stop(proc)


def status_collect(port):
    """The status run's collector (module status_gather through Ansible) for the actuator, and its verdict."""
    result = harness.run_module(
        "status_gather",
        {"install_dir": "/nonexistent-install", "data_dir": "/nonexistent-data", "port": port, "timeout": 5,
         "actuator_targets": [{"host": "127.0.0.1", "port": port, "scheme": "http"}]},
    )  # fmt: skip
    assert "actuator" not in result["errors"], result["errors"]
    ctx = {"actuator": result["actuator"], "errors": result["errors"]}
    return ac.ActuatorCheck().run(ctx), result["actuator"]


def test_the_status_collector_and_check_fail_on_the_open_actuator(classes, tmp_path, keystore, unit_cgroup):
    proc, port = start_healthy(classes, tmp_path, keystore, [], True)
    try:
        with open(os.path.join(unit_cgroup, "cgroup.procs"), "w") as fh:
            fh.write(str(proc.pid))
        verdict, collected = status_collect(port)
        assert collected["running"] is True, collected
        assert verdict["id"] == "security.actuator" and verdict["status"] == "fail", verdict
        for endpoint in ("heapdump", "threaddump", "shutdown"):
            assert "/manage/%s" % endpoint in verdict["message"], verdict["message"]
        time.sleep(0.5)
        assert proc.poll() is None, "the collector shut the integrasjonspunkt down"
    finally:
        stop(proc)


def test_the_status_collector_and_check_pass_on_the_locked_actuator(classes, tmp_path, keystore, unit_cgroup):
    proc, port = start_healthy(classes, tmp_path, keystore, locked_lines(), True)
    try:
        with open(os.path.join(unit_cgroup, "cgroup.procs"), "w") as fh:
            fh.write(str(proc.pid))
        verdict, _collected = status_collect(port)
        assert verdict["status"] == "pass", verdict
    finally:
        stop(proc)


CLOSED_BOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - ansible.builtin.include_tasks: %s
      vars:
        __actuator_base: http://127.0.0.1:%d
        __actuator_case: %s
        __actuator_mode: process
        __actuator_pid: %d
"""


def scenario_check(tmp_path, proc, port, case):
    """Run the scenarios' actuator_closed.yml against the stand-in: (rc, the first failed task's name or None)."""
    book = tmp_path / "closed.yml"
    book.write_text(CLOSED_BOOK % (ACTUATOR_CLOSED, port, case, proc.pid))
    argv = [os.path.join(harness.VENV_BIN, "ansible-playbook"), "-i", harness.local_inventory(), str(book)]
    run = subprocess.run(argv, env=harness.ansible_env(), capture_output=True, text=True, timeout=300, check=False)
    try:
        doc = json.loads(run.stdout)
    except ValueError as exc:
        raise AssertionError("no JSON (rc=%s):\n%s\n%s" % (run.returncode, run.stdout, run.stderr)) from exc
    failed = [t["task"]["name"] for play in doc["plays"] for t in play["tasks"]
              if any(h.get("failed") and not h.get("skipped") for h in t["hosts"].values())]  # fmt: skip
    return run.returncode, failed[0] if failed else None


def test_the_scenario_check_fails_on_upstream_defaults(classes, tmp_path, keystore):
    proc, port = start_healthy(classes, tmp_path, keystore, [], True)
    try:
        rc, failed = scenario_check(tmp_path, proc, port, "upstream")
        assert rc != 0 and failed is not None and "heap and thread dumps are refused" in failed, (rc, failed)
    finally:
        stop(proc)


def test_the_scenario_check_fails_when_only_the_shutdown_is_open(classes, tmp_path, keystore):
    # Dumps closed, shutdown left as upstream has it: the POST step itself must catch it, and the process is gone.
    lines = ["management.endpoints.web.exposure.include=health,info,shutdown"]
    proc, port = start_healthy(classes, tmp_path, keystore, lines, True)
    try:
        rc, failed = scenario_check(tmp_path, proc, port, "shutdown open")
        assert rc != 0 and failed is not None and "POST /manage/shutdown is refused" in failed, (rc, failed)
        assert proc.wait(timeout=10) == 0
    finally:
        stop(proc)


@pytest.mark.parametrize("auth", [True, False], ids=["auth-on", "auth-off"])
def test_the_scenario_check_passes_on_the_rendered_properties(classes, tmp_path, keystore, auth):
    proc, port = start_healthy(classes, tmp_path, keystore, locked_lines(), auth)
    try:
        rc, failed = scenario_check(tmp_path, proc, port, "locked")
        assert (rc, failed) == (0, None)
        assert proc.poll() is None
    finally:
        stop(proc)
