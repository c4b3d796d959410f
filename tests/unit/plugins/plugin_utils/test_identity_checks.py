"""The identity.* checks: each answer of the probe judged, and every way of failing to reach a verdict is error."""

import datetime

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import identity
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import identity_checks as ic
from tests.helpers import seid_test_ca as ca

ORGNR = "991825827"
PASSWORD = "Pw-identity-checks"
DAY = datetime.timedelta(days=1)


@pytest.fixture(scope="module")
def pki():
    root = ca.make_root()
    inter = ca.make_intermediate(root)
    key, leaf = ca.make_leaf(inter, orgnr=ORGNR, key_type="rsa")
    _k2, other = ca.make_leaf(inter, orgnr=ORGNR, key_type="rsa")
    _k3, expired = ca.make_leaf(inter, orgnr=ORGNR, not_before=ca.NOW - 400 * DAY, not_after=ca.NOW - DAY)
    return {"leaf": leaf, "key": key, "other": other, "expired": expired, "p12": ca.p12(key, leaf, PASSWORD)}


def pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM).decode()


PLAN = {
    "enabled": True,
    "refusal": None,
    "client_id": "MOVE_IP_" + ORGNR,
    "org_number": ORGNR,
    "scopes": ["eformidling:dpo"],
    "token_url": "https://test.maskinporten.no/token",
    "audience": "https://test.maskinporten.no/",
    "service_registry_url": "https://test.eformidling.no/adressetjeneste",
}
TOKEN_OK = {"step": "token", "outcome": "ok", "http_status": 200, "scope": "eformidling:dpo", "route": "direct"}


def ctx(pki, probe, services=("DPO",), plan=None, errors=None):
    return {
        "identity": dict(PLAN, **(plan or {})),
        "identity_probe": probe,
        "errors": errors or {},
        "settings": {"services": list(services)},
        "keystore": {
            "available": True,
            "path": "/k.p12",
            "data": pki["p12"],
            "password": PASSWORD,
            "alias": "virksomhet",
        },
        "thresholds": {"cert_warn_days": 30},
    }


def judge(context):
    out = {}
    for cls in ic.IDENTITY_CHECKS:
        result = cls().run(context)
        assert PASSWORD not in repr(result)
        out[result["id"]] = result
    return out


def registered(cert):
    return {"step": "virksert", "outcome": "ok", "http_status": 200, "body": pem(cert), "route": "direct"}


def test_opt_in_off_and_refusals_before_the_probe(pki):
    res = judge(ctx(pki, None, plan={"enabled": False}))
    assert {r["status"] for r in res.values()} == {"info"} and "opt-in" in res["identity.grant"]["message"]
    res = judge(ctx(pki, None, plan={"refusal": ("fail", "the key is EC", "use RSA")}))
    assert res["identity.grant"]["status"] == "fail" and res["identity.grant"]["fix"] == "use RSA"
    res = judge(ctx(pki, None, plan={"refusal": ("error", "no verdict: PyJWT is not installed", identity.PYJWT_FIX)}))
    assert res["identity.virksert"]["status"] == "error"


def test_the_whole_chain_passes(pki):
    res = judge(ctx(pki, {"token": TOKEN_OK, "virksert": registered(pki["leaf"]), "jwk": None}))
    assert res["identity.grant"]["status"] == "pass", res
    assert res["identity.virksert"]["status"] == "pass", res
    assert identity.serial_hex(pki["leaf"].serial_number) in res["identity.virksert"]["measured"]


@pytest.mark.parametrize(
    ("error", "description", "meaning"),
    [
        (
            "invalid_client",
            "Client authentication failed. Client not found: MOVE_IP_991825827",
            "is not registered in this Maskinporten environment",
        ),
        ("invalid_scope", "Token request contains invalid scopes for client", "is not granted the scope"),
        ("invalid_grant", "The JWT is signed with an invalid certificate.", "certificate is not accepted"),
        ("invalid_grant", "Issue time is after now", "clock"),
    ],
)
def test_each_rejection_of_the_grant_fails_with_its_meaning(pki, error, description, meaning):
    token = {"step": "token", "outcome": "http", "http_status": 400, "error": error, "error_description": description}
    res = judge(ctx(pki, {"token": token, "virksert": {"outcome": "skipped"}, "jwk": None}))
    assert res["identity.grant"]["status"] == "fail"
    assert meaning in res["identity.grant"]["message"] and description in res["identity.grant"]["measured"]
    assert res["identity.virksert"]["status"] == "unknown"  # nothing to compare without a token


