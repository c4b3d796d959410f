# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The identity probe, controller side: the Maskinporten JWT grant and what the answers mean.

The grant is signed here, where the key is, with PyJWT; only the signed grant (valid for at most
120 s) travels to the managed host, which sends it to Maskinporten through its own proxy and looks
up the certificate directory with the token (plugins/module_utils/identity_probe.py). The token
never comes back. The data (URLs, client-ID prefix, scopes) is in data/identity.yml, with sources.
"""

import base64
import copy
import datetime
import os
import re
import uuid

import yaml

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils.identity_probe import is_jws
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import certificates as certs
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import docs

try:
    import jwt
except ImportError:  # reported by the identity.* checks, with the fix; the rest of preflight still runs
    jwt = None

DATA_FILE = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__)))), "data", "identity.yml"
)
SCOPE_ORDER = ("DPO", "DPE", "DPV", "DPF", "DPI", "DPH")  # GetMaskinportenToken's order
PYJWT_FIX = "Install PyJWT on the controller (pip install 'PyJWT>=2.6'; it is in the collection's requirements.txt)."
OVERRIDABLE = ("token_url", "audience", "service_registry_url")


_LOADED = {}  # (real path, mtime, size) -> data: read once per process, as the issuers are


def load(path=None):
    """data/identity.yml (a copy the caller may change); a changed file is read again."""
    path = path or DATA_FILE
    st = os.stat(path)
    key = (os.path.realpath(path), st.st_mtime_ns, st.st_size)
    if key not in _LOADED:
        with open(path, "rb") as fh:
            data = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        _LOADED.clear()
        _LOADED[key] = data
    return copy.deepcopy(_LOADED[key])


def scopes_for(services, data):
    """The scopes the integrasjonspunkt requests for `services`, in its own order, without duplicates."""
    wanted = {str(s).upper() for s in services or []}
    out = []
    for service in SCOPE_ORDER:
        if service in wanted:
            out += [s for s in data["scopes"].get(service) or [] if s not in out]
    return out


def endpoints(environment, data, overrides=None):
    """{token_url, audience, service_registry_url} of `environment`, with the user's overrides applied."""
    chosen = dict(data["environments"][environment])
    for key, value in (overrides or {}).items():
        if key not in OVERRIDABLE:
            raise ValueError(
                "preflight_identity_endpoints has the key %r: allowed are %s" % (key, ", ".join(OVERRIDABLE))
            )
        if not str(value or "").startswith("https://"):
            raise ValueError("preflight_identity_endpoints.%s=%r is not allowed: an https:// URL" % (key, value))
        chosen[key] = str(value)
    chosen["service_registry_url"] = chosen["service_registry_url"].rstrip("/")
    return chosen


def client_id(org_number, data):
    return "%s%s" % (data["client_id_prefix"], org_number)


def private_key(ks):
    """The private key of the keystore's alias (the store password opens it); raises ValueError why not.

    PKCS12 through cryptography; JKS through keytool, converted to PKCS12 in a private temporary
    directory that is removed at once (the password goes in a 0600 file, never in argv). Opened again
    here on purpose: the certificate inspection keeps public certificates only, never the key.
    """
    data, password, alias = ks.get("data"), ks.get("password") or "", ks.get("alias") or ""
    kind = certs.detect_type(data or b"")
    if kind == "JKS":
        data = certs.jks_to_pkcs12(data, password, alias)
    elif kind != "PKCS12":
        raise ValueError("the keystore is neither PKCS12 nor JKS")
    from cryptography.hazmat.primitives.serialization import pkcs12  # noqa: PLC0415

    try:
        bundle = pkcs12.load_pkcs12(data, password.encode("utf-8"))
    except ValueError:
        raise ValueError("the private key does not open with the store password (see certificate.keystore)") from None
    if bundle.key is None:
        raise ValueError("the keystore holds no private key for alias '%s'" % alias)
    return bundle.key


