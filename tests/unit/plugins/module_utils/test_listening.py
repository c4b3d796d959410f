"""Listening sockets from /proc/net/tcp{,6}, and who holds them."""

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import listening

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "listening")


def read(name):
    with open(os.path.join(FIXTURES, name)) as fh:
        return fh.read()


def test_listening_ipv4_sockets_only_listen_state():
    sockets = listening.parse_proc_net_tcp(read("tcp"))
    assert [(s["address"], s["port"]) for s in sockets] == [("127.0.0.1", 18093), ("0.0.0.0", 2024), ("0.0.0.0", 9093)]
    assert sockets[2] == {"address": "0.0.0.0", "port": 9093, "uid": 998, "inode": 4242}


def test_listening_ipv6_sockets():
    sockets = listening.parse_proc_net_tcp(read("tcp6"))
    assert [(s["address"], s["port"]) for s in sockets] == [("::", 9093), ("::1", 9093)]


def test_listeners_on_reads_both_files(tmp_path):
    (tmp_path / "net").mkdir()
    (tmp_path / "net" / "tcp").write_text(read("tcp"))
    (tmp_path / "net" / "tcp6").write_text(read("tcp6"))
    found, problem = listening.listeners_on(9093, proc_root=str(tmp_path))
    assert sorted(s["inode"] for s in found) == [4242, 4243, 4244] and problem is None
    assert listening.listeners_on(1, proc_root=str(tmp_path)) == ([], None)


def test_socket_owners_lists_every_process_holding_the_socket(tmp_path):
    for pid, inode in (("100", 4242), ("101", 4242), ("102", 7)):
        fd = tmp_path / pid / "fd"
        fd.mkdir(parents=True)
        os.symlink("socket:[%d]" % inode, str(fd / "3"))
        (tmp_path / pid / "cmdline").write_bytes(b"java\0-jar\0integrasjonspunkt.jar\0")
    (tmp_path / "103").mkdir()  # an unreadable process: its fd directory cannot be listed
    (tmp_path / "103" / "fd").write_text("")
    owners, complete = listening.socket_owners([4242], proc_root=str(tmp_path))
    assert [h["pid"] for h in owners[4242]] == [100, 101]
    assert owners[4242][0]["cmdline"] == "java -jar integrasjonspunkt.jar"
    assert complete is False


# A fake /proc: the kernel's socket tables and the processes that hold them (issue 18) ------------------

CONTAINER_ID = "4f1c2a9b" * 8
UNIT_CGROUP = "0::/system.slice/integrasjonspunkt.service\n"


def fake_proc(tmp_path, procs=(), tcp=True, tcp6=True):
    """procs: (pid, inode, cmdline, cgroup text or None for unreadable, fd readable)."""
    root = tmp_path / "proc"
    (root / "net").mkdir(parents=True)
    if tcp:
        (root / "net" / "tcp").write_text(read("tcp"))
    if tcp6:
        (root / "net" / "tcp6").write_text(read("tcp6"))
    for pid, inode, cmdline, cgroup, fd_ok in procs:
        base = root / str(pid)
        base.mkdir()
        (base / "cmdline").write_bytes(cmdline.replace(" ", "\0").encode() + b"\0")
        if cgroup is None:
            (base / "cgroup").mkdir()  # open() fails: unreadable
        else:
            (base / "cgroup").write_text(cgroup)
        if fd_ok:
            (base / "fd").mkdir()
            os.symlink("socket:[%d]" % inode, str(base / "fd" / "7"))
        else:
            (base / "fd").write_text("")  # listdir() fails: not ours to read
    return str(root)


def held_by(procs, tmp_path, owner=None):
    # every listener on 9093 in the fixtures (inodes 4242, 4243, 4244) is held by the same processes
    expanded = [(pid, inode, cmd, cg, ok) for pid, cmd, cg, ok in procs for inode in (4242, 4243, 4244)]
    root = tmp_path / "proc"
    (root / "net").mkdir(parents=True)
    (root / "net" / "tcp").write_text(read("tcp"))
    (root / "net" / "tcp6").write_text(read("tcp6"))
    for pid, cmd, cg, ok in procs:
        base = root / str(pid)
        base.mkdir()
        (base / "cmdline").write_bytes(cmd.replace(" ", "\0").encode() + b"\0")
        if cg is None:
            (base / "cgroup").mkdir()
        else:
            (base / "cgroup").write_text(cg)
        if ok:
            (base / "fd").mkdir()
            for n, (_p, inode, _c, _g, _o) in enumerate(e for e in expanded if e[0] == pid):
                os.symlink("socket:[%d]" % inode, str(base / "fd" / str(10 + n)))
        else:
            (base / "fd").write_text("")
    return listening.collect(9093, proc_root=str(root), owner=owner)


def test_unreadable_socket_tables_are_not_a_free_port(tmp_path):
    missing = listening.collect(9093, proc_root=str(tmp_path / "nothing"))
    assert (missing["readable"], missing["in_use"]) == (False, False)
    assert "net/tcp" in missing["reason"]
    root = fake_proc(tmp_path, tcp6=False)
    (tmp_path / "proc" / "net" / "tcp6").mkdir()  # exists, cannot be read
    assert listening.collect(9093, proc_root=root)["readable"] is False


