"""The certificate.* checks, one rule at a time, on certificates from a test CA that mimics SEID 2.

Every result of every scenario is searched for the keystore password.
"""

import datetime
import json

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import certificate_checks as cc
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import certificates as certs
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils.checks import Check
from tests.helpers import seid_test_ca as ca

PASSWORD = "Pw-7f3a!virksomhet"
ORGNR = "991825827"
NOW = datetime.datetime.now(datetime.timezone.utc)
IDS = [
    "certificate.keystore",
    "certificate.validity",
    "certificate.type",
    "certificate.org_number",
    "certificate.environment",
    "certificate.chain",
    "certificate.jks",
]


def make_pki():
    """A test root and intermediate, and the issuer data with them as test or production SEID CAs."""
    real = certs.load_issuers()
    root = ca.make_root()
    inter = ca.make_intermediate(root)
    return {
        "real": real,
        "root": root,
        "inter": inter,
        "test_issuers": ca.issuers_with(real, root, inter, environment="test"),
        "prod_issuers": ca.issuers_with(real, root, inter, environment="production"),
    }


@pytest.fixture(scope="module")
def pki():
    return make_pki()


def ctx_for(data, issuers, kind="PKCS12", environment="test", password=PASSWORD, alias="virksomhet", **over):
    keystore = {
        "available": data is not None,
        "reason": "",
        "path": "/secure/ip/keystore.p12",
        "type": kind,
        "data": data,
        "password": password,
        "alias": alias,
        "org_number": ORGNR,
        "environment": environment,
    }
    keystore.update(over)
    return {"keystore": keystore, "thresholds": {"cert_warn_days": 30}, "certificate_issuers": issuers}


def run(ctx):
    results = cc.run(ctx)
    assert [r["id"] for r in results] == IDS
    dumped = json.dumps(results, default=str)
    assert PASSWORD not in dumped, "the password leaked into a result"
    return {r["id"]: r for r in results}


def statuses(results):
    return {k: v["status"] for k, v in results.items()}


def keystore(pki, chain=True, **leaf_args):
    key, leaf = ca.make_leaf(pki["inter"], orgnr=leaf_args.pop("orgnr", ORGNR), **leaf_args)
    return ca.p12(key, leaf, PASSWORD, "virksomhet", [pki["inter"].cert] if chain else [])


ALL_PASS = dict.fromkeys(IDS, "pass")


def test_a_good_seid2_keystore_passes_everything(pki):
    results = run(ctx_for(keystore(pki), pki["test_issuers"]))
    assert statuses(results) == ALL_PASS
    assert results["certificate.validity"]["unit"] == "days"
    assert results["certificate.org_number"]["measured"] == ORGNR


def test_no_keystore_configured_is_info_everywhere(pki):
    ctx = ctx_for(None, pki["test_issuers"], path="", reason="no keystore configured")
    results = run(ctx)
    assert set(statuses(results).values()) == {"info"}
    assert all(r["message"] == "not checked: no keystore configured" for r in results.values())


def test_an_unreadable_keystore_fails_and_the_rest_is_unknown(pki):
    ctx = ctx_for(None, pki["test_issuers"], reason="cannot read /secure/ip/keystore.p12: No such file")
    results = run(ctx)
    assert results["certificate.keystore"]["status"] == "fail"
    assert "No such file" in results["certificate.keystore"]["message"]
    for check in IDS[1:-1]:
        assert results[check]["status"] == "unknown"


def test_wrong_password(pki):
    results = run(ctx_for(keystore(pki), pki["test_issuers"], password="not-the-password"))
    assert results["certificate.keystore"]["status"] == "fail"
    assert "does not open the keystore" in results["certificate.keystore"]["message"]
    assert results["certificate.validity"]["status"] == "unknown"


def test_alias_missing_lists_the_entries(pki):
    results = run(ctx_for(keystore(pki), pki["test_issuers"], alias="feil-alias"))
    assert results["certificate.keystore"]["status"] == "fail"
    assert "virksomhet" in results["certificate.keystore"]["message"]


def test_store_and_key_passwords_that_differ_pkcs12(pki):
    key, leaf = ca.make_leaf(pki["inter"], orgnr=ORGNR)
    data = ca.p12_two_passwords(key, leaf, PASSWORD, "another-key-password")
    results = run(ctx_for(data, pki["test_issuers"]))
    assert results["certificate.keystore"]["status"] == "fail"
    assert results["certificate.keystore"]["measured"] == "key password differs"


