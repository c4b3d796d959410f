"""`integrasjonspunkt_release_lookup: controller` for real (issue 21, docs/upgrades.md): the host cannot reach the
release list, the controller fetches it and hands it over, the host reads its own blocklist and the choice is printed
with its reason.

The host is this machine's Python run inside a network namespace of its own (an interpreter wrapper `ip netns exec`):
only its own loopback, where nothing listens. The controller stays in this process's namespace, where a STAND-IN of
GitHub's releases API (`/repos/felleslosninger/efm-integrasjonspunkt/releases`, HTTPS with a test CA) listens on
127.0.0.1 and is reached through a real CONNECT proxy (tinyproxy), as `integrasjonspunkt_proxy` says. The same run
with `integrasjonspunkt_release_lookup: host` is the negative control: it fails, the host cannot reach the list.
"""

import datetime
import http.server
import json
import os
import sys
import threading

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import lifecycle_records as records
from tests.helpers.tls_standin import TLSServer
from tests.integration import net_fixtures
from tests.integration.test_engine import playbook, write_inventory

API_PATH = "/repos/felleslosninger/efm-integrasjonspunkt/releases"
# What the stand-in API offers (GitHub's format; only tag_name, draft and prerelease are read).
RELEASES = [
    {"tag_name": "v5.0.0", "draft": False, "prerelease": False, "name": "5.0.0", "assets": []},
    {"tag_name": "v4.1.0-rc1", "draft": False, "prerelease": True, "name": "4.1.0-rc1", "assets": []},
    {"tag_name": "v4.0.11", "draft": True, "prerelease": False, "name": "4.0.11", "assets": []},
    {"tag_name": "v4.0.10", "draft": False, "prerelease": False, "name": "4.0.10", "assets": []},
    {"tag_name": "v4.0.9", "draft": False, "prerelease": False, "name": "4.0.9", "assets": []},
    {"tag_name": "v4.0.8", "draft": False, "prerelease": False, "name": "4.0.8", "assets": []},
]
RESOLVE_BOOK = """
- hosts: all
  gather_facts: false
  tasks:
    - name: Resolve integrasjonspunkt_version=latest (the role's entry point, as playbooks/upgrade.yml calls it)
      ansible.builtin.include_role:
        name: eformidling.integrasjonspunkt.integrasjonspunkt
        tasks_from: resolve_version
"""


class GitHubStandIn:
    """STAND-IN of GitHub's releases API on 127.0.0.1 (HTTPS), recording each request's path and Accept header."""

    def __init__(self, cert, key):
        seen = self.seen = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                seen.append({"path": self.path, "accept": self.headers.get("Accept", "")})
                known = self.path.split("?")[0] == API_PATH
                body = json.dumps(RELEASES if known else {"message": "Not Found"}).encode()
                self.send_response(200 if known else 404)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args):
                pass

        # The handshake happens in the handler's thread, not in accept() (tests/helpers/tls_standin.py): a CI run
        # hung in close()'s shutdown() when it was done in accept().
        self.httpd = TLSServer(("127.0.0.1", 0), Handler, cert, key)
        self.port = self.httpd.server_address[1]
        self.url = "https://127.0.0.1:%d%s?per_page=100" % (self.port, API_PATH)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def _host(tmp_path, ns, proxy, releases_url, lookup):
    """The host's variables: an interpreter that runs inside the namespace, Java mode installed at 4.0.8."""
    wrapper = tmp_path / "python-in-netns"
    wrapper.write_text('#!/bin/sh\nexec %s "%s" "$@"\n' % (" ".join(ns.prefix), sys.executable))
    wrapper.chmod(0o755)
    return {
        "ansible_python_interpreter": str(wrapper),
        "ansible_become": False,
        "integrasjonspunkt_version": "latest",
        "integrasjonspunkt_install_dir": str(tmp_path / "install"),
        "integrasjonspunkt_releases_url": releases_url,
        "integrasjonspunkt_proxy": proxy,
        "integrasjonspunkt_release_lookup": lookup,
    }


