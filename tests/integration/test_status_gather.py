"""status_gather through real Ansible on this machine, against real HTTP servers on loopback (ephemeral ports):
the health document and the release list are read, the files of an install are read, nothing changes (check mode
gives the same answer), a health endpoint that never answers is a timeout reason, and a secret
seeded into the application log is in no output."""

import http.server
import json
import os
import socketserver
import subprocess
import threading
import time

import pytest

from tests.helpers.tls_standin import TLSServer

PASSWORD = "Seeded-Log-Password-9"
HEALTH = {
    "status": "UP",
    "components": {
        "db": {"status": "UP"},
        "diskSpace": {"status": "UP"},
        "jms": {"status": "UP"},
        "nextMoveQueue": {"status": "UP", "details": {"outgoing": 2, "incoming": 0}},
    },
}
RELEASES = [{"tag_name": "v4.0.8", "draft": False, "prerelease": False, "body": "notes"}, {"tag_name": "v4.0.7"}]


class Handler(http.server.BaseHTTPRequestHandler):
    hang = False

    def do_GET(self):
        if self.hang:
            time.sleep(30)
            return
        body = json.dumps(HEALTH if self.path == "/manage/health" else RELEASES).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


@pytest.fixture
def server():
    Handler.hang = False
    srv = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def tls_server(tmp_path):
    """The health endpoint over HTTPS with a self-signed certificate, as the integrasjonspunkt serves it."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=ip.example",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    Handler.hang = False
    srv = TLSServer(("127.0.0.1", 0), Handler, str(cert), str(key))
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def install(tmp_path):
    root = tmp_path / "opt"
    (root / "releases").mkdir(parents=True)
    (root / "releases" / "integrasjonspunkt-v4.0.7.jar").write_bytes(b"jar")
    os.symlink("releases/integrasjonspunkt-v4.0.7.jar", root / "integrasjonspunkt.jar")
    (root / "keystore.p12").write_bytes(b"not really a keystore")
    data = tmp_path / "data"
    data.mkdir()
    (data / "integrasjonspunkt.mv.db").write_bytes(b"h" * 4096)
    logs = tmp_path / "log"
    logs.mkdir()
    (logs / "application.log").write_text(
        "2099-01-01T00:00:00.000+01:00 ERROR 1 --- [main] n.d.m.Sender : login failed with password=%s\n" % PASSWORD
    )
    return {"install": str(root), "data": str(data), "log": str(logs / "application.log")}


def args(server, install, **over):
    port = server.server_address[1]
    out = {
        "health_url": "http://127.0.0.1:%d/manage/health" % port,
        "releases_url": "http://127.0.0.1:%d/releases" % port,
        "install_dir": install["install"],
        "keystore_path": install["install"] + "/keystore.p12",
        "data_dir": install["data"],
        "log_file": install["log"],
        "log_since": 0,
        "timeout": 2,
    }
    out.update(over)
    return out


def test_every_section_is_read_and_check_mode_gives_the_same(run_module, server, install):
    result = run_module("status_gather", args(server, install))
    assert result["changed"] is False
    assert result["health"]["body"] == HEALTH
    assert [r["tag_name"] for r in result["releases"]["releases"]] == ["v4.0.8", "v4.0.7"]
    assert result["version"]["version"] == "4.0.7"
    assert result["blocklist"]["entries"] == []
    assert result["keystore"]["available"] is True
    assert result["disk"]["data_bytes"] == 4096
    assert result["log"]["total"] == 1
    assert result["log"]["groups"][0]["logger"] == "n.d.m.Sender"
    assert "service" in result or "service" in result["errors"]
    assert PASSWORD not in json.dumps(result)
    checked = run_module("status_gather", args(server, install), check=True)
    for name in ("health", "releases", "version", "blocklist", "keystore", "log"):
        assert checked[name] == result[name], name


def test_a_health_endpoint_that_never_answers_is_a_timeout_reason(run_module, server, install):
    Handler.hang = True
    result = run_module("status_gather", args(server, install, releases_url=""))
    assert result["health"]["body"] is None
    assert "timed out" in result["health"]["reason"]
    assert "health" not in result["errors"]


def test_health_over_https_with_a_self_signed_certificate_is_read(run_module, tls_server, install):
    url = "https://127.0.0.1:%d/manage/health" % tls_server.server_address[1]
    result = run_module("status_gather", args(tls_server, install, health_url=url, releases_url=""))
    assert result["health"]["body"] == HEALTH, result["health"]