def test_store_and_key_passwords_that_differ_jks(pki):
    key, leaf = ca.make_leaf(pki["inter"], orgnr=ORGNR)
    data = ca.jks(key, leaf, PASSWORD, "virksomhet", [pki["inter"].cert], key_password="another-key-password")
    results = run(ctx_for(data, pki["test_issuers"], kind="JKS"))
    assert results["certificate.keystore"]["measured"] == "key password differs"
    assert results["certificate.validity"]["status"] == "pass"  # keytool still reads the certificate


def test_jks_passes_the_rules_and_warns_with_the_conversion_command(pki):
    key, leaf = ca.make_leaf(pki["inter"], orgnr=ORGNR)
    data = ca.jks(key, leaf, PASSWORD, "virksomhet", [pki["inter"].cert])
    results = run(ctx_for(data, pki["test_issuers"], kind="JKS", path="/secure/ip/keystore.jks"))
    assert statuses(results) == dict(ALL_PASS, **{"certificate.jks": "warn"})
    assert "keytool -importkeystore -srckeystore /secure/ip/keystore.jks" in results["certificate.jks"]["fix"]


def test_jks_without_keytool_is_unknown_with_the_conversion_command(pki, monkeypatch):
    key, leaf = ca.make_leaf(pki["inter"], orgnr=ORGNR)
    data = ca.jks(key, leaf, PASSWORD)
    monkeypatch.setattr(certs, "find_keytool", lambda environ=None: None)
    results = run(ctx_for(data, pki["test_issuers"], kind="JKS"))
    assert results["certificate.keystore"]["status"] == "unknown"
    assert "keytool -importkeystore" in results["certificate.keystore"]["fix"]
    assert results["certificate.jks"]["status"] == "warn"
    assert results["certificate.validity"]["status"] == "unknown"


def test_declared_type_differs_from_the_file(pki):
    results = run(ctx_for(keystore(pki), pki["test_issuers"], kind="JKS"))
    assert results["certificate.jks"]["status"] == "warn"
    assert "the file is PKCS12" in results["certificate.jks"]["message"]


@pytest.mark.parametrize(
    ("offset_before", "offset_after", "status", "words"),
    [
        (-400, -1, "fail", "expired"),
        (2, 400, "fail", "not valid before"),
        (-300, 10, "warn", "expires on"),
        (-300, 31, "pass", "valid until"),
    ],
)
def test_validity(pki, offset_before, offset_after, status, words):
    data = keystore(pki, not_before=NOW + offset_before * ca.DAY, not_after=NOW + offset_after * ca.DAY)
    result = run(ctx_for(data, pki["test_issuers"]))["certificate.validity"]
    assert result["status"] == status and words in result["message"]


@pytest.mark.parametrize("offset_after", [-1, 10])
def test_validity_warning_and_expiry_name_the_renewal_playbook(pki, offset_after):
    data = keystore(pki, not_before=NOW - 300 * ca.DAY, not_after=NOW + offset_after * ca.DAY)
    result = run(ctx_for(data, pki["test_issuers"]))["certificate.validity"]
    assert result["status"] in ("warn", "fail")
    assert "playbooks/renew-certificate.yml" in result["fix"] and "docs/certificate-renewal.md" in result["fix"]


def test_validity_threshold_is_read_from_ctx(pki):
    data = keystore(pki, not_before=NOW - 300 * ca.DAY, not_after=NOW + 10 * ca.DAY)
    ctx = ctx_for(data, pki["test_issuers"])
    ctx["thresholds"]["cert_warn_days"] = 5
    assert run(ctx)["certificate.validity"]["status"] == "pass"


@pytest.mark.parametrize(
    ("leaf_args", "words"),
    [
        ({"usage": ca.SIGN_USAGE}, "the signing part"),
        ({"usage": {"digital_signature": True, "content_commitment": True}}, "the signing part"),
        ({"usage": {"key_encipherment": True, "data_encipherment": True}}, "the encryption part"),
        ({"policy": None}, "without a SEID v1/v2 enterprise certificate policy"),
        ({"policy": "1.2.3.4.5"}, "without a SEID v1/v2 enterprise certificate policy"),
        ({"policy": "0.4.0.194112.1.1"}, "eSegl"),
        ({"policy": "2.23.140.1.2.2"}, "SSL/TLS"),
        ({"policy": None, "dns": ["ip.example.no"]}, "an SSL/TLS certificate"),
    ],
)
def test_type_wrong_key_usage_and_policies(pki, leaf_args, words):
    result = run(ctx_for(keystore(pki, **leaf_args), pki["test_issuers"]))["certificate.type"]
    assert result["status"] == "fail" and words in result["message"], result
    assert result["required"] == (
        "an RSA key (RS256); keyUsage digitalSignature without nonRepudiation; a SEID v1/v2 enterprise policy OID"
    )