def _install_408_with_410_blocklisted(install):
    """What the host holds: the release link to 4.0.8, and 4.0.10 blocklisted (the host's record, read there)."""
    (install / "releases").mkdir(parents=True)
    os.symlink("releases/integrasjonspunkt-v4.0.8.jar", install / "integrasjonspunkt.jar")
    now = datetime.datetime.now(datetime.timezone.utc)
    entries = records.block([], "4.0.10", now, "test: 4.0.10 did not report UP", hold=datetime.timedelta(hours=2))
    path, _changed = records.ensure_directory(str(install), None)
    records.write_atomic(os.path.join(path, records.BLOCKLIST_FILE), records.render_blocklist(entries), None)


def _results(proc):
    try:  # at -vvv the connection's lines come first; the json callback's document starts at a line "{"
        doc = json.loads(
            proc.stdout[proc.stdout.find("\n{\n") + 1 :] if not proc.stdout.startswith("{") else proc.stdout
        )
    except ValueError as exc:
        raise AssertionError("no JSON (rc=%s):\n%s\n%s" % (proc.returncode, proc.stdout, proc.stderr)) from exc
    return [(t["task"]["name"], t["hosts"]["ip"]) for play in doc["plays"] for t in play["tasks"] if "ip" in t["hosts"]]


def test_controller_lookup_chooses_for_a_host_that_cannot_reach_the_release_list(tmp_path):
    ca = net_fixtures.CertAuthority(str(tmp_path))
    cert, key = ca.issue("github-standin", ["localhost"], ips=["127.0.0.1"])
    api = GitHubStandIn(cert, key)
    loop = net_fixtures.Loopback()
    ns = net_fixtures.NetNS({})
    book = tmp_path / "resolve.yml"
    book.write_text(RESOLVE_BOOK)
    _install_408_with_410_blocklisted(tmp_path / "install")
    # The controller trusts the stand-in's test CA (its modules inherit the environment of ansible-playbook).
    env = {"SSL_CERT_FILE": ca.ca_file}
    try:
        proxy = loop.tinyproxy(net_fixtures.free_tcp_port(), [api.port])

        # Negative control: looked up on the host, the list cannot be reached from the host's namespace.
        host_inv = write_inventory(tmp_path, {"ip": _host(tmp_path, ns, proxy, api.url, "host")})
        on_host = playbook(tmp_path, host_inv, str(book), env=env)
        seen_after_control = list(api.seen)

        ctl_inv = write_inventory(tmp_path, {"ip": _host(tmp_path, ns, proxy, api.url, "controller")})
        on_controller = playbook(tmp_path, ctl_inv, str(book), "-vvv", env=env)
        with open(os.path.join(os.path.dirname(loop.procs[-1].args[-1]), "tinyproxy.log")) as fh:
            proxy_log = fh.read()
    finally:
        ns.close()
        loop.close()
        api.close()

    failed = [(name, r.get("msg", "")) for name, r in _results(on_host) if r.get("failed")]
    assert on_host.returncode != 0 and failed, on_host.stdout[-3000:]
    assert "cannot list the releases at %s through the proxy %s" % (api.url, proxy) in failed[-1][1], failed
    assert seen_after_control == [], "the host reached the stand-in API: %s" % seen_after_control

    assert on_controller.returncode == 0, on_controller.stdout[-4000:] + on_controller.stderr[-2000:]
    results = _results(on_controller)
    fetched = [r for name, r in results if "fetched on the controller" in name]
    assert len(fetched) == 1 and not fetched[0].get("skipped"), results
    assert fetched[0]["_ansible_delegated_vars"]["ansible_delegated_host"] == "localhost"
    assert fetched[0]["versions"] == ["5.0.0", "4.0.10", "4.0.9", "4.0.8"]  # as listed; no draft, no pre-release
    chosen = [r["msg"] for name, r in results if name.endswith("the chosen release")]
    assert len(chosen) == 1, results
    assert chosen[0].startswith("integrasjonspunkt_version=latest on ip: 4.0.9 (installed 4.0.8): 4.0.9 is the newest")
    assert "blocklisted: 4.0.10" in chosen[0] and "major version 5 not taken" in chosen[0], chosen[0]
    # Exactly one request, GitHub's path and media type, and it went through the proxy's CONNECT tunnel.
    assert [s["path"] for s in api.seen] == [API_PATH + "?per_page=100"], api.seen
    assert "application/vnd.github+json" in api.seen[0]["accept"]
    assert "CONNECT 127.0.0.1:%d" % api.port in proxy_log, proxy_log[-2000:]
