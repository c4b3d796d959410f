"""The status run's host-side collectors: each parser, and each step with an injected failure that must come back
as a reason (never a healthy-looking answer)."""

import base64
import io
import json
import os
from urllib.error import HTTPError, URLError

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import lifecycle_records
from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import status_probe as sp

SHOW = """ActiveState=active
SubState=running
ActiveEnterTimestamp=Mon 2026-12-07 00:10:00 UTC
NRestarts=2
MainPID=4242
LoadState=loaded
"""


def runner(rc, out="", err=""):
    calls = []

    def run(argv):
        calls.append(argv)
        return rc, out, err

    run.calls = calls
    return run


def test_service_state_reads_systemctl_show_read_only():
    run = runner(0, SHOW)
    state = sp.service_state(run, "/bin/systemctl", "integrasjonspunkt.service")
    assert state["running"] is True
    assert (state["restarts"], state["pid"], state["since"]) == (2, 4242, "Mon 2026-12-07 00:10:00 UTC")
    assert run.calls[0][1] == "show"


@pytest.mark.parametrize(
    ("run", "binary"),
    [(runner(1, "", "Failed to connect to bus"), "/bin/systemctl"), (runner(0, ""), "/bin/systemctl"), (None, None)],
)
def test_service_state_unreadable_is_unavailable(run, binary):
    state = sp.service_state(run, binary, "integrasjonspunkt.service")
    assert state["available"] is False
    assert state["reason"]


def test_a_stopped_unit_is_not_running():
    state = sp.service_state(runner(0, SHOW.replace("active\n", "inactive\n", 1).replace("running", "dead")), "s", "u")
    assert state["running"] is False


def test_container_state_from_docker_inspect():
    doc = {
        "running": True,
        "status": "running",
        "started_at": "2026-12-07T00:00:00.1Z",
        "restart_count": 1,
        "pid": 77,
        "image": "ghcr.io/felleslosninger/efm-integrasjonspunkt:v4.0.8",
        "labels": None,
        "memory_limit": 3221225472,
    }
    state = sp.container_state(runner(0, json.dumps(doc)), "/usr/bin/docker", "unix:///d.sock", "integrasjonspunkt")
    assert (state["running"], state["restarts"], state["pid"], state["memory_limit_bytes"]) == (True, 1, 77, 3221225472)
    missing = sp.container_state(runner(1, "", "Error: No such container: integrasjonspunkt"), "d", None, "x")
    assert (missing["available"], missing["exists"], missing["running"]) == (True, False, False)
    broken = sp.container_state(runner(1, "", "Cannot connect to the Docker daemon"), "d", None, "x")
    assert broken["available"] is False


def test_container_state_with_garbage_output_raises_for_the_collector_to_report():
    with pytest.raises(ValueError):
        sp.container_state(runner(0, "not json"), "d", None, "x")


class Opener:
    """An opener that answers with `body`, or raises `exc`."""

    def __init__(self, body=None, exc=None, status=200):
        self.body, self.exc, self.status = body, exc, status
        self.requests = []

    def open(self, request, timeout):
        self.requests.append(request)
        if self.exc:
            raise self.exc
        response = io.BytesIO(json.dumps(self.body).encode())
        response.status = self.status
        return response


def test_health_answer_and_no_credentials_sent():
    opener = Opener({"status": "UP"})
    found = sp.health("https://127.0.0.1:9093/manage/health", 5, opener)
    assert found["body"] == {"status": "UP"}
    assert not opener.requests[0].has_header("Authorization")


def test_health_503_keeps_the_document():
    doc = json.dumps({"status": "DOWN"}).encode()
    exc = HTTPError("u", 503, "Service Unavailable", {}, io.BytesIO(doc))
    found = sp.health("http://127.0.0.1:9/manage/health", 5, Opener(exc=exc))
    assert (found["http_status"], found["body"]) == (503, {"status": "DOWN"})


@pytest.mark.parametrize("exc", [URLError("refused"), TimeoutError("timed out"), ConnectionResetError("reset")])
def test_health_without_an_answer_has_a_reason(exc):
    found = sp.health("http://127.0.0.1:9/manage/health", 5, Opener(exc=exc))
    assert found["body"] is None
    assert found["reason"]