def test_type_accepts_a_commfides_seid2_policy(pki):
    result = run(ctx_for(keystore(pki, policy="2.16.578.1.29.913.200.1.0"), pki["test_issuers"]))
    assert result["certificate.type"]["status"] == "pass"
    assert "Commfides" in result["certificate.type"]["message"]


def test_wrong_org_number(pki):
    result = run(ctx_for(keystore(pki, orgnr="974760673"), pki["test_issuers"]))["certificate.org_number"]
    assert result["status"] == "fail" and result["measured"] == "974760673" and result["required"] == ORGNR


def test_seid1_serial_number_org_number(pki):
    result = run(ctx_for(keystore(pki, seid=1), pki["test_issuers"]))["certificate.org_number"]
    assert result["status"] == "pass" and "serialNumber" in result["message"]


def test_org_number_not_set_is_unknown(pki):
    result = run(ctx_for(keystore(pki), pki["test_issuers"], org_number=""))["certificate.org_number"]
    assert result["status"] == "unknown"


def test_test_issuer_in_production(pki):
    result = run(ctx_for(keystore(pki), pki["test_issuers"], environment="production"))["certificate.environment"]
    assert result["status"] == "fail"
    assert result["measured"] == "test" and result["required"] == "production"


def test_production_issuer_in_test(pki):
    result = run(ctx_for(keystore(pki), pki["prod_issuers"], environment="test"))["certificate.environment"]
    assert result["status"] == "fail" and result["measured"] == "production"


def test_environment_from_the_policy_arc_when_the_issuer_is_unknown(pki):
    # Commfides's 913 arc is test only; with our CA unknown, the policy still tells the environment.
    results = run(ctx_for(keystore(pki, policy="2.16.578.1.29.913.200.1.0"), pki["real"], environment="production"))
    assert results["certificate.environment"]["status"] == "fail"
    assert "policy" in results["certificate.environment"]["message"]


def test_unknown_issuer_environment_is_unknown(pki):
    results = run(ctx_for(keystore(pki), pki["real"]))
    assert results["certificate.environment"]["status"] == "unknown"
    assert results["certificate.chain"]["status"] == "fail"


def test_incomplete_chain(pki):
    only_root = ca.issuers_with(pki["real"], pki["root"])
    result = run(ctx_for(keystore(pki, chain=False), only_root))["certificate.chain"]
    assert result["status"] == "fail" and "incomplete" in result["message"]
    # The same keystore with the issuing CA inside is complete.
    assert run(ctx_for(keystore(pki, chain=True), only_root))["certificate.chain"]["status"] == "pass"


def test_chain_to_an_unknown_root(pki):
    key, leaf = ca.make_leaf(pki["inter"], orgnr=ORGNR)
    data = ca.p12(key, leaf, PASSWORD, "virksomhet", [pki["inter"].cert, pki["root"].cert])
    result = run(ctx_for(data, pki["real"]))["certificate.chain"]
    assert result["status"] == "fail" and "not a known SEID root" in result["message"]


def test_a_crashing_rule_is_isolated_and_never_passes(pki, monkeypatch):
    def boom(self, ctx, found):
        raise RuntimeError("injected failure")

    monkeypatch.setattr(cc.ValidityCheck, "judge", boom)
    results = run(ctx_for(keystore(pki), pki["test_issuers"]))
    assert results["certificate.validity"]["status"] in ("error", "fail")
    assert "injected failure" in results["certificate.validity"]["message"]
    assert results["certificate.type"]["status"] == "pass"


def test_keytool_error_is_error(pki, tmp_path, monkeypatch):
    tool = tmp_path / "keytool"
    tool.write_text('#!/bin/sh\nread pw\necho "unexpected: $pw" >&2\nexit 7\n')
    tool.chmod(0o755)
    monkeypatch.setattr(certs, "find_keytool", lambda environ=None: str(tool))
    key, leaf = ca.make_leaf(pki["inter"], orgnr=ORGNR)
    results = run(ctx_for(ca.jks(key, leaf, PASSWORD), pki["test_issuers"], kind="JKS"))
    assert results["certificate.keystore"]["status"] == "error"


def test_the_keystore_is_opened_once_per_ctx(pki, monkeypatch):
    calls = []
    real = certs.inspect_keystore
    monkeypatch.setattr(certs, "inspect_keystore", lambda *a, **k: calls.append(1) or real(*a, **k))
    run(ctx_for(keystore(pki), pki["test_issuers"]))
    assert len(calls) == 1


def test_exports_for_the_engine():
    assert all(issubclass(c, Check) for c in cc.CERTIFICATE_CHECKS)
    assert [c.id for c in cc.CERTIFICATE_CHECKS] == IDS
    assert all(c.category == "certificate" and c.title for c in cc.CERTIFICATE_CHECKS)
    assert cc.THRESHOLDS["cert_warn_days"]["default"] == 30
    assert cc.THRESHOLDS["cert_warn_days"]["unit"] == "days" and cc.THRESHOLDS["cert_warn_days"]["source"]


