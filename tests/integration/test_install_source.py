"""Preflight probes the operator's mirror and registry, through real Ansible (issue 18).

A release mirror (integrasjonspunkt_download_base_url) and an image registry (integrasjonspunkt_image) are
HTTPS servers signed by a test CA, on loopback inside a test network namespace. The mirror has only the
4.0.8 JAR: a host asking for 4.0.9 must fail, as its install would; a mirror that is down must fail too.
"""

import json
import sys

from tests.integration.net_fixtures import CertAuthority, NetNS
from tests.integration.test_engine import CHECKS_BOOK, gather_results, playbook, write_inventory

HOSTS = {"mirror.eftest": ["127.0.0.7"], "down.eftest": ["127.0.0.8"], "registry.eftest": ["127.0.0.7"]}
JAR = "/efm/releases/v4.0.8/integrasjonspunkt-v4.0.8.jar"


def test_preflight_judges_the_mirror_and_the_registry_the_install_fetches_from(tmp_path):
    (tmp_path / "ca").mkdir()
    ca = CertAuthority(str(tmp_path / "ca"))
    ns = NetNS(HOSTS)
    java = {"ansible_python_interpreter": sys.executable, "integrasjonspunkt_version": "4.0.8"}
    hosts = {
        "up": dict(java, integrasjonspunkt_download_base_url="https://mirror.eftest/efm/releases/"),
        "missing": dict(
            java,
            integrasjonspunkt_download_base_url="https://mirror.eftest/efm/releases",
            integrasjonspunkt_version="4.0.9",
        ),
        "down": dict(java, integrasjonspunkt_download_base_url="https://down.eftest/efm/releases"),
        "registry": dict(
            java, integrasjonspunkt_run_mode="docker", integrasjonspunkt_image="registry.eftest/felleslosninger/ip"
        ),
    }
    try:
        cert = ca.issue("mirror", ["mirror.eftest", "registry.eftest"], ips=["127.0.0.7"])
        ns.serve("127.0.0.7", 443, *cert, only=[JAR, "/v2/"])
        book = tmp_path / "checks.yml"
        book.write_text(CHECKS_BOOK)
        extra = {
            "preflight_check_install_endpoints": True,
            "preflight_ca_file": ca.ca_file,
            "preflight_only": ["install.*"],
            "preflight_probe_timeout": 3,
        }
        proc = playbook(
            tmp_path, write_inventory(tmp_path, hosts), str(book), "-e", json.dumps(extra), prefix=ns.prefix
        )
        results = gather_results(proc)
    finally:
        ns.close()
    by_host = {host: {r["id"]: r for r in res["results"]} for host, res in results.items()}

    up = by_host["up"]
    assert up["install.download"]["status"] == "pass", up
    assert up["install.download"]["measured"] == "HTTP 200"
    assert "install.github" not in up and "install.github-release-assets" not in up  # not GitHub: the mirror

    missing = by_host["missing"]["install.download"]
    assert missing["status"] == "fail" and missing["measured"] == "HTTP 404", missing
    assert "/efm/releases/v4.0.9/integrasjonspunkt-v4.0.9.jar" in missing["message"]
    assert "integrasjonspunkt_download_base_url" in missing["fix"], missing

    down = by_host["down"]["install.download"]
    assert down["status"] == "fail" and down["measured"] != "HTTP 200", down
    assert "down.eftest" in down["message"] and "integrasjonspunkt_download_base_url" in down["fix"], down

    registry = by_host["registry"]
    assert registry["install.registry"]["status"] == "pass", registry
    assert "install.ghcr" not in registry and "install.download" not in registry
