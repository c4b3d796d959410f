# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""certificate.* outcomes pinned whole (status, measured, required, unit, message, fix) on certificates from the
test CA: what an operator reads in the report. Written for mutation round 3's survivors of certificate_checks.py.
certificate.validity is pinned in test_certificates_checks.py (its messages name the renewal playbook)."""

import pytest

from tests.helpers import seid_test_ca as ca
from tests.unit.plugins.plugin_utils.test_certificates_checks import ORGNR, PASSWORD, ctx_for, keystore, make_pki, run

WRONG_ORG = "910076787"


@pytest.fixture(scope="module", name="pki")
def pki_fixture():
    return make_pki()


WHERE = "integrasjonspunkt_keystore_src='/secure/ip/keystore.p12'"
REQUIRED_TYPE = (
    "an RSA key (RS256); keyUsage digitalSignature without nonRepudiation; a SEID v1/v2 enterprise policy OID"
)
LEAF = "CN=TESTETATEN TEST,O=TESTETATEN,2.5.4.97=NTRNO-%s,C=NO" % ORGNR
INTER = "CN=Buypass Class 3 Test4 CA G2 ST Business,O=Buypass AS,2.5.4.97=NTRNO-983163327,C=NO"
ROOT = "CN=Buypass Class 3 Test4 Root CA G2 ST,O=Buypass AS,2.5.4.97=NTRNO-983163327,C=NO"


def whole(result):
    return tuple(result[k] for k in ("status", "measured", "required", "unit", "message", "fix"))


def test_a_good_keystore_reads_right_in_every_pinned_check(pki):
    r = run(ctx_for(keystore(pki), pki["test_issuers"]))
    assert whole(r["certificate.keystore"]) == (
        "pass", "opens; alias 'virksomhet' is a private key; key password = store password",
        "opens with integrasjonspunkt_keystore_password; alias is a private key; key password = store password",
        None, "%s (PKCS12) opens, and alias 'virksomhet' holds the private key and certificate" % WHERE, None,
    )  # fmt: skip
    assert whole(r["certificate.type"]) == (
        "pass", "RSAPublicKey; keyUsage digital_signature, key_encipherment; policies 2.16.578.1.26.1.3.5",
        REQUIRED_TYPE, None,
        "authentication certificate; policy 2.16.578.1.26.1.3.5 (Buypass, SEID unverified (1 or 2))", None,
    )  # fmt: skip
    assert whole(r["certificate.org_number"]) == (
        "pass", ORGNR, ORGNR, None, "issued to %s (organizationIdentifier)" % ORGNR, None
    )  # fmt: skip
    assert whole(r["certificate.environment"]) == (
        "pass", "test", "test", None, "issued under Buypass Class 3 Test4 CA G2 ST Business (test)", None
    )  # fmt: skip
    assert whole(r["certificate.chain"]) == (
        "pass", " -> ".join([LEAF, INTER, ROOT]), "complete to a known SEID root", None,
        "complete to Buypass Class 3 Test4 Root CA G2 ST (test): 2 of 3 certificates from the keystore, the rest"
        " from the known issuer data",
        None,
    )  # fmt: skip
    assert whole(r["certificate.jks"]) == (
        "pass", "PKCS12", "PKCS12", None, "%s is a PKCS12 keystore" % WHERE, None
    )  # fmt: skip


def test_a_chain_without_the_intermediate_counts_what_the_keystore_holds(pki):
    r = run(ctx_for(keystore(pki, chain=False), pki["test_issuers"]))
    assert r["certificate.chain"]["message"].startswith(
        "complete to Buypass Class 3 Test4 Root CA G2 ST (test): 1 of 3"
    )


def test_an_unknown_issuer_fails_the_chain_and_leaves_the_environment_unknown(pki):
    r = run(ctx_for(keystore(pki, chain=False), pki["real"]))
    assert whole(r["certificate.chain"]) == (
        "fail", LEAF, "complete to a known SEID root", None,
        "incomplete: the issuer %s is neither in the keystore nor a known SEID CA" % INTER,
        "Import the issuer's CA certificates into the keystore, or use a virksomhetssertifikat from Buypass or"
        " Commfides.",
    )  # fmt: skip
    assert whole(r["certificate.environment"]) == (
        "unknown", None, "test", None,
        "issuer %s is not a known SEID issuer, so its environment is not known (see certificate.chain)" % INTER,
        "Use a virksomhetssertifikat from Buypass or Commfides for test.",
    )  # fmt: skip


def test_a_test_certificate_in_production_fails_naming_both(pki):
    r = run(ctx_for(keystore(pki), pki["test_issuers"], environment="production"))
    assert whole(r["certificate.environment"]) == (
        "fail", "test", "production", None,
        "a test certificate for integrasjonspunkt_environment=production: issued under Buypass Class 3 Test4 CA G2"
        " ST Business (test)",
        "Use a production virksomhetssertifikat for production; test and production certificates are not"
        " interchangeable.",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("org_number", "expected"),
    [
        (WRONG_ORG, (
            "fail", ORGNR, WRONG_ORG, None,
            "the certificate is issued to %s (organizationIdentifier), integrasjonspunkt_org_number is %s"
            % (ORGNR, WRONG_ORG),
            "Use the virksomhetssertifikat of organisation %s, or correct integrasjonspunkt_org_number." % WRONG_ORG,
        )),
        ("", (
            "unknown", ORGNR, None, None,
            "integrasjonspunkt_org_number is not set; the certificate says %s" % ORGNR,
            "Set integrasjonspunkt_org_number.",
        )),
    ],
)  # fmt: skip
def test_the_org_number_against_the_setting(pki, org_number, expected):
    assert whole(run(ctx_for(keystore(pki), pki["test_issuers"], org_number=org_number))["certificate.org_number"]) == (
        expected
    )


def test_a_certificate_without_a_seid_policy_fails_with_the_issuer_data_fix(pki):
    r = run(ctx_for(keystore(pki, policy=None), pki["test_issuers"]))
    assert whole(r["certificate.type"]) == (
        "fail", "RSAPublicKey; keyUsage digital_signature, key_encipherment; policies none", REQUIRED_TYPE, None,
        "the certificate is without a SEID v1/v2 enterprise certificate policy (known: data/certificate_issuers.yml)",
        "Use a virksomhetssertifikat from Buypass or Commfides (SEID v1/v2). If your issuer is new, add its policy OID"
        " with a source to data/certificate_issuers.yml.",
    )  # fmt: skip


REQUIRED_KEYSTORE = (
    "opens with integrasjonspunkt_keystore_password; alias is a private key; key password = store password"
)


def test_a_wrong_password_fails_naming_the_variable_not_the_value(pki):
    r = run(ctx_for(keystore(pki), pki["test_issuers"], password="nope"))
    assert whole(r["certificate.keystore"]) == (
        "fail", "does not open", REQUIRED_KEYSTORE, None,
        "integrasjonspunkt_keystore_password (value hidden) does not open the keystore %s: the password does not"
        " open the keystore (wrong password, or not a PKCS12 file)" % WHERE,
        "Set integrasjonspunkt_keystore_password to the keystore's store password.",
    )  # fmt: skip


def test_a_missing_alias_lists_the_entries(pki):
    r = run(ctx_for(keystore(pki), pki["test_issuers"], alias="feil-alias"))
    assert whole(r["certificate.keystore"]) == (
        "fail", "alias missing", REQUIRED_KEYSTORE, None,
        "integrasjonspunkt_keystore_alias='feil-alias' is not in %s; entries found: virksomhet" % WHERE,
        "Set integrasjonspunkt_keystore_alias to the private-key entry's alias (one of: virksomhet).",
    )  # fmt: skip


def test_bytes_that_are_no_keystore_fail_both_checks_pointing_at_the_file(pki):
    r = run(ctx_for(b"\x01\x02garbage-bytes", pki["test_issuers"]))
    fix = "Point integrasjonspunkt_keystore_src at the PKCS12 file (.p12) of the enterprise certificate."
    assert whole(r["certificate.keystore"]) == (
        "fail", "not a keystore", REQUIRED_KEYSTORE, None,
        "%s cannot be opened: the file is neither a PKCS12 nor a JKS keystore" % WHERE, fix,
    )  # fmt: skip
    assert whole(r["certificate.jks"]) == (
        "fail", "not a keystore", "PKCS12", None,
        "%s is not a keystore: neither PKCS12 (an ASN.1 SEQUENCE), JKS (0xFEEDFEED) nor JCEKS (0xCECECECE)" % WHERE,
        fix,
    )  # fmt: skip


def test_a_jceks_file_fails_with_the_conversion(pki):
    r = run(ctx_for(b"\xce\xce\xce\xce" + b"\x00" * 40, pki["test_issuers"], kind="JKS"))
    status, measured, required, _unit, message, fix = whole(r["certificate.jks"])
    assert (status, measured, required) == ("fail", "JCEKS", "PKCS12")
    assert message == (
        "%s is a JCEKS keystore, which the integrasjonspunkt does not open (it loads JKS or PKCS12)" % WHERE
    )
    assert fix.startswith(
        "Convert it: keytool -importkeystore -srckeystore /secure/ip/keystore.p12 -srcstoretype JCEKS"
    )
    assert r["certificate.keystore"]["measured"] == "not a keystore"


def test_a_jks_keystore_warns_with_the_conversion_and_a_declared_type_that_is_wrong_is_named(pki):
    key, leaf = ca.make_leaf(pki["inter"], orgnr=ORGNR)
    data = ca.jks(key, leaf, PASSWORD, "virksomhet", [pki["inter"].cert])
    r = run(ctx_for(data, pki["test_issuers"], kind="JKS", path="/secure/ip/keystore.jks"))
    status, measured, required, _unit, message, _fix = whole(r["certificate.jks"])
    assert (status, measured, required) == ("warn", "JKS", "PKCS12")
    assert message == (
        "integrasjonspunkt_keystore_src='/secure/ip/keystore.jks' is a JKS keystore; the integrasjonspunkt v4 logs a"
        " warning for JKS (SecureDefaultsLogger) and recommends PKCS12"
    )
    declared = run(ctx_for(keystore(pki), pki["test_issuers"], kind="JKS"))
    assert whole(declared["certificate.jks"]) == (
        "warn", "PKCS12", "PKCS12", None, "integrasjonspunkt_keystore_type=JKS, but the file is PKCS12",
        "Set integrasjonspunkt_keystore_type: PKCS12.",
    )  # fmt: skip
