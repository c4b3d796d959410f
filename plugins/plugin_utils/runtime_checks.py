# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""runtime.* checks: the Java runtime (java mode) and the container engine (docker mode)."""

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import plan
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils.check_base import (
    Check,
    _section,
    outcome,
)


class JavaCheck(Check):
    """Judges the install role's own Java plan (plugin_utils.plan), so preflight and install agree."""

    id = "runtime.java"
    title = "Java runtime for the integrasjonspunkt"
    category = "runtime"
    doc = "sporsmal"
    needs = ("resources",)

    def applies(self, ctx):
        return ctx["settings"].get("run_mode", "java") == "java"

    def evaluate(self, ctx):
        settings = ctx["settings"]
        java = plan.java_plan(
            settings, ctx["resources"], settings.get("java_packages"), settings.get("java_install_method", "auto")
        )
        need = java["need"]
        docs_note = " (the docs FAQ still says Java 8; that is for 2.x)" if need >= 21 else ""
        if java["action"] == "use":
            return outcome(
                "pass",
                java["major"],
                need,
                "Java major",
                "Java %s at %s (%s); the install role uses this one%s"
                % (java["major"], java["path"], java["reason"], docs_note),
            )
        if java["action"] == "refuse":
            return self.failed(
                measured=None,
                required=need,
                unit="Java major",
                message="%s; integrasjonspunkt %s needs Java %s+" % (java["reason"], settings.get("version"), need),
                fix="Install Java %s+ and set integrasjonspunkt_java_path to its java binary, or let the role"
                " install it (integrasjonspunkt_java_install_method: auto)." % need,
            )
        if java["method"] == "distribution":
            return outcome(
                "info",
                None,
                need,
                "Java major",
                "%s; integrasjonspunkt %s needs Java %s+%s; the install role installs %s"
                % (java["reason"], settings.get("version"), need, docs_note, java["package"]),
                "Nothing to do: the integrasjonspunkt role installs %s. Or set integrasjonspunkt_java_path."
                % java["package"],
            )
        return outcome(
            "warn",
            None,
            need,
            "Java major",
            "%s and this distribution has no Java %s package: the install role adds the Temurin repository"
            % (java["reason"], need),
            "Make packages.adoptium.net reachable (install.adoptium; integrasjonspunkt_temurin_repo_url), "
            "or install Java %s+ and set integrasjonspunkt_java_path." % need,
        )


class ContainerEngineCheck(Check):
    id = "runtime.container_engine"
    title = "Container engine for Docker mode"
    category = "runtime"
    doc = "docker"
    needs = ("resources",)

    def applies(self, ctx):
        return ctx["settings"].get("run_mode") == "docker"

    def evaluate(self, ctx):
        runtimes = _section(ctx["resources"], "runtimes")
        engine = runtimes.get("container_engine") or {}
        where = ctx["settings"].get("docker_host") or "the default socket"
        if engine.get("available") and engine.get("answers"):
            return outcome(
                "pass",
                "%s %s (server %s)" % (engine.get("name"), engine.get("version"), engine.get("server_version")),
                "an engine that answers",
                None,
                "%s answers at %s" % (engine.get("name"), where),
            )
        if not engine.get("available"):
            return self.failed(
                measured="missing",
                required="docker that answers at %s" % where,
                message=engine.get("reason") or "no container engine found",
                fix="Install Docker (Debian/Ubuntu: docker.io or Docker CE) and start it; Podman is not supported"
                " by the install role yet.",
            )
        if engine.get("permission_denied"):
            return self.failed(
                measured="permission denied",
                required="this user may use %s" % where,
                message="%s runs, but the connecting user may not use its socket: %s"
                % (engine.get("name"), engine.get("reason")),
                fix="Run the play with become (the install role does), or add the user to the docker group.",
            )
        return self.failed(
            measured="%s does not answer" % engine.get("binary"),
            required="docker that answers at %s" % where,
            message=engine.get("reason") or "the engine does not answer",
            fix="Start the Docker engine (systemctl start docker), or point integrasjonspunkt_docker_host at its"
            " socket.",
        )
