"""A test CA that mimics the SEID 2 enterprise certificate hierarchy, and keystores made from it.

Certificates carry what the real ones carry and the certificate.* checks read: organizationIdentifier
NTRNO-<orgnr> (SEID 2) or serialNumber (SEID 1), a certificate policy OID from data/certificate_issuers.yml,
keyUsage for the authentication part. The CA names copy the real issuers' names, but the keys are ours, so
the checks only accept them when a test adds this CA to the issuer data (`issuers_with`).

Keystores: PKCS12 through cryptography, a PKCS12 whose key has its own password (written here in DER,
because neither cryptography nor keytool writes one), and JKS through the machine's keytool.
"""

import datetime
import hashlib
import hmac
import os
import shutil
import subprocess
import sys
import tempfile

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

ORG_ID = x509.ObjectIdentifier("2.5.4.97")
BUYPASS_SEID2_POLICY = "2.16.578.1.26.1.3.5"  # from data/certificate_issuers.yml (Buypass, both environments)
NOW = datetime.datetime.now(datetime.timezone.utc)
DAY = datetime.timedelta(days=1)


def _key():
    return ec.generate_private_key(ec.SECP256R1())


def name(cn, org="Buypass AS", orgnr="983163327"):
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "NO"),
            x509.NameAttribute(ORG_ID, "NTRNO-%s" % orgnr),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


class Authority:
    def __init__(self, subject, key, cert):
        self.subject, self.key, self.cert = subject, key, cert


def make_root(cn="Buypass Class 3 Test4 Root CA G2 ST"):
    key = _key()
    subject = name(cn)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - 3650 * DAY)
        .not_valid_after(NOW + 3650 * DAY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_ca_usage(), critical=True)
        .sign(key, hashes.SHA256())
    )
    return Authority(subject, key, cert)


def _ca_usage():
    return x509.KeyUsage(False, False, False, False, False, True, True, False, False)


def make_intermediate(root, cn="Buypass Class 3 Test4 CA G2 ST Business"):
    key = _key()
    subject = name(cn)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(root.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - 3000 * DAY)
        .not_valid_after(NOW + 3000 * DAY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_ca_usage(), critical=True)
        .sign(root.key, hashes.SHA256())
    )
    return Authority(subject, key, cert)


AUTH_USAGE = {"digital_signature": True, "key_encipherment": True}
SIGN_USAGE = {"content_commitment": True}