def key_refusal(key):
    """Why Maskinporten cannot take a grant signed with `key` (None when it can): RS256 needs RSA.

    `key` is the private key, or the certificate's public key (certificate.type judges that one by this rule).
    """
    from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: PLC0415

    if not isinstance(key, (rsa.RSAPrivateKey, rsa.RSAPublicKey)):
        return "the key is %s, but Maskinporten accepts only RS256 (an RSA key)" % type(key).__name__.lstrip("_")
    return None


def x5c(cert):
    """The x5c header as the integrasjonspunkt sends it: the keystore alias's certificate alone, base64 DER.

    efm-common builds the header from KeystoreHelper.getX509Certificate() as a one-element list, no chain
    (felleslosninger/efm-common security/src/main/java/no/difi/move/common/oauth/JwtHeaderAndSignerFactory.java,
    getJwsHeader/getCertChain, commit 76b2eb9b, unchanged at 8f5d5531). Maskinporten knows the issuing CA.
    """
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415

    return [base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode("ascii")]


def make_grant(key, cert, issuer, audience, scopes, now=None, lifetime=120):
    """The signed JWT grant, built as the integrasjonspunkt builds it, so a pass proves what it will send.

    Header: alg RS256 and x5c with the leaf certificate only, no typ (efm-common JwtHeaderAndSignerFactory:
    JWSHeader.Builder(RS256).x509CertChain(leaf); PyJWT would add typ JWT unless told not to). Claims: aud,
    iss, scope (space-separated), jti (a random UUID), iat and exp = iat + 120 s (efm-common
    JwtTokenClient.generateJWTInternal, same commits). roles/preflight/README.md lists what still differs.
    """
    if jwt is None:
        raise RuntimeError("PyJWT is not installed on the controller")
    now = now or datetime.datetime.now(datetime.timezone.utc)
    iat = int(now.timestamp())
    claims = {
        "aud": audience,
        "iss": issuer,
        "scope": " ".join(scopes),
        "iat": iat,
        "exp": iat + int(lifetime),
        "jti": str(uuid.uuid4()),
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"typ": None, "x5c": x5c(cert)})


# What Maskinporten's answers mean, matched on its error description. Sources: docs.digdir.no "Feilsøking i
# Maskinporten" (https://docs.digdir.no/docs/Maskinporten/maskinporten_feilsoking; felleslosninger/docs
# _docs/Maskinporten/maskinporten_feilsoking.md): Maskinporten puts a code in error_description, MP-100
# "Invalid assertion. Client authentication failed." (the client is not known: a wrong client ID, or a client of
# another environment), MP-110 the audience, MP-120 a certificate it does not accept, MP-121 an expired key;
# "Client not found" for the same as MP-100 in its older form; "Token request contains invalid scopes for client"
# for a scope not registered on the client.
ONBOARDING = docs.url("installasjon/forberede_installasjon", docs.ACCESS_ANCHOR)  # "Bestille tilganger"
UNKNOWN_CLIENT = "unknown-client"
SCOPE = "scope"
MP_CODES = {
    "MP-100": UNKNOWN_CLIENT,
    "MP-110": "audience",
    "MP-120": "certificate",
    "MP-121": "certificate",
}
TOKEN_ERRORS = {
    UNKNOWN_CLIENT: (
        "the client {client} is not registered in this Maskinporten environment",
        "The client {client} is created when Digdir onboards the organisation for eFormidling in this environment"
        " (test and production have separate clients): order it with Digdir's onboarding form (" + ONBOARDING + ")"
        " or ask Digdir's service desk (servicedesk@digdir.no), and check integrasjonspunkt_environment and"
        " integrasjonspunkt_org_number.",
    ),
    "audience": (
        "the audience is not this Maskinporten's",
        "Use the token URL and audience of the same environment (preflight_identity_endpoints, difi.move.oidc.*).",
    ),
    "certificate": (
        "the certificate is not accepted for this client",
        "Use the enterprise certificate registered for the organisation, of this environment (no production"
        " certificate in test, no test certificate in production); see certificate.environment.",
    ),
    "clock": (
        "the grant's time is off from Maskinporten's clock",
        "The grant is signed with the controller's clock: set it right (NTP). The host's own clock is judged by"
        " time.offset.",
    ),
    SCOPE: (
        "{client} is not granted the scope {refused}",
        "Ask Digdir (servicedesk@digdir.no, or the onboarding form " + ONBOARDING + ") to grant {client} the scope"
        " {refused} for the enabled service, or remove that service from integrasjonspunkt_services.",
    ),
}
# The older descriptions, without a code: (needles, kind), first match wins.
TOKEN_NEEDLES = (
    (("client not found", "invalid client"), UNKNOWN_CLIENT),
    (("invalid jwt claim aud", "audience"), "audience"),
    (("invalid certificate", "certificate", "x5c", "expired key"), "certificate"),
    (("expired", "issue time", "iat", "not yet valid", "clock"), "clock"),
    (("scope",), SCOPE),
)
MP_CODE_RE = re.compile(r"\bMP-\d{3}\b")
SCOPE_NAME_RE = re.compile(r"(?<![\w:.-])[A-Za-z0-9_.-]+:[A-Za-z0-9_./:-]*[A-Za-z0-9_]")


