# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The certificate.* checks: the keystore and the enterprise certificate (virksomhetssertifikat) in it.

Each rule is one Check over ``ctx["keystore"]``:

    {"available": bool, "reason": str, "path": str, "type": "PKCS12"|"JKS", "data": bytes or None,
     "password": str, "alias": str, "org_number": str, "environment": "production"|"test"}

plus ``ctx["thresholds"]["cert_warn_days"]``. Optional: ``ctx["certificate_issuers"]`` (the prepared
issuer data; default data/certificate_issuers.yml) and ``ctx["now"]`` (an aware datetime; default now).
The keystore is opened once per ctx and the findings are cached in ``ctx["_certificate_inspection"]``;
they hold public certificates only. No message ever holds the password or key material.
"""

import datetime

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import certificates as certs
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import identity
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import thresholds as th
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils.check_base import Check, outcome

MASKINPORTEN_CERT_DOC = "https://docs.digdir.no/docs/Maskinporten/maskinporten_virksomhetssertifikat"
# Where certificate.validity points an operator whose certificate expires (the margin is cert_warn_days).
RENEWAL_HINT = (
    "Then put it in place with playbooks/renew-certificate.yml (docs/certificate-renewal.md): it is checked first,"
    " and the old keystore comes back if the integrasjonspunkt does not start on the new one."
)
NOT_CONFIGURED = "not checked: no keystore configured"
CERTIFICATE_UNREAD = "not checked: the certificate could not be read from the keystore (see certificate.keystore)"

# The threshold lives once, in thresholds.py; this view keeps the shape keystore_check reads.
THRESHOLDS = {
    "cert_warn_days": {
        "default": th.THRESHOLDS["cert_warn_days"][0],
        "unit": th.THRESHOLDS["cert_warn_days"][1],
        "source": th.THRESHOLDS["cert_warn_days"][2],
    },
}


def _keystore(ctx):
    return ctx.get("keystore") or {}


def _not_configured(ctx):
    ks = _keystore(ctx)
    return not ks.get("available") and not ks.get("path")


def _issuers(ctx):
    if ctx.get("certificate_issuers") is None:
        ctx["certificate_issuers"] = certs.load_issuers()
    return ctx["certificate_issuers"]


def inspection(ctx):
    """Open the keystore once per ctx; the result holds findings and public certificates only."""
    return inspect_once(ctx, "_certificate_inspection", _keystore(ctx))


def inspect_once(ctx, cache_key, ks):
    """Open keystore `ks` once per ctx (cached under cache_key): findings and public certificates only."""
    cached = ctx.get(cache_key)
    if cached is not None:
        return cached
    if not ks.get("available") or ks.get("data") is None:
        result = {"opened": False, "verdict": "unreadable", "reason": ks.get("reason") or "the keystore was not read"}
    else:
        result = certs.inspect_keystore(ks["data"], ks.get("password") or "", ks.get("alias") or "", ks.get("type"))
    ctx[cache_key] = result
    return result


def _now(ctx):
    return ctx.get("now") or datetime.datetime.now(datetime.timezone.utc)


class CertificateCheck(Check):
    category = "certificate"
    severity = "fail"
    doc = "forberede"
    needs_certificate = True  # the rule reads the alias's certificate

    def evaluate(self, ctx):
        if _not_configured(ctx):
            return outcome("info", message=NOT_CONFIGURED)
        found = inspection(ctx)
        if self.needs_certificate and found.get("certificate") is None:
            return outcome("unknown", message=CERTIFICATE_UNREAD)
        return self.judge(ctx, found)

    def judge(self, ctx, found):
        raise NotImplementedError


def _where(ks):
    return "integrasjonspunkt_keystore_src='%s'" % ks.get("path")


class KeystoreCheck(CertificateCheck):
    id = "certificate.keystore"
    title = "The keystore opens with its password, holds the alias, and key password = store password"
    needs_certificate = False

    REQUIRED = "opens with integrasjonspunkt_keystore_password; alias is a private key; key password = store password"

    def judge(self, ctx, found):
        ks = _keystore(ctx)
        alias = ks.get("alias")
        where = _where(ks)
        if found.get("verdict") == "unreadable":
            return outcome(
                "fail",
                "not readable",
                self.REQUIRED,
                message="%s: %s" % (where, found["reason"]),
                fix="Give the path of the PKCS12 (or JKS) keystore holding the enterprise certificate, readable"
                " where it is read from (the controller, or the host with integrasjonspunkt_keystore_remote_src).",
            )
        if found.get("verdict") in ("unknown", "error"):
            fix = (
                "Install a Java (keytool) on the controller, or convert the keystore: %s"
                % certs.conversion_command(ks.get("path"), alias)
                if found.get("type") == "JKS"
                else "Report this as a bug in eformidling.integrasjonspunkt, with the keystore's type."
            )
            return outcome(found["verdict"], "not inspected", self.REQUIRED, message=found["reason"], fix=fix)
        if not found.get("opened") and found.get("type") in ("unknown", "JCEKS"):
            # No password opens it: the file is no keystore the integrasjonspunkt loads (certificate.jks says which).
            return outcome(
                "fail",
                "not a keystore",
                self.REQUIRED,
                message="%s cannot be opened: %s" % (where, found.get("reason") or "not a keystore"),
                fix="Point integrasjonspunkt_keystore_src at the PKCS12 file (.p12) of the enterprise certificate.",
            )
        if not found.get("opened"):
            return outcome(
                "fail",
                "does not open",
                self.REQUIRED,
                message="integrasjonspunkt_keystore_password (value hidden) does not open the keystore %s: %s"
                % (where, found.get("reason") or "wrong password"),
                fix="Set integrasjonspunkt_keystore_password to the keystore's store password.",
            )
        if found.get("type") == "PKCS12" and found.get("key_password_ok") is False and found.get("certificate") is None:
            return self._key_password_differs(where, alias)
        names = ", ".join(found.get("aliases") or []) or "none"
        if not found.get("alias_found"):
            return outcome(
                "fail",
                "alias missing",
                self.REQUIRED,
                message="integrasjonspunkt_keystore_alias='%s' is not in %s; entries found: %s" % (alias, where, names),
                fix="Set integrasjonspunkt_keystore_alias to the private-key entry's alias (one of: %s)." % names,
            )
        if not found.get("alias_is_key"):
            return outcome(
                "fail",
                "alias is not a key",
                self.REQUIRED,
                message="alias '%s' in %s is a certificate without its private key; entries found: %s"
                % (alias, where, names),
                fix="Use the keystore with the private key of the enterprise certificate (the .p12 from the issuer).",
            )
        if found.get("key_password_ok") is False:
            return self._key_password_differs(where, alias)
        return outcome(
            "pass",
            "opens; alias '%s' is a private key; key password = store password" % alias,
            self.REQUIRED,
            message="%s (%s) opens, and alias '%s' holds the private key and certificate"
            % (where, found.get("type"), alias),
        )

    def _key_password_differs(self, where, alias):
        return outcome(
            "fail",
            "key password differs",
            self.REQUIRED,
            message="the private key '%s' in %s is protected by a password other than the store password;"
            " the integrasjonspunkt uses one password for both" % (alias, where),
            fix="Re-export the PKCS12 with one password, or for JKS: keytool -keypasswd -alias %s -keystore <file>"
            " (keytool asks for the passwords)." % alias,
        )


class ValidityCheck(CertificateCheck):
    id = "certificate.validity"
    title = "The enterprise certificate is valid now and not about to expire"

    def judge(self, ctx, found):
        limit = float(ctx["thresholds"]["cert_warn_days"])
        v = certs.validity(found["certificate"], _now(ctx))
        days = int(v["days_left"]) if v["days_left"] >= 0 else -int(-v["days_left"] + 0.999999)
        required = ">= %g days left" % limit
        fix = (
            "Order a new virksomhetssertifikat (Buypass or Commfides); with DPO/DPE send it to Digdir before use. "
            + RENEWAL_HINT
        )
        if v["state"] == "expired":
            return outcome(
                "fail",
                days,
                required,
                "days",
                message="expired on %s (%d days ago): the integrasjonspunkt refuses to start" % (v["not_after"], -days),
                fix=fix,
            )
        if v["state"] == "not_yet_valid":
            return outcome(
                "fail",
                days,
                required,
                "days",
                message="not valid before %s: the integrasjonspunkt refuses to start until then (check the clock too)"
                % v["not_before"],
                fix="Wait until the certificate is valid, or use the current one; check that the clock is right.",
            )
        if v["days_left"] < limit:
            return outcome(
                "warn",
                days,
                required,
                "days",
                message="expires on %s, in %d days" % (v["not_after"], days),
                fix=fix,
            )
        return outcome("pass", days, required, "days", message="valid until %s (%d days)" % (v["not_after"], days))


class TypeCheck(CertificateCheck):
    id = "certificate.type"
    title = "An authentication certificate of SEID v1/v2 (not the signing part, not eSegl, not SSL)"
    doc = MASKINPORTEN_CERT_DOC

    REQUIRED = (
        "an RSA key (RS256); keyUsage digitalSignature without nonRepudiation; a SEID v1/v2 enterprise policy OID"
    )

    def judge(self, ctx, found):
        cert = found["certificate"]
        issuers = _issuers(ctx)
        oids = certs.policy_oids(cert)
        usage = certs.key_usage(cert)
        seid = certs.policy_matches(issuers["policies"]["production"] + issuers["policies"]["test"], oids)
        rejected = certs.policy_matches(issuers["rejected_policies"], oids)
        public_key = cert.public_key()
        measured = "%s; keyUsage %s; policies %s" % (
            type(public_key).__name__.lstrip("_"),
            ", ".join(sorted(usage)) if usage is not None else "absent",
            ", ".join(oids) or "none",
        )
        fix_auth = (
            "Use the authentication part of the virksomhetssertifikat: Buypass's 'autentisering og kryptering'"
            " file, Commfides's 'auth' file (Key Usage = Digital Signature)."
        )
        if certs.is_ca(cert):
            return self._bad(measured, "a CA certificate, not an enterprise certificate", fix_auth)
        if rejected:
            return self._bad(
                measured,
                "%s (policy %s), not a SEID enterprise certificate" % (rejected[0]["kind"], rejected[0]["oid"]),
                "Use a SEID v1/v2 virksomhetssertifikat from Buypass or Commfides; eSegl and SSL/TLS certificates"
                " are not accepted.",
            )
        if certs.dns_names(cert) and not seid:
            return self._bad(
                measured,
                "an SSL/TLS certificate (DNS names %s)" % ", ".join(certs.dns_names(cert)),
                "Use a SEID v1/v2 virksomhetssertifikat; an SSL/TLS certificate is not accepted.",
            )
        refusal = identity.key_refusal(public_key)  # the identity probe's own rule, so both agree
        if refusal:
            return outcome(
                "fail",
                measured,
                self.REQUIRED,
                message="%s: the integrasjonspunkt would start, and get no Maskinporten token" % refusal,
                fix="Use the RSA virksomhetssertifikat from Buypass or Commfides (the authentication part).",
            )
        if usage is None:
            return self._bad(measured, "no keyUsage extension; the authentication part has digitalSignature", fix_auth)
        if "content_commitment" in usage:
            return self._bad(measured, "the signing part (nonRepudiation), not the authentication part", fix_auth)
        if "digital_signature" not in usage:
            return self._bad(
                measured, "the encryption part (no digitalSignature), not the authentication part", fix_auth
            )
        if not seid:
            return self._bad(
                measured,
                "without a SEID v1/v2 enterprise certificate policy (known: data/certificate_issuers.yml)",
                "Use a virksomhetssertifikat from Buypass or Commfides (SEID v1/v2). If your issuer is new, add its"
                " policy OID with a source to data/certificate_issuers.yml.",
            )
        match = seid[0]
        return outcome(
            "pass",
            measured,
            self.REQUIRED,
            message="authentication certificate; policy %s (%s, SEID %s)"
            % (match["oid"], match["vendor"], match["seid"]),
        )

    def _bad(self, measured, what, fix):
        return outcome("fail", measured, self.REQUIRED, message="the certificate is %s" % what, fix=fix)


class OrgNumberCheck(CertificateCheck):
    id = "certificate.org_number"
    title = "The organisation number in the certificate equals integrasjonspunkt_org_number"

    def judge(self, ctx, found):
        expected = str(_keystore(ctx).get("org_number") or "").strip()
        value, where = certs.org_number(found["certificate"])
        subject = found["certificate"].subject.rfc4514_string()
        if not expected:
            return outcome(
                "unknown",
                value,
                None,
                message="integrasjonspunkt_org_number is not set; the certificate says %s" % (value or "none"),
                fix="Set integrasjonspunkt_org_number.",
            )
        if value is None:
            return outcome(
                "fail",
                None,
                expected,
                message="the certificate holds no organisation number (no organizationIdentifier NTRNO-<orgnr>, no"
                " 9-digit serialNumber): subject %s" % subject,
                fix="Use the virksomhetssertifikat issued to organisation %s." % expected,
            )
        if value != expected:
            return outcome(
                "fail",
                value,
                expected,
                message="the certificate is issued to %s (%s), integrasjonspunkt_org_number is %s"
                % (value, where, expected),
                fix="Use the virksomhetssertifikat of organisation %s, or correct integrasjonspunkt_org_number."
                % expected,
            )
        return outcome("pass", value, expected, message="issued to %s (%s)" % (value, where))


def certificate_environment(cert, chain, issuers):
    """(environment, how) of the issuer: a known CA by signature, else the policy OID arc; (None, why)."""
    ca = certs.issuing_ca(cert, issuers)
    if ca is None:
        linked = certs.build_chain(cert, chain, issuers)
        ca = linked.get("known_root")
    if ca is not None:
        return ca["environment"], "issued under %s (%s)" % (ca["name"], ca["environment"])
    oids = certs.policy_oids(cert)
    envs = [env for env in ("production", "test") if certs.policy_matches(issuers["policies"][env], oids)]
    if len(envs) == 1:
        return envs[0], "policy %s is a %s policy" % (", ".join(oids), envs[0])
    return None, "issuer %s is not a known SEID issuer" % cert.issuer.rfc4514_string()


class EnvironmentCheck(CertificateCheck):
    id = "certificate.environment"
    title = "A production issuer for production, a test issuer for test"

    def judge(self, ctx, found):
        wanted = _keystore(ctx).get("environment") or "production"
        env, how = certificate_environment(found["certificate"], found.get("chain") or [], _issuers(ctx))
        if env is None:
            return outcome(
                "unknown",
                None,
                wanted,
                message="%s, so its environment is not known (see certificate.chain)" % how,
                fix="Use a virksomhetssertifikat from Buypass or Commfides for %s." % wanted,
            )
        if env != wanted:
            return outcome(
                "fail",
                env,
                wanted,
                message="a %s certificate for integrasjonspunkt_environment=%s: %s" % (env, wanted, how),
                fix="Use a %s virksomhetssertifikat for %s; test and production certificates are not interchangeable."
                % (wanted, wanted),
            )
        return outcome("pass", env, wanted, message=how)


class ChainCheck(CertificateCheck):
    id = "certificate.chain"
    title = "The certificate chain is complete up to a known root"

    def judge(self, ctx, found):
        issuers = _issuers(ctx)
        linked = certs.build_chain(found["certificate"], found.get("chain") or [], issuers)
        names = [cert.subject.rfc4514_string() for cert, _origin in linked["path"]]
        in_keystore = sum(1 for _cert, origin in linked["path"] if origin == "keystore")
        measured = " -> ".join(names)
        required = "complete to a known SEID root"
        if linked["complete"]:
            return outcome(
                "pass",
                measured,
                required,
                message="complete to %s (%s): %d of %d certificates from the keystore, the rest from the known issuer"
                " data" % (linked["known_root"]["name"], linked["known_root"]["environment"], in_keystore, len(names)),
            )
        if linked["unknown_root"]:
            return outcome(
                "fail",
                measured,
                required,
                message="the chain ends at a root that is not a known SEID root: %s" % linked["unknown_root"],
                fix="Use a virksomhetssertifikat from Buypass or Commfides (roots in data/certificate_issuers.yml).",
            )
        return outcome(
            "fail",
            measured,
            required,
            message="incomplete: the issuer %s is neither in the keystore nor a known SEID CA" % linked["missing"],
            fix="Import the issuer's CA certificates into the keystore, or use a virksomhetssertifikat from Buypass"
            " or Commfides.",
        )


class JksCheck(CertificateCheck):
    id = "certificate.jks"
    title = "The keystore is PKCS12 (v4 warns about JKS)"
    severity = "warn"
    needs_certificate = False

    def judge(self, ctx, found):
        ks = _keystore(ctx)
        declared = ks.get("type") or "PKCS12"
        required = "PKCS12"
        if not ks.get("available") or ks.get("data") is None:  # judged by the file, never by the configured type
            return outcome(
                "unknown",
                "not read",
                required,
                message="%s: %s" % (_where(ks), ks.get("reason") or "the keystore was not read"),
                fix="Make the keystore readable where it is read from (see certificate.keystore).",
            )
        actual = certs.keystore_format(ks["data"])
        if actual is None:
            return outcome(
                "fail",
                "not a keystore",
                required,
                message="%s is not a keystore: neither PKCS12 (an ASN.1 SEQUENCE), JKS (0xFEEDFEED) nor JCEKS"
                " (0xCECECECE)" % _where(ks),
                fix="Point integrasjonspunkt_keystore_src at the PKCS12 file (.p12) of the enterprise certificate.",
            )
        if actual == "JCEKS":
            return outcome(
                "fail",
                "JCEKS",
                required,
                message="%s is a JCEKS keystore, which the integrasjonspunkt does not open (it loads JKS or PKCS12)"
                % _where(ks),
                fix="Convert it: %s"
                % certs.conversion_command(ks.get("path"), ks.get("alias")).replace(
                    "-srcstoretype JKS", "-srcstoretype JCEKS"
                ),
            )
        if actual == "JKS":
            return outcome(
                "warn",
                "JKS",
                required,
                message="%s is a JKS keystore; the integrasjonspunkt v4 logs a warning for JKS (SecureDefaultsLogger)"
                " and recommends PKCS12" % _where(ks),
                fix="Convert it: %s" % certs.conversion_command(ks.get("path"), ks.get("alias")),
            )
        if declared != actual:
            return outcome(
                "warn",
                actual,
                required,
                message="integrasjonspunkt_keystore_type=%s, but the file is %s" % (declared, actual),
                fix="Set integrasjonspunkt_keystore_type: %s." % actual,
            )
        return outcome("pass", actual, required, message="%s is a PKCS12 keystore" % _where(ks))


CERTIFICATE_CHECKS = (
    KeystoreCheck,
    ValidityCheck,
    TypeCheck,
    OrgNumberCheck,
    EnvironmentCheck,
    ChainCheck,
    JksCheck,
)


def run(ctx):
    """Every certificate check's result (Check.run: one broken check never hides another)."""
    return [cls().run(ctx) for cls in CERTIFICATE_CHECKS]
