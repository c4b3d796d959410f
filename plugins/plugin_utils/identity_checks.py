# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The identity.* checks: the opt-in identity probe's answers, judged.

``ctx["identity"]`` is the engine's plan for the probe:

    {"enabled": bool, "client_id": str, "scopes": [str], "token_url": str, "audience": str,
     "service_registry_url": str, "refusal": None or (status, message, fix)}

and ``ctx["identity_probe"]`` what the host's probe returned (plugins/module_utils/identity_probe.py):
{"token": step, "virksert": step, "jwk": step}. A probe that crashed on the host is under
``ctx["errors"]["identity"]`` and makes both checks ``error`` (Check.needs). No message ever holds the
grant or the token: the host never returns the token, and the grant is not in ctx.
"""

import datetime

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import certificate_checks, docs
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import certificates as certs
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import identity as ident
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils.check_base import (
    Check,
    error_outcome,
    outcome,
)

MASKINPORTEN_TROUBLESHOOTING = "https://docs.digdir.no/docs/Maskinporten/maskinporten_feilsoking"
NOT_ENABLED = "not run: the identity probe is opt-in (preflight_identity_probe: true)"


def _plan(ctx):
    return ctx.get("identity") or {}


def _step(ctx, name):
    return (ctx.get("identity_probe") or {}).get(name) or {}


def _not_run(ctx):
    """The outcome when the probe did not run (opt-in off, or refused before it), else None."""
    plan = _plan(ctx)
    if not plan.get("enabled"):
        return outcome("info", message=NOT_ENABLED)
    refusal = plan.get("refusal")
    if refusal:
        status, message, fix = refusal
        return outcome(status, "not run", message=message, fix=fix)
    if not ctx.get("identity_probe"):
        return error_outcome("no verdict: the host returned no identity probe result")
    return None


def _step_failure(step, what, see):
    """unknown (the network path failed: no verdict) or error (our own code failed) for a step without an answer."""
    if step.get("outcome") == "network":
        return outcome(
            "unknown",
            "no answer",
            message="%s could not be reached from the host: %s" % (what, step.get("error")),
            fix="Make the endpoint reachable through the integrasjonspunkt's proxy (see %s)." % see,
        )
    out = error_outcome("no verdict: the %s step failed: %s" % (step.get("step"), step.get("error")))
    out["exception"] = step.get("exception")
    return out


class IdentityCheck(Check):
    category = "identity"
    severity = "fail"
    needs = ("identity",)


class GrantCheck(IdentityCheck):
    id = "identity.grant"
    title = "Maskinporten grants MOVE_IP_<orgnr> a token for the enabled services' scopes"
    doc = MASKINPORTEN_TROUBLESHOOTING

    def evaluate(self, ctx):
        early = _not_run(ctx)
        if early:
            return early
        plan = _plan(ctx)
        required = "a token for %s with scopes %s" % (plan.get("client_id"), " ".join(plan.get("scopes") or []))
        step = _step(ctx, "token")
        if step.get("outcome") == "ok":
            return outcome(
                "pass",
                "token granted (scope: %s)" % (step.get("scope") or "none listed"),
                required,
                message="Maskinporten %s granted %s a token %s" % (plan.get("token_url"), plan.get("client_id"),
                                                                   step.get("route") or ""),
            )  # fmt: skip
        if step.get("outcome") == "http":
            meaning, fix = ident.explain_token_error(
                step.get("error"), step.get("error_description"), plan.get("client_id"), plan.get("scopes")
            )
            measured = "HTTP %s %s: %s" % (
                step.get("http_status"),
                step.get("error") or "",
                step.get("error_description") or "",
            )
            return outcome(
                "fail",
                measured.strip(),
                required,
                message="Maskinporten refused the grant of %s: %s" % (plan.get("client_id"), meaning),
                fix=fix,
            )
        return _step_failure(step, "Maskinporten (%s)" % plan.get("token_url"), "connectivity.maskinporten")


def _registry_certificate(ctx):
    """(x509 certificate of the directory, how it was read); raises ValueError when it cannot be trusted."""
    body = _step(ctx, "virksert").get("body") or ""
    jwk = _step(ctx, "jwk")
    if ident.is_jws(body) and jwk and jwk.get("outcome") != "ok":
        detail = jwk.get("error") or "HTTP %s" % jwk.get("http_status")
        raise ValueError("the answer is signed, but the service registry's JWK set could not be read: %s" % detail)
    pem, how = ident.registry_certificate(body, jwk.get("body") if jwk else None)
    from cryptography import x509  # noqa: PLC0415

    try:
        return x509.load_pem_x509_certificate(pem.encode("utf-8")), how
    except ValueError:
        raise ValueError("the directory's answer is not a PEM certificate") from None


class VirksertCheck(IdentityCheck):
    id = "identity.virksert"
    title = "The certificate directory (virksert) holds the keystore's certificate"
    doc = docs.url("installasjon/forberede_installasjon", docs.VIRKSERT_ANCHOR)

    def evaluate(self, ctx):
        early = _not_run(ctx)
        if early:
            return early
        plan = _plan(ctx)
        services = set((ctx.get("settings") or {}).get("services") or [])
        checked = sorted(services & {"DPO", "DPE"})
        # Only with DPO or DPE does the integrasjonspunkt stop on this (IntegrasjonspunktCertificateValidator).
        miss = "fail" if checked else "warn"
        why = (
            "the integrasjonspunkt refuses to start (with %s)" % "/".join(checked)
            if checked
            else "the integrasjonspunkt starts (no DPO/DPE), but senders encrypt to the directory's certificate"
        )
        url = "%s/virksert/%s" % (plan.get("service_registry_url"), plan.get("org_number"))
        keystore_cert = certificate_checks.inspection(ctx).get("certificate")
        required = "the keystore's certificate (serial %s)" % (
            ident.serial_hex(keystore_cert.serial_number) if keystore_cert is not None else "unknown"
        )
        token = _step(ctx, "token")
        if token.get("outcome") != "ok":
            return outcome("unknown", "not looked up", required, message="not looked up: no token (see identity.grant)")
        step = _step(ctx, "virksert")
        send = (
            "Send the public part of the enterprise certificate to Digdir (servicedesk@digdir.no) for the certificate"
            " directory, and wait for the confirmation before installing."
        )
        if step.get("outcome") == "http":
            status = step.get("http_status")
            if status in (400, 404):
                return outcome(
                    miss,
                    "HTTP %s: no entry" % status,
                    required,
                    message="%s has no certificate for this organisation: %s" % (url, why),
                    fix=send,
                )
            if status in (401, 403):
                return outcome(
                    miss,
                    "HTTP %s" % status,
                    required,
                    message="the service registry refused the Maskinporten token at %s: %s" % (url, why),
                    fix="Ask Digdir (servicedesk@digdir.no) to check the organisation's eFormidling onboarding.",
                )
            return outcome(
                "unknown",
                "HTTP %s" % status,
                required,
                message="the service registry answered HTTP %s at %s" % (status, url),
                fix="Try again later; if it persists, ask Digdir (servicedesk@digdir.no).",
            )
        if step.get("outcome") != "ok":
            return _step_failure(step, "The service registry (%s)" % url, "connectivity.eformidling")
        if keystore_cert is None:
            return outcome("unknown", message=certificate_checks.CERTIFICATE_UNREAD)
        try:
            registered, how = _registry_certificate(ctx)
        except ValueError as exc:
            return outcome(
                miss,
                "not trusted",
                required,
                message="%s: %s: %s" % (url, exc, why),
                fix="Check the proxy: a proxy that rewrites answers breaks the signature (difi.move.sign.enable).",
            )
        mine, theirs = ident.serial_hex(keystore_cert.serial_number), ident.serial_hex(registered.serial_number)
        state = certs.validity(registered, ctx.get("now") or datetime.datetime.now(datetime.timezone.utc))["state"]
        if mine != theirs:
            return outcome(
                miss,
                "serial %s" % theirs,
                required,
                message="the directory holds another certificate (serial %s, %s) than the keystore (serial %s): %s"
                % (theirs, registered.subject.rfc4514_string(), mine, why),
                fix=send,
            )
        if state != "valid":
            return outcome(
                miss,
                "serial %s, %s" % (theirs, state.replace("_", " ")),
                required,
                message="the directory's certificate is %s: %s" % (state.replace("_", " "), why),
                fix=send,
            )
        return outcome(
            "pass",
            "serial %s" % theirs,
            required,
            message="%s holds the keystore's certificate (serial %s; %s)" % (url, theirs, how),
        )


IDENTITY_CHECKS = (GrantCheck, VirksertCheck)
