"""The engine's Docker-compatible API on its unix socket (Docker and Podman): parsers and injected failures."""

import json
import socket

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import engine_api

PODMAN_VERSION = {"Components": [{"Name": "Podman Engine", "Version": "4.3.1"}], "Version": "4.3.1"}
DOCKER_VERSION = {"Components": [{"Name": "Engine", "Version": "20.10.24"}], "Version": "20.10.24"}


def test_socket_path():
    assert engine_api.socket_path("unix:///run/podman/podman.sock") == "/run/podman/podman.sock"
    assert engine_api.socket_path("/var/run/docker.sock") == "/var/run/docker.sock"
    assert engine_api.socket_path("tcp://127.0.0.1:2375") is None
    assert engine_api.socket_path("unix://") is None
    assert engine_api.socket_path(None) is None


def test_engine_name_tells_podman_from_docker():
    assert engine_api.engine_name(PODMAN_VERSION) == "podman"
    assert engine_api.engine_name(DOCKER_VERSION) == "docker"
    assert engine_api.engine_name(None) == "docker"


def test_parse_response_plain_and_chunked():
    assert engine_api.parse_response(b"HTTP/1.0 200 OK\r\nA: b\r\n\r\n[]") == (200, b"[]")
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n[]\r\n0\r\n\r\n"
    assert engine_api.parse_response(chunked) == (200, b"[]")
    with pytest.raises(ValueError):
        engine_api.parse_response(b"garbage")


def test_publishers_reads_the_container_list():
    containers = [
        {"Id": "a" * 64, "Names": ["/integrasjonspunkt"], "Ports": [{"IP": "0.0.0.0", "PrivatePort": 9093,
                                                                     "PublicPort": 9093, "Type": "tcp"}]},
        {"Id": "b" * 64, "Names": ["/web"], "Ports": [{"PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"}]},
        {"Id": "c" * 64, "Names": ["/dns"], "Ports": [{"PublicPort": 9093, "Type": "udp"}]},
        {"Id": "d" * 64, "Names": ["/bare"], "Ports": [{"PrivatePort": 9093, "Type": "tcp"}]},  # not published
        "garbage",
    ]  # fmt: skip
    assert engine_api.publishers(containers, 9093) == [
        {"name": "integrasjonspunkt", "id": "a" * 64, "address": "0.0.0.0"}
    ]


class FakeSocket:
    def __init__(self, answer):
        self.answer, self.sent = answer, b""

    def sendall(self, data):
        self.sent += data

    def recv(self, _size):
        data, self.answer = self.answer, b""
        return data

    def close(self):
        pass


def _connect(answer=None, exc=None):
    def connect(path, timeout):
        if exc:
            raise exc
        return FakeSocket(answer)

    return connect


def _http(status, body):
    return ("HTTP/1.0 %d X\r\nContent-Type: application/json\r\n\r\n" % status).encode() + json.dumps(body).encode()


@pytest.mark.parametrize(
    ("exc", "missing", "denied"),
    [
        (FileNotFoundError(2, "No such file or directory"), True, False),
        (ConnectionRefusedError(111, "Connection refused"), True, False),
        (PermissionError(13, "Permission denied"), False, True),
        (socket.timeout("timed out"), False, False),
    ],
)
def test_get_json_failures_say_why(exc, missing, denied):
    answer = engine_api.get_json("unix:///run/x.sock", "/version", connect=_connect(exc=exc))
    assert (answer["missing"], answer["denied"]) == (missing, denied)
    assert "/run/x.sock" in answer["reason"]


def test_get_json_garbage_and_tcp_are_reasons_not_crashes():
    assert "reason" in engine_api.get_json(
        "unix:///run/x.sock", "/version", connect=_connect(b"HTTP/1.0 200 OK\r\n\r\n{")
    )
    assert "reason" in engine_api.get_json("unix:///run/x.sock", "/version", connect=_connect(b"no http"))
    assert "unix://" in engine_api.get_json("tcp://h:2375", "/version")["reason"]


def test_get_json_asks_the_versioned_path():
    fake = FakeSocket(_http(200, []))
    answer = engine_api.get_json("unix:///run/x.sock", "/containers/json", connect=lambda p, t: fake)
    assert answer == {"status": 200, "data": []}
    assert fake.sent.startswith(b"GET /v1.40/containers/json HTTP/1.0")


def _get(answer):
    return lambda host, path, timeout: answer


def test_inspect_container_outcomes():
    inspect = {"Id": "a" * 64, "NetworkSettings": {"Networks": {"podman": {"IPAddress": "10.88.0.2"}}}}
    found = engine_api.inspect_container("unix:///s", "ip", get=_get({"status": 200, "data": inspect}))
    assert (found["id"], found["ips"], found["exists"]) == ("a" * 64, ["10.88.0.2"], True)
    gone = engine_api.inspect_container("unix:///s", "ip", get=_get({"status": 404, "data": {"message": "no such"}}))
    assert (gone["id"], gone["exists"]) == (None, False)
    no_engine = engine_api.inspect_container("unix:///s", "ip", get=_get({"reason": "x", "missing": True}))
    assert no_engine["exists"] is False
    denied = engine_api.inspect_container("unix:///s", "ip", get=_get({"reason": "Permission denied", "denied": True}))
    assert "Permission denied" in denied["reason"] and "exists" not in denied
    odd = engine_api.inspect_container("unix:///s", "ip", get=_get({"status": 500, "data": {"message": "boom"}}))
    assert "500" in odd["reason"]


def test_published_outcomes():
    listing = [{"Id": "a", "Names": ["/ip"], "Ports": [{"IP": "127.0.0.1", "PublicPort": 9093, "Type": "tcp"}]}]
    assert engine_api.published("unix:///s", 9093, get=_get({"status": 200, "data": listing})) == {
        "containers": [{"name": "ip", "id": "a", "address": "127.0.0.1"}]
    }
    none = engine_api.published("unix:///s", 9093, get=_get({"reason": "no engine", "missing": True}))
    assert none["containers"] == [] and "no engine" in none["note"]
    denied = engine_api.published("unix:///s", 9093, get=_get({"reason": "Permission denied", "denied": True}))
    assert denied == {"reason": "Permission denied", "denied": True}
    assert "500" in engine_api.published("unix:///s", 9093, get=_get({"status": 500, "data": {}}))["reason"]
    assert "reason" in engine_api.published("unix:///s", 9093, get=_get({"status": 200, "data": {"not": "a list"}}))
