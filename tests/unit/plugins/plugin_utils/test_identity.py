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
        "MOVE_IP_" + ORGNR,
        "https://test.maskinporten.no/",
        ["eformidling:dpo", "eformidling:dpv"],
        now=now,
    )
    # As the integrasjonspunkt's header (efm-common JwtHeaderAndSignerFactory): alg and the leaf alone, no typ.
    header = jwt.get_unverified_header(grant)
    assert header == {
        "alg": "RS256",
        "x5c": [base64.b64encode(pki["leaf"].public_bytes(serialization.Encoding.DER)).decode()],
    }
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
            identity.make_grant(pki["key"], pki["leaf"], "c", "a", ["s"]), options={"verify_signature": False}
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
        (
            "invalid_client",
            "Client authentication failed. Client not found: MOVE_IP_1",
            "is not registered in this Maskinporten environment",
        ),
        ("invalid_grant", "Invalid assertion. Client authentication failed. Invalid JWT claim aud", "audience"),
        ("invalid_grant", "The JWT is signed with an invalid certificate.", "certificate is not accepted"),
        ("invalid_grant", "Issue time is after now", "clock"),
        ("invalid_grant", "JWT is expired", "clock"),
        ("invalid_scope", "Token request contains invalid scopes for client", "is not granted the scope"),
        ("server_error", "oops", "refused the grant"),
    ],
)
def test_maskinportens_errors_are_explained(error, description, meaning):
    explained, fix = identity.explain_token_error(error, description)
    assert meaning in explained and fix


# Digdir's own forms (docs.digdir.no "Feilsøking i Maskinporten": MP-100 .. MP-121 in error_description).
@pytest.mark.parametrize(
    "description",
    [
        "MP-100: Invalid assertion. Client authentication failed.",
        "Invalid assertion. Client authentication failed. (MP-100)",
        "Invalid assertion. Client authentication failed.",
    ],
)
def test_digdirs_unknown_client_names_the_client_and_how_to_get_it_registered(description):
    explained, fix = identity.explain_token_error(
        "invalid_grant", description, "MOVE_IP_991825827", ["eformidling:dpo"]
    )
    assert explained == "the client MOVE_IP_991825827 is not registered in this Maskinporten environment"
    assert "MOVE_IP_991825827 is created when Digdir onboards the organisation" in fix
    assert "servicedesk@digdir.no" in fix
    assert "https://docs.digdir.no/docs/eFormidling/installasjon/forberede_installasjon#bestille-tilganger" in fix
    assert "integrasjonspunkt_environment" in fix


@pytest.mark.parametrize(
    ("description", "meaning"),
    [
        ("MP-110: Invalid assertion. Client authentication failed. Invalid JWT claim aud", "audience"),
        ("MP-120: Invalid assertion. Client authentication failed. The JWT is signed with an invalid certificate.",
         "certificate is not accepted"),
        ("MP-121: Invalid assertion. Client authentication failed. Expired key", "certificate is not accepted"),
    ],
)  # fmt: skip
def test_the_other_mp_codes_are_not_taken_for_an_unknown_client(description, meaning):
    explained, _fix = identity.explain_token_error("invalid_grant", description, "MOVE_IP_1", ["s:a"])
    assert meaning in explained


def test_a_refused_scope_is_named_rather_than_the_whole_list():
    requested = ["eformidling:dpo", "eformidling:dpv", "eformidling:dpi"]
    explained, fix = identity.explain_token_error(
        "invalid_scope", "Token request contains invalid scopes for client: eformidling:dpi", "MOVE_IP_1", requested
    )
    assert explained == "MOVE_IP_1 is not granted the scope eformidling:dpi"
    assert "grant MOVE_IP_1 the scope eformidling:dpi" in fix and "eformidling:dpo" not in fix
    # When Maskinporten does not name it, the requested scopes are listed.
    explained, _fix = identity.explain_token_error(
        "invalid_scope", "Token request contains invalid scopes for client", "MOVE_IP_1", requested[:2]
    )
    assert explained == "MOVE_IP_1 is not granted the scopes eformidling:dpo eformidling:dpv"
    assert identity.refused_scopes("see https://docs.digdir.no/x for client: a:b", []) == ["a:b"]


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
