"""plugin_utils.certificates: the issuer data, keystore opening (PKCS12 MAC, JKS via keytool) and X.509 facts."""

import datetime
import os
import stat
import subprocess

import pytest
import yaml
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import certificates as certs
from tests.helpers import seid_test_ca as ca

PASSWORD = "St0re-Pass#word"


@pytest.fixture(scope="module")
def issuers():
    return certs.load_issuers()


@pytest.fixture(scope="module")
def hierarchy():
    root = ca.make_root()
    inter = ca.make_intermediate(root)
    key, leaf = ca.make_leaf(inter)
    return root, inter, key, leaf


# The data file -------------------------------------------------------------------------------------


def test_issuer_data_every_entry_has_a_known_source_or_says_unverified():
    with open(certs.ISSUERS_FILE) as fh:
        raw = yaml.safe_load(fh)
    sources = set(raw["sources"])
    entries = raw["cas"] + raw["policies"]["production"] + raw["policies"]["test"] + raw["rejected_policies"]
    for entry in entries:
        named = {s.strip() for s in str(entry["source"]).split(";")}
        assert named <= sources, entry
    for entry in raw["policies"]["production"] + raw["policies"]["test"]:
        assert entry["seid"] in (1, 2) or "unverified" in str(entry["seid"]), entry


def test_issuer_data_loads_with_fingerprints_checked(issuers):
    names = {(c["name"], c["environment"]) for c in issuers["cas"]}
    assert ("Buypass Class 3 CA G2 ST Business", "production") in names
    assert ("Buypass Class 3 Test4 CA G2 ST Business", "test") in names
    assert ("Commfides Legal Person - G3", "production") in names
    assert ("Commfides Legal Person - G3 - TEST", "test") in names
    # The Buypass production root's fingerprint, as published in BSI's ETSI certificate ETS 053.
    roots = {c["sha256"] for c in issuers["cas"] if c["role"] == "root"}
    assert "edf7ebbca27a2a384d387b7d4010c666e2edb4843e4c29b4ae1d5b9332e6b24d" in roots


def test_issuer_data_with_a_wrong_fingerprint_is_refused():
    with open(certs.ISSUERS_FILE) as fh:
        raw = yaml.safe_load(fh)
    raw["cas"][0]["sha256"] = "00" * 32
    with pytest.raises(ValueError, match="sha256 does not match"):
        certs.prepare_issuers(raw)


def test_every_real_issuing_ca_chains_to_a_known_root_of_its_environment(issuers):
    for entry in issuers["cas"]:
        if entry["role"] != "issuing":
            continue
        linked = certs.build_chain(entry["cert"], [], issuers)
        assert linked["complete"], entry["name"]
        assert linked["known_root"]["environment"] == entry["environment"]


def test_policy_wildcards_match_like_the_source():
    entries = [{"oid": "2.16.578.1.29.13.200.*"}, {"oid": "2.16.578.1.26.1.3.5"}]
    assert certs.policy_matches(entries, ["2.16.578.1.29.13.200.7.1"]) == [entries[0]]
    assert certs.policy_matches(entries, ["2.16.578.1.26.1.3.5"]) == [entries[1]]
    assert certs.policy_matches(entries, ["2.16.578.1.26.1.3.55", "2.16.578.1.29.13.2001"]) == []


def test_merge_issuers_adds_a_test_ca(tmp_path, issuers, hierarchy):
    root, inter = hierarchy[:2]
    extra = tmp_path / "extra.yml"
    extra.write_text(ca.issuers_yaml(root, inter))
    merged = certs.merge_issuers(issuers, str(extra))
    assert len(merged["cas"]) == len(issuers["cas"]) + 2
    assert merged["policies"] == issuers["policies"]


# Keystore formats and the PKCS12 MAC --------------------------------------------------------------


def test_detect_type(hierarchy):
    key, leaf = hierarchy[2:]
    assert certs.detect_type(ca.p12(key, leaf, PASSWORD)) == "PKCS12"
    assert certs.detect_type(ca.jks(key, leaf, PASSWORD)) == "JKS"
    assert certs.detect_type(b"hello") == "unknown"