def make_leaf(
    issuer,
    orgnr="991825827",
    policy=BUYPASS_SEID2_POLICY,
    usage=None,
    not_before=None,
    not_after=None,
    seid=2,
    dns=None,
    key_type="rsa",
):
    """An enterprise certificate under `issuer`; returns (key, cert). RSA like the real ones; "ec" to test refusals."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048) if key_type == "rsa" else _key()
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "NO")]
    if seid == 2:
        attrs.append(x509.NameAttribute(ORG_ID, "NTRNO-%s" % orgnr))
    else:
        attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, orgnr))
    attrs += [
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "TESTETATEN"),
        x509.NameAttribute(NameOID.COMMON_NAME, "TESTETATEN TEST"),
    ]
    flags = dict(AUTH_USAGE if usage is None else usage)
    ku = x509.KeyUsage(
        flags.get("digital_signature", False),
        flags.get("content_commitment", False),
        flags.get("key_encipherment", False),
        flags.get("data_encipherment", False),
        flags.get("key_agreement", False),
        False,
        False,
        False,
        False,
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(attrs))
        .issuer_name(issuer.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or NOW - 30 * DAY)
        .not_valid_after(not_after or NOW + 700 * DAY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(ku, critical=True)
    )
    if policy:
        builder = builder.add_extension(
            x509.CertificatePolicies([x509.PolicyInformation(x509.ObjectIdentifier(policy), None)]), critical=False
        )
    if dns:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(d) for d in dns]), critical=False)
    return key, builder.sign(issuer.key, hashes.SHA256())


def issuers_with(issuers, *authorities, environment="test"):
    """The prepared issuer data plus our CAs (root first), as if they were the real issuers of `environment`."""
    extra = []
    for auth in authorities:
        role = "root" if auth.cert.issuer == auth.cert.subject else "issuing"
        extra.append(
            {
                "name": auth.cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value,
                "vendor": "Test CA",
                "role": role,
                "environment": environment,
                "seid": 2,
                "sha256": hashlib.sha256(auth.cert.public_bytes(serialization.Encoding.DER)).hexdigest(),
                "source": "tests",
                "cert": auth.cert,
            }
        )
    return dict(issuers, cas=list(issuers["cas"]) + extra)


# Keystores ------------------------------------------------------------------------------------------


def p12(key, cert, password, alias="virksomhet", chain=()):
    return pkcs12.serialize_key_and_certificates(
        alias.encode(),
        key,
        cert,
        list(chain) or None,
        serialization.BestAvailableEncryption(password.encode()),
    )


def _tlv(tag, body):
    n = len(body)
    if n < 0x80:
        length = bytes([n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + length + body


def _seq(*parts):
    return _tlv(0x30, b"".join(parts))


def _set(*parts):
    return _tlv(0x31, b"".join(parts))


def _encode_oid(dotted):
    nums = [int(x) for x in dotted.split(".")]
    body = bytes([nums[0] * 40 + nums[1]])
    for num in nums[2:]:
        rest = num
        chunk = [rest & 0x7F]
        rest >>= 7
        while rest:
            chunk.append(0x80 | (rest & 0x7F))
            rest >>= 7
        body += bytes(reversed(chunk))
    return _tlv(0x06, body)


def _octets(b):
    return _tlv(0x04, b)


def _explicit0(b):
    return _tlv(0xA0, b)


def _kdf(password, salt, iterations, size):
    """RFC 7292 B.2 with SHA-256, purpose 3 (MAC key); written separately from the code under test."""
    v, u = 64, 32
    pwd = password.encode("utf-16-be") + b"\x00\x00"

    def fill(d):
        c = v * ((len(d) + v - 1) // v)
        return (d * (c // len(d) + 1))[:c]

    block = fill(salt) + fill(pwd)
    out = b""
    while len(out) < size:
        a = hashlib.sha256(bytes([3]) * v + block).digest()
        for _round in range(iterations - 1):
            a = hashlib.sha256(a).digest()
        out += a
        b = int.from_bytes((a * (v // u + 1))[:v], "big")
        block = b"".join(
            ((int.from_bytes(block[i : i + v], "big") + b + 1) % (1 << (8 * v))).to_bytes(v, "big")
            for i in range(0, len(block), v)
        )
    return out[:size]


def p12_two_passwords(key, cert, store_password, key_password, alias="virksomhet"):
    """A PKCS12 whose MAC uses store_password while its key bag is encrypted with key_password."""
    local_id = hashlib.sha1(cert.public_bytes(serialization.Encoding.DER)).digest()
    attrs = _set(
        _seq(_encode_oid("1.2.840.113549.1.9.20"), _set(_tlv(0x1E, alias.encode("utf-16-be")))),
        _seq(_encode_oid("1.2.840.113549.1.9.21"), _set(_octets(local_id))),
    )
    epki = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(key_password.encode()),
    )
    key_bag = _seq(_encode_oid("1.2.840.113549.1.12.10.1.2"), _explicit0(epki), attrs)
    cert_bag = _seq(
        _encode_oid("1.2.840.113549.1.12.10.1.3"),
        _explicit0(
            _seq(
                _encode_oid("1.2.840.113549.1.9.22.1"),
                _explicit0(_octets(cert.public_bytes(serialization.Encoding.DER))),
            )
        ),
        attrs,
    )

    def data_info(content):
        return _seq(_encode_oid("1.2.840.113549.1.7.1"), _explicit0(_octets(content)))

    auth_safe = _seq(data_info(_seq(cert_bag)), data_info(_seq(key_bag)))
    salt, iterations = os.urandom(16), 2048
    mac = hmac.new(_kdf(store_password, salt, iterations, 32), auth_safe, "sha256").digest()
    mac_data = _seq(
        _seq(_seq(_encode_oid("2.16.840.1.101.3.4.2.1"), _tlv(0x05, b"")), _octets(mac)),
        _octets(salt),
        _tlv(0x02, iterations.to_bytes(2, "big")),
    )
    return _seq(_tlv(0x02, b"\x03"), data_info(auth_safe), mac_data)


def jks(key, cert, password, alias="virksomhet", chain=(), key_password=None):
    """A JKS made by the machine's keytool (openjdk-17); the passwords go through files, not argv."""
    keytool = shutil.which("keytool")
    if not keytool:
        raise AssertionError("keytool is missing: install openjdk-17-jdk-headless (make system-deps)")
    tmp = tempfile.mkdtemp(prefix="seid-jks-")
    try:
        src = os.path.join(tmp, "in.p12")
        dst = os.path.join(tmp, "out.jks")
        with open(src, "wb") as fh:
            fh.write(p12(key, cert, password, alias, chain))
        pw_file = os.path.join(tmp, "pw")
        kp_file = os.path.join(tmp, "kp")
        with open(pw_file, "w") as fh:
            fh.write(password)
        with open(kp_file, "w") as fh:
            fh.write(key_password or password)
        subprocess.run(
            [keytool, "-importkeystore", "-noprompt", "-srckeystore", src, "-srcstoretype", "PKCS12",
             "-srcstorepass:file", pw_file, "-destkeystore", dst, "-deststoretype", "JKS",
             "-deststorepass:file", pw_file, "-destkeypass:file", kp_file, "-srcalias", alias],
            check=True,
            capture_output=True,
        )  # fmt: skip
        with open(dst, "rb") as fh:
            return fh.read()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def issuers_yaml(*authorities, environment="test"):
    """The `extra_issuers` file (format of data/certificate_issuers.yml) that makes our CAs known."""
    cas = []
    for auth in authorities:
        cas.append(
            {
                "name": auth.cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value,
                "vendor": "Test CA",
                "role": "root" if auth.cert.issuer == auth.cert.subject else "issuing",
                "environment": environment,
                "seid": 2,
                "subject": auth.cert.subject.rfc4514_string(),
                "sha256": hashlib.sha256(auth.cert.public_bytes(serialization.Encoding.DER)).hexdigest(),
                "source": "tests/helpers/seid_test_ca.py",
                "certificate": auth.cert.public_bytes(serialization.Encoding.PEM).decode(),
            }
        )
    return yaml.safe_dump({"cas": cas}, sort_keys=False)


def write_bundle(directory, orgnr, password, alias="virksomhet", environment="test", **leaf_args):
    """keystore.p12 (leaf + issuing CA) and extra-issuers.yml (our root and issuing CA) in `directory`."""
    root = make_root()
    inter = make_intermediate(root)
    key, leaf = make_leaf(inter, orgnr=orgnr, **leaf_args)
    os.makedirs(directory, exist_ok=True)
    paths = {
        "keystore": os.path.join(directory, "keystore.p12"),
        "issuers": os.path.join(directory, "extra-issuers.yml"),
    }
    fd = os.open(paths["keystore"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(p12(key, leaf, password, alias, [inter.cert]))
    with open(paths["issuers"], "w") as fh:
        fh.write(issuers_yaml(root, inter, environment=environment))
    return paths


if __name__ == "__main__":
    # seid_test_ca.py DIR ORGNR ALIAS ENVIRONMENT, with the keystore password on stdin (never in argv).
    target, number, entry, env = sys.argv[1:5]
    print(write_bundle(target, number, sys.stdin.readline().rstrip("\n"), entry, env)["keystore"])
