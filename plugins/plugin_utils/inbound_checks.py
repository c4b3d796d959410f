# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""inbound.port: the port the integrasjonspunkt will listen on is free, or held by our own service."""

import ipaddress

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils.check_base import (
    Check,
    outcome,
)

WILDCARDS = ("0.0.0.0", "::")


def _canonical(address):
    """The address as one form: an IPv4-mapped IPv6 (a Java socket on an IPv4 address) as IPv4; None if unreadable."""
    try:
        ip = ipaddress.ip_address(str(address or "").strip("[]"))
    except ValueError:
        return None
    mapped = getattr(ip, "ipv4_mapped", None)
    return str(mapped or ip)


def addresses_clash(listening, bind):
    """Whether a socket listening on `listening` keeps the integrasjonspunkt from binding `bind`.

    The same address, a wildcard on either side, or an address we cannot read (fail closed) is a clash.
    """
    listening, bind = _canonical(listening), _canonical(bind)
    return listening is None or bind is None or listening in WILDCARDS or bind in WILDCARDS or listening == bind


def _holder_text(holders):
    return ", ".join(
        "%s (pid %s: %s)" % (h.get("cmdline"), h.get("pid"), h.get("why"))
        if h.get("pid") is not None
        else "%s (%s)" % (h.get("cmdline"), h.get("why"))
        for h in holders
    )


class PortCheck(Check):
    """Free, or held by the install role's own integrasjonspunkt: its systemd unit, or in Docker mode its container.

    Recognised by the socket owner's cgroup (plugins/module_utils/listening.py), never by an answer or a name.
    """

    id = "inbound.port"
    title = "The integrasjonspunkt's inbound port is free"
    category = "inbound"
    needs = ("port",)

    def evaluate(self, ctx):
        port = ctx["settings"]["port"]
        info = ctx.get("port") or {}
        docker = ctx["settings"].get("run_mode") == "docker"
        # Java mode listens on every address; Docker mode publishes on integrasjonspunkt_bind_address.
        bind = ctx["settings"].get("bind_address", "0.0.0.0") if docker else "0.0.0.0"
        ours_is = "the role's container" if docker else "the role's systemd unit %s" % UNIT_NAME
        if "in_use" not in info:
            return outcome("unknown", required="free", message=info.get("msg") or "the port was not inspected")
        listeners = info.get("listeners") or []
        clashing = [s for s in listeners if addresses_clash(s.get("address"), bind)]
        holders = {h.get("pid"): h for h in info.get("holders") or []}
        foreign, unnamed, ours = [], [], []
        for sock in clashing:
            owners = [holders[pid] for pid in sock.get("pids") or [] if pid in holders]
            if not owners:
                # No visible process holds it: unreadable without root, or held by the kernel itself.
                (unnamed if not info.get("holders_complete", False) else foreign).append(
                    {"pid": None, "cmdline": "an unnamed holder", "why": "on %s" % sock.get("address")}
                )
            foreign += [h for h in owners if h.get("ours") is False]
            unnamed += [h for h in owners if h.get("ours") is None]
            ours += [h for h in owners if h.get("ours") is True]
        if info.get("in_use") and not listeners:  # in use, addresses unknown: assume the worst
            foreign.append({"pid": None, "cmdline": "an unnamed holder", "why": "address unknown"})
        published = (info.get("owner") or {}).get("published") if docker else None
        nat_ours, nat_problem = [], None
        if docker and not clashing:
            nat_foreign, nat_ours, nat_problem = _published_elsewhere(info, bind)
            foreign += nat_foreign
        if foreign:
            return self.failed(
                measured="in use by %s" % _holder_text(foreign),
                required="free",
                message="port %d is already taken on %s by %s" % (port, bind, _holder_text(foreign)),
                fix="Stop the process on port %d, or choose another port with integrasjonspunkt_port." % port,
            )
        if info.get("readable") is not True:
            return outcome(
                "unknown",
                None,
                "free",
                None,
                "the kernel's socket tables could not be read: %s" % (info.get("reason") or "no reason given"),
                "Check that /proc is mounted and readable (hidepid or a restricted container hides it).",
            )
        if unnamed:
            return outcome(
                "unknown",
                "in use",
                "free",
                None,
                "port %d is in use on %s, and whether the holder is %s cannot be told: %s"
                % (port, bind, ours_is, _holder_text(unnamed)),
                BECOME_FIX,
            )
        if nat_problem:
            return outcome(
                "unknown",
                None,
                "free",
                None,
                "nothing listens on port %d on %s, but whether a container publishes it through the engine's NAT"
                " rules cannot be told: %s" % (port, bind, nat_problem),
                ENGINE_FIX
                if (published or {}).get("denied")
                else "Make the engine answer at integrasjonspunkt_docker_host (see runtime.container_engine).",
            )
        if ours or nat_ours:
            return outcome(
                "pass",
                "held by the integrasjonspunkt",
                "free",
                None,
                "port %d is held by the integrasjonspunkt (%s)" % (port, _holder_text(ours + nat_ours)),
            )
        elsewhere = sorted({str(s.get("address")) for s in listeners})
        note = " (in use on %s only)" % ", ".join(elsewhere) if elsewhere else ""
        return outcome("pass", "free", "free", None, "port %d is free on %s%s" % (port, bind, note))


def _published_elsewhere(info, bind):
    """(foreign, ours, problem) from the engine's list of containers publishing the port (Docker mode).

    With the userland proxy off (or Podman's NAT) a published port has no listener on the host: only the
    engine knows. The role's container publishing it is ours; any other container clashing is foreign.
    """
    owner = info.get("owner") or {}
    published = owner.get("published")
    if published is None:
        return [], [], "the engine was not asked which containers publish it"
    if "reason" in published:
        return [], [], published["reason"]
    name = owner.get("container_name") or (owner.get("container") or {}).get("name")
    foreign, ours = [], []
    for found in published.get("containers") or []:
        if not addresses_clash(found.get("address"), bind):
            continue
        holder = {
            "pid": None,
            "cmdline": "container %s" % found.get("name"),
            "why": "published on %s through the engine's NAT rules, nothing listens on the host" % found.get("address"),
        }
        (ours if found.get("name") == name else foreign).append(holder)
    return foreign, ours, None


UNIT_NAME = "integrasjonspunkt.service"  # the integrasjonspunkt role's unit (roles/integrasjonspunkt/vars/main.yml)


BECOME_FIX = (
    "Run preflight with become (root) for this check: only root may see which process holds another user's socket."
)
ENGINE_FIX = (
    "Run preflight with become (root) for this check, or as a member of the engine socket's group (docker):"
    " only they may ask the engine which containers publish the port."
)
