# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""certificate.tls: the keystore that serves the API's inbound HTTPS (difi.ssl.*), when it has its own.

``ctx["tls_keystore"]`` (built by the preflight action from the settings model's ``tls``):

    {"enabled": bool, "path": str, "available": bool, "reason": str, "type": str, "data": bytes or None,
     "password": str, "alias": str, "server_names": [str], "names_from": str}

plus ``ctx["thresholds"]["cert_warn_days"]`` and optionally ``ctx["now"]``. The keystore is opened once per
ctx (``ctx["_tls_inspection"]``). No message holds the password or key material.
"""

import datetime
import ipaddress

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import certificate_checks
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import certificates as certs
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils.check_base import Check, outcome

REQUIRED = (
    "opens with integrasjonspunkt_tls_keystore_password; the alias is a private key; valid; serverAuth (or no)"
    " extended key usage; every name in integrasjonspunkt_tls_server_names in its subjectAltName"
)
FALLBACK = (
    "no integrasjonspunkt_tls_keystore_src: the enterprise certificate serves TLS. It is issued to an organisation,"
    " not a host name, and usually lacks the serverAuth extended key usage, so callers (the archive system,"
    " monitoring) must pin it or turn off host-name checks"
)


def inspection(ctx):
    """Open the TLS keystore once per ctx; the result holds findings and public certificates only."""
    return certificate_checks.inspect_once(ctx, "_tls_inspection", ctx.get("tls_keystore") or {})


def server_auth_allowed(cert):
    """(allowed, what the certificate says): no EKU allows every use; an EKU must list serverAuth."""
    x509 = certs.x509
    oid = x509.ExtendedKeyUsageOID
    try:
        usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return True, "no extended key usage"
    dotted = [u.dotted_string for u in usages]
    names = ["serverAuth" if u == oid.SERVER_AUTH else "clientAuth" if u == oid.CLIENT_AUTH else d
             for u, d in zip(usages, dotted)]  # fmt: skip
    return oid.SERVER_AUTH in list(usages), "extended key usage " + ", ".join(names)


def _san(cert):
    x509 = certs.x509
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return [], []
    return [d.lower().rstrip(".") for d in san.get_values_for_type(x509.DNSName)], san.get_values_for_type(
        x509.IPAddress
    )


def _dns_match(name, pattern):
    """RFC 6125: a wildcard only as the whole left-most label, matching exactly one label."""
    if pattern == name:
        return True
    if not pattern.startswith("*.") or "." not in name:
        return False
    return name.split(".", 1)[1] == pattern[2:] and name.split(".", 1)[0] != ""


def missing_names(cert, names):
    """The names a caller would use that the certificate's subjectAltName does not cover (CN is not read)."""
    dns, ips = _san(cert)
    missing = []
    for name in names:
        try:
            address = ipaddress.ip_address(name.strip("[]"))
        except ValueError:
            address = None
        covered = address in ips if address is not None else any(_dns_match(name.lower(), d) for d in dns)
        if not covered:
            missing.append(name)
    return missing, dns + [str(ip) for ip in ips]


def _keystore_problem(ks, found):
    """An outcome when the keystore cannot be used (unreadable, wrong password, no such key), else None."""
    where = "integrasjonspunkt_tls_keystore_src='%s'" % ks.get("path")
    alias = ks.get("alias")
    if found.get("verdict") == "unreadable":
        return outcome("fail", "not readable", REQUIRED, message="%s: %s" % (where, found.get("reason")),
                       fix="Give the path of the TLS keystore, readable where it is read from (the controller, or"
                           " the host with integrasjonspunkt_tls_keystore_remote_src).")  # fmt: skip
    if found.get("verdict") in ("unknown", "error"):
        return outcome(found["verdict"], "not inspected", REQUIRED, message=found.get("reason") or "not inspected",
                       fix="Install a Java (keytool) on the controller, or use a PKCS12 TLS keystore.")  # fmt: skip
    if not found.get("opened"):
        return outcome("fail", "does not open", REQUIRED,
                       message="integrasjonspunkt_tls_keystore_password (value hidden) does not open %s: %s"
                       % (where, found.get("reason") or "wrong password"),
                       fix="Set integrasjonspunkt_tls_keystore_password to the TLS keystore's password.")  # fmt: skip
    names = ", ".join(found.get("aliases") or []) or "none"
    if not found.get("alias_found") or not found.get("alias_is_key"):
        return outcome("fail", "alias missing" if not found.get("alias_found") else "alias is not a key", REQUIRED,
                       message="integrasjonspunkt_tls_keystore_alias='%s' is not a private-key entry of %s; entries"
                       " found: %s" % (alias, where, names),
                       fix="Set integrasjonspunkt_tls_keystore_alias to the TLS key entry (one of: %s)."
                       % names)  # fmt: skip
    if found.get("key_password_ok") is False:
        return outcome("fail", "key password differs", REQUIRED,
                       message="the private key '%s' in %s has a password other than the store password; Spring's"
                       " difi.ssl.* takes one password" % (alias, where),
                       fix="Re-export the TLS keystore with one password.")  # fmt: skip
    if found.get("certificate") is None:
        return outcome("unknown", "certificate not read", REQUIRED,
                       message="the certificate of '%s' in %s could not be read" % (alias, where))  # fmt: skip
    return None


def judge_certificate(cert, names, names_from, warn_days, now):
    """(status, measured, messages, fix) of the TLS certificate: validity, extended key usage, names."""
    problems, warnings = [], []
    v = certs.validity(cert, now)
    days = int(v["days_left"]) if v["days_left"] >= 0 else -int(-v["days_left"] + 0.999999)
    if v["state"] == "expired":
        problems.append("expired on %s (%d days ago)" % (v["not_after"], -days))
    elif v["state"] == "not_yet_valid":
        problems.append("not valid before %s" % v["not_before"])
    elif v["days_left"] < warn_days:
        warnings.append("expires on %s, in %d days (warns below %g)" % (v["not_after"], days, warn_days))
    server_auth, usage = server_auth_allowed(cert)
    if not server_auth:
        problems.append("%s without serverAuth: TLS clients refuse it as a server certificate" % usage)
    missing, covered = missing_names(cert, names)
    if missing:
        problems.append(
            "%s (%s) not in its subjectAltName (%s)" % (", ".join(missing), names_from, ", ".join(covered) or "none")
        )
    status = "fail" if problems else "warn" if warnings else "pass"
    measured = "%d days left; %s; subjectAltName %s" % (days, usage, ", ".join(covered) or "none")
    message = "; ".join(problems + warnings) or "valid until %s; %s; covers %s" % (
        v["not_after"],
        usage,
        ", ".join(names),
    )
    return status, measured, message


class TlsCheck(Check):
    id = "certificate.tls"
    title = "The TLS certificate (difi.ssl.*) opens, is valid, is a server certificate for the names callers use"
    category = "certificate"
    severity = "fail"
    doc = "api_security"

    def evaluate(self, ctx):
        ks = ctx.get("tls_keystore")
        if ks is None:  # fail closed: no settings to judge is no verdict, never "TLS is off"
            return outcome("unknown", message="not checked: the TLS settings were not given to the check")
        if not ks.get("enabled"):
            return outcome("info", message="not checked: integrasjonspunkt_ssl_enabled=false (no inbound TLS)")
        if not ks.get("path"):
            return outcome(
                "info",
                "enterprise certificate",
                REQUIRED,
                message=FALLBACK,
                fix="To let callers check host names, set integrasjonspunkt_tls_keystore_src (and its _alias and"
                " _password) to a keystore with a TLS server certificate for integrasjonspunkt_tls_server_names.",
            )
        found = inspection(ctx)
        refused = _keystore_problem(ks, found)
        if refused:
            return refused
        now = ctx.get("now") or datetime.datetime.now(datetime.timezone.utc)
        warn_days = float(ctx["thresholds"]["cert_warn_days"])
        names = list(ks.get("server_names") or [])
        if not names:
            return outcome("unknown", None, REQUIRED, message="no host name to check the certificate against",
                           fix="Set integrasjonspunkt_tls_server_names.")  # fmt: skip
        status, measured, message = judge_certificate(
            found["certificate"], names, ks.get("names_from") or "integrasjonspunkt_tls_server_names", warn_days, now
        )
        fix = (
            None
            if status == "pass"
            else "Use a TLS server certificate (serverAuth) that is valid and names every host in"
            " integrasjonspunkt_tls_server_names in its subjectAltName."
        )
        return outcome(status, measured, REQUIRED, message=message, fix=fix)


TLS_CHECKS = (TlsCheck,)
