"""The identity probe against a simulated Maskinporten and service registry (tests/helpers/simulated_maskinporten.py).

The grant is signed by the controller code (plugin_utils/identity), sent by the host code
(module_utils/identity_probe) over real TLS on loopback, directly and through a real CONNECT proxy
(tinyproxy), and the answers are judged by the identity.* checks. The simulation checks what Maskinporten
checks (signature against x5c, issuer CA, audience, lifetime, client, scopes), so each rejection below is
produced by a real refusal, not a canned answer. The certificates come from a test CA that mimics SEID 2.
"""

import base64
import json
import os
import re
import sys

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import identity_probe
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import identity
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import identity_checks as ic
from tests.helpers import seid_test_ca as ca
from tests.helpers.simulated_maskinporten import Simulation
from tests.integration.net_fixtures import CertAuthority, Loopback, free_tcp_port

ORGNR = "991825827"
CLIENT = "MOVE_IP_" + ORGNR
AUDIENCE = "https://test.maskinporten.no/"
PASSWORD = "Pw-identity-probe"
DPO_DPV = ("eformidling:dpo", "eformidling:dpv")


def pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("identity")
    tls = CertAuthority(str(tmp))
    cert, key = tls.issue("mp", ["localhost"], ips=["127.0.0.1"])
    root = ca.make_root()
    inter = ca.make_intermediate(root)
    leaf_key, leaf = ca.make_leaf(inter, orgnr=ORGNR, key_type="rsa")
    _k, stranger = ca.make_leaf(inter, orgnr=ORGNR, key_type="rsa")
    # A certificate from another CA: as a production certificate is to the test Maskinporten.
    other_root = ca.make_root("Buypass Class 3 Root CA G2 HT")
    other_inter = ca.make_intermediate(other_root, "Buypass Class 3 CA G2 HT Business")
    alien_key, alien = ca.make_leaf(other_inter, orgnr=ORGNR, key_type="rsa")
    return {
        "tmp": tmp,
        "tls": tls,
        "cert": cert,
        "key": key,
        "inter": inter,
        "leaf": leaf,
        "leaf_key": leaf_key,
        "stranger": stranger,
        "alien": alien,
        "alien_key": alien_key,
        "alien_ca": other_inter.cert,
    }


def simulation(world, **over):
    config = {
        "bind": "127.0.0.1",
        "port": 0,
        "cert": world["cert"],
        "key": world["key"],
        "audience": AUDIENCE,
        "trusted_ca_pem": [pem(world["inter"].cert)],
        "clients": {CLIENT: {"org": ORGNR, "scopes": list(DPO_DPV)}},
        "registry": {ORGNR: pem(world["leaf"])},
        "signed": True,
        "log": str(world["tmp"] / ("log-%d.jsonl" % len(os.listdir(world["tmp"])))),
    }
    config.update(over)
    return Simulation(config).start()


def run_probe(
    world, sim, *, key=None, cert=None, scopes=DPO_DPV, client=CLIENT, audience=AUDIENCE, proxy=None, **extra
):
    grant = identity.make_grant(key or world["leaf_key"], cert or world["leaf"], client, audience, scopes)
    base = "https://localhost:%d" % sim.port
    probe = identity_probe.probe(
        grant,
        base + "/token",
        base + "/adressetjeneste",
        ORGNR,
        grant_type=identity.load()["grant_type"],
        timeout=5.0,
        proxy=proxy,
        ca_file=world["tls"].ca_file,
        **extra,
    )
    return grant, probe


def judge(world, probe, services=("DPO", "DPV"), cert=None):
    data = ca.p12(world["leaf_key"], cert or world["leaf"], PASSWORD)
    context = {
        "identity": {
            "enabled": True,
            "refusal": None,
            "client_id": CLIENT,
            "org_number": ORGNR,
            "scopes": DPO_DPV,
            "token_url": "https://localhost/token",
            "service_registry_url": "https://localhost/adressetjeneste",
        },
        "identity_probe": probe,
        "errors": {},
        "settings": {"services": list(services)},
        "keystore": {"available": True, "path": "/k.p12", "data": data, "password": PASSWORD, "alias": "virksomhet"},
    }
    return {c.id: c().run(context) for c in ic.IDENTITY_CHECKS}


def log_entries(sim):
    with open(sim.config["log"]) as fh:
        return [json.loads(line) for line in fh]


def decisions(sim):
    return [entry["decision"] for entry in log_entries(sim)]


