#!/usr/bin/env python
"""A simulated Maskinporten token endpoint and eFormidling service registry, for the identity probe's tests.

    simulated_maskinporten.py CONFIG.json      (prints READY, serves until killed)

or in-process: ``Simulation(config).start()`` / ``.stop()``. One HTTPS server answers both:

* ``POST /token``: checks what Maskinporten checks of a JWT grant (docs.digdir.no Maskinporten "JWT grant",
  "Feilsøking"): grant_type; header alg RS256 and x5c a list of base64 DER certificates; the signature against
  x5c[0]'s key; x5c[0] issued by a CA this environment trusts (by signature; the rest of x5c is not used, as the
  integrasjonspunkt sends the leaf alone) and valid; `aud` this
  Maskinporten's audience; `iss` a known client whose organisation is the certificate's (NTRNO-<orgnr>);
  `iat` within 10 s of its clock and `exp - iat` at most 120 s; `jti` not used before; every requested scope
  granted to the client. Errors come as ``{"error", "error_description"}`` with Maskinporten's texts; with
  ``"error_codes": "mp"`` in Digdir's current form (invalid_grant with MP-100 for an unknown client, MP-110 for
  the audience, MP-120 for the certificate, as docs.digdir.no "Feilsøking i Maskinporten" lists them).
* ``GET /adressetjeneste/virksert/<orgnr>``: needs a token it issued; answers the registered certificate, as a
  JWS signed with its own RSA key when the client accepts ``application/jose`` (``signed``), else PEM; 404
  ``{"error":"not_found"}`` for an organisation without one.
* ``GET /adressetjeneste/jwk``: its public key as a JWK set (``"jwk_key": "other"`` serves a wrong one).

CONFIG: {"bind", "port", "cert", "key", "audience", "trusted_ca_pem": [PEM], "clients": {client_id:
{"org": orgnr, "scopes": [...]}}, "registry": {orgnr: PEM}, "signed": bool, "skew_seconds": float,
"jwk_key": "own"|"other", "error_codes": "mp", "log": path, "tokens_file": path}. Each request is appended to
"log" as one JSON line (never a token or grant, only what was decided and the grant header's shape: number of x5c
certificates and typ), so tests can assert what the probe sent; "tokens_file"
collects the tokens issued, so a leak test can search for them. Loopback or a test namespace only.
"""

import base64
import datetime
import http.server
import json
import os
import sys
import threading
import time
import uuid
from urllib.parse import parse_qs

import jwt
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

if __name__ == "__main__":  # run as a script (in a test's namespace): tests.helpers lives at the repository root
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from tests.helpers.tls_standin import TLSServer

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ORG_ID = x509.ObjectIdentifier("2.5.4.97")
# Maskinporten's error texts (docs.digdir.no Maskinporten "Feilsøking").
AUTH_FAILED = "Invalid assertion. Client authentication failed. "
BAD_CERT = AUTH_FAILED + "The JWT is signed with an invalid certificate."


def _refuse(error, description, decision):
    return 400, {"error": error, "error_description": description}, decision


# Digdir's coded forms (docs.digdir.no "Feilsøking i Maskinporten"), used when the config says "error_codes": "mp".
MP_FORMS = {
    "client": ("invalid_grant", "Invalid assertion. Client authentication failed. (MP-100)"),
    "aud": ("invalid_grant", AUTH_FAILED + "Invalid JWT claim aud (MP-110)"),
    "certificate": ("invalid_grant", BAD_CERT + " (MP-120)"),
    "org": ("invalid_grant", BAD_CERT + " (MP-120)"),
}


def header_shape(assertion):
    """What the log keeps of a grant's header: how many x5c certificates, and typ (nothing secret)."""
    try:
        header = jwt.get_unverified_header(assertion or "")
    except jwt.exceptions.PyJWTError:
        return {}
    chain = header.get("x5c")
    return {"x5c_certs": len(chain) if isinstance(chain, list) else None, "typ": header.get("typ")}


