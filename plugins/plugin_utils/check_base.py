# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The check framework every check family builds on: one requirement as a Check with a stable ID, its outcome.

A check that raises, or whose facts could not be gathered, is ``error`` (Check.run): never ``pass``.
The registry, the waivers and run_checks live in checks.py.
"""

import traceback

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import docs, plan

DOCS = {
    "forberede": docs.url("installasjon/forberede_installasjon"),
    "installasjon": docs.url("installasjon/installasjon"),
    "sporsmal": docs.url("Selvhjelp/sporsmal_og_svar"),
    "production": docs.url("Miljo/produksjon"),
    "test": docs.url("Miljo/test"),
    "docker": docs.url("installasjon/installasjon", "docker-spesifikk-konfigurasjon"),
    "last_ned": docs.url("Introduksjon/last_ned"),
    # difi.ssl.* and difi.security.* are described on the installation page.
    "api_security": docs.url("installasjon/installasjon"),
}


# `error`: our own code crashed, timed out or could not gather the facts; it fails the host like `fail`.
STATUSES = ("pass", "info", "warn", "unknown", "error", "fail")


FAILING = ("fail", "error")


SEVERITIES = ("fail", "warn", "info")


MIB = 1024 * 1024


GB = 1000 * 1000 * 1000


java_package = plan.java_package


required_java_major = plan.required_java_major


def outcome(status, measured=None, required=None, unit=None, message="", fix=None):
    return {
        "status": status,
        "measured": measured,
        "required": required,
        "unit": unit,
        "message": message,
        "fix": fix,
    }


class Check:
    """One requirement. Subclasses set the class attributes and implement evaluate(ctx)."""

    id = None
    title = None
    category = None
    severity = "fail"  # what a failed requirement means by default
    doc = "forberede"
    # The gathered sections this check reads: when one of them could not be gathered, the check is `error`.
    needs = ()

    def applies(self, ctx):
        return True

    def evaluate(self, ctx):
        raise NotImplementedError

    def failed(self, **kwargs):
        return outcome(self.severity, **kwargs)

    def base(self):
        return {
            "id": self.id,
            "title": self.title,
            "category": self.category,
            "severity": self.severity,
            "doc_url": DOCS.get(self.doc, self.doc),
            "ignored": None,
        }

    def run(self, ctx):
        result = self.base()
        missing = [(name, (ctx.get("errors") or {})[name]) for name in self.needs if name in (ctx.get("errors") or {})]
        if missing:
            name, err = missing[0]
            result.update(
                error_outcome(
                    "no verdict: the %s facts could not be gathered: %s" % (name, err.get("message")),
                    err.get("exception"),
                )
            )
            return result
        try:
            result.update(self.evaluate(ctx))
        except Exception as exc:  # isolate: one broken check never hides another, and never passes
            result.update(
                error_outcome(
                    "no verdict: the check itself crashed: %s: %s" % (type(exc).__name__, exc),
                    "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
                )
            )
        if result.get("status") not in STATUSES:
            result.update(error_outcome("no verdict: the check returned status %r" % (result.get("status"),)))
        return result


def error_outcome(message, exception=None):
    out = outcome(
        "error",
        message=message,
        fix="This is not a finding about the host: fix the cause above, or report it as a bug in "
        "eformidling.integrasjonspunkt with the exception text from the JSON report.",
    )
    out["exception"] = exception
    return out


def _section(facts, name):
    section = (facts or {}).get(name) or {}
    return section if section.get("available", True) else {}


def _unavailable_reason(facts, name):
    section = (facts or {}).get(name) or {}
    return section.get("reason") or "the %s facts were not gathered" % name


def _sentence(text):
    """Upper-case the first letter only (str.capitalize() would lower-case paths and units)."""
    return text[:1].upper() + text[1:]
