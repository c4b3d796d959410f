"""Docker mode's preflight checks against a real engine (tests/helpers/docker_engine.sh), through the real playbook
(issue 24): playbooks/preflight.yml runs with the managed host's Python started as `nobody` (pipelined, so the
module never lands in root's temp dir) or inside a private mount namespace whose /etc/resolv.conf is a file of the
test's (the machine's own is never touched).

- runtime.container_engine: a user outside the socket's group fails, the fix naming both ways (become for that
  check, or the group that owns the socket, by name); the same user with the socket's group passes.
- runtime.container_dns: a host whose only resolver is on loopback warns that the container gets the engine's
  substitute (8.8.8.8); with integrasjonspunkt_container_dns it passes, and a container the engine starts with
  those resolvers (community.docker.docker_container's dns_servers, as the install role passes them) has them in
  its /etc/resolv.conf.
Needs root (setpriv, unshare, mount, the engine).
"""

import grp
import json
import os
import shutil
import subprocess
import tempfile

import pytest

from tests.integration import docker_fixtures, harness

ENGINE = "i24-preflight"
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534"]
CONTAINER_DNS = ["192.0.2.53"]  # TEST-NET-1: never answers, and never needs to (only the file is read)


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    with docker_fixtures.running_engine(ENGINE) as docker_host:
        docker_fixtures.import_tools_image(docker_host, str(tmp_path_factory.mktemp("img")))
        yield docker_host


@pytest.fixture
def public_dir():
    """A directory `nobody` can reach (pytest's tmp_path lies under a 0700 directory of root's)."""
    path = tempfile.mkdtemp(prefix=harness.SCRATCH_PREFIX + "public-")
    os.chmod(path, 0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def socket_gid(docker_host):
    return os.stat(docker_host[len("unix://") :]).st_gid


def interpreter(directory, name, prefix):
    """A python3 for the managed host, started through `prefix` (another user, a private mount namespace)."""
    path = os.path.join(directory, name)
    with open(path, "w") as fh:
        fh.write('#!/bin/sh\nexec %s /usr/bin/python3 "$@"\n' % " ".join(prefix))
    os.chmod(path, 0o755)
    return path


def with_resolv_conf(resolv_conf):
    """A private mount namespace where /etc/resolv.conf is `resolv_conf` and /etc/docker is empty (no daemon.json:
    the engine's own DNS is not set, whatever this machine's is)."""
    script = (
        "mount --bind %s /etc/resolv.conf && { [ ! -d /etc/docker ] || mount -t tmpfs none /etc/docker; }"
        ' && exec "$@"' % resolv_conf
    )
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", "'%s'" % script, "sh"]


def preflight(tmp_path, docker_host, python, **extra):
    """playbooks/preflight.yml for one host in Docker mode, the two runtime checks only; {id: result}."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    inventory = tmp_path / "inventory.json"
    hostvars = {
        "ansible_connection": "local",
        "ansible_python_interpreter": python,
        "ansible_pipelining": True,
        "integrasjonspunkt_run_mode": "docker",
        "integrasjonspunkt_docker_host": docker_host,
    }
    inventory.write_text(json.dumps({"all": {"hosts": {"ip-host": hostvars}}}))
    report_dir = tmp_path / "reports"
    variables = {
        "preflight_report_dir": str(report_dir),
        "preflight_only": ["runtime.container_engine", "runtime.container_dns"],
        **extra,
    }
    argv = [
        os.path.join(harness.VENV_BIN, "ansible-playbook"),
        "-i",
        str(inventory),
        os.path.join(harness.REPO, "playbooks", "preflight.yml"),
        "-e",
        "@" + os.path.join(harness.REPO, "tests", "compat", "vars.yml"),
        "-e",
        json.dumps(variables),
    ]
    env = harness.ansible_env({"ANSIBLE_STDOUT_CALLBACK": "default"})
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300, check=False)
    report = report_dir / "preflight.json"
    assert report.is_file(), proc.stdout[-4000:] + proc.stderr[-4000:]
    results = json.loads(report.read_text())["hosts"]["ip-host"]["results"]
    return {r["id"]: r for r in results}


def test_a_user_outside_the_sockets_group_fails_with_both_ways_then_the_group_grants_it(engine, tmp_path, public_dir):
    group = grp.getgrgid(socket_gid(engine)).gr_name
    denied = preflight(tmp_path / "denied", engine, interpreter(public_dir, "py-nobody", [*NOBODY, "--clear-groups"]))
    r = denied["runtime.container_engine"]
    assert (r["status"], r["measured"]) == ("fail", "permission denied"), r
    assert "Permission denied" in r["message"], r
    assert r["fix"].startswith("Run the play with become"), r
    assert "add the user to the group %s, which owns the socket %s" % (group, engine) in r["fix"], r

    in_group = [*NOBODY, "--groups=%d" % socket_gid(engine)]
    granted = preflight(tmp_path / "granted", engine, interpreter(public_dir, "py-nobody-in-group", in_group))
    r = granted["runtime.container_engine"]
    assert r["status"] == "pass", r
    assert r["message"] == "docker answers at %s" % engine, r


def test_a_loopback_only_resolver_warns_that_the_container_gets_the_engines_substitute(engine, tmp_path):
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("# the host's only resolver: a local cache on loopback\nnameserver 127.0.0.1\n")
    python = interpreter(tmp_path, "py-resolv", with_resolv_conf(resolv))
    r = preflight(tmp_path / "run", engine, python)["runtime.container_dns"]
    assert (r["status"], r["measured"]) == ("warn", "8.8.8.8, 8.8.4.4 (the engine's substitute)"), r
    assert "the host's only resolvers are on loopback (127.0.0.1 in /etc/resolv.conf)" in r["message"], r
    assert r["fix"].startswith("Set integrasjonspunkt_container_dns to resolvers the container can reach"), r


def test_container_dns_set_passes_and_the_container_gets_those_resolvers(engine, tmp_path):
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.1\n")
    python = interpreter(tmp_path, "py-resolv", with_resolv_conf(resolv))
    results = preflight(tmp_path / "run", engine, python, integrasjonspunkt_container_dns=CONTAINER_DNS)
    r = results["runtime.container_dns"]
    assert (r["status"], r["measured"]) == ("pass", "192.0.2.53"), r
    assert results["runtime.container_engine"]["status"] == "pass", results["runtime.container_engine"]

    # The install role's module and parameter (roles/integrasjonspunkt/tasks/docker_container.yml: dns_servers).
    started = harness.run_module(
        "community.docker.docker_container",
        {
            "name": "i24-dns",
            "image": docker_fixtures.TOOLS_IMAGE,
            "command": ["/bin/sleep", "3600"],
            "docker_host": engine,
            "dns_servers": CONTAINER_DNS,
            "state": "started",
        },
    )
    assert not started.get("failed"), started
    inside = subprocess.run(["docker", "-H", engine, "exec", "i24-dns", "/bin/cat", "/etc/resolv.conf"],
                            capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert inside.returncode == 0, inside.stderr
    nameservers = [line.split()[1] for line in inside.stdout.splitlines() if line.startswith("nameserver")]
    assert nameservers == CONTAINER_DNS, inside.stdout
