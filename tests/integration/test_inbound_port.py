"""inbound.port on this machine's real /proc, real cgroups and real processes (issue 18).

A stand-in server answers /manage/health like a Spring Boot actuator and carries "integrasjonspunkt" in its
command line: neither makes it the integrasjonspunkt. Only its cgroup does, a real v1 cgroup named as the
role's unit (integrasjonspunkt.service) under this process's own name=systemd cgroup. Without root the
holder cannot be named, and an unreadable /proc is not a free port. Needs root (cgroups, setpriv, unshare).
"""

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import uuid

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import checks, thresholds
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import settings as settings_model
from tests.integration import docker_fixtures, harness

SERVER = r"""
import http.server, json, sys
class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"status": "UP"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
srv = http.server.HTTPServer(("127.0.0.1", 0), Health)
print(srv.server_address[1], flush=True)
srv.serve_forever()
"""


@pytest.fixture
def impostor():
    """A process that answers /manage/health with {"status": "UP"} and calls itself integrasjonspunkt."""
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER, "integrasjonspunkt-4.0.8.jar"], stdout=subprocess.PIPE, text=True
    )
    port = int(proc.stdout.readline())
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(b"GET /manage/health HTTP/1.0\r\n\r\n")
        answer = b""
        while True:
            chunk = conn.recv(4096)
            if not chunk:
                break
            answer += chunk
        assert b'"UP"' in answer  # it really answers like the actuator
    yield proc, port
    proc.kill()
    proc.wait(timeout=10)


@pytest.fixture
def unit_cgroup():
    """A real v1 cgroup .../eft-<id>/integrasjonspunkt.service in the name=systemd hierarchy; removed after."""
    with open("/proc/self/cgroup") as fh:
        own = next((line.split(":", 2)[2].strip() for line in fh if ":name=systemd:" in line), None)
    assert own is not None, "no name=systemd cgroup hierarchy on this machine (expected hybrid cgroups)"
    parent = "/sys/fs/cgroup/systemd" + own.rstrip("/") + "/eft-" + uuid.uuid4().hex[:8]
    leaf = os.path.join(parent, "integrasjonspunkt.service")
    os.makedirs(leaf)
    yield leaf
    home = "/sys/fs/cgroup/systemd" + own.rstrip("/")
    for path in (leaf, parent):
        for _attempt in range(50):
            try:
                with open(os.path.join(path, "cgroup.procs")) as fh:
                    for pid in fh.read().split():
                        with open(os.path.join(home, "cgroup.procs"), "w") as out:
                            out.write(pid)
                os.rmdir(path)
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("could not remove cgroup %s" % path)


def judge(port_facts, port):
    settings = settings_model.normalise({"integrasjonspunkt_port": port})
    ctx = {"settings": settings, "thresholds": thresholds.defaults(), "port": port_facts, "errors": {}}
    return checks.PortCheck().run(ctx)


def test_an_impostor_that_answers_like_the_actuator_is_not_the_integrasjonspunkt(impostor):
    proc, port = impostor
    facts = harness.run_module("inbound_port_info", {"port": port})
    assert facts["in_use"] is True and facts["readable"] is True
    mine = [h for h in facts["holders"] if h["pid"] == proc.pid]
    assert mine and mine[0]["ours"] is False, facts["holders"]
    assert "integrasjonspunkt" in mine[0]["cmdline"]
    assert facts["held_by_integrasjonspunkt"] is False
    verdict = judge(facts, port)
    assert verdict["status"] == "fail", verdict
    assert "not in the systemd unit integrasjonspunkt.service" in verdict["message"]


def test_the_same_process_in_the_units_cgroup_is_the_integrasjonspunkt(impostor, unit_cgroup):
    proc, port = impostor
    with open(os.path.join(unit_cgroup, "cgroup.procs"), "w") as fh:
        fh.write(str(proc.pid))
    facts = harness.run_module("inbound_port_info", {"port": port})
    assert facts["held_by_integrasjonspunkt"] is True, facts["holders"]
    assert judge(facts, port)["status"] == "pass"


