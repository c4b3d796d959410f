"""The identity probe's controller side: scopes, URLs, the signed grant, the key, and Maskinporten's answers."""

import base64
import datetime
import json

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import identity
from tests.helpers import seid_test_ca as ca

ORGNR = "991825827"
PASSWORD = "Pw-identity-4711"


@pytest.fixture(scope="module")
def pki():
    root = ca.make_root()
    inter = ca.make_intermediate(root)
    key, leaf = ca.make_leaf(inter, orgnr=ORGNR, key_type="rsa")
    return {"root": root, "inter": inter, "key": key, "leaf": leaf}


def test_the_scopes_follow_the_integrasjonspunkts_own_order_and_dpi_adds_its_eight():
    data = identity.load()
    assert identity.scopes_for(["DPV", "DPO"], data) == ["eformidling:dpo", "eformidling:dpv"]
    dpi = identity.scopes_for(["DPI"], data)
    assert dpi[:2] == ["eformidling:dpi", "digitalpostinnbygger:send"] and len(dpi) == 8
    assert identity.scopes_for(["DPFIO"], data) == []  # FIKS IO asks Maskinporten for nothing here
    assert identity.scopes_for(["dpe", "DPH", "DPF"], data) == ["eformidling:dpe", "eformidling:dpf", "eformidling:dph"]


def test_the_urls_are_the_profiles_and_overrides_are_checked():
    data = identity.load()
    prod = identity.endpoints("production", data)
    assert prod == {
        "token_url": "https://maskinporten.no/token",
        "audience": "https://maskinporten.no/",
        "service_registry_url": "https://eformidling.no/adressetjeneste",
    }
    test = identity.endpoints("test", data, {"service_registry_url": "https://sr.example/adressetjeneste/"})
    assert test["token_url"] == "https://test.maskinporten.no/token"
    assert test["service_registry_url"] == "https://sr.example/adressetjeneste"
    with pytest.raises(ValueError, match="preflight_identity_endpoints has the key 'token'"):
        identity.endpoints("test", data, {"token": "https://x/"})
    with pytest.raises(ValueError, match=r"preflight_identity_endpoints.token_url='http://x/token' .*https://"):
        identity.endpoints("test", data, {"token_url": "http://x/token"})
    assert identity.client_id(ORGNR, data) == "MOVE_IP_991825827"


def test_the_grant_is_what_maskinporten_expects_and_verifies_with_the_certificates_key(pki):
    now = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=datetime.timezone.utc)
    grant = identity.make_grant(
        pki["key"],
        pki["leaf"],
        [pki["inter"].cert, pki["leaf"]],
        "MOVE_IP_" + ORGNR,
        "https://test.maskinporten.no/",
        ["eformidling:dpo", "eformidling:dpv"],
        now=now,
    )
    header = jwt.get_unverified_header(grant)
    assert header["alg"] == "RS256"
    der = [base64.b64decode(c) for c in header["x5c"]]
    want = [c.public_bytes(serialization.Encoding.DER) for c in (pki["leaf"], pki["inter"].cert)]
    assert der == want
    claims = jwt.decode(
        grant, key=pki["leaf"].public_key(), algorithms=["RS256"], audience="https://test.maskinporten.no/",
        options={"verify_exp": False, "verify_iat": False},
    )  # fmt: skip
    assert claims["iss"] == "MOVE_IP_991825827"
    assert claims["scope"] == "eformidling:dpo eformidling:dpv"
    assert claims["iat"] == int(now.timestamp()) and claims["exp"] - claims["iat"] == 120
    assert (
        claims["jti"]
        and claims["jti"]
        != jwt.decode(
            identity.make_grant(pki["key"], pki["leaf"], [], "c", "a", ["s"]), options={"verify_signature": False}
        )["jti"]
    )
    # Signed by the keystore's key, not any key: another key's public half does not verify it.
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(jwt.exceptions.InvalidSignatureError):
        options = {"verify_aud": False, "verify_exp": False}
        jwt.decode(grant, key=other.public_key(), algorithms=["RS256"], options=options)


def _keystore(data, password=PASSWORD):
    return {"data": data, "password": password, "alias": "virksomhet"}


def test_the_private_key_comes_from_pkcs12_and_jks_and_a_wrong_password_is_refused(pki):
    want = pki["key"].public_key().public_numbers()
    p12 = ca.p12(pki["key"], pki["leaf"], PASSWORD, chain=[pki["inter"].cert])
    assert identity.private_key(_keystore(p12)).public_key().public_numbers() == want
    jks = ca.jks(pki["key"], pki["leaf"], PASSWORD, chain=[pki["inter"].cert])
    assert identity.private_key(_keystore(jks)).public_key().public_numbers() == want
    with pytest.raises(ValueError, match="does not open"):
        identity.private_key(_keystore(p12, "wrong"))
    with pytest.raises(ValueError) as info:
        identity.private_key(_keystore(jks, "wrong-" + PASSWORD))
    assert PASSWORD not in str(info.value)
    with pytest.raises(ValueError, match="neither PKCS12 nor JKS"):
        identity.private_key(_keystore(b"not a keystore"))


def test_an_ec_key_cannot_sign_rs256(pki):
    ec_key, _cert = ca.make_leaf(pki["inter"], orgnr=ORGNR, key_type="ec")
    assert "only RS256" in identity.key_refusal(ec_key)
    assert identity.key_refusal(pki["key"]) is None


@pytest.mark.parametrize(
    ("error", "description", "meaning"),
    [
        ("invalid_client", "Client authentication failed. Client not found: MOVE_IP_1", "client is unknown"),
        ("invalid_grant", "Invalid assertion. Client authentication failed. Invalid JWT claim aud", "audience"),
        ("invalid_grant", "The JWT is signed with an invalid certificate.", "certificate is not accepted"),
        ("invalid_grant", "Issue time is after now", "clock"),
        ("invalid_grant", "JWT is expired", "clock"),
        ("invalid_scope", "Token request contains invalid scopes for client", "scope is not granted"),
        ("server_error", "oops", "refused the grant"),
    ],
)
def test_maskinportens_errors_are_explained(error, description, meaning):
    explained, fix = identity.explain_token_error(error, description)
    assert meaning in explained and fix


def _jwks(key, kid="k1"):
    doc = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    doc["kid"] = kid
    return json.dumps({"keys": [doc]})


def test_a_signed_directory_answer_is_verified_against_the_registrys_keys(pki):
    pem = pki["leaf"].public_bytes(serialization.Encoding.PEM).decode()
    assert identity.registry_certificate(pem, None) == (pem.strip(), "plain PEM answer")
    signer = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jws = jwt.api_jws.PyJWS().encode(pem.encode(), signer, algorithm="RS256", headers={"kid": "k1"})
    text, how = identity.registry_certificate(jws, _jwks(signer))
    assert text == pem and "verified" in how
    impostor = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(ValueError, match="does not verify"):
        identity.registry_certificate(jws, _jwks(impostor))
    with pytest.raises(ValueError, match="JWK set could not be read"):
        identity.registry_certificate(jws, None)
    with pytest.raises(ValueError, match="cannot be verified"):
        identity.registry_certificate(jws, "{not json")
