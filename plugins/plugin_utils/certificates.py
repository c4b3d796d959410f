# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The enterprise certificate (virksomhetssertifikat) and its keystore, read on the controller.

Pure functions over `cryptography` (ansible-core depends on it), except `inspect_jks`, which runs
the JDK's `keytool` with the password on stdin. Nothing here returns or prints a password, a private
key or key material: an inspection holds public certificates and findings only.
"""

import base64
import copy
import datetime
import hashlib
import hmac
import os
import re
import shutil
import subprocess
import tempfile

import yaml  # controller side: PyYAML comes with ansible-core

try:  # ansible-core depends on cryptography; an environment without it gets a clear error at use
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.serialization import Encoding, pkcs12
    from cryptography.x509.oid import ExtensionOID, NameOID

    CRYPTOGRAPHY_ERROR = None
except ImportError as exc:
    x509 = hashes = Encoding = pkcs12 = ExtensionOID = NameOID = None
    CRYPTOGRAPHY_ERROR = exc

    class InvalidSignature(Exception):
        """Stand-in so that except clauses stay valid."""


JKS_MAGIC = b"\xfe\xed\xfe\xed"
JCEKS_MAGIC = b"\xce\xce\xce\xce"  # Sun's JCEKS: neither the integrasjonspunkt's JKS nor its PKCS12 loader opens it
ORGANIZATION_IDENTIFIER = x509.ObjectIdentifier("2.5.4.97") if x509 else None  # SEID 2: NTRNO-<orgnr>
NTRNO = re.compile(r"^NTRNO-?(\d{9})$")

# realpath: a collection tree made of symlinks (ansible-test, .build/collections) still finds the data file.
ISSUERS_FILE = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__)))), "data", "certificate_issuers.yml"
)


def conversion_command(path, alias):
    """keytool turns a JKS into a PKCS12 keystore; it asks for the passwords itself (never on the command line)."""
    base = re.sub(r"\.jks$", "", path or "keystore.jks", flags=re.IGNORECASE)
    return (
        "keytool -importkeystore -srckeystore %s -srcstoretype JKS -destkeystore %s.p12 -deststoretype PKCS12%s"
        " (then set integrasjonspunkt_keystore_type: PKCS12 and point integrasjonspunkt_keystore_src at the .p12)"
        % (path or "keystore.jks", base, " -srcalias %s" % alias if alias else "")
    )


def redact(text, secret):
    """Defence in depth for text from outside (tool output, exception strings)."""
    text = str(text)
    return text.replace(secret, "********") if secret else text


# The issuer data ------------------------------------------------------------------------------


def require_cryptography():
    if CRYPTOGRAPHY_ERROR is not None:
        raise RuntimeError(
            "the Python package 'cryptography' is missing on the controller (ansible-core needs it): %s"
            % CRYPTOGRAPHY_ERROR
        )


# (real path, mtime, size) -> prepared issuers. Parsed once per process: every host's preflight task reads
# them, and ansible-playbook forks each task's worker from a process that has already loaded them.
_ISSUERS = {}


def load_issuers(path=None):
    """data/certificate_issuers.yml with each CA certificate parsed; raises ValueError when malformed.

    A changed file is read again; a malformed one is never cached, so it fails every time.
    """
    require_cryptography()
    path = path or ISSUERS_FILE
    st = os.stat(path)
    key = (os.path.realpath(path), st.st_mtime_ns, st.st_size)
    if key not in _ISSUERS:
        with open(path, "rb") as fh:
            raw = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml: 7x faster
        prepared = prepare_issuers(raw)
        _ISSUERS.clear()
        _ISSUERS[key] = prepared
    return _copy_issuers(_ISSUERS[key])


def _copy_issuers(issuers):
    """A copy a caller may change without touching the cache; the certificate objects are immutable and shared."""
    out = copy.deepcopy({key: value for key, value in issuers.items() if key != "cas"})
    out["cas"] = []
    for ca in issuers["cas"]:
        entry = copy.deepcopy({key: value for key, value in ca.items() if key != "cert"})
        entry["cert"] = ca["cert"]
        out["cas"].append(entry)
    return out


def merge_issuers(base, path):
    """`base` plus the CAs and policies of another file in the same format (a new issuer, or a test CA)."""
    with open(path, "rb") as fh:
        raw = yaml.safe_load(fh) or {}
    extra = prepare_issuers(dict({"cas": [], "policies": {}}, **raw))
    return {
        "cas": base["cas"] + extra["cas"],
        "policies": {env: base["policies"][env] + extra["policies"][env] for env in ("production", "test")},
        "rejected_policies": base["rejected_policies"] + extra["rejected_policies"],
        "sources": dict(base["sources"], **extra["sources"]),
    }


def prepare_issuers(raw):
    if not isinstance(raw, dict) or not isinstance(raw.get("cas"), list) or not isinstance(raw.get("policies"), dict):
        raise ValueError("certificate issuer data needs 'cas' (list) and 'policies' (dict)")
    cas = []
    for entry in raw["cas"]:
        cert = x509.load_pem_x509_certificate(entry["certificate"].encode("ascii"))
        if sha256(cert) != entry["sha256"].lower():
            raise ValueError("issuer %r: sha256 does not match its certificate" % entry.get("name"))
        if entry.get("environment") not in ("production", "test"):
            raise ValueError("issuer %r: environment must be production or test" % entry.get("name"))
        cas.append(dict(entry, cert=cert))
    return {
        "cas": cas,
        "policies": {env: list(raw["policies"].get(env) or []) for env in ("production", "test")},
        "rejected_policies": list(raw.get("rejected_policies") or []),
        "sources": raw.get("sources") or {},
    }


def sha256(cert):
    return hashlib.sha256(cert.public_bytes(Encoding.DER)).hexdigest()


def _oid_matches(pattern, oid):
    pattern = str(pattern)
    return oid.startswith(pattern[:-1]) if pattern.endswith(".*") else oid == pattern


def policy_matches(policy_entries, oids):
    """The entries whose OID (or 'prefix.*' wildcard, as in the source) matches one of `oids`."""
    return [p for p in policy_entries if any(_oid_matches(p["oid"], o) for o in oids)]


# Opening keystores ------------------------------------------------------------------------------


def keystore_format(data):
    """The file's own format by its bytes: "JKS", "JCEKS", "PKCS12" or None (not a keystore).

    PKCS12 (RFC 7292) is a SEQUENCE that spans the whole file and starts with INTEGER version 3; some
    Windows and NSS tools write it in BER with an indefinite length (0x30 0x80), which Java reads too.
    """
    if not isinstance(data, (bytes, bytearray)) or len(data) < 5:
        return None
    if data[:4] == JKS_MAGIC:
        return "JKS"
    if data[:4] == JCEKS_MAGIC:
        return "JCEKS"
    if data[:2] == b"\x30\x80":
        return "PKCS12" if data[2:5] == b"\x02\x01\x03" else None
    try:
        tag, start, end = _der(data, 0)
        if tag != 0x30 or end != len(data):
            return None
        tag, start, end = _der(data, start)
    except (ValueError, IndexError):
        return None
    return "PKCS12" if tag == 0x02 and data[start:end] == b"\x03" else None


def detect_type(data):
    return keystore_format(data) or "unknown"


def _empty_inspection(kind):
    return {
        "type": kind,
        "opened": False,  # the store password opens the keystore (PKCS12: the MAC verifies)
        "key_password_ok": None,  # the private key decrypts with the store password
        "aliases": [],
        "alias_found": None,
        "alias_is_key": None,
        "certificate": None,  # the alias's certificate (public)
        "chain": [],  # every other certificate in the keystore (public)
        "verdict": None,  # None, or "unknown"/"error" when no verdict could be reached
        "reason": "",
    }


def inspect_pkcs12(data, password, alias):
    """Open a PKCS12 keystore the way Java's KeyStore does: store password, then the key with the same password."""
    result = _empty_inspection("PKCS12")
    secret = (password or "").encode("utf-8")
    try:
        bundle = pkcs12.load_pkcs12(data, secret)
    except ValueError:
        bundle = None
    if bundle is None:
        mac = pkcs12_mac_verifies(data, secret)
        if mac is True:
            # The integrity password is right but a bag does not decrypt with it: the key has its own password.
            result.update(
                opened=True, key_password_ok=False, reason="the private key is encrypted with another password"
            )
        elif mac is False:
            result["reason"] = "the password does not open the keystore (wrong password, or not a PKCS12 file)"
        else:
            result.update(verdict="unknown", reason="the file is not a PKCS12 keystore that can be read (no MAC found)")
        return result
    result["opened"] = True
    key_cert = bundle.cert
    names = [c.friendly_name.decode("utf-8", "replace") for c in bundle.additional_certs if c.friendly_name]
    key_alias = key_cert.friendly_name.decode("utf-8", "replace") if key_cert and key_cert.friendly_name else None
    result["aliases"] = sorted(set(names + ([key_alias] if key_alias else [])))
    # Java's PKCS12 KeyStore matches aliases case-insensitively (it lower-cases friendly names).
    found_key = bundle.key is not None and key_alias is not None and key_alias.lower() == (alias or "").lower()
    found_any = found_key or any(n.lower() == (alias or "").lower() for n in names)
    result.update(alias_found=found_any, alias_is_key=found_key)
    if found_key:
        result["key_password_ok"] = True
        result["certificate"] = key_cert.certificate
        result["chain"] = [c.certificate for c in bundle.additional_certs]
    else:
        result["chain"] = [c.certificate for c in bundle.additional_certs] + (
            [key_cert.certificate] if key_cert else []
        )
    return result