def _token_error_kind(error, description):
    text = (description or "").strip()
    for code in MP_CODE_RE.findall(text):
        if code in MP_CODES:
            return MP_CODES[code]
    if (error or "") == "invalid_scope":
        return SCOPE
    lowered = text.lower()
    for needles, kind in TOKEN_NEEDLES:
        if any(n in lowered for n in needles):
            return kind
    # MP-100's text alone: client authentication failed, and nothing more specific followed.
    if lowered.rstrip(". ").endswith("client authentication failed"):
        return UNKNOWN_CLIENT
    return None


def refused_scopes(description, requested):
    """The scopes Maskinporten names as refused; all of `requested` when it names none."""
    named = [s for s in SCOPE_NAME_RE.findall(description or "") if "//" not in s]
    return named or list(requested or [])


def explain_token_error(error, description, client_id=None, scopes=None):
    """(meaning, fix) of a Maskinporten error response, naming the client and the refused scope where known."""
    kind = _token_error_kind(error, description)
    if kind is None:
        return (
            "Maskinporten refused the grant",
            "Read Maskinporten's error above with its troubleshooting page"
            " (https://docs.digdir.no/docs/Maskinporten/maskinporten_feilsoking).",
        )
    meaning, fix = TOKEN_ERRORS[kind]
    refused = refused_scopes(description, scopes)
    values = {
        "client": client_id or "MOVE_IP_<orgnr>",
        "refused": " ".join(refused) if refused else "(not named)",
    }
    if len(refused) > 1:
        meaning, fix = meaning.replace("the scope", "the scopes"), fix.replace("the scope", "the scopes")
    return meaning.format(**values), fix.format(**values)


def registry_certificate(body, jwks_text):
    """(certificate PEM text, how it was read) from a virksert answer; raises ValueError when it cannot be trusted.

    A JWS answer (difi.move.sign.enable) is verified against the service registry's JWK set, as
    the integrasjonspunkt does; a plain answer is taken as PEM.
    """
    body = (body or "").strip()
    if not is_jws(body):
        return body, "plain PEM answer"
    if jwt is None:
        raise RuntimeError("PyJWT is not installed on the controller")
    if not jwks_text:
        raise ValueError("the answer is signed (JWS), but the service registry's JWK set could not be read")
    try:
        keys = jwt.PyJWKSet.from_json(jwks_text)
        kid = jwt.get_unverified_header(body).get("kid")
        candidates = [k for k in keys.keys if not kid or k.key_id == kid] or list(keys.keys)
        for candidate in candidates:
            try:
                payload = jwt.api_jws.PyJWS().decode(body, key=candidate.key, algorithms=["RS256", "ES256", "PS256"])
            except jwt.exceptions.InvalidSignatureError:
                continue
            return payload.decode("utf-8", "replace"), "JWS verified against the service registry's JWK set"
    except (jwt.exceptions.PyJWTError, ValueError, KeyError, TypeError) as exc:
        raise ValueError("the signed answer cannot be verified: %s" % exc) from None
    raise ValueError("the signed answer does not verify against any key of the service registry's JWK set")


def serial_hex(serial):
    """As keystore_check and certificates.describe show serials: lower-case hex."""
    return format(int(serial), "x")
