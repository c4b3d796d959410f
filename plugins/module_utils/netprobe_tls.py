# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The TLS step of the probes: the verifying and the non-verifying context, the handshake, the certificate.

A certificate is accepted only when the handshake with the verifying context completed; after a verification
failure a second, unverified handshake only reads what the server presents (version, subject, expiry), for
the message. Certificate verification failures are recognised without ssl.SSLCertVerificationError, which
older Pythons lack.

Python 3.8 compatible; standard library only.
"""

import contextlib
import math
import os
import ssl
import tempfile
import time

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import noproxy
from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils.netprobe_endpoint import _one_line
from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils.netprobe_steps import classify_socket_error

# OpenSSL X509_V_ERR_* codes -> a short, stable reason.
_VERIFY_REASONS = {
    2: "untrusted",
    9: "not_yet_valid",
    10: "expired",
    18: "self_signed",
    19: "untrusted",
    20: "untrusted",
    21: "untrusted",
    23: "revoked",
    62: "hostname_mismatch",
    64: "hostname_mismatch",
}


def verify_reason(code):
    """A short reason for an OpenSSL certificate verification code."""
    return _VERIFY_REASONS.get(code, "other") if isinstance(code, int) else "other"


def _name(dn):
    """Flatten the subject/issuer tuples of ssl.getpeercert() into 'CN=x,O=y'."""
    parts = []
    for rdn in dn or ():
        for pair in rdn:
            if len(pair) == 2:
                key = {"commonName": "CN", "organizationName": "O", "countryName": "C"}.get(pair[0], pair[0])
                parts.append("%s=%s" % (key, pair[1]))
    return ",".join(parts) or None


def cert_summary(cert, now=None):
    """subject, issuer, cert_not_after (ISO 8601) and cert_expires_in_days from a getpeercert() dict."""
    out = {"subject": None, "issuer": None, "cert_not_after": None, "cert_expires_in_days": None}
    if not isinstance(cert, dict) or not cert:
        return out
    out["subject"] = _name(cert.get("subject"))
    out["issuer"] = _name(cert.get("issuer"))
    not_after = cert.get("notAfter")
    if not_after:
        try:
            stamp = ssl.cert_time_to_seconds(not_after)
        except (ValueError, TypeError):
            return out
        out["cert_not_after"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stamp))
        out["cert_expires_in_days"] = math.floor((stamp - (time.time() if now is None else now)) / 86400.0)
    return out


def decode_der(der):
    """Decode a DER certificate into the getpeercert() dict form, or {} (uses CPython's private helper)."""
    helper = getattr(getattr(ssl, "_ssl", None), "_test_decode_cert", None)
    if not der or helper is None:
        return {}
    fd, path = tempfile.mkstemp(suffix=".pem")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(ssl.DER_cert_to_PEM_cert(der))
        return helper(path) or {}
    except Exception:
        return {}
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)


def is_verify_failure(exc):
    """Whether an ssl.SSLError is a certificate verification failure.

    Judged from attributes every ssl.SSLError has (`reason`, the text), not from the class
    ssl.SSLCertVerificationError, which older Pythons lack.
    """
    if getattr(exc, "verify_code", None) is not None:
        return True
    return getattr(exc, "reason", None) == "CERTIFICATE_VERIFY_FAILED" or "CERTIFICATE_VERIFY_FAILED" in str(exc)


def tls_handshake(sock, server_name, contexts, timeout, reconnect):
    """TLS handshake with verification. Return (tls report dict, TLS socket or None).

    The certificate is accepted (ok, verified) only when the handshake with the verifying context
    completed; every other outcome is a failure. On a verification failure `reconnect()` gives
    (fresh socket or None, seconds) for an unverified handshake that reads the version and certificate.
    """
    verified_ctx, unverified_ctx, ctx_error = contexts
    report = {
        "ok": False,
        "version": None,
        "server_name": server_name,
        "verified": False,
        "verify_error": None,
        "verify_code": None,
        "verify_reason": None,
        "error": None,
        "subject": None,
        "issuer": None,
        "cert_not_after": None,
        "cert_expires_in_days": None,
    }
    if ctx_error:
        report["error"] = ctx_error
        sock.close()
        return report, None
    sni = server_name if server_name and noproxy._ip(server_name) is None else None
    try:
        sock.settimeout(timeout)
        tls = verified_ctx.wrap_socket(sock, server_hostname=server_name)
    except ssl.SSLError as exc:
        if not is_verify_failure(exc):
            report["error"] = _one_line(getattr(exc, "reason", None) or exc)
            sock.close()
            return report, None
        report["verify_code"] = getattr(exc, "verify_code", None)
        report["verify_error"] = _one_line(getattr(exc, "verify_message", None) or exc)
        report["verify_reason"] = verify_reason(report["verify_code"])
    except OSError as exc:
        kind, text = classify_socket_error(exc)
        report["error"] = "handshake timed out" if kind == "timeout" else text
        sock.close()
        return report, None
    else:
        report.update(cert_summary(tls.getpeercert()))
        report["version"] = tls.version()
        report["verified"] = True
        report["ok"] = True
        return report, tls
    # Verification failed: look at what the server presents, without trusting it.
    sock.close()
    again, seconds = reconnect()
    if again is not None:
        try:
            again.settimeout(seconds)
            tls = unverified_ctx.wrap_socket(again, server_hostname=sni)
        except OSError:  # only details are lost; the verdict (not verified) stands
            again.close()
        else:
            report["version"] = tls.version()
            report.update(cert_summary(decode_der(tls.getpeercert(binary_form=True))))
            tls.close()
    return report, None


def make_contexts(ca_file):
    """(verifying context, non-verifying context, error text or None)."""
    try:
        verified = ssl.create_default_context(cafile=ca_file) if ca_file else ssl.create_default_context()
    except (OSError, ValueError) as exc:
        return None, None, "cannot load the CA file %s: %s" % (ca_file, _one_line(exc))
    if verified.verify_mode != ssl.CERT_REQUIRED or not verified.check_hostname:
        return None, None, "this Python's default TLS context does not verify certificates and names"
    unverified = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    unverified.check_hostname = False
    unverified.verify_mode = ssl.CERT_NONE
    return verified, unverified, None