# A minimal DER reader and the PKCS12 MAC (RFC 7292), to tell "wrong store password" from "the key
# has another password": cryptography only says that loading failed.


def _der(buf, pos):
    """(tag, value_start, value_end) of the TLV at pos."""
    tag = buf[pos]
    length = buf[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4:
            raise ValueError("unsupported DER length")
        length = int.from_bytes(buf[pos : pos + count], "big")
        pos += count
    if pos + length > len(buf):
        raise ValueError("truncated DER")
    return tag, pos, pos + length


def _children(buf, start, end):
    items = []
    while start < end:
        tag, vs, ve = _der(buf, start)
        items.append((tag, vs, ve))
        start = ve
    return items


_MAC_HASHES = {
    "1.3.14.3.2.26": "SHA1",
    "2.16.840.1.101.3.4.2.1": "SHA256",
    "2.16.840.1.101.3.4.2.2": "SHA384",
    "2.16.840.1.101.3.4.2.3": "SHA512",
    "2.16.840.1.101.3.4.2.4": "SHA224",
}


def _decode_oid(body):
    first = body[0]
    parts = [first // 40 if first < 80 else 2, first % 40 if first < 80 else first - 80]
    value = 0
    for byte in body[1:]:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(value)
            value = 0
    return ".".join(str(p) for p in parts)


def pkcs12_kdf(password, salt, iterations, purpose, size, hash_cls):
    """RFC 7292 appendix B.2 key derivation (purpose 3 = MAC key); password as BMPString with NUL."""
    block = hash_cls.block_size
    pwd = b"" if password is None else password.decode("utf-8").encode("utf-16-be") + b"\x00\x00"

    def fill(data):
        if not data:
            return b""
        count = block * ((len(data) + block - 1) // block)
        return (data * (count // len(data) + 1))[:count]

    material = fill(salt) + fill(pwd)
    diversifier = bytes([purpose]) * block
    out = b""
    while len(out) < size:
        h = hashes.Hash(hash_cls())
        h.update(diversifier + material)
        a = h.finalize()
        for _round in range(iterations - 1):
            h = hashes.Hash(hash_cls())
            h.update(a)
            a = h.finalize()
        out += a
        b = int.from_bytes(fill(a)[:block], "big")
        material = b"".join(
            ((int.from_bytes(material[i : i + block], "big") + b + 1) % (1 << (8 * block))).to_bytes(block, "big")
            for i in range(0, len(material), block)
        )
    return out[:size]


def pkcs12_mac_verifies(data, password):
    """True/False: the PFX MAC verifies with `password`; None: no MAC or not a PFX this reader understands."""
    try:
        _tag, s, e = _der(data, 0)
        pfx = _children(data, s, e)
        if len(pfx) < 3:
            return None
        content_info = _children(data, pfx[1][1], pfx[1][2])
        explicit = _children(data, content_info[1][1], content_info[1][2])[0]
        auth_safe = data[explicit[1] : explicit[2]]
        mac_data = _children(data, pfx[2][1], pfx[2][2])
        digest_info = _children(data, mac_data[0][1], mac_data[0][2])
        algorithm = _children(data, digest_info[0][1], digest_info[0][2])
        oid = _decode_oid(data[algorithm[0][1] : algorithm[0][2]])
        digest = data[digest_info[1][1] : digest_info[1][2]]
        salt = data[mac_data[1][1] : mac_data[1][2]]
        iterations = int.from_bytes(data[mac_data[2][1] : mac_data[2][2]], "big") if len(mac_data) > 2 else 1
    except (IndexError, ValueError):
        return None
    hash_cls = getattr(hashes, _MAC_HASHES.get(oid, ""), None)
    if hash_cls is None or iterations < 1 or iterations > 10_000_000:
        return None
    candidates = [password] + ([None] if not password else [])
    for candidate in candidates:
        key = pkcs12_kdf(candidate, salt, iterations, 3, hash_cls.digest_size, hash_cls)
        mac = hmac.new(key, auth_safe, hash_cls.name).digest()
        if hmac.compare_digest(mac, digest):
            return True
    return False


# JKS through keytool -------------------------------------------------------------------------------


def find_keytool(environ=None):
    env = os.environ if environ is None else environ
    if env.get("JAVA_HOME"):
        candidate = os.path.join(env["JAVA_HOME"], "bin", "keytool")
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("keytool", path=env.get("PATH"))


_PEM = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.DOTALL)


def parse_keytool_list(text):
    """`keytool -list -rfc` output: {alias: {"type": entry type, "certificates": [x509...]}}."""
    entries = {}
    current = None
    for block in re.split(rb"\n(?=Alias name: )", text):
        match = re.search(rb"^Alias name: (.*)$", block, re.MULTILINE)
        if not match:
            continue
        current = match.group(1).strip().decode("utf-8", "replace")
        kind = re.search(rb"^Entry type: (.*)$", block, re.MULTILINE)
        entries[current] = {
            "type": kind.group(1).strip().decode() if kind else "unknown",
            "certificates": [x509.load_pem_x509_certificate(pem) for pem in _PEM.findall(block)],
        }
    return entries


def _keytool_env():
    """keytool in English (its messages are matched) and without JVM options a site may have set."""
    return dict(os.environ, LC_ALL="C", LANG="C", JAVA_TOOL_OPTIONS="")


def _keytool(keytool, args, password, timeout):
    # The password goes on stdin: keytool reads it from there when there is no console.
    return subprocess.run(
        [keytool] + args,
        input=(password + "\n").encode("utf-8"),
        capture_output=True,
        timeout=timeout,
        check=False,
        env=_keytool_env(),
    )


def inspect_jks(data, password, alias, keytool=None, timeout=60):
    """Open a JKS keystore with keytool; without keytool the verdict is unknown (with the conversion command)."""
    result = _empty_inspection("JKS")
    keytool = keytool or find_keytool()
    if not keytool:
        result.update(verdict="unknown", reason="a JKS keystore needs keytool (a Java) on the controller to be read")
        return result
    workdir = tempfile.mkdtemp(prefix="ks-check-")
    path = os.path.join(workdir, "keystore.jks")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        base = ["-keystore", path, "-storetype", "JKS"]
        try:
            listed = _keytool(keytool, ["-list", "-rfc"] + base, password, timeout)
        except (OSError, subprocess.TimeoutExpired) as exc:
            result.update(verdict="error", reason=redact("keytool could not run: %s" % exc, password))
            return result
        output = listed.stdout + listed.stderr
        if listed.returncode != 0:
            if b"password was incorrect" in output or b"tampered" in output:
                result["reason"] = "the password does not open the keystore"
            else:
                last = output.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
                result.update(verdict="error", reason=redact("keytool -list failed: %s" % last[0], password))
            return result
        result["opened"] = True
        entries = parse_keytool_list(listed.stdout)
        result["aliases"] = sorted(entries)
        # JKS stores aliases in lower case and looks them up case-insensitively.
        entry = entries.get((alias or "").lower()) or entries.get(alias or "")
        result["alias_found"] = entry is not None
        result["alias_is_key"] = bool(entry and entry["type"] == "PrivateKeyEntry")
        for other in entries.values():
            if other is not entry:
                result["chain"].extend(other["certificates"])
        if entry and entry["certificates"]:
            result["certificate"] = entry["certificates"][0]
            result["chain"] = entry["certificates"][1:] + result["chain"]
        if result["alias_is_key"]:
            # -certreq signs with the private key; keytool tries the store password for the key first and
            # would prompt for a key password (reading EOF) when they differ. The CSR goes nowhere.
            try:
                req = _keytool(keytool, ["-certreq", "-alias", alias] + base, password, timeout)
            except (OSError, subprocess.TimeoutExpired) as exc:
                result.update(verdict="error", reason=redact("keytool could not run: %s" % exc, password))
                return result
            result["key_password_ok"] = req.returncode == 0
            if req.returncode != 0 and b"Enter key password" not in req.stdout + req.stderr:
                last = (req.stdout + req.stderr).decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
                result.update(verdict="error", reason=redact("keytool -certreq failed: %s" % last[0], password))
        return result
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def jks_to_pkcs12(data, password, alias, keytool=None, timeout=60):
    """The JKS entry `alias` as PKCS12 bytes (same password), converted by keytool in a private temporary directory.

    The password reaches keytool through a 0600 file in a 0700 directory, never argv or the environment.
    """
    keytool = keytool or find_keytool()
    if not keytool:
        raise ValueError(
            "a JKS keystore needs keytool (a Java) on the controller: %s" % conversion_command("<file>", alias)
        )
    workdir = tempfile.mkdtemp(prefix="ks-convert-")
    try:
        src, dst, secret = (os.path.join(workdir, n) for n in ("in.jks", "out.p12", "pw"))
        for path, content in ((src, data), (secret, password.encode("utf-8"))):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(content)
        argv = [keytool, "-importkeystore", "-noprompt", "-srckeystore", src, "-srcstoretype", "JKS",
                "-srcstorepass:file", secret, "-destkeystore", dst, "-deststoretype", "PKCS12",
                "-deststorepass:file", secret, "-srcalias", alias]  # fmt: skip
        try:
            done = subprocess.run(
                argv, capture_output=True, timeout=timeout, check=False, stdin=subprocess.DEVNULL,
                env=_keytool_env(),
            )  # fmt: skip
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ValueError(redact("keytool could not run: %s" % exc, password)) from None
        if done.returncode != 0:
            last = (done.stdout + done.stderr).decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
            raise ValueError(redact("keytool -importkeystore failed: %s" % last[0], password))
        with open(dst, "rb") as fh:
            return fh.read()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def inspect_keystore(data, password, alias, declared_type=None, keytool=None):
    """Open the keystore by its real format (a JKS has the magic 0xFEEDFEED); record the declared type."""
    require_cryptography()
    kind = detect_type(data or b"")
    if kind == "JKS":
        result = inspect_jks(data, password, alias, keytool=keytool)
    elif kind == "PKCS12":
        result = inspect_pkcs12(data, password, alias)
    elif kind == "JCEKS":
        result = _empty_inspection("JCEKS")
        result["reason"] = "the file is a JCEKS keystore, which the integrasjonspunkt cannot open: use PKCS12"
    else:
        result = _empty_inspection("unknown")
        result["reason"] = "the file is neither a PKCS12 nor a JKS keystore"
    result["declared_type"] = declared_type
    result["reason"] = redact(result["reason"], password)
    return result


# The certificate ----------------------------------------------------------------------------------------


def validity(cert, now):
    not_before = cert.not_valid_before_utc
    not_after = cert.not_valid_after_utc
    if now < not_before:
        state = "not_yet_valid"
    elif now > not_after:
        state = "expired"
    else:
        state = "valid"
    return {
        "state": state,
        "not_before": not_before.isoformat(),
        "not_after": not_after.isoformat(),
        "days_left": (not_after - now) / datetime.timedelta(days=1),
    }


KEY_USAGE_NAMES = (
    "digital_signature",
    "content_commitment",
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "key_cert_sign",
    "crl_sign",
)


def key_usage(cert):
    """The set of key usages, or None when the certificate has no keyUsage extension."""
    try:
        ku = cert.extensions.get_extension_for_oid(ExtensionOID.KEY_USAGE).value
    except x509.ExtensionNotFound:
        return None
    return {name for name in KEY_USAGE_NAMES if getattr(ku, name)}


def is_ca(cert):
    try:
        return cert.extensions.get_extension_for_oid(ExtensionOID.BASIC_CONSTRAINTS).value.ca
    except x509.ExtensionNotFound:
        return False


def policy_oids(cert):
    try:
        policies = cert.extensions.get_extension_for_oid(ExtensionOID.CERTIFICATE_POLICIES).value
    except x509.ExtensionNotFound:
        return []
    return [p.policy_identifier.dotted_string for p in policies]


def dns_names(cert):
    try:
        san = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
    except x509.ExtensionNotFound:
        return []
    return san.get_values_for_type(x509.DNSName)


def org_number(cert):
    """(orgnr, where): SEID 2 organizationIdentifier NTRNO-<orgnr>, else SEID 1 serialNumber; (None, None)."""
    for attr in cert.subject.get_attributes_for_oid(ORGANIZATION_IDENTIFIER):
        match = NTRNO.match(str(attr.value).strip())
        if match:
            return match.group(1), "organizationIdentifier"
    for attr in cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER):
        value = str(attr.value).strip().replace(" ", "")
        if re.match(r"^\d{9}$", value):
            return value, "serialNumber"
    return None, None


def describe(cert):
    """Public facts for messages: subject, issuer, serial (hex), fingerprint."""
    return {
        "subject": cert.subject.rfc4514_string(),
        "issuer": cert.issuer.rfc4514_string(),
        "serial": format(cert.serial_number, "x"),
        "sha256": sha256(cert),
    }


def _signed_by(cert, issuer):
    try:
        cert.verify_directly_issued_by(issuer)
        return True
    except (InvalidSignature, ValueError, TypeError):
        return False


def build_chain(leaf, extra, issuers, max_depth=8):
    """Link leaf -> ... -> root through the keystore's certificates and the known CA certificates.

    Returns {"path": [(cert, origin)], "complete": bool, "known_root": entry or None, "issuing": entry or
    None (the known CA that signed the leaf), "missing": issuer DN where linking stopped, "unknown_root":
    subject of a self-signed root that is not known}. origin is "keystore" or "data".
    """
    known = [(ca["cert"], "data", ca) for ca in issuers["cas"]]
    pool = [(c, "keystore", None) for c in extra] + known
    by_print = {sha256(ca["cert"]): ca for ca in issuers["cas"]}
    path = [(leaf, "keystore")]
    result = {
        "path": path,
        "complete": False,
        "known_root": None,
        "issuing": None,
        "missing": None,
        "unknown_root": None,
    }
    current = leaf
    for _step in range(max_depth):
        if current.issuer == current.subject and _signed_by(current, current):
            entry = by_print.get(sha256(current))
            if entry and entry.get("role") == "root":
                result.update(complete=True, known_root=entry)
            else:
                result["unknown_root"] = current.subject.rfc4514_string()
            return result
        parent = None
        for cand, origin, _entry in pool:
            if cand.subject == current.issuer and sha256(cand) != sha256(current) and _signed_by(current, cand):
                parent = (cand, origin)
                break
        if parent is None:
            result["missing"] = current.issuer.rfc4514_string()
            return result
        if current is leaf:
            result["issuing"] = by_print.get(sha256(parent[0]))
        path.append(parent)
        current = parent[0]
    result["missing"] = current.issuer.rfc4514_string()
    return result


def issuing_ca(leaf, issuers):
    """The known CA that issued the leaf: by signature when possible, else None."""
    for ca in issuers["cas"]:
        if ca["cert"].subject == leaf.issuer and _signed_by(leaf, ca["cert"]):
            return ca
    return None


KEYSTORE_MAX_BYTES = 1024 * 1024  # a keystore is a few kB; anything this large is not one


def read_controller_keystore(path):
    """(data, reason): the keystore's bytes on the controller, or None and why not."""
    try:
        size = os.path.getsize(path)
        if size > KEYSTORE_MAX_BYTES:
            return None, "%s is %d bytes, too large for a keystore" % (path, size)
        with open(path, "rb") as fh:
            return fh.read(), ""
    except OSError as exc:
        return None, "cannot read %s on the controller: %s" % (path, exc.strerror or exc)


def read_remote_keystore(action, path, task_vars):
    """(data, reason): the keystore's bytes slurped from the host by an action plugin, or None and why not."""
    res = action._execute_module(
        module_name="ansible.builtin.slurp", module_args={"src": path}, task_vars=task_vars, wrap_async=False
    )
    if res.get("failed") or "content" not in res:
        return None, "cannot read %s on %s: %s" % (path, task_vars.get("inventory_hostname"), res.get("msg"))
    data = base64.b64decode(res["content"])
    if len(data) > KEYSTORE_MAX_BYTES:
        return None, "%s is %d bytes, too large for a keystore" % (path, len(data))
    return data, ""
