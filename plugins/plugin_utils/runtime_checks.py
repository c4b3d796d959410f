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


# What Docker mode needs of the connecting user, said once for every refusal of the engine's socket.
SOCKET_RIGHTS_FIX = (
    "Run the play with become (the install role does; preflight needs it for this check only), or add the user"
    " to the docker group, the group of Docker's socket %s (Podman's rootful socket is root's only: become)."
)
# When the probe could tell the socket's group (runtimes.container_engine.socket_group): that group, by name.
SOCKET_GROUP_FIX = (
    "Run the play with become (the install role does; preflight needs it for this check only), or add the user"
    " to the group %s, which owns the socket %s (the user's next login has it)."
)
SOCKET_ROOT_FIX = (
    "Run the play with become (the install role does; preflight needs it for this check only): the socket %s"
    " belongs to group root, so no group but root's grants it."
)


def _socket_rights_fix(group, where):
    if not group:
        return SOCKET_RIGHTS_FIX % where
    if group in ("root", "0"):
        return SOCKET_ROOT_FIX % where
    return SOCKET_GROUP_FIX % (group, where)


class ContainerEngineCheck(Check):
    """The engine the install role will drive at integrasjonspunkt_docker_host: Docker, or Podman's
    Docker-compatible API service (podman.socket), asked through that socket itself."""

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
        if engine.get("permission_denied"):
            return self.failed(
                measured="permission denied",
                required="this user may use %s" % where,
                message="%s runs, but the connecting user may not use its socket: %s"
                % (engine.get("name"), engine.get("reason")),
                fix=_socket_rights_fix(engine.get("socket_group"), where),
            )
        if not engine.get("available"):
            return self.failed(
                measured="missing",
                required="docker that answers at %s" % where,
                message=engine.get("reason") or "no container engine found",
                fix="Install Docker (Debian/Ubuntu: docker.io or Docker CE) and start it; on RHEL 8/9 Podman with its"
                " API socket (dnf install podman; systemctl enable --now podman.socket) and"
                " integrasjonspunkt_docker_host unix:///run/podman/podman.sock.",
            )
        if engine.get("name") == "podman":
            return self.failed(
                measured="%s does not answer" % (engine.get("binary") or "podman"),
                required="podman's API service answering at %s" % where,
                message=engine.get("api_reason") or engine.get("reason") or "the engine does not answer",
                fix="Start Podman's Docker-compatible API service (systemctl enable --now podman.socket) and point"
                " integrasjonspunkt_docker_host at it (unix:///run/podman/podman.sock).",
            )
        return self.failed(
            measured="%s does not answer" % engine.get("binary"),
            required="docker that answers at %s" % where,
            message=engine.get("reason") or "the engine does not answer",
            fix="Start the Docker engine (systemctl start docker), or point integrasjonspunkt_docker_host at its"
            " socket.",
        )


class ContainerDnsCheck(Check):
    """The resolvers the role's container will get (module_utils/container_dns.py): the role's setting, else
    the engine's own DNS, else the host's non-loopback resolvers; with none left the engine gives 8.8.8.8."""

    id = "runtime.container_dns"
    title = "Resolvers of the integrasjonspunkt's container"
    category = "runtime"
    doc = "docker"
    needs = ("resources",)

    def applies(self, ctx):
        return ctx["settings"].get("run_mode") == "docker"

    def evaluate(self, ctx):
        configured = ctx["settings"].get("container_dns") or []
        if configured:
            return outcome(
                "pass",
                ", ".join(configured),
                "resolvers the container can reach",
                None,
                "the role gives the container the resolvers %s (integrasjonspunkt_container_dns)"
                % ", ".join(configured),
            )
        # Read even when the engine is missing: the resolvers are the host's and the engine's files.
        dns = (((ctx.get("resources") or {}).get("runtimes") or {}).get("container_engine") or {}).get("dns")
        if not isinstance(dns, dict) or dns.get("reason") or not dns.get("effective"):
            why = dns.get("reason") if isinstance(dns, dict) else None
            return outcome(
                "unknown",
                None,
                "resolvers the container can reach",
                None,
                "the resolvers the container would get could not be told: %s" % (why or "not gathered"),
                "Make /etc/resolv.conf (and the engine's configuration) readable, or set"
                " integrasjonspunkt_container_dns.",
            )
        effective = ", ".join(dns["effective"])
        if dns.get("engine_dns"):
            return outcome(
                "pass",
                effective,
                "resolvers the container can reach",
                None,
                "the engine gives containers the resolvers %s (%s)" % (effective, dns.get("engine_source")),
            )
        if dns.get("substituted"):
            host = ", ".join(dns.get("host_nameservers") or []) or "none"
            return outcome(
                "warn",
                "%s (the engine's substitute)" % effective,
                "resolvers the container can reach",
                None,
                "the host's only resolvers are on loopback (%s in %s), which a container cannot reach: the engine"
                " gives the container %s instead; where those are unreachable, the integrasjonspunkt's lookups and"
                " TLS handshakes stall" % (host, dns.get("host_source"), effective),
                "Set integrasjonspunkt_container_dns to resolvers the container can reach (the host's upstream"
                " resolver, or a local resolver listening on the engine's bridge address).",
            )
        return outcome(
            "pass",
            effective,
            "resolvers the container can reach",
            None,
            "the container gets the host's resolvers %s (%s)" % (effective, dns.get("host_source")),
        )
