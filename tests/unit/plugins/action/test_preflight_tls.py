"""The preflight action reads the TLS keystore of its own like the enterprise one; its password reaches no output."""

import json

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import report
from tests.helpers import seid_test_ca as ca
from tests.unit.plugins.plugin_utils.test_tls_checks import tls_leaf

from .settings_harness import run_install_validation, run_preflight
from .test_settings_entry_points import GOOD

TLS_PASSWORD = "Tls-seeded-secret-9931"


def tls_host(tmp_path, password=TLS_PASSWORD, **more):
    root = ca.make_root()
    key, cert = tls_leaf(root, names=("ip.example.no",))
    path = tmp_path / "https.p12"
    path.write_bytes(ca.p12(key, cert, TLS_PASSWORD, alias="https"))
    host = dict(
        GOOD,
        integrasjonspunkt_tls_keystore_src=str(path),
        integrasjonspunkt_tls_keystore_alias="https",
        integrasjonspunkt_tls_keystore_password=password,
        integrasjonspunkt_tls_server_names=["ip.example.no"],
    )
    host.update(more)
    return host


def tls_result(result):
    return next(r for r in result["results"] if r["id"] == "certificate.tls")


def test_the_tls_keystore_is_read_from_the_model_and_judged(tmp_path, monkeypatch):
    result, _calls = run_preflight(tls_host(tmp_path), monkeypatch, only=["certificate.tls"])
    assert tls_result(result)["status"] == "pass", tls_result(result)


def test_empty_server_names_check_the_inventory_host_name(tmp_path, monkeypatch):
    # The harness's inventory_hostname is "ip1", which the certificate does not name.
    host = tls_host(tmp_path, integrasjonspunkt_tls_server_names=[])
    r = tls_result(run_preflight(host, monkeypatch, only=["certificate.tls"])[0])
    assert r["status"] == "fail" and "ip1 (inventory_hostname) not in its subjectAltName" in r["message"], r


def test_the_fallback_is_info_when_no_tls_keystore_is_set(monkeypatch):
    r = tls_result(run_preflight(GOOD, monkeypatch, only=["certificate.tls"])[0])
    assert r["status"] == "info" and "enterprise certificate serves TLS" in r["message"]


def test_the_tls_password_reaches_no_result_call_or_report(tmp_path, monkeypatch):
    # A wrong password too, so the failure path (its message and fix) is rendered as well.
    per_host, outputs = {}, []
    for name, password in (("good", TLS_PASSWORD), ("wrong", TLS_PASSWORD + "-wrong")):
        host = tls_host(tmp_path, password=password)
        result, calls = run_preflight(host, monkeypatch, only=["certificate.*", "config.*"])
        per_host[name] = result
        outputs += [result, calls, run_install_validation(host)]
    assert tls_result(per_host["wrong"])["status"] == "fail"
    meta = {"generated_at": "now"}
    renderings = [
        "\n".join(report.summary_lines(per_host, meta)),
        report.json_report(per_host, meta),
        report.junit_report(per_host, meta),
        report.markdown_report(per_host, meta),
        report.html_report(per_host, meta),
    ]
    for text in renderings + [json.dumps(o, default=str) for o in outputs]:
        assert TLS_PASSWORD not in text