def test_no_tcp6_file_is_a_kernel_without_ipv6_not_a_problem(tmp_path):
    result = listening.collect(2024, proc_root=fake_proc(tmp_path, tcp6=False))
    assert (result["readable"], result["in_use"], result["reason"]) == (True, True, None)


def test_a_process_named_integrasjonspunkt_outside_the_unit_is_not_ours(tmp_path):
    result = held_by([(100, "java -jar integrasjonspunkt.jar", "0::/user.slice/session-3.scope\n", True)], tmp_path)
    assert result["held_by_integrasjonspunkt"] is False
    assert result["holders"][0]["ours"] is False
    assert "not in the systemd unit integrasjonspunkt.service" in result["holders"][0]["why"]


@pytest.mark.parametrize(
    "cgroup",
    [
        UNIT_CGROUP,  # cgroup v2
        "12:memory:/system.slice/integrasjonspunkt.service\n1:name=systemd:/system.slice/integrasjonspunkt.service\n",
    ],
)
def test_the_units_own_process_is_ours_whatever_its_command_line(tmp_path, cgroup):
    result = held_by([(200, "/usr/bin/java -Xmx1g -jar app.jar", cgroup, True)], tmp_path)
    assert result["held_by_integrasjonspunkt"] is True
    assert result["holders"][0]["ours"] is True


def test_an_unreadable_cgroup_or_fd_is_not_known_to_be_ours(tmp_path):
    result = held_by([(300, "java", None, True)], tmp_path / "a")
    assert result["holders"][0]["ours"] is None and result["held_by_integrasjonspunkt"] is False
    hidden = held_by([(301, "java", UNIT_CGROUP, False)], tmp_path / "b")
    assert (hidden["holders"], hidden["holders_complete"], hidden["held_by_integrasjonspunkt"]) == ([], False, False)
    assert all(s["pids"] == [] for s in hidden["listeners"])


def _docker(container):
    return {"mode": "docker", "lookup": lambda: container}


OURS = {"id": CONTAINER_ID, "ips": ["172.17.0.2"], "name": "integrasjonspunkt", "exists": True}


@pytest.mark.parametrize(
    ("cmdline", "cgroup", "container", "ours"),
    [
        ("java -jar app.jar", "0::/system.slice/docker-%s.scope\n" % CONTAINER_ID, OURS, True),
        ("java -jar app.jar", "4:memory:/docker/%s\n" % CONTAINER_ID, OURS, True),
        ("java -jar app.jar", "0::/system.slice/docker-%s.scope\n" % ("0" * 64), OURS, False),
        ("java -jar app.jar", UNIT_CGROUP, OURS, False),  # the Java-mode unit does not publish Docker's port
        (
            "/usr/bin/docker-proxy -proto tcp -host-ip 0.0.0.0 -host-port 9093 -container-ip 172.17.0.2"
            " -container-port 9093",
            "0::/system.slice/docker.service\n",
            OURS,
            True,
        ),
        (
            "/usr/bin/docker-proxy -proto tcp -host-ip 0.0.0.0 -host-port 9093 -container-ip 172.17.0.9"
            " -container-port 9093",
            "0::/system.slice/docker.service\n",
            OURS,
            False,
        ),
        ("java", "0::/system.slice/docker-%s.scope\n" % CONTAINER_ID, {"id": None, "exists": False}, False),
        ("java", "0::/x\n", {"id": None, "reason": "`docker inspect` exited 1: permission denied"}, None),
    ],
)
def test_docker_mode_knows_the_roles_container_by_its_cgroup(tmp_path, cmdline, cgroup, container, ours):
    result = held_by([(400, cmdline, cgroup, True)], tmp_path, owner=_docker(container))
    assert result["holders"][0]["ours"] is ours, result["holders"][0]
    assert result["held_by_integrasjonspunkt"] is (ours is True)
    assert "lookup" not in result["owner"]  # the result stays JSON


def test_the_container_is_looked_up_only_when_something_listens(tmp_path):
    calls = []
    result = listening.collect(1, proc_root=fake_proc(tmp_path), owner={"mode": "docker", "lookup": calls.append})
    assert (calls, result["in_use"]) == ([], False)


def test_inspect_container_reads_the_engines_answer():
    def run(answer):
        return lambda argv: answer

    found = listening.inspect_container(run((0, "%s 172.17.0.2 \n" % CONTAINER_ID, "")), "/usr/bin/docker", None, "ip")
    assert (found["id"], found["ips"]) == (CONTAINER_ID, ["172.17.0.2"])
    gone = listening.inspect_container(run((1, "", "Error: No such container: ip")), "/usr/bin/docker", None, "ip")
    assert (gone["id"], gone["exists"]) == (None, False)
    denied = listening.inspect_container(run((1, "", "permission denied")), "/usr/bin/docker", None, "ip")
    assert "permission denied" in denied["reason"]
    assert "not on PATH" in listening.inspect_container(run((0, "", "")), None, None, "ip")["reason"]