def test_the_whole_chain_passes_and_the_token_never_comes_back(world):
    sim = simulation(world)
    try:
        grant, probe = run_probe(world, sim)
    finally:
        sim.stop()
    assert decisions(sim) == ["granted", "signed", "own"]
    # The grant's header is the integrasjonspunkt's: the leaf alone in x5c (its CA is known to Maskinporten), no typ.
    assert {k: log_entries(sim)[0][k] for k in ("x5c_certs", "typ")} == {"x5c_certs": 1, "typ": None}
    res = judge(world, probe)
    assert res["identity.grant"]["status"] == "pass", res
    assert res["identity.virksert"]["status"] == "pass", res
    assert "JWS verified" in res["identity.virksert"]["message"]
    dumped = json.dumps(probe) + json.dumps(res, default=str)
    assert sim.tokens and not any(token in dumped for token in sim.tokens), "the access token left the probe"
    assert grant not in dumped
    assert JWT_LIKE.fullmatch(grant)  # the leak test's pattern would see a grant


def test_through_a_real_connect_proxy(world):
    sim = simulation(world)
    loop = Loopback()
    try:
        proxy = loop.tinyproxy(free_tcp_port(), connect_ports=[sim.port])
        _grant, probe = run_probe(world, sim, proxy=proxy)
        with open(os.path.join(loop.tmp, os.listdir(loop.tmp)[0], "tinyproxy.log")) as fh:
            log = fh.read()
    finally:
        loop.close()
        sim.stop()
    assert probe["token"]["route"] == "via proxy %s" % proxy and probe["virksert"]["route"].startswith("via proxy")
    assert "CONNECT localhost:%d" % sim.port in log
    assert judge(world, probe)["identity.virksert"]["status"] == "pass"


@pytest.mark.parametrize(
    ("case", "decision", "meaning"),
    [
        ("unknown client", "client", "is not registered in this Maskinporten environment"),
        ("unknown client, Digdir's MP-100 form", "client", "MOVE_IP_991825827 is not registered in this Maskinporten"),
        ("scope not granted", "scope", "is not granted the scope"),
        ("certificate of another CA", "certificate", "certificate is not accepted"),
        ("clock off by 30 s", "iat", "clock"),
        ("wrong audience", "aud", "audience"),
    ],
)
def test_each_rejection_of_the_grant(world, case, decision, meaning):
    over, probe_args = {}, {}
    if case.startswith("unknown client"):
        over["clients"] = {"MOVE_IP_910000000": {"org": "910000000", "scopes": list(DPO_DPV)}}
        if "MP-100" in case:
            over["error_codes"] = "mp"
    elif case == "scope not granted":
        probe_args["scopes"] = [*DPO_DPV, "eformidling:dpi"]
    elif case == "certificate of another CA":
        probe_args.update(key=world["alien_key"], cert=world["alien"])
    elif case == "clock off by 30 s":
        over["skew_seconds"] = 30
    elif case == "wrong audience":
        probe_args["audience"] = "https://maskinporten.no/"
    sim = simulation(world, **over)
    try:
        _grant, probe = run_probe(world, sim, **probe_args)
    finally:
        sim.stop()
    assert decisions(sim) == [decision]
    res = judge(world, probe)
    assert res["identity.grant"]["status"] == "fail", res
    assert meaning in res["identity.grant"]["message"]
    assert res["identity.virksert"]["status"] == "unknown"
    if "MP-100" in case:
        assert "MP-100" in res["identity.grant"]["measured"]
        assert "installasjon/forberede_installasjon#bestille-tilganger" in res["identity.grant"]["fix"]
    if case == "scope not granted":  # the refused scope, not the whole list
        assert res["identity.grant"]["message"].endswith("is not granted the scope eformidling:dpi")


def test_the_simulation_trusts_only_its_own_cas_never_the_chain_a_grant_brings(world):
    """A leaf-only x5c from a CA it knows passes (above); a leaf of another CA is refused even with its CA in x5c."""
    grant = identity.make_grant(world["alien_key"], world["alien"], CLIENT, AUDIENCE, DPO_DPV)
    header = jwt.get_unverified_header(grant)
    claims = jwt.decode(grant, options={"verify_signature": False})
    bring_ca = [*header["x5c"], base64.b64encode(world["alien_ca"].public_bytes(serialization.Encoding.DER)).decode()]
    forged = jwt.encode(claims, world["alien_key"], algorithm="RS256", headers={"typ": None, "x5c": bring_ca})
    sim = simulation(world)
    try:
        status, body, decision = sim.token({"grant_type": identity.load()["grant_type"], "assertion": forged})
    finally:
        sim.stop()
    assert (status, decision) == (400, "certificate") and "invalid certificate" in body["error_description"]