def _org_of(cert):
    for attr in cert.subject.get_attributes_for_oid(ORG_ID):
        if attr.value.startswith("NTRNO-"):
            return attr.value[6:]
    for attr in cert.subject.get_attributes_for_oid(x509.NameOID.SERIAL_NUMBER):
        return attr.value
    return None


def _issued_by(cert, ca):
    key = ca.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), cert.signature_hash_algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))
        else:
            return False
    except Exception:  # any verification failure means "not issued by this CA"
        return False
    return cert.issuer == ca.subject


class Simulation:
    def __init__(self, config):
        self.config = config
        self.trusted = [x509.load_pem_x509_certificate(p.encode()) for p in config.get("trusted_ca_pem") or []]
        self.registry_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "sr-" + uuid.uuid4().hex[:8]
        self.tokens = set()
        self.used_jti = set()
        self.lock = threading.Lock()
        self.server = None

    # -- decisions -----------------------------------------------------------------------------------

    def now(self):
        return time.time() + float(self.config.get("skew_seconds") or 0)

    def token(self, form):
        """(status, body dict, decision) for a token request, in the configured error form."""
        status, body, decision = self._token(form)
        if status != 200 and self.config.get("error_codes") == "mp" and decision in MP_FORMS:
            error, description = MP_FORMS[decision]
            body = {"error": error, "error_description": description}
        return status, body, decision

    def _token(self, form):
        if form.get("grant_type") != GRANT_TYPE:
            return _refuse("unsupported_grant_type", "Unsupported grant type", "grant_type")
        assertion = form.get("assertion") or ""
        try:
            header = jwt.get_unverified_header(assertion)
        except jwt.exceptions.PyJWTError:
            return _refuse("invalid_request", "Invalid assertion. Invalid parameter value", "parse")
        if header.get("alg") != "RS256":
            return _refuse("invalid_grant", "Invalid assertion. Only RS256 is supported", "alg")
        chain = header.get("x5c")
        if not isinstance(chain, list) or not chain or not all(isinstance(c, str) for c in chain):
            return 400, {"error": "invalid_grant", "error_description": "Failed to extract certificate from jwt"}, "x5c"
        try:
            cert = x509.load_der_x509_certificate(base64.b64decode(chain[0]))
        except ValueError:
            return 400, {"error": "invalid_grant", "error_description": "Failed to extract certificate from jwt"}, "x5c"
        try:
            claims = jwt.decode(
                assertion,
                key=cert.public_key(),
                algorithms=["RS256"],
                options={"verify_aud": False, "verify_exp": False, "verify_iat": False,
                         "require": ["aud", "iss", "iat", "exp", "jti"]},
            )  # fmt: skip
        except jwt.exceptions.InvalidSignatureError:
            return _refuse("invalid_grant", AUTH_FAILED + "Invalid signature", "signature")
        except jwt.exceptions.PyJWTError as exc:
            return _refuse("invalid_request", "Invalid assertion. %s" % exc, "claims")
        now = self.now()
        moment = datetime.datetime.fromtimestamp(now, datetime.timezone.utc)
        trusted = any(_issued_by(cert, ca) for ca in self.trusted)
        if not trusted or not (cert.not_valid_before_utc <= moment <= cert.not_valid_after_utc):
            return _refuse("invalid_grant", BAD_CERT, "certificate")
        if claims["aud"] != self.config["audience"]:
            return _refuse("invalid_grant", AUTH_FAILED + "Invalid JWT claim aud", "aud")
        if abs(float(claims["iat"]) - now) > 10:
            return _refuse(
                "invalid_grant",
                "Invalid assertion. Issue time is after now, or JWT is expired (check the clock)",
                "iat",
            )
        if float(claims["exp"]) - float(claims["iat"]) > 120 or float(claims["exp"]) < now:
            return _refuse("invalid_grant", "JWT is expired", "exp")
        client = (self.config.get("clients") or {}).get(claims["iss"])
        if client is None:
            return _refuse(
                "invalid_client", "Client authentication failed. Client not found: %s" % claims["iss"], "client"
            )
        if client["org"] != _org_of(cert):
            return _refuse("invalid_grant", BAD_CERT, "org")
        with self.lock:
            if claims["jti"] in self.used_jti:
                return _refuse("invalid_grant", "Grant is used before", "jti")
            self.used_jti.add(claims["jti"])
        asked = [s for s in str(claims.get("scope") or "").split() if s]
        missing = [s for s in asked if s not in client["scopes"]]
        if missing or not asked:
            return _refuse(
                "invalid_scope", "Token request contains invalid scopes for client: %s" % " ".join(missing), "scope"
            )
        token = uuid.uuid4().hex + uuid.uuid4().hex
        with self.lock:
            self.tokens.add(token)
            if self.config.get("tokens_file"):  # for leak tests: every token issued, to search the output for
                with open(self.config["tokens_file"], "a") as fh:
                    fh.write(token + "\n")
        answer = {"access_token": token, "token_type": "Bearer", "expires_in": 119, "scope": " ".join(asked)}
        return 200, answer, "granted"

    def virksert(self, orgnr, authorization, accept):
        token = authorization[7:] if authorization.startswith("Bearer ") else ""
        with self.lock:
            known = token in self.tokens
        if not known:
            body = {"error": "unauthorized", "error_description": "no valid token"}
            return 401, "application/json", json.dumps(body), "unauthorized"
        pem = (self.config.get("registry") or {}).get(orgnr)
        if pem is None:
            body = {"error": "not_found", "error_description": "Certificate for identifier %s not found" % orgnr}
            return 404, "application/json", json.dumps(body), "not_found"
        if self.config.get("signed", True) and "application/jose" in accept:
            headers = {"kid": self.kid}
            jws = jwt.api_jws.PyJWS().encode(pem.encode(), self.registry_key, algorithm="RS256", headers=headers)
            return 200, "application/jose", jws, "signed"
        return 200, "text/plain", pem, "plain"

    def jwks(self):
        key = self.other_key if self.config.get("jwk_key") == "other" else self.registry_key
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
        jwk.update(kid=self.kid, use="sig", alg="RS256")
        return json.dumps({"keys": [jwk]})

    # -- serving ---------------------------------------------------------------------------------------

    def log(self, entry):
        path = self.config.get("log")
        if path:
            with self.lock, open(path, "a") as fh:
                fh.write(json.dumps(entry) + "\n")

    def handler(self):
        sim = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _send(self, status, ctype, body):
                data = body.encode() if isinstance(body, str) else body
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if self.path != "/token":
                    return self._send(404, "application/json", "{}")
                status, body, decision = sim.token(form)
                entry = {"path": "/token", "status": status, "decision": decision, "host": self.headers.get("Host")}
                entry.update(header_shape(form.get("assertion")))
                sim.log(entry)
                return self._send(status, "application/json", json.dumps(body))

            def do_GET(self):
                if self.path == "/adressetjeneste/jwk":
                    sim.log({"path": self.path, "status": 200, "decision": sim.config.get("jwk_key") or "own"})
                    return self._send(200, "application/json", sim.jwks())
                prefix = "/adressetjeneste/virksert/"
                if self.path.startswith(prefix):
                    auth, accept = self.headers.get("Authorization") or "", self.headers.get("Accept") or ""
                    status, ctype, body, decision = sim.virksert(self.path[len(prefix) :], auth, accept)
                    sim.log({"path": prefix, "status": status, "decision": decision})
                    return self._send(status, ctype, body)
                return self._send(404, "application/json", "{}")

            def log_message(self, *args):
                pass

        return Handler

    def start(self):
        bind = self.config.get("bind", "127.0.0.1")
        address = (bind, int(self.config.get("port") or 0))
        self.server = TLSServer(address, self.handler(), self.config["cert"], self.config["key"])
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()


if __name__ == "__main__":
    with open(sys.argv[1]) as fh:
        sim = Simulation(json.load(fh)).start()
    print("READY %d" % sim.port, flush=True)
    threading.Event().wait()