@given(st.text(max_size=400))
def test_garbage_never_raises(text):
    assert isinstance(listening.parse_proc_net_tcp(text), list)


# Podman, and NAT-only publishing (issue 24): the engine is asked which containers publish the port -----------

PUBLISHED_OURS = {"containers": [{"name": "integrasjonspunkt", "id": CONTAINER_ID, "address": "0.0.0.0"}]}
PUBLISHED_OTHER = {"containers": [{"name": "web", "id": "9" * 64, "address": "0.0.0.0"}]}


def _engine(container, published):
    return {"mode": "docker", "container_name": "integrasjonspunkt", "lookup": lambda: container,
            "publishers": lambda: published}  # fmt: skip


@pytest.mark.parametrize(
    ("cmdline", "cgroup", "published", "ours"),
    [
        # rootful Podman: the container's processes and its conmon, by their cgroups (systemd and cgroupfs)
        ("java -jar app.jar", "0::/machine.slice/libpod-%s.scope/container\n" % CONTAINER_ID, PUBLISHED_OURS, True),
        ("java -jar app.jar", "4:memory:/libpod_parent/libpod-%s\n" % CONTAINER_ID, PUBLISHED_OURS, True),
        ("/usr/bin/conmon --api-version 1 -c x", "0::/machine.slice/libpod-conmon-%s.scope\n" % CONTAINER_ID, {}, True),
        # an engine process outside the container's cgroups: ours only when the engine says only ours publishes it
        ("/usr/bin/conmon --api-version 1", "4:memory:/libpod_parent/conmon\n", PUBLISHED_OURS, True),
        ("/usr/bin/conmon --api-version 1", "4:memory:/libpod_parent/conmon\n", PUBLISHED_OTHER, False),
        ("/usr/sbin/dockerd -H fd://", "0::/system.slice/docker.service\n", PUBLISHED_OURS, True),
        ("/usr/sbin/dockerd -H fd://", "0::/system.slice/docker.service\n", PUBLISHED_OTHER, False),
        ("/usr/bin/rootlessport", "0::/user.slice/x\n", {"containers": PUBLISHED_OURS["containers"] * 2}, True),
        ("/usr/bin/rootlessport", "0::/user.slice/x\n", {"reason": "permission denied"}, False),
        ("/usr/bin/rootlessport", "0::/user.slice/x\n", {"containers": []}, False),
        # a foreign process named like the engine is never ours without the engine's word... and with it
        ("/opt/evil/nginx", "0::/system.slice/nginx.service\n", PUBLISHED_OURS, False),
    ],
)
def test_podman_and_engine_holders(tmp_path, cmdline, cgroup, published, ours):
    result = held_by([(400, cmdline, cgroup, True)], tmp_path, owner=_engine(OURS, published))
    assert result["holders"][0]["ours"] is ours, result["holders"][0]
    assert "publishers" not in result["owner"] and "lookup" not in result["owner"]  # the result stays JSON


def test_the_engine_is_asked_what_publishes_the_port_even_when_nothing_listens(tmp_path):
    result = listening.collect(1, proc_root=fake_proc(tmp_path), owner=_engine(OURS, PUBLISHED_OTHER))
    assert (result["in_use"], result["owner"]["published"]) == (False, PUBLISHED_OTHER)


def test_a_crash_asking_the_engine_is_not_known_never_nothing_published(tmp_path):
    def boom():
        raise RuntimeError("injected")

    owner = {"mode": "docker", "container_name": "integrasjonspunkt", "publishers": boom}
    result = listening.collect(1, proc_root=fake_proc(tmp_path), owner=owner)
    assert "injected" in result["owner"]["published"]["reason"]
    assert "containers" not in result["owner"]["published"]


def test_owner_for_uses_the_engine_api_on_a_unix_socket():
    class Api:
        socket_path = staticmethod(lambda host: host[7:] if host.startswith("unix://") else None)
        inspect_container = staticmethod(lambda host, name: {"id": "x", "host": host, "name": name})
        published = staticmethod(lambda host, port: {"containers": [], "port": port})

    owner = listening.owner_for("docker", "ip", "unix:///run/podman/podman.sock", None, None, port=9093, api=Api)
    assert owner["lookup"]()["host"] == "unix:///run/podman/podman.sock"
    assert owner["publishers"]()["port"] == 9093
    cli = listening.owner_for("docker", "ip", "tcp://h:2375", None, lambda name: None, port=9093, api=Api)
    assert "publishers" not in cli and "not on PATH" in cli["lookup"]()["reason"]


def test_an_engine_process_holding_it_for_another_container_names_that_container(tmp_path):
    owner = _engine(OURS, PUBLISHED_OTHER)
    result = held_by([(400, "/usr/sbin/dockerd -H fd://", "0::/system.slice/docker.service\n", True)], tmp_path, owner)
    assert result["holders"][0]["ours"] is False
    assert "web" in result["holders"][0]["why"]
