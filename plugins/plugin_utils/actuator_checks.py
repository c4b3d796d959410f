# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The actuator (/manage/*) checks: security.actuator judges a running integrasjonspunkt from its host,
config.actuator warns when the settings keep upstream's open defaults. docs/management-port.md.

judge() is pure and takes module_utils/actuator_probe.collect()'s answer as it is, so any play that runs the
probe (preflight's gather, a status run) gets the same verdict.
"""

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import management
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils.check_base import Check, outcome

# Endpoints nobody may reach without credentials; health (and info) are meant to be open.
DANGEROUS = ("heapdump", "threaddump", "configprops", "env", "beans", "mappings", "loggers", "shutdown")
WHY = {
    "heapdump": "the JVM's memory: keystore and API passwords, Maskinporten tokens",
    "threaddump": "every thread's stack",
    "configprops": "the configuration",
    "env": "the environment and properties",
    "beans": "the application's internals",
    "mappings": "every route",
    "loggers": "the log levels",
    "shutdown": "POST stops the integrasjonspunkt",
}
FIX = (
    "Set integrasjonspunkt_actuator_exposure: locked (the default) and run the install role again: only"
    " /manage/health and /manage/info stay open. docs/management-port.md"
)
REQUIRED = "every endpoint but health and info refused without credentials (404, 401 or 403)"


def grade(status):
    """open (answers: 2xx, or 405 = exposed with another method), closed (404), protected (401/403), unknown."""
    if status is None:
        return "unknown"
    if 200 <= status < 300 or status == 405:
        return "open"
    if status == 404:
        return "closed"
    if status in (401, 403):
        return "protected"
    return "unknown"


def _where(target):
    return "%s://%s:%s" % (target.get("scheme"), target.get("host"), target.get("port"))


def judge(result):
    """The outcome of security.actuator from actuator_probe.collect()'s answer (pure, fail closed)."""
    if not isinstance(result, dict):
        return outcome("unknown", None, REQUIRED, None, "the actuator was not probed (no probe result)")
    running = result.get("running")
    if running is False:
        return outcome(
            "info",
            "not running",
            REQUIRED,
            None,
            "not applicable: the integrasjonspunkt does not run on port %s here (%s); judged once it runs"
            % (result.get("port"), result.get("reason") or "not held by it"),
        )
    if running is not True:
        return outcome(
            "unknown",
            None,
            REQUIRED,
            None,
            "not asked: %s" % (result.get("reason") or "whether the integrasjonspunkt runs is not known"),
            "Run preflight with become (root), so the holder of the port can be named.",
        )
    targets = result.get("targets") or []
    if not targets:
        return outcome("unknown", None, REQUIRED, None, "the integrasjonspunkt runs, but no actuator address was asked")
    opened, unknown, seen = [], [], []
    for target in targets:
        for answer in target.get("answers") or []:
            endpoint = answer.get("endpoint")
            if endpoint not in DANGEROUS:
                continue
            verdict = grade(answer.get("status")) if "error" not in answer else "unknown"
            text = "%s %s on %s: %s" % (
                answer.get("method"),
                answer.get("path"),
                _where(target),
                answer.get("status") if "error" not in answer else answer.get("error"),
            )
            seen.append(endpoint)
            if verdict == "open":
                opened.append("%s (%s)" % (text, WHY.get(endpoint, "")))
            elif verdict == "unknown":
                unknown.append(text)
    missing = [e for e in DANGEROUS if e not in seen]
    if opened:
        return outcome(
            "fail",
            "%d open without credentials" % len(opened),
            REQUIRED,
            None,
            "the actuator answers without credentials: %s" % "; ".join(opened),
            FIX,
        )
    if unknown or missing:
        return outcome(
            "unknown",
            None,
            REQUIRED,
            None,
            "no verdict for: %s" % "; ".join(unknown + ["%s was not asked" % e for e in missing]),
            "Check that the integrasjonspunkt answers on its port from this host, then run preflight again.",
        )
    return outcome(
        "pass",
        "closed",
        REQUIRED,
        None,
        "asked from the host without credentials on %s: %s refused"
        % (", ".join(_where(t) for t in targets), ", ".join(DANGEROUS)),
    )


class ActuatorCheck(Check):
    """A running integrasjonspunkt's actuator, asked from its host without credentials."""

    id = "security.actuator"
    title = "The actuator (/manage/*) is closed but for health and info"
    category = "security"
    doc = "api_security"
    needs = ("actuator",)

    def applies(self, ctx):
        # Asked whenever preflight selects it (the gather then returns an answer or an error for it).
        return ctx.get("actuator") is not None or "actuator" in (ctx.get("errors") or {})

    def evaluate(self, ctx):
        return judge(ctx.get("actuator"))


class ActuatorConfigCheck(Check):
    """The settings keep upstream's actuator (every endpoint but env, open): an explicit choice, warned about."""

    id = "config.actuator"
    title = "The install closes the actuator (integrasjonspunkt_actuator_exposure: locked)"
    category = "config"
    severity = "warn"
    doc = "api_security"

    def applies(self, ctx):
        # The settings model always derives it; a context built without the model (older callers) has none.
        return "management" in (ctx.get("settings") or {})

    def evaluate(self, ctx):
        settings = (ctx.get("settings") or {}).get("management")
        if not isinstance(settings, dict) or settings.get("exposure") not in management.EXPOSURES:
            raise ValueError("the settings hold no actuator exposure: %r" % (settings,))
        if settings["exposure"] == "locked":
            return outcome(
                "pass",
                "locked",
                "locked",
                None,
                "only /manage/health and /manage/info%s are exposed%s"
                % (
                    " and /manage/prometheus" if settings.get("metrics") else "",
                    " (on the management port %s)" % settings.get("port") if settings.get("separate") else "",
                ),
            )
        return self.failed(
            measured="upstream",
            required="locked",
            message="integrasjonspunkt_actuator_exposure=upstream: the integrasjonspunkt exposes every actuator"
            " endpoint but env without credentials, so anyone who reaches port %s can download /manage/heapdump"
            " (the keystore and API passwords, Maskinporten tokens), read thread dumps and configuration, and"
            " POST /manage/shutdown" % (settings.get("port") or (ctx.get("settings") or {}).get("port")),
            fix="Set integrasjonspunkt_actuator_exposure: locked, or waive it with a reason (for example KOSMOS"
            " needs /manage/shutdown and the port is firewalled): preflight_ignore: [{id: config.actuator,"
            " reason: ...}].",
        )


ACTUATOR_CHECKS = (ActuatorConfigCheck, ActuatorCheck)
