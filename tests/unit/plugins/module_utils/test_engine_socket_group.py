"""The group that owns the engine's socket, for runtime.container_engine's fix (issue 24: a user outside the
socket's group is told which group grants it)."""

import grp
import os
import types

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import engine_api, resources


def stat_gid(gid):
    return lambda path: types.SimpleNamespace(st_gid=gid)


def test_the_sockets_group_by_name():
    names = {107: "docker"}.__getitem__
    assert engine_api.socket_group("unix:///run/docker.sock", stat_gid(107), names) == "docker"


def test_a_group_without_a_name_is_its_number():
    names = {}.__getitem__  # KeyError, as grp.getgrgid for an unnamed gid
    assert engine_api.socket_group("unix:///run/docker.sock", stat_gid(64123), names) == "64123"


def test_an_unreadable_or_no_unix_socket_is_unknown():
    def denied(path):
        raise PermissionError(13, "Permission denied")

    assert engine_api.socket_group("unix:///run/docker.sock", denied) is None
    assert engine_api.socket_group("tcp://127.0.0.1:2375", stat_gid(0)) is None


class DeniedApi:
    socket_path = staticmethod(engine_api.socket_path)
    engine_name = staticmethod(engine_api.engine_name)

    def get_json(self, host, path, timeout=5.0):
        return {"reason": "%s: Permission denied" % host, "denied": True, "missing": False}


def test_a_denied_socket_carries_its_group(tmp_path):
    sock = tmp_path / "engine.sock"
    sock.write_text("")
    section = resources.collect_runtimes(
        lambda argv: (1, "", ""), lambda name: None, None, [], True, jvm_dirs=[],
        docker_host="unix://%s" % sock, api=DeniedApi(),
    )  # fmt: skip
    engine = section["container_engine"]
    assert engine["permission_denied"] is True
    assert engine["socket_group"] == grp.getgrgid(os.stat(sock).st_gid).gr_name
