"""The TLS keystore of its own (issue 20): the settings rules and preflight's certificate.tls."""

import ipaddress

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import checks, tls_checks
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import settings as model
from tests.helpers import seid_test_ca as ca

PASSWORD = "Tls-pw-seeded-4711"
NOW = ca.NOW
DAY = ca.DAY
SERVER = (ExtendedKeyUsageOID.SERVER_AUTH,)
CLIENT = [ExtendedKeyUsageOID.CLIENT_AUTH]


@pytest.fixture(scope="module")
def root():
    return ca.make_root()


def tls_leaf(root, names=("ip.example.no",), eku=SERVER, not_before=None, not_after=None):
    """(key, cert): a TLS server certificate; `eku` None leaves the extension out."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    sans = [
        x509.IPAddress(ipaddress.ip_address(n)) if model._is_ip(n) else x509.DNSName(n) for n in names
    ]  # fmt: skip
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ip.example.no")]))
        .issuer_name(root.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or NOW - DAY)
        .not_valid_after(not_after or NOW + 365 * DAY)
    )
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    if eku is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=False)
    return key, builder.sign(root.key, hashes.SHA256())


def ctx_for(root, password=PASSWORD, alias="https", names=("ip.example.no",), key_cert=None, **keystore):
    key, cert = key_cert or tls_leaf(root)
    tls = {
        "enabled": True,
        "available": True,
        "reason": "",
        "path": "/etc/ssl/https.p12",
        "type": "PKCS12",
        "data": ca.p12(key, cert, PASSWORD, alias="https"),
        "password": password,
        "alias": alias,
        "server_names": list(names),
        "names_from": "integrasjonspunkt_tls_server_names",
    }
    tls.update(keystore)
    return {"tls_keystore": tls, "thresholds": {"cert_warn_days": 30}, "now": NOW}


def judge(ctx):
    return tls_checks.TlsCheck().run(ctx)


# --- certificate.tls ---------------------------------------------------------------------------------


def test_a_server_certificate_for_the_names_passes(root):
    result = judge(ctx_for(root))
    assert result["status"] == "pass", result
    assert "ip.example.no" in result["message"] and "serverAuth" in result["measured"]


def test_no_extended_key_usage_allows_server_use(root):
    assert judge(ctx_for(root, key_cert=tls_leaf(root, eku=None)))["status"] == "pass"


def test_an_eku_without_server_auth_fails(root):
    result = judge(ctx_for(root, key_cert=tls_leaf(root, eku=CLIENT)))
    assert result["status"] == "fail" and "without serverAuth" in result["message"], result


def test_a_name_missing_from_the_san_fails_naming_it(root):
    result = judge(ctx_for(root, names=("ip.example.no", "ip2.example.no")))
    assert result["status"] == "fail"
    assert "ip2.example.no (integrasjonspunkt_tls_server_names) not in its subjectAltName" in result["message"]


def test_the_common_name_alone_is_not_enough(root):
    result = judge(ctx_for(root, key_cert=tls_leaf(root, names=())))
    assert result["status"] == "fail" and "subjectAltName (none)" in result["message"], result


def test_a_wildcard_covers_one_label_and_ips_match_ip_entries(root):
    leaf = tls_leaf(root, names=("*.example.no", "10.1.2.3"))
    assert judge(ctx_for(root, names=("ip.example.no", "10.1.2.3"), key_cert=leaf))["status"] == "pass"
    deep = judge(ctx_for(root, names=("a.ip.example.no",), key_cert=leaf))
    assert deep["status"] == "fail" and "a.ip.example.no" in deep["message"]
    other_ip = judge(ctx_for(root, names=("10.1.2.4",), key_cert=leaf))
    assert other_ip["status"] == "fail" and "10.1.2.4" in other_ip["message"]


def test_an_expired_certificate_fails(root):
    leaf = tls_leaf(root, not_before=NOW - 400 * DAY, not_after=NOW - 2 * DAY)
    result = judge(ctx_for(root, key_cert=leaf))
    assert result["status"] == "fail" and "expired on" in result["message"], result


def test_a_certificate_about_to_expire_warns_at_the_shared_threshold(root):
    leaf = tls_leaf(root, not_after=NOW + 10 * DAY)
    result = judge(ctx_for(root, key_cert=leaf))
    assert result["status"] == "warn" and "expires on" in result["message"], result
    ctx = ctx_for(root, key_cert=leaf)
    ctx["thresholds"]["cert_warn_days"] = 5
    assert judge(ctx)["status"] == "pass"


def test_a_wrong_password_fails_without_showing_it(root):
    result = judge(ctx_for(root, password="not-the-password"))
    assert result["status"] == "fail" and result["measured"] == "does not open", result
    assert "not-the-password" not in repr(result) and PASSWORD not in repr(result)


def test_a_missing_alias_fails_naming_the_entries(root):
    result = judge(ctx_for(root, alias="tls"))
    assert result["status"] == "fail" and "entries found: https" in result["message"], result


def test_an_unreadable_keystore_fails(root):
    result = judge(ctx_for(root, available=False, data=None, reason="no such file"))
    assert result["status"] == "fail" and "no such file" in result["message"], result


def test_a_file_that_is_no_keystore_never_passes(root):
    assert judge(ctx_for(root, data=b"not a keystore at all"))["status"] == "fail"


def test_an_inspection_that_crashes_is_an_error(root, monkeypatch):
    def crash(*_a, **_k):
        raise RuntimeError("injected")

    monkeypatch.setattr(tls_checks.certs, "inspect_keystore", crash)
    assert judge(ctx_for(root))["status"] == "error"


def test_the_keystore_is_opened_once_per_context(root, monkeypatch):
    ctx, calls = ctx_for(root), []
    real = tls_checks.certs.inspect_keystore
    monkeypatch.setattr(tls_checks.certs, "inspect_keystore", lambda *a, **k: calls.append(1) or real(*a, **k))
    judge(ctx)
    judge(ctx)
    assert len(calls) == 1


def test_without_a_tls_keystore_it_explains_the_enterprise_certificate_fallback():
    result = judge({"tls_keystore": {"enabled": True, "path": ""}, "thresholds": {"cert_warn_days": 30}})
    assert result["status"] == "info" and "pin it or turn off host-name checks" in result["message"]
    off = judge({"tls_keystore": {"enabled": False, "path": "/x.p12"}, "thresholds": {"cert_warn_days": 30}})
    assert off["status"] == "info" and "integrasjonspunkt_ssl_enabled=false" in off["message"]


def test_no_tls_settings_is_unknown_never_info():
    assert judge({"thresholds": {"cert_warn_days": 30}})["status"] == "unknown"


def test_no_name_to_check_is_unknown_never_pass(root):
    assert judge(ctx_for(root, names=()))["status"] == "unknown"


def test_the_check_is_registered():
    assert "certificate.tls" in checks.known_ids()


# --- the settings rules ----------------------------------------------------------------------------------

BASE = {
    "integrasjonspunkt_tls_keystore_src": "/etc/ssl/https.p12",
    "integrasjonspunkt_tls_keystore_alias": "https",
    "integrasjonspunkt_tls_keystore_password": PASSWORD,
    "integrasjonspunkt_tls_server_names": ["ip.example.no", "10.1.2.3"],
}


def tls_problems(**values):
    out, problems = model.evaluate(dict(BASE, **values), "install")
    return out.get("tls"), {p["variable"]: p for p in problems if "_tls_" in p["variable"]}


def test_a_complete_tls_keystore_is_accepted():
    tls, problems = tls_problems()
    assert problems == {}
    assert tls == {
        "enabled": True,
        "path": "/etc/ssl/https.p12",
        "remote_src": False,
        "type": "PKCS12",
        "alias": "https",
        "server_names": ["ip.example.no", "10.1.2.3"],
    }


def test_empty_src_is_the_documented_fallback_and_needs_nothing_else():
    tls, problems = tls_problems(
        integrasjonspunkt_tls_keystore_src="",
        integrasjonspunkt_tls_keystore_alias="",
        integrasjonspunkt_tls_keystore_password="",
    )
    assert problems == {} and tls["path"] == "" and tls["enabled"] is True


@pytest.mark.parametrize("src", ["certs/https.p12", "~/https.p12", "$HOME/https.p12"])
def test_src_must_be_absolute(src):
    _tls, problems = tls_problems(integrasjonspunkt_tls_keystore_src=src)
    assert "absolute path" in problems["integrasjonspunkt_tls_keystore_src"]["allowed"]


def test_type_is_pkcs12_or_jks():
    tls, problems = tls_problems(integrasjonspunkt_tls_keystore_type="jks")
    assert problems == {} and tls["type"] == "JKS"
    _tls, problems = tls_problems(integrasjonspunkt_tls_keystore_type="PEM")
    assert problems["integrasjonspunkt_tls_keystore_type"]["allowed"] == "PKCS12 or JKS"


@pytest.mark.parametrize("password", ["", "two\nlines"])
def test_the_password_is_a_non_empty_single_line_and_never_shown(password):
    _tls, problems = tls_problems(integrasjonspunkt_tls_keystore_password=password)
    item = problems["integrasjonspunkt_tls_keystore_password"]
    assert item["value"] == model.HIDDEN and "non-empty single line" in item["allowed"]
    with pytest.raises(model.SettingsError) as raised:
        model.normalise(dict(BASE, integrasjonspunkt_tls_keystore_password=password + "-" + PASSWORD), "install")
    assert PASSWORD not in str(raised.value)


def test_the_alias_is_required_with_a_keystore():
    _tls, problems = tls_problems(integrasjonspunkt_tls_keystore_alias=" ")
    assert "difi.ssl.key-alias" in problems["integrasjonspunkt_tls_keystore_alias"]["allowed"]


@pytest.mark.parametrize("names", [["*.example.no"], ["ip example"], "ok.example.no,bad/name", {"a": 1}])
def test_server_names_are_host_names_or_ips(names):
    _tls, problems = tls_problems(integrasjonspunkt_tls_server_names=names)
    assert "integrasjonspunkt_tls_server_names" in problems


def test_server_names_may_be_a_comma_separated_string():
    tls, problems = tls_problems(integrasjonspunkt_tls_server_names="IP.example.no, 10.1.2.3")
    assert problems == {} and tls["server_names"] == ["ip.example.no", "10.1.2.3"]


def test_nothing_is_judged_when_tls_is_off():
    tls, problems = tls_problems(
        integrasjonspunkt_ssl_enabled=False,
        integrasjonspunkt_tls_keystore_src="relative",
        integrasjonspunkt_tls_keystore_password="",
    )
    assert problems == {} and tls == {"enabled": False, "path": ""}


def test_the_tls_variables_are_in_the_model_with_the_fallback_defaults():
    assert model.DEFAULTS["integrasjonspunkt_tls_keystore_src"] == ""
    assert model.DEFAULTS["integrasjonspunkt_tls_server_names"] == []
    assert model.is_secret("integrasjonspunkt_tls_keystore_password")