def test_no_entry_another_certificate_and_a_forged_signature_in_the_directory(world):
    cases = {
        "missing": ({"registry": {}}, "not_found", "has no certificate"),
        "another": ({"registry": {ORGNR: pem(world["stranger"])}}, "signed", "another certificate"),
        "forged": ({"jwk_key": "other"}, "signed", "does not verify"),
    }
    for name, (over, decision, text) in cases.items():
        sim = simulation(world, **over)
        try:
            _grant, probe = run_probe(world, sim)
        finally:
            sim.stop()
        assert decisions(sim)[:2] == ["granted", decision], name
        res = judge(world, probe)
        assert res["identity.grant"]["status"] == "pass", name
        assert res["identity.virksert"]["status"] == "fail", (name, res["identity.virksert"])
        assert text in res["identity.virksert"]["message"], (name, res["identity.virksert"]["message"])


def test_an_unsigned_registry_answers_pem(world):
    sim = simulation(world, signed=False)
    try:
        _grant, probe = run_probe(world, sim)
    finally:
        sim.stop()
    assert probe["jwk"] is None and decisions(sim) == ["granted", "plain"]
    assert judge(world, probe)["identity.virksert"]["status"] == "pass"


def test_nothing_listening_is_unknown_and_an_injected_fault_is_error(world, monkeypatch):
    port = free_tcp_port()
    grant = identity.make_grant(world["leaf_key"], world["leaf"], CLIENT, AUDIENCE, DPO_DPV)
    args = dict(grant_type="g", timeout=2.0, ca_file=world["tls"].ca_file)
    url = "https://localhost:%d" % port
    probe = identity_probe.probe(grant, url + "/token", url + "/adressetjeneste", ORGNR, **args)
    assert probe["token"]["outcome"] == "network"
    assert judge(world, probe)["identity.grant"]["status"] == "unknown"

    sim = simulation(world)
    real = identity_probe.request
    calls = []

    def fail_second(*a, **k):  # the token step works; the directory step hits a bug of ours
        calls.append(a[0])
        if len(calls) == 2:
            raise KeyError("injected")
        return real(*a, **k)

    try:
        _grant, probe = run_probe(world, sim, send=fail_second)
    finally:
        sim.stop()
    assert probe["token"]["outcome"] == "ok" and probe["virksert"]["outcome"] == "error"
    res = judge(world, probe)
    assert res["identity.virksert"]["status"] == "error" and "KeyError" in res["identity.virksert"]["exception"]
    # A spent budget is our own time-out: error, never a verdict.
    probe = identity_probe.probe(grant, url + "/token", url + "/adressetjeneste", ORGNR, deadline=0.0, **args)
    assert probe["token"]["outcome"] == "error"
    assert judge(world, probe)["identity.grant"]["status"] == "error"


# End to end: the preflight role, a host in a test network namespace ---------------------------------------

SIMULATOR = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "helpers", "simulated_maskinporten.py"
)
JWT_LIKE = re.compile(r"eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{20,}")
E2E_BOOK = """
- hosts: all
  gather_facts: false
  tasks:
    - ansible.builtin.import_role:
        name: eformidling.integrasjonspunkt.preflight
"""


def _bundle_parts(path):
    from cryptography.hazmat.primitives.serialization import pkcs12  # noqa: PLC0415

    with open(path, "rb") as fh:
        bundle = pkcs12.load_pkcs12(fh.read(), PASSWORD.encode())
    return bundle.cert.certificate, [c.certificate for c in bundle.additional_certs]


