# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""certificate.* outcomes for the survivors of mutation round 4 (certificate_checks.py measured again): the
fractional days of an expired certificate, every validity outcome whole, a CA or keyUsage-less certificate, an
issuer known only through the keystore's chain, and the fixes an operator reads when the keystore cannot be read,
when keytool is missing and when the PKCS12 key has its own password."""

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import certificate_checks as cc
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import certificates as certs
from tests.helpers import seid_test_ca as ca
from tests.unit.plugins.plugin_utils.test_certificate_checks_pinned import REQUIRED_TYPE, WHERE
from tests.unit.plugins.plugin_utils.test_certificates_checks import ORGNR, PASSWORD, ctx_for, keystore, make_pki, run

NOW, DAY = ca.NOW, ca.DAY  # the test CA's clock: its certificates' times are set from it
FIX_AUTH = (
    "Use the authentication part of the virksomhetssertifikat: Buypass's 'autentisering og kryptering'"
    " file, Commfides's 'auth' file (Key Usage = Digital Signature)."
)


@pytest.fixture(scope="module", name="pki")
def pki_fixture():
    return make_pki()


def at_now(ctx):
    ctx["now"] = NOW  # days_left exact to the second of the certificate
    return ctx


def whole(result):
    return tuple(result[k] for k in ("status", "measured", "required", "unit"))


def test_a_keystore_read_without_a_path_is_judged_not_skipped(pki):
    # Available data but no path (read elsewhere): configured, so judged; "not configured" needs neither.
    results = run(ctx_for(keystore(pki), pki["test_issuers"], path=""))
    assert results["certificate.keystore"]["status"] == "pass"
    assert results["certificate.type"]["status"] == "pass"


def test_an_expired_certificate_counts_started_days_ago_whole(pki):
    # 1.5 days ago is "2 days ago", measured -2: rounded away from zero, never towards it.
    data = keystore(pki, not_before=NOW - 300 * DAY, not_after=NOW - 1.5 * DAY)
    result = run(at_now(ctx_for(data, pki["test_issuers"])))["certificate.validity"]
    assert whole(result) == ("fail", -2, ">= 30 days left", "days")
    assert result["message"].startswith("expired on ")
    assert result["message"].endswith("(2 days ago): the integrasjonspunkt refuses to start")
    assert result["fix"].startswith("Order a new virksomhetssertifikat (Buypass or Commfides)")
    assert result["fix"].endswith(cc.RENEWAL_HINT)


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (2, 400, ("fail", 399, ">= 30 days left", "days")),
        (-300, 10.5, ("warn", 10, ">= 30 days left", "days")),
        (-300, 31.5, ("pass", 31, ">= 30 days left", "days")),
    ],
)
def test_every_validity_outcome_carries_days_and_the_requirement(pki, before, after, expected):
    data = keystore(pki, not_before=NOW + before * DAY, not_after=NOW + after * DAY)
    result = run(at_now(ctx_for(data, pki["test_issuers"])))["certificate.validity"]
    assert whole(result) == expected


def test_a_ca_certificate_under_the_alias_fails_as_a_ca(pki):
    data = ca.p12(pki["inter"].key, pki["inter"].cert, PASSWORD, "virksomhet", [pki["root"].cert])
    result = run(ctx_for(data, pki["test_issuers"]))["certificate.type"]
    assert result["status"] == "fail"
    assert result["measured"] == "ECPublicKey; keyUsage crl_sign, key_cert_sign; policies none"  # the test CA's
    assert result["required"] == REQUIRED_TYPE
    assert result["message"] == "the certificate is a CA certificate, not an enterprise certificate"
    assert result["fix"] == FIX_AUTH


def test_a_certificate_without_key_usage_fails_naming_it(pki):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "NO"),
            x509.NameAttribute(ca.ORG_ID, "NTRNO-%s" % ORGNR),
            x509.NameAttribute(NameOID.COMMON_NAME, "TESTETATEN TEST"),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(pki["inter"].subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - 30 * DAY)
        .not_valid_after(NOW + 700 * DAY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.CertificatePolicies([x509.PolicyInformation(x509.ObjectIdentifier(ca.BUYPASS_SEID2_POLICY), None)]),
            critical=False,
        )
        .sign(pki["inter"].key, hashes.SHA256())
    )
    result = run(ctx_for(ca.p12(key, cert, PASSWORD, "virksomhet", [pki["inter"].cert]), pki["test_issuers"]))
    assert whole(result["certificate.type"]) == (
        "fail", "RSAPublicKey; keyUsage absent; policies %s" % ca.BUYPASS_SEID2_POLICY, REQUIRED_TYPE, None
    )  # fmt: skip
    assert result["certificate.type"]["message"] == (
        "the certificate is no keyUsage extension; the authentication part has digitalSignature"
    )
    assert result["certificate.type"]["fix"] == FIX_AUTH


def test_an_issuer_known_only_through_the_keystores_chain_gives_the_roots_environment(pki):
    # The issuer data knows the root but not the intermediate: the environment comes from the chain the keystore
    # carries up to that root (certificate_environment's second way).
    issuers = ca.issuers_with(pki["real"], pki["root"], environment="test")
    result = run(ctx_for(keystore(pki), issuers))["certificate.environment"]
    assert whole(result) == ("pass", "test", "test", None)
    assert result["message"] == "issued under Buypass Class 3 Test4 Root CA G2 ST (test)"


def test_an_unreadable_keystore_reads_right_in_both_keystore_checks(pki):
    ctx = ctx_for(None, pki["test_issuers"], reason="cannot read /secure/ip/keystore.p12: No such file")
    results = run(ctx)
    assert whole(results["certificate.keystore"]) == (
        "fail",
        "not readable",
        "opens with integrasjonspunkt_keystore_password; alias is a private key; key password = store password",
        None,
    )
    assert results["certificate.keystore"]["fix"] == (
        "Give the path of the PKCS12 (or JKS) keystore holding the enterprise certificate, readable where it is read"
        " from (the controller, or the host with integrasjonspunkt_keystore_remote_src)."
    )
    assert whole(results["certificate.jks"]) == ("unknown", "not read", "PKCS12", None)
    assert results["certificate.jks"]["message"] == "%s: cannot read /secure/ip/keystore.p12: No such file" % WHERE


def test_jks_without_keytool_names_the_conversion_of_this_file(pki, monkeypatch):
    key, leaf = ca.make_leaf(pki["inter"], orgnr=ORGNR)
    monkeypatch.setattr(certs, "find_keytool", lambda environ=None: None)
    result = run(ctx_for(ca.jks(key, leaf, PASSWORD), pki["test_issuers"], kind="JKS"))["certificate.keystore"]
    assert result["fix"] == (
        "Install a Java (keytool) on the controller, or convert the keystore: %s"
        % certs.conversion_command("/secure/ip/keystore.p12", "virksomhet")
    )
    assert "-srckeystore /secure/ip/keystore.p12" in result["fix"]


def test_a_pkcs12_key_with_its_own_password_names_the_alias(pki):
    key, leaf = ca.make_leaf(pki["inter"], orgnr=ORGNR)
    data = ca.p12_two_passwords(key, leaf, PASSWORD, "another-key-password")
    result = run(ctx_for(data, pki["test_issuers"]))["certificate.keystore"]
    assert result["message"] == (
        "the private key 'virksomhet' in %s is protected by a password other than the store password; the"
        " integrasjonspunkt uses one password for both" % WHERE
    )
    assert result["fix"] == (
        "Re-export the PKCS12 with one password, or for JKS: keytool -keypasswd -alias virksomhet -keystore <file>"
        " (keytool asks for the passwords)."
    )


def test_a_jks_key_with_its_own_password_names_the_alias(pki):
    # keytool still reads the certificate here, so this is the check's last key-password branch, not the PKCS12 one.
    key, leaf = ca.make_leaf(pki["inter"], orgnr=ORGNR)
    data = ca.jks(key, leaf, PASSWORD, "virksomhet", [pki["inter"].cert], key_password="another-key-password")
    result = run(ctx_for(data, pki["test_issuers"], kind="JKS"))["certificate.keystore"]
    assert result["measured"] == "key password differs"
    assert result["message"].startswith("the private key 'virksomhet' in ")
    assert "-alias virksomhet -keystore <file>" in result["fix"]


def test_an_esegl_certificate_is_measured_like_any_other(pki):
    result = run(ctx_for(keystore(pki, policy="0.4.0.194112.1.1"), pki["test_issuers"]))["certificate.type"]
    assert whole(result) == (
        "fail", "RSAPublicKey; keyUsage digital_signature, key_encipherment; policies 0.4.0.194112.1.1",
        REQUIRED_TYPE, None,
    )  # fmt: skip
    assert result["message"].startswith("the certificate is ")
    assert "eSegl" in result["message"] and "(policy 0.4.0.194112.1.1)" in result["message"]
