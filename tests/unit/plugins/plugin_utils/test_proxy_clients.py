"""Which client reaches each catalogue entry, and the probe going the same way (jvm_proxy in data/endpoints.yml)."""

import socket

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import netprobe
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import catalogue as cat
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import proxy_clients


@pytest.fixture(scope="module")
def entries():
    return cat.load()


def test_every_runtime_entry_names_its_client_and_install_entries_none(entries):
    for entry in entries:
        if entry["phase"] == "runtime":
            record = entry.get("jvm_proxy")
            assert record and record["evidence"] in proxy_clients.EVIDENCE, entry["name"]
            # A source names a file and a commit or tag.
            assert "@" in record["source"] or record["evidence"] == "not read", entry["name"]
        else:
            assert "jvm_proxy" not in entry, entry["name"]


def test_amqp_entries_are_probed_direct_with_the_reason(entries):
    """E2 of the 2026-12-06 audit: AMQP over TCP 5671 never goes through the JVM's HTTP proxy."""
    amqp = [e for e in entries if e["protocol"] == "amqps"]
    assert sorted((e["name"], e["environments"][0]) for e in amqp) == [
        ("dpe-servicebus-amqp", "production"),
        ("dpe-servicebus-amqp", "test"),
        ("fiksio-amqp", "production"),
        ("fiksio-amqp", "test"),
    ]
    for entry in amqp:
        assert entry["use_proxy"] is False, entry["name"]
        assert "AMQP" in entry["proxy_reason"] and "does not use the JVM proxy" in entry["proxy_reason"]


@pytest.mark.parametrize(
    ("name", "follows", "evidence"),
    [
        ("krr", False, "inferred"),  # PrintService: WebClient.create without proxyWithSystemProperties
        ("dpi-orbyt", True, "read"),
        ("dpe-servicebus", True, "read"),
        ("maskinporten", True, "read"),
        ("ntp", False, "read"),
        ("logs", False, "inferred"),
        ("altinn3-platform", True, "inferred"),
        ("altinn2", None, "not read"),
    ],
)
def test_recorded_answers(entries, name, follows, evidence):
    for entry in (e for e in entries if e["name"] == name):
        assert (entry["jvm_proxy"]["follows"], entry["jvm_proxy"]["evidence"]) == (follows, evidence)
        if follows is None:
            assert "use_proxy" not in entry and "proxy_reason" not in entry  # probed as before
        else:
            assert entry["use_proxy"] is follows


def test_krr_is_probed_direct(entries):
    krr = [e for e in entries if e["name"] == "krr"]
    assert len(krr) == 2 and all(e["use_proxy"] is False and "PrintService" in e["proxy_reason"] for e in krr)


GOOD = {"follows": False, "client": "C", "evidence": "read", "source": "A X.java @abc"}


@pytest.mark.parametrize(
    ("record", "extra", "field", "fragment"),
    [
        ("yes", {}, "jvm_proxy", "mapping"),
        (dict(GOOD, follows="no"), {}, "jvm_proxy", "follows"),
        (dict(GOOD, evidence="guessed"), {}, "jvm_proxy", "evidence"),
        (dict(GOOD, client=""), {}, "jvm_proxy", "client"),
        (dict(GOOD, why="x"), {}, "jvm_proxy", "unknown key"),
        (GOOD, {"use_proxy": True}, "use_proxy", "follows is False"),
    ],
)
def test_bad_records_name_the_field(record, extra, field, fragment):
    entry = dict({"name": "x", "jvm_proxy": record}, **extra)
    _out, problem = proxy_clients.normalise(entry)
    assert problem is not None and problem[0] == field and fragment in problem[1]


def test_catalogue_validation_reports_a_bad_record(entries):
    entry = dict(next(e for e in entries if e["name"] == "krr"), jvm_proxy=dict(GOOD, evidence="guessed"))
    entry.pop("use_proxy")
    entry.pop("proxy_reason")
    with pytest.raises(cat.CatalogueError, match="field 'jvm_proxy'"):
        cat.validate_entry(entry)


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_probe_result_says_why_it_went_direct():
    """A proxy is set, but the entry's client ignores it: no CONNECT, the reason names the client."""
    port = _closed_port()
    entry = {"name": "amqp", "host": "amqp.invalid", "port": port, "protocol": "amqps"}
    entry.update(use_proxy=False, proxy_reason=proxy_clients.reason(dict(GOOD, client="ServiceBusAmqpClient")))
    proxied = dict(entry, name="proxied", use_proxy=True)
    results = netprobe.probe_all(
        [entry, proxied],
        timeout=1,
        proxy="http://127.0.0.1:%d" % _closed_port(),
        resolve_map={"amqp.invalid": ["127.0.0.1"]},
        use_environment=False,
    )
    by = {r["name"]: r for r in results}
    direct = by["amqp"]
    assert direct["proxy"]["used"] is False and "ServiceBusAmqpClient" in direct["proxy"]["reason"]
    assert direct["tcp"][0]["address"] == "127.0.0.1" and not direct["tcp"][0].get("via_proxy")
    assert direct["status"] != "ok"  # nothing listens: refused, reported, never ok
    assert by["proxied"]["proxy"]["used"] is True and by["proxied"]["status"] == "proxy_error"
