"""security.actuator's probe against real HTTP servers on loopback (issue 22).

The server is the molecule scenarios' stand-in (extensions/molecule/install/files/standin/StandIn.java), which
serves the actuator as v4.0.8 does: with today's properties (no management.*) every endpoint but env answers
without credentials, and POST /manage/shutdown really exits. The probe must find that, and must leave it running.
"""

import shutil
import socket
import subprocess
import threading
import time

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import actuator_probe as ap
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import actuator_checks as ac
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import settings as model
from tests.integration.harness import REPO

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


def start(classes, tmp_path, lines):
    port = free_port()
    base = ["server.port=%d" % port, "difi.ssl.enabled=false", "difi.security.enable=true",
            "difi.security.user.name=ops", "difi.security.user.password=Seeded-Api-pw-41"]  # fmt: skip
    (tmp_path / "integrasjonspunkt-local.properties").write_text("\n".join(base + lines) + "\n")
    proc = subprocess.Popen(["java", "-cp", str(classes), "StandIn"], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)  # fmt: skip
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