def test_release_list_and_its_failures():
    found = sp.fetch_releases("https://x", 5, opener=Opener([{"tag_name": "v4.0.8", "body": "long notes"}]))
    assert found == {
        "available": True,
        "releases": [{"tag_name": "v4.0.8", "draft": None, "prerelease": None, "published_at": None}],
    }
    failed = sp.fetch_releases("https://x", 5, proxy="http://u:Proxy-Secret@p:3128", opener=Opener(exc=URLError("x")))
    assert failed["available"] is False
    assert "Proxy-Secret" not in failed["reason"]
    assert sp.fetch_releases("https://x", 5, opener=Opener({"message": "rate limited"}))["available"] is False


def test_version_from_the_current_jar_link(tmp_path):
    link = tmp_path / "integrasjonspunkt.jar"
    os.symlink("releases/integrasjonspunkt-4.0.8.jar", link)
    assert sp.version_from_jar_link(str(link))["version"] == "4.0.8"
    assert sp.version_from_jar_link(str(tmp_path / "missing"))["available"] is False
    other = tmp_path / "other.jar"
    os.symlink("releases/app.jar", other)
    assert sp.version_from_jar_link(str(other))["available"] is False


def test_version_from_the_image():
    assert sp.version_from_image("ghcr.io/felleslosninger/efm-integrasjonspunkt:v4.0.8", {})["version"] == "4.0.8"
    by_label = sp.version_from_image("ghcr.io/x@sha256:abc", {"org.opencontainers.image.version": "4.0.7"})
    assert by_label["version"] == "4.0.7"
    assert sp.version_from_image("ghcr.io/x:latest", {})["available"] is False


def test_keystore_bytes_and_refusals(tmp_path):
    path = tmp_path / "keystore.p12"
    path.write_bytes(b"\x30\x82store")
    assert base64.b64decode(sp.keystore(str(path))["data_b64"]) == b"\x30\x82store"
    assert sp.keystore(str(tmp_path / "none"))["available"] is False
    path.write_bytes(b"0" * (sp.KEYSTORE_MAX_BYTES + 1))
    assert sp.keystore(str(path))["available"] is False


def test_an_unreadable_keystore_says_permission(tmp_path, monkeypatch):
    def denied(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("builtins.open", denied)
    found = sp.keystore(str(tmp_path / "keystore.p12"))
    assert (found["available"], found["permission"]) == (False, True)


def test_blocklist(tmp_path):
    assert sp.blocklist(str(tmp_path)) == {
        "available": True,
        "path": str(tmp_path / "lifecycle" / "blocklist.json"),
        "present": False,
        "entries": [],
    }
    (tmp_path / "lifecycle").mkdir()
    (tmp_path / "lifecycle" / "blocklist.json").write_text("{broken")
    with pytest.raises(lifecycle_records.RecordError):  # the collector's error: status.blocklist is `error`
        sp.blocklist(str(tmp_path))


def test_process_memory(tmp_path):
    proc = tmp_path / "4242"
    proc.mkdir()
    (proc / "status").write_text("Name:\tjava\nVmRSS:\t  2048 kB\n")
    (proc / "cmdline").write_bytes(b"/usr/bin/java\0-Xmx512m\0-Xmx1g\0-jar\0x.jar\0")
    found = sp.process_memory(4242, str(tmp_path))
    assert (found["rss_bytes"], found["heap_limit_bytes"]) == (2048 * 1024, 1024**3)
    assert sp.process_memory(4243, str(tmp_path))["available"] is False
    assert sp.process_memory(None, str(tmp_path))["available"] is False


def test_data_disk(tmp_path):
    (tmp_path / "integrasjonspunkt.mv.db").write_bytes(b"x" * 1000)
    found = sp.data_disk(str(tmp_path))
    assert (found["data_bytes"], found["data_complete"]) == (1000, True)
    assert found["free_bytes"] > 0
    assert sp.data_disk(str(tmp_path / "missing"))["available"] is False


def test_tree_size_of_an_unlistable_directory_is_incomplete(tmp_path, monkeypatch):
    def walk(path, onerror=None):
        onerror(PermissionError(13, "Permission denied"))
        return iter(())

    monkeypatch.setattr(sp.os, "walk", walk)
    assert sp.tree_size(str(tmp_path)) == (0, False)
