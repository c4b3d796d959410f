# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
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
import uuid

import yaml

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils.identity_probe import is_jws
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import certificates as certs

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


def x5c(cert, chain):
    """The x5c header: the certificate first, then the rest of its chain, as base64 DER (RFC 7515 4.1.6)."""
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415

    out = []
    for item in [cert] + [c for c in chain or [] if c != cert]:
        out.append(base64.b64encode(item.public_bytes(serialization.Encoding.DER)).decode("ascii"))
    return out


def make_grant(key, cert, chain, issuer, audience, scopes, now=None, lifetime=120):
    """The signed JWT grant (RS256, x5c) as the integrasjonspunkt's token client sends it."""
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
    return jwt.encode(claims, key, algorithm="RS256", headers={"x5c": x5c(cert, chain)})


# What Maskinporten's answers mean (D maskinporten_feilsoking.md), matched on its error description.
TOKEN_ERRORS = (
    (
        ("client not found", "client authentication failed. client", "invalid client"),
        "the client is unknown to this Maskinporten",
        "The Maskinporten client MOVE_IP_<orgnr> is created when Digdir onboards the organisation for eFormidling"
        " in this environment: ask servicedesk@digdir.no, and check integrasjonspunkt_environment.",
    ),
    (
        ("invalid jwt claim aud", "audience"),
        "the audience is not this Maskinporten's",
        "Use the token URL and audience of the same environment (preflight_identity_endpoints, difi.move.oidc.*).",
    ),
    (
        ("invalid certificate", "certificate", "x5c"),
        "the certificate is not accepted for this client",
        "Use the enterprise certificate registered for the organisation, of this environment (no production"
        " certificate in test, no test certificate in production); see certificate.environment.",
    ),
    (
        ("expired", "issue time", "iat", "not yet valid", "clock"),
        "the grant's time is off from Maskinporten's clock",
        "The grant is signed with the controller's clock: set it right (NTP). The host's own clock is judged by"
        " time.offset.",
    ),
    (
        ("scope",),
        "a requested scope is not granted to the client",
        "Ask Digdir (servicedesk@digdir.no) to grant the client the scopes of the enabled services, or correct"
        " integrasjonspunkt_services.",
    ),
)


def explain_token_error(error, description):
    """(meaning, fix) of a Maskinporten error response."""
    text = ("%s %s" % (error or "", description or "")).lower()
    if (error or "") == "invalid_scope":
        return TOKEN_ERRORS[-1][1], TOKEN_ERRORS[-1][2]
    for needles, meaning, fix in TOKEN_ERRORS:
        if any(n in text for n in needles):
            return meaning, fix
    return (
        "Maskinporten refused the grant",
        "Read Maskinporten's error above with docs.digdir.no's Maskinporten troubleshooting page.",
    )


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