def collect_as(prefix, port, python=sys.executable):
    """listening.collect() in a child process with an argv prefix (another user, another mount namespace)."""
    code = (
        "import json, sys; sys.path.insert(0, %r);"
        "from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import listening;"
        "print(json.dumps(listening.collect(%d)))" % (harness.COLLECTIONS, port)
    )
    proc = subprocess.run([*prefix, python, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_without_root_the_holder_is_unknown_with_the_become_fix(impostor, unit_cgroup):
    proc, port = impostor
    with open(os.path.join(unit_cgroup, "cgroup.procs"), "w") as fh:
        fh.write(str(proc.pid))  # even our own integrasjonspunkt cannot be recognised without root
    # The system's Python, as test_resource_facts does: nobody cannot start pyenv's shared-libpython 3.12/3.13
    # (their libpython lies under /root).
    facts = collect_as(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"], port, python="/usr/bin/python3")
    assert (facts["in_use"], facts["holders_complete"], facts["holders"]) == (True, False, [])
    verdict = judge(facts, port)
    assert verdict["status"] == "unknown", verdict
    assert "become" in verdict["fix"]


def test_a_proc_without_the_socket_tables_is_not_a_free_port(impostor):
    _proc, port = impostor
    # A private mount namespace whose /proc is an empty tmpfs: as under hidepid or a locked-down container.
    hidden = ["unshare", "--mount", "--propagation", "private", "sh", "-c", 'mount -t tmpfs none /proc && exec "$@"']
    facts = collect_as([*hidden, "sh"], port)
    assert (facts["readable"], facts["in_use"]) == (False, False)
    verdict = judge(facts, port)
    assert verdict["status"] == "unknown" and "/proc/net/tcp" in verdict["message"], verdict


# Docker mode, with a real engine (tests/helpers/docker_engine.sh): the port the role's container publishes is
# held by the engine's docker-proxy, which forwards to the container's address: that is the integrasjonspunkt.
ENGINE = "i18-port"


@contextlib.contextmanager
def _engine_with_two_publishers(name, workdir, userland_proxy=True):
    """Engine NAME with the role's container (integrasjonspunkt) publishing 19093 and another container 19094."""
    with docker_fixtures.running_engine(name, userland_proxy=userland_proxy) as docker_host:
        image = docker_fixtures.import_tools_image(docker_host, workdir)
        for container, port in (("integrasjonspunkt", 19093), ("someone-else", 19094)):
            subprocess.run(["docker", "-H", docker_host, "run", "-d", "--name", container, "-p",
                            "127.0.0.1:%d:%d" % (port, port), image, "/bin/sleep", "3600"],
                           check=True, capture_output=True, timeout=120)  # fmt: skip
        yield docker_host


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    with _engine_with_two_publishers(ENGINE, str(tmp_path_factory.mktemp("img"))) as docker_host:
        yield docker_host


def collect_docker(docker_host, port):
    """listening.collect() in the engine's network namespace, with the role's container named integrasjonspunkt."""
    code = (
        "import json, subprocess, shutil, sys; sys.path.insert(0, %r);"
        "from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import listening;"
        "run = lambda argv: (lambda p: (p.returncode, p.stdout, p.stderr))(subprocess.run(argv, capture_output=True,"
        " text=True, timeout=30));"
        "owner = listening.owner_for('docker', 'integrasjonspunkt', %r, run, shutil.which);"
        "print(json.dumps(listening.collect(%d, owner=owner)))" % (harness.COLLECTIONS, docker_host, port)
    )
    argv = ["nsenter", "--net=/run/netns/eft-" + ENGINE, sys.executable, "-c", code]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def judge_docker(facts, port):
    settings = settings_model.normalise(
        {
            "integrasjonspunkt_port": port,
            "integrasjonspunkt_run_mode": "docker",
            "integrasjonspunkt_bind_address": "127.0.0.1",
        }
    )
    ctx = {"settings": settings, "thresholds": thresholds.defaults(), "port": facts, "errors": {}}
    return checks.PortCheck().run(ctx)


def test_docker_the_roles_container_holds_its_published_port_through_docker_proxy(engine):
    facts = collect_docker(engine, 19093)
    assert facts["in_use"] is True and facts["owner"]["container"]["id"], facts
    assert facts["held_by_integrasjonspunkt"] is True, facts["holders"]
    assert any("docker-proxy" in h["why"] for h in facts["holders"])
    assert judge_docker(facts, 19093)["status"] == "pass"


def test_docker_another_container_on_the_port_is_a_clash(engine):
    facts = collect_docker(engine, 19094)  # published by "someone-else", not by the role's container
    assert facts["in_use"] is True and facts["held_by_integrasjonspunkt"] is False, facts["holders"]
    verdict = judge_docker(facts, 19094)
    assert verdict["status"] == "fail", verdict


# NAT publishing (issue 24): with the userland proxy off the engine forwards through NAT rules (in the
# engine's own netns here); no docker-proxy runs. Measured with docker.io 20.10: dockerd itself then holds the
# host port (libnetwork's "dummy proxy" reserves it). The engine's API says which container publishes the
# port: the role's container passes, another container fails.
NAT_ENGINE = "i24-nat"


@pytest.fixture(scope="module")
def nat_engine(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("img"))
    with _engine_with_two_publishers(NAT_ENGINE, workdir, userland_proxy=False) as docker_host:
        yield docker_host


def collect_with_engine_api(docker_host, port):
    """listening.collect() in the NAT engine's netns, asking the engine's API (as preflight_gather does)."""
    code = (
        "import json, shutil, sys; sys.path.insert(0, %r);"
        "from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import engine_api, listening;"
        "owner = listening.owner_for('docker', 'integrasjonspunkt', %r, None, shutil.which, port=%d, api=engine_api);"
        "print(json.dumps(listening.collect(%d, owner=owner)))" % (harness.COLLECTIONS, docker_host, port, port)
    )
    argv = ["nsenter", "--net=/run/netns/eft-" + NAT_ENGINE, sys.executable, "-c", code]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _holder_names(facts):
    return [os.path.basename((h.get("cmdline") or "?").split()[0]) for h in facts["holders"]]


def test_nat_the_roles_container_publishing_its_port_passes(nat_engine):
    facts = collect_with_engine_api(nat_engine, 19093)
    assert _holder_names(facts) == ["dockerd"], facts  # no docker-proxy: the engine holds the port itself
    assert [c["name"] for c in facts["owner"]["published"]["containers"]] == ["integrasjonspunkt"], facts
    verdict = judge_docker(facts, 19093)
    assert (verdict["status"], verdict["measured"]) == ("pass", "held by the integrasjonspunkt"), verdict


def test_nat_another_container_publishing_the_port_fails(nat_engine):
    facts = collect_with_engine_api(nat_engine, 19094)
    assert _holder_names(facts) == ["dockerd"], facts
    verdict = judge_docker(facts, 19094)
    assert verdict["status"] == "fail" and "someone-else" in verdict["message"], verdict