def test_an_unreachable_maskinporten_is_unknown_and_a_crashed_step_is_error(pki):
    token = {"step": "token", "outcome": "network", "error": "timed out"}
    res = judge(ctx(pki, {"token": token, "virksert": {"outcome": "skipped"}, "jwk": None}))
    assert res["identity.grant"]["status"] == "unknown" and "connectivity.maskinporten" in res["identity.grant"]["fix"]
    token = {"step": "token", "outcome": "error", "error": "internal error: KeyError: x", "exception": "Traceback..."}
    res = judge(ctx(pki, {"token": token, "virksert": {"outcome": "skipped"}, "jwk": None}))
    assert res["identity.grant"]["status"] == "error" and res["identity.grant"]["exception"] == "Traceback..."


def test_a_probe_that_crashed_or_returned_nothing_is_error(pki):
    res = judge(ctx(pki, None, errors={"identity": {"message": "collecting identity failed: boom", "exception": "tb"}}))
    assert {r["status"] for r in res.values()} == {"error"}
    res = judge(ctx(pki, None))
    assert {r["status"] for r in res.values()} == {"error"}


@pytest.mark.parametrize(("services", "status"), [(("DPO",), "fail"), (("DPE", "DPV"), "fail"), (("DPV",), "warn")])
def test_no_directory_entry_fails_with_dpo_or_dpe_and_warns_otherwise(pki, services, status):
    missing = {"step": "virksert", "outcome": "http", "http_status": 404, "body": "{}"}
    res = judge(ctx(pki, {"token": TOKEN_OK, "virksert": missing, "jwk": None}, services=services))
    assert res["identity.virksert"]["status"] == status
    assert "servicedesk@digdir.no" in res["identity.virksert"]["fix"]


def test_another_or_an_expired_certificate_in_the_directory_fails(pki):
    res = judge(ctx(pki, {"token": TOKEN_OK, "virksert": registered(pki["other"]), "jwk": None}))
    assert res["identity.virksert"]["status"] == "fail"
    assert identity.serial_hex(pki["other"].serial_number) in res["identity.virksert"]["message"]
    # Same serial, but expired in the directory (the integrasjonspunkt checks that one's validity too).
    res_ctx = ctx(pki, {"token": TOKEN_OK, "virksert": registered(pki["leaf"]), "jwk": None})
    res_ctx["now"] = pki["leaf"].not_valid_after_utc + DAY
    assert judge(res_ctx)["identity.virksert"]["status"] == "fail"


def _signed(cert, key):
    return jwt.api_jws.PyJWS().encode(pem(cert).encode(), key, algorithm="RS256", headers={"kid": "k"})


def _jwks(key):
    import json  # noqa: PLC0415

    doc = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    doc["kid"] = "k"
    return json.dumps({"keys": [doc]})


def test_a_signed_answer_must_verify(pki):
    signer = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    answer = dict(registered(pki["leaf"]), body=_signed(pki["leaf"], signer))
    good = {"step": "jwk", "outcome": "ok", "http_status": 200, "body": _jwks(signer)}
    res = judge(ctx(pki, {"token": TOKEN_OK, "virksert": answer, "jwk": good}))
    assert res["identity.virksert"]["status"] == "pass"
    impostor = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    bad = dict(good, body=_jwks(impostor))
    res = judge(ctx(pki, {"token": TOKEN_OK, "virksert": answer, "jwk": bad}))
    assert res["identity.virksert"]["status"] == "fail" and "does not verify" in res["identity.virksert"]["message"]
    unread = {"step": "jwk", "outcome": "network", "error": "timed out"}
    res = judge(ctx(pki, {"token": TOKEN_OK, "virksert": answer, "jwk": unread}))
    assert res["identity.virksert"]["status"] == "fail"
    assert "JWK set could not be read" in res["identity.virksert"]["message"]


def test_the_token_is_refused_by_the_registry(pki):
    refused = {"step": "virksert", "outcome": "http", "http_status": 401, "body": "{}"}
    res = judge(ctx(pki, {"token": TOKEN_OK, "virksert": refused, "jwk": None}))
    assert res["identity.virksert"]["status"] == "fail"
    assert "refused the Maskinporten token" in res["identity.virksert"]["message"]


def test_a_check_that_raises_is_error_never_pass(pki, monkeypatch):
    def boom(*_a, **_k):
        raise RuntimeError("injected")

    monkeypatch.setattr(identity, "registry_certificate", boom)
    monkeypatch.setattr(identity, "explain_token_error", boom)
    res = judge(ctx(pki, {"token": TOKEN_OK, "virksert": registered(pki["leaf"]), "jwk": None}))
    assert res["identity.virksert"]["status"] == "error" and "injected" in res["identity.virksert"]["message"]
    token = {"step": "token", "outcome": "http", "http_status": 400, "error": "invalid_grant"}
    res = judge(ctx(pki, {"token": token, "virksert": {"outcome": "skipped"}, "jwk": None}))
    assert res["identity.grant"]["status"] == "error"