def test_pkcs12_mac_sha256_and_sha1(hierarchy):
    key, leaf = hierarchy[2:]
    modern = ca.p12(key, leaf, PASSWORD)
    legacy = pkcs12.serialize_key_and_certificates(
        b"a",
        key,
        leaf,
        None,
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .hmac_hash(hashes.SHA1())
        .kdf_rounds(2048)
        .build(PASSWORD.encode()),
    )
    for data in (modern, legacy):
        assert certs.pkcs12_mac_verifies(data, PASSWORD.encode()) is True
        assert certs.pkcs12_mac_verifies(data, b"wrong") is False
    assert certs.pkcs12_mac_verifies(b"\x30\x03\x02\x01\x03", PASSWORD.encode()) is None
    assert certs.pkcs12_mac_verifies(b"garbage", PASSWORD.encode()) is None


def test_pkcs12_kdf_agrees_with_an_independent_implementation():
    salt = bytes(range(16))
    ours = certs.pkcs12_kdf("pässword".encode(), salt, 1000, 3, 32, hashes.SHA256)
    assert ours == ca._kdf("pässword", salt, 1000, 32)


def test_pkcs12_opens_and_finds_the_alias(hierarchy):
    inter, key, leaf = hierarchy[1:]
    found = certs.inspect_keystore(ca.p12(key, leaf, PASSWORD, "Virk-2026", [inter.cert]), PASSWORD, "virk-2026")
    assert found["opened"] and found["alias_is_key"] and found["key_password_ok"]
    assert found["certificate"] == leaf and found["chain"] == [inter.cert]
    assert found["aliases"] == ["Virk-2026"]


def test_pkcs12_wrong_password_and_missing_alias(hierarchy):
    key, leaf = hierarchy[2:]
    data = ca.p12(key, leaf, PASSWORD, "virk")
    assert certs.inspect_keystore(data, "wrong", "virk")["opened"] is False
    found = certs.inspect_keystore(data, PASSWORD, "other")
    assert found["opened"] and found["alias_found"] is False and found["certificate"] is None


def test_pkcs12_with_its_own_key_password_is_told_apart(hierarchy):
    key, leaf = hierarchy[2:]
    data = ca.p12_two_passwords(key, leaf, PASSWORD, "key-only-pass")
    found = certs.inspect_keystore(data, PASSWORD, "virksomhet")
    assert found["opened"] is True and found["key_password_ok"] is False
    # With the key's password the MAC does not verify: that is a wrong store password.
    assert certs.inspect_keystore(data, "key-only-pass", "virksomhet")["opened"] is False


# JKS through keytool -----------------------------------------------------------------------------


def test_jks_through_keytool(hierarchy):
    inter, key, leaf = hierarchy[1:]
    data = ca.jks(key, leaf, PASSWORD, "Virk", [inter.cert])
    found = certs.inspect_keystore(data, PASSWORD, "Virk", "JKS")
    assert found["type"] == "JKS" and found["opened"] and found["alias_is_key"] and found["key_password_ok"]
    assert found["certificate"] == leaf and inter.cert in found["chain"]
    assert certs.inspect_keystore(data, "wrong-pass", "Virk")["opened"] is False


def test_jks_key_password_differs(hierarchy):
    key, leaf = hierarchy[2:]
    data = ca.jks(key, leaf, PASSWORD, "virk", key_password="other-key-pass")
    found = certs.inspect_keystore(data, PASSWORD, "virk")
    assert found["opened"] and found["alias_is_key"] and found["key_password_ok"] is False
    assert found["verdict"] is None


def test_jks_without_keytool_is_unknown(monkeypatch, hierarchy):
    key, leaf = hierarchy[2:]
    data = ca.jks(key, leaf, PASSWORD)
    monkeypatch.setattr(certs, "find_keytool", lambda environ=None: None)
    found = certs.inspect_keystore(data, PASSWORD, "virksomhet")
    assert found["verdict"] == "unknown" and "keytool" in found["reason"]


def _fake_keytool(tmp_path, script):
    path = tmp_path / "keytool"
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_keytool_that_breaks_is_error_and_never_echoes_the_password(tmp_path, hierarchy):
    key, leaf = hierarchy[2:]
    data = ca.jks(key, leaf, PASSWORD)
    # A keytool that prints what it read on stdin (the password) and fails in an unexpected way.
    broken = _fake_keytool(tmp_path, 'read pw; echo "boom: $pw" >&2; exit 3\n')
    found = certs.inspect_jks(data, PASSWORD, "virksomhet", keytool=broken)
    assert found["verdict"] == "error"
    assert PASSWORD not in repr(found) and "boom" in found["reason"]


