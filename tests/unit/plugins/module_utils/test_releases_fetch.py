# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fetching the release list: GitHub's API format, a mirror's directory index, through a proxy, fail closed."""

import datetime
import http.server
import json
import threading

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import releases

GITHUB_ANSWER = [
    {"tag_name": "v5.0.0", "draft": False, "prerelease": False},
    {"tag_name": "v4.0.10", "draft": False, "prerelease": False},
    {"tag_name": "v4.0.11", "draft": False, "prerelease": True},
    {"tag_name": "v4.0.8", "draft": False, "prerelease": False},
]
INDEX = '<html><a href="v4.0.8/">v4.0.8/</a> <a href="./v4.0.10/">x</a> <a href="v4.1.0-rc1/">rc</a><a href="x/">'


class _Server:
    """A loopback HTTP server answering every GET with (status, body); it records the request lines it got."""

    def __init__(self, status, body):
        seen = self.seen = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                seen.append((self.requestline, dict(self.headers)))
                self.send_response(status)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args):
                pass

        self.httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def serve():
    servers = []

    def start(status=200, body=b""):
        servers.append(_Server(status, body))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def test_list_url_github_default_mirror_and_override():
    assert releases.list_url(releases.GITHUB_DOWNLOAD_BASE + "/") == releases.GITHUB_RELEASES_API
    assert releases.list_url("") == releases.GITHUB_RELEASES_API
    assert releases.list_url("https://m.example/ip/") == "https://m.example/ip/releases.json"
    assert releases.list_url("https://m.example/ip", "https://other/list") == "https://other/list"


def test_parse_list_reads_github_json_and_a_directory_index():
    assert sorted(releases.parse_list(json.dumps(GITHUB_ANSWER).encode())[0]) == ["4.0.10", "4.0.8", "5.0.0"]
    assert releases.parse_list(INDEX) == (["4.0.8", "4.0.10"], None)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"[{", "not valid JSON"),
        (b'{"message": "API rate limit exceeded"}', "not a list of releases"),
        (b"[]", "names no release"),
        (b"<html>nothing here</html>", "names no release"),
    ],
)
def test_parse_list_refuses_what_is_not_a_release_list(body, error):
    versions, problem = releases.parse_list(body)
    assert versions is None and error in problem


def test_fetch_github_reads_the_list_from_a_server(serve):
    server = serve(body=json.dumps(GITHUB_ANSWER).encode())
    versions, error = releases.fetch_github(server.url + "/releases.json", timeout=5)
    assert error is None and sorted(versions, key=releases.version_key) == ["4.0.8", "4.0.10", "5.0.0"]
    assert server.seen[0][0].startswith("GET /releases.json ")


def test_fetch_github_goes_through_the_proxy(serve):
    """The proxy gets the absolute URL (a forward proxy request); the target is never contacted itself."""
    proxy = serve(body=json.dumps(GITHUB_ANSWER).encode())
    versions, error = releases.fetch_github("http://releases.example.invalid/list", proxy=proxy.url, timeout=5)
    assert error is None and "4.0.10" in versions
    assert proxy.seen[0][0] == "GET http://releases.example.invalid/list HTTP/1.1"


def test_fetch_github_skips_the_proxy_for_no_proxy(serve):
    server = serve(body=INDEX.encode())
    versions, error = releases.fetch_github(
        server.url + "/", proxy="http://127.0.0.9:9", no_proxy=["127.0.0.1"], timeout=5
    )
    assert error is None and versions == ["4.0.8", "4.0.10"]


def test_fetch_github_fails_closed_on_http_errors(serve):
    server = serve(status=404, body=b"not found")
    versions, error = releases.fetch_github(server.url + "/releases.json", timeout=5)
    assert versions is None and "cannot list the releases at %s/releases.json" % server.url in error


def test_fetch_github_fails_closed_on_an_unreachable_proxy_without_showing_its_credentials():
    versions, error = releases.fetch_github(
        "http://releases.example.invalid/list", proxy="http://ops:S3cr3tPw@127.0.0.1:9", timeout=5
    )
    assert versions is None and "cannot list the releases" in error
    assert "S3cr3tPw" not in error and "through the proxy http://********@127.0.0.1:9" in error


def test_fetch_github_fails_closed_on_a_body_that_is_no_list(serve):
    server = serve(body=b'{"message": "Bad credentials"}')
    versions, error = releases.fetch_github(server.url, timeout=5)
    assert versions is None and "not a list of releases" in error and server.url in error


def test_fetch_github_refuses_an_oversized_answer(serve, monkeypatch):
    monkeypatch.setattr(releases, "LIST_MAX_BYTES", 10)
    server = serve(body=b"[" + b" " * 50 + b"]")
    versions, error = releases.fetch_github(server.url, timeout=5)
    assert versions is None and "larger than 10 bytes" in error


def test_fetch_github_refuses_an_unverified_https_server(serve):
    """A plain-HTTP server spoken to with https: the TLS handshake fails, and that is an error, never a list."""
    server = serve(body=b"[]")
    versions, error = releases.fetch_github(server.url.replace("http:", "https:"), timeout=5)
    assert versions is None and "cannot list the releases" in error


@pytest.mark.parametrize(
    ("path", "version"),
    [
        ("releases/integrasjonspunkt-v4.0.8.jar", "4.0.8"),
        ("/opt/integrasjonspunkt/releases/integrasjonspunkt-v4.0.10.jar", "4.0.10"),
        ("releases/other.jar", None),
        ("", None),
    ],
)
def test_installed_from_jar(path, version):
    assert releases.installed_from_jar(path) == version


def _record(action, days_ago, now, **fields):
    moment = now - datetime.timedelta(days=days_ago)
    return dict(fields, action=action, time=moment.strftime("%Y-%m-%dT%H:%M:%SZ"))


def test_promoted_needs_enough_healthy_days_and_no_later_blocklist():
    now = datetime.datetime(2026, 12, 7, tzinfo=datetime.timezone.utc)
    history = [
        _record("upgrade", 10, now, to="4.0.9", result="healthy"),
        _record("blocklist", 9, now, version="4.0.9"),  # failed on another test host after: not promoted
        _record("upgrade", 8, now, to="4.0.10", result="healthy"),
        _record("upgrade", 2, now, to="4.0.11", result="healthy"),  # too recent
        _record("upgrade", 30, now, to="4.0.12", result="rolled back"),  # never healthy
        {"action": "upgrade", "time": "garbage", "to": "4.0.13", "result": "healthy"},  # unreadable: ignored
        "not a record",
    ]
    assert releases.promoted(history, now, 7) == ["4.0.10"]
    assert releases.promoted(history, now, 1) == ["4.0.10", "4.0.11"]
    assert releases.promoted([], now, 7) == []