def test_default_issuer_data_is_loaded_when_ctx_has_none(pki):
    ctx = ctx_for(keystore(pki), None)
    results = run(ctx)
    assert results["certificate.chain"]["status"] == "fail"  # our test CA is not a real issuer
    assert len(ctx["certificate_issuers"]["cas"]) == len(pki["real"]["cas"])


def test_missing_cryptography_is_never_a_pass(pki, monkeypatch):
    monkeypatch.setattr(certs, "CRYPTOGRAPHY_ERROR", ImportError("No module named 'cryptography'"))
    results = run(ctx_for(keystore(pki), pki["test_issuers"]))
    assert results["certificate.keystore"]["status"] in ("error", "fail")
    assert "cryptography" in results["certificate.keystore"]["message"]
    assert "pass" not in {r["status"] for r in results.values()}


# The file's own format, not the configured type (issue 18) ---------------------------------------


def _jks_result(pki, data, reason="", **over):
    ctx = ctx_for(data, pki["test_issuers"], reason=reason, **over)
    if data is None:
        ctx["keystore"]["available"] = False
    return run(ctx)["certificate.jks"]


def test_jks_check_of_a_missing_or_directory_keystore_is_unknown_not_pass(pki, tmp_path):
    for path in (tmp_path / "missing.p12", tmp_path):  # a missing file, and a directory
        data, reason = certs.read_controller_keystore(str(path))
        assert data is None
        result = _jks_result(pki, None, reason, path=str(path))
        assert result["status"] == "unknown", result
        assert reason in result["message"]


@pytest.mark.parametrize(
    "garbage",
    [
        bytes(range(1, 200)),  # random-looking bytes
        b"\x30\x82\xff\xff" + b"\x00" * 64,  # a SEQUENCE header whose length runs past the end
        b"\x30\x03\x02\x01\x05",  # a SEQUENCE, but not PKCS12's version 3
        b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        b"",
    ],
)
def test_jks_check_fails_for_a_file_that_is_no_keystore(pki, garbage):
    result = _jks_result(pki, garbage)
    assert result["status"] == "fail", result
    assert "not a keystore" in result["message"]


def test_jks_check_fails_for_jceks(pki):
    result = _jks_result(pki, b"\xce\xce\xce\xce" + b"\x00\x00\x00\x02" + b"\x00" * 40, kind="JKS")
    assert (result["status"], result["measured"]) == ("fail", "JCEKS")


def test_keystore_format_by_magic_and_structure(pki):
    assert certs.keystore_format(keystore(pki)) == "PKCS12"
    assert certs.keystore_format(b"\xfe\xed\xfe\xed\x00\x00\x00\x02") == "JKS"
    assert certs.keystore_format(b"\xce\xce\xce\xce\x00\x00\x00\x02") == "JCEKS"
    assert certs.keystore_format(b"\x30\x03\x02\x01\x05") is None
    assert certs.keystore_format(None) is None


def test_an_ec_key_fails_certificate_type_by_the_identity_rule(pki):
    """Maskinporten takes RS256 only: the integrasjonspunkt would start and never get a token."""
    key, leaf = ca.make_leaf(pki["inter"], orgnr=ORGNR, key_type="ec")
    results = run(ctx_for(ca.p12(key, leaf, PASSWORD, "virksomhet", [pki["inter"].cert]), pki["test_issuers"]))
    assert results["certificate.type"]["status"] == "fail"
    assert "RS256" in results["certificate.type"]["message"]
    assert results["certificate.type"]["measured"].startswith("EC")
    assert results["certificate.keystore"]["status"] == "pass"  # the keystore itself is fine


def test_the_default_test_leaf_is_rsa_like_the_real_ones(pki):
    from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: PLC0415

    _key, leaf = ca.make_leaf(pki["inter"], orgnr=ORGNR)
    assert isinstance(leaf.public_key(), rsa.RSAPublicKey)


@pytest.mark.parametrize(("check_id", "target"), [("certificate.jks", "keystore_format"), ("certificate.type", None)])
def test_an_exception_inside_a_touched_certificate_check_is_error(pki, monkeypatch, check_id, target):
    def boom(*_args, **_kwargs):
        raise RuntimeError("injected")

    if target:
        monkeypatch.setattr(certs, target, boom)
    else:
        monkeypatch.setattr(cc.identity, "key_refusal", boom)
    result = run(ctx_for(keystore(pki), pki["test_issuers"]))[check_id]
    assert result["status"] == "error" and "injected" in result["message"]