def test_keytool_that_hangs_is_error(tmp_path, hierarchy):
    key, leaf = hierarchy[2:]
    slow = _fake_keytool(tmp_path, "sleep 5\n")
    found = certs.inspect_jks(ca.jks(key, leaf, PASSWORD), PASSWORD, "virksomhet", keytool=slow, timeout=0.5)
    assert found["verdict"] == "error" and "could not run" in found["reason"]


def test_keytool_password_is_on_stdin_not_argv(tmp_path, hierarchy):
    key, leaf = hierarchy[2:]
    log = tmp_path / "argv"
    spy = _fake_keytool(tmp_path, 'echo "$@" >> %s; exec keytool "$@"\n' % log)
    found = certs.inspect_jks(ca.jks(key, leaf, PASSWORD), PASSWORD, "virksomhet", keytool=spy)
    assert found["opened"] and found["key_password_ok"]
    assert "-list" in log.read_text() and PASSWORD not in log.read_text()


def test_parse_keytool_list_of_real_output(tmp_path, hierarchy):
    inter, key, leaf = hierarchy[1:]
    path = tmp_path / "ks.jks"
    path.write_bytes(ca.jks(key, leaf, PASSWORD, "virk", [inter.cert]))
    out = subprocess.run(
        ["keytool", "-list", "-rfc", "-keystore", str(path), "-storetype", "JKS"],
        input=(PASSWORD + "\n").encode(),
        capture_output=True,
        check=True,
    ).stdout
    entries = certs.parse_keytool_list(out)
    assert list(entries) == ["virk"]
    assert entries["virk"]["type"] == "PrivateKeyEntry"
    assert entries["virk"]["certificates"] == [leaf, inter.cert]


def test_keytool_is_found_through_java_home(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    tool = bin_dir / "keytool"
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)
    assert certs.find_keytool({"JAVA_HOME": str(tmp_path), "PATH": ""}) == str(tool)
    assert certs.find_keytool({"PATH": ""}) is None


def test_conversion_command_takes_no_password():
    cmd = certs.conversion_command("/etc/ip/keystore.jks", "virk")
    assert cmd.startswith("keytool -importkeystore -srckeystore /etc/ip/keystore.jks -srcstoretype JKS")
    assert "-deststoretype PKCS12" in cmd and "/etc/ip/keystore.p12" in cmd and "pass" not in cmd.split("(")[0]


# Certificate facts ----------------------------------------------------------------------------------


def test_org_number_seid2_and_seid1(hierarchy):
    inter = hierarchy[1]
    assert certs.org_number(ca.make_leaf(inter, orgnr="991825827")[1]) == ("991825827", "organizationIdentifier")
    assert certs.org_number(ca.make_leaf(inter, orgnr="974760673", seid=1)[1]) == ("974760673", "serialNumber")


def test_validity_states(hierarchy):
    inter = hierarchy[1]
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = ca.make_leaf(inter, not_before=now - 10 * ca.DAY, not_after=now + 5 * ca.DAY)[1]
    assert certs.validity(cert, now)["state"] == "valid"
    assert certs.validity(cert, now + 6 * ca.DAY)["state"] == "expired"
    assert certs.validity(cert, now - 11 * ca.DAY)["state"] == "not_yet_valid"


def test_build_chain_from_keystore_and_data(issuers, hierarchy):
    root, inter, leaf = hierarchy[0], hierarchy[1], hierarchy[3]
    known = ca.issuers_with(issuers, root, inter)
    assert certs.build_chain(leaf, [], known)["complete"]
    only_root = ca.issuers_with(issuers, root)
    assert certs.build_chain(leaf, [inter.cert], only_root)["complete"]
    missing = certs.build_chain(leaf, [], only_root)
    assert not missing["complete"] and missing["missing"] == inter.cert.subject.rfc4514_string()
    unknown = certs.build_chain(leaf, [inter.cert, root.cert], issuers)
    assert unknown["unknown_root"] == root.cert.subject.rfc4514_string()


def test_same_names_with_other_keys_do_not_pass_for_the_real_issuers(issuers, hierarchy):
    # Our test CA copies Buypass's names; without its key in the data, nothing links to the real CAs.
    leaf = hierarchy[3]
    assert certs.issuing_ca(leaf, issuers) is None
    assert not certs.build_chain(leaf, [], issuers)["complete"]


def test_redact():
    assert certs.redact("x %s y" % PASSWORD, PASSWORD) == "x ******** y"
    assert certs.redact("abc", "") == "abc"


def test_data_file_path_resolves_inside_the_collection():
    assert os.path.isfile(certs.ISSUERS_FILE)