def test_the_preflight_role_proves_the_chain_through_the_hosts_proxy_and_leaks_nothing_at_vvv(tmp_path):
    from tests.integration import test_engine  # noqa: PLC0415
    from tests.integration.net_fixtures import NetNS  # noqa: PLC0415
    from tests.integration.test_keystore_check import ProcSampler  # noqa: PLC0415

    paths = ca.write_bundle(str(tmp_path / "pki"), ORGNR, PASSWORD, "virksomhet", "test", key_type="rsa")
    leaf, chain = _bundle_parts(paths["keystore"])
    tls = CertAuthority(str(tmp_path))
    cert, key = tls.issue("mp", ["test.maskinporten.no", "test.eformidling.no"], ips=["127.0.0.5"])
    config = {
        "bind": "127.0.0.5",
        "port": 443,
        "cert": cert,
        "key": key,
        "audience": AUDIENCE,
        "trusted_ca_pem": [pem(c) for c in chain],
        "clients": {CLIENT: {"org": ORGNR, "scopes": list(DPO_DPV)}},
        "registry": {ORGNR: pem(leaf)},
        "log": str(tmp_path / "sim.jsonl"),
        "tokens_file": str(tmp_path / "tokens.txt"),
    }
    (tmp_path / "sim.json").write_text(json.dumps(config))
    os.chmod(str(tmp_path), 0o755)
    ns = NetNS({"test.maskinporten.no": ["127.0.0.5"], "test.eformidling.no": ["127.0.0.5"]})
    sampler = ProcSampler([PASSWORD])
    try:
        ns.run(["ip", "addr", "add", "127.0.0.5/8", "dev", "lo"])
        ns.start([sys.executable, SIMULATOR, str(tmp_path / "sim.json")], ready="READY")
        proxy = ns.tinyproxy(8888, connect_ports=[443])
        book = tmp_path / "book.yml"
        book.write_text(E2E_BOOK)
        extra = {
            "integrasjonspunkt_environment": "test",
            "integrasjonspunkt_services": ["DPO", "DPV"],
            "integrasjonspunkt_org_number": ORGNR,
            "integrasjonspunkt_keystore_src": paths["keystore"],
            "integrasjonspunkt_keystore_alias": "virksomhet",
            "integrasjonspunkt_keystore_password": PASSWORD,
            "integrasjonspunkt_keystore_extra_issuers": paths["issuers"],
            "integrasjonspunkt_proxy": proxy,
            "preflight_ca_file": tls.ca_file,
            "preflight_identity_probe": True,
            "preflight_only": ["identity.*", "certificate.*"],
            "preflight_endpoint_overrides": {},  # tests/compat/vars.yml's are for production
            "preflight_report_dir": str(tmp_path / "reports"),
        }
        # In a file: the password in the test's own command line would be what the process sampler finds.
        (tmp_path / "extra.json").write_text(json.dumps(extra))
        extra_arg = "@" + str(tmp_path / "extra.json")
        inventory = test_engine.write_inventory(tmp_path, {"ip": {"ansible_python_interpreter": sys.executable}})
        sampler.start()
        proc = test_engine.playbook(tmp_path, inventory, str(book), "-e", extra_arg, prefix=ns.prefix)
        verbose = test_engine.playbook(
            tmp_path, inventory, str(book), "-e", extra_arg, "-vvv", prefix=ns.prefix,
            env={"ANSIBLE_STDOUT_CALLBACK": "default"},
        )  # fmt: skip
        with open(
            os.path.join(ns.tmp, next(d for d in os.listdir(ns.tmp) if d.startswith("tinyproxy")), "tinyproxy.log")
        ) as fh:
            proxy_log = fh.read()
    finally:
        sampler.stop()
        ns.close()
    res = test_engine.gather_results(proc)["ip"]
    assert "results" in res, json.dumps(res)[:3000]
    by_id = {r["id"]: r for r in res["results"]}
    assert by_id["identity.grant"]["status"] == "pass", by_id["identity.grant"]
    assert by_id["identity.virksert"]["status"] == "pass", by_id["identity.virksert"]
    assert "via proxy %s" % proxy in by_id["identity.grant"]["message"]
    assert "CONNECT test.maskinporten.no:443" in proxy_log and "CONNECT test.eformidling.no:443" in proxy_log
    assert by_id["certificate.keystore"]["status"] == "pass"
    assert res["changed"] is False
    assert res["identity"]["client_id"] == CLIENT and res["identity"]["scopes"] == list(DPO_DPV)
    with open(config["log"]) as fh:
        assert [json.loads(line)["decision"] for line in fh][:3] == ["granted", "signed", "own"]
    with open(config["tokens_file"]) as fh:
        tokens = fh.read().split()
    assert len(tokens) == 2  # one per run: both runs really got a token
    assert verbose.returncode == 0, verbose.stdout[-3000:] + verbose.stderr[-3000:]
    reports = sorted(os.listdir(str(tmp_path / "reports")))
    assert "preflight.json" in reports and "preflight.html" in reports, reports
    texts = [proc.stdout, proc.stderr, verbose.stdout, verbose.stderr]
    for name in reports:
        with open(str(tmp_path / "reports" / name), encoding="utf-8", errors="replace") as fh:
            texts.append(fh.read())
    markdown = texts[4 + reports.index("preflight.md")]
    assert "Maskinporten https://test.maskinporten.no/token granted %s" % CLIENT in markdown
    everything = "\n".join(texts)
    assert "ESTABLISH LOCAL CONNECTION" in everything or "EXEC /bin/sh -c" in everything  # -vvv really ran
    assert PASSWORD not in everything
    assert not any(token in everything for token in tokens), "an access token reached the output"
    assert not JWT_LIKE.findall(everything), "a JWT (the grant) reached the output"
    assert sampler.rounds > 20 and sampler.hits == [], (sampler.rounds, sampler.hits)
