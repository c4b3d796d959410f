# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Preflight judgement: every documented requirement as one check object with a stable ID.

Pure functions over the facts the modules gathered; no I/O. Every check runs, an exception in
one becomes that check's failure, and ignoring a check downgrades fail to warn but keeps it in
the report (kubeadm's --ignore-preflight-errors, InSpec waivers).
"""

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import thresholds as th

DOCS = {
    "forberede": th.FORBEREDE,
    "installasjon": "https://docs.digdir.no/docs/eFormidling/installasjon/installasjon",
    "sporsmal": th.SPORSMAL,
    "production": "https://docs.digdir.no/docs/eFormidling/Miljo/produksjon",
    "test": "https://docs.digdir.no/docs/eFormidling/Miljo/test",
    "docker": "https://docs.digdir.no/docs/eFormidling/installasjon/installasjon_docker",
    "last_ned": "https://docs.digdir.no/docs/eFormidling/installasjon/last_ned",
}

STATUSES = ("pass", "info", "warn", "unknown", "fail")
SEVERITIES = ("fail", "warn", "info")
MIB = 1024 * 1024
GB = 1000 * 1000 * 1000


def _version_tuple(text):
    parts = []
    for piece in str(text).split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def java_package(distribution, version, table):
    """The distribution package that provides Java 21, or None when a Temurin repository is needed.

    `table` is the install role's `__integrasjonspunkt_java_distribution_packages`
    ({distribution: {min_version, package}}), so preflight and install agree by construction.
    """
    entry = (table or {}).get(distribution) or {}
    if not entry.get("package") or not _version_tuple(version):
        return None
    return entry["package"] if _version_tuple(version) >= _version_tuple(entry.get("min_version", "0")) else None


def required_java_major(version):
    """integrasjonspunkt v3 and v4 need Java 21 (CHANGELOG 'Java 21+ oppgradering'); 2.x ran on Java 8."""
    try:
        return 21 if int(str(version).lstrip("v").split(".", 1)[0]) >= 3 else 8
    except ValueError:
        return 21


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
    needs_root = False

    def applies(self, ctx):
        return True

    def evaluate(self, ctx):
        raise NotImplementedError

    def failed(self, **kwargs):
        return outcome(self.severity, **kwargs)

    def run(self, ctx):
        base = {
            "id": self.id,
            "title": self.title,
            "category": self.category,
            "severity": self.severity,
            "doc_url": DOCS.get(self.doc, self.doc),
            "needs_root": self.needs_root,
            "ignored": None,
        }
        try:
            result = self.evaluate(ctx)
        except Exception as exc:  # isolate: one broken check never hides another
            result = outcome(
                "fail",
                message="the check itself failed: %s: %s" % (type(exc).__name__, exc),
                fix="Report this as a bug in eformidling.integrasjonspunkt, with the facts of this host.",
            )
        base.update(result)
        return base


def _section(facts, name):
    section = (facts or {}).get(name) or {}
    return section if section.get("available", True) else {}


def _unavailable_reason(facts, name):
    section = (facts or {}).get(name) or {}
    return section.get("reason") or "the %s facts were not gathered" % name


# Resources ---------------------------------------------------------------------------------


class CpuCheck(Check):
    id = "resources.cpu"
    title = "CPUs available to the integrasjonspunkt"
    category = "resources"

    def evaluate(self, ctx):
        cpu = _section(ctx["resources"], "cpu")
        required = ctx["thresholds"]["cpu_min"]
        if cpu.get("effective") is None:
            return outcome(
                "unknown", required=required, unit="CPUs", message=_unavailable_reason(ctx["resources"], "cpu")
            )
        effective = round(float(cpu["effective"]), 2)
        why = "online %s, affinity %s, cgroup quota %s" % (
            cpu.get("online"),
            cpu.get("affinity"),
            "none" if cpu.get("cgroup_quota") is None else cpu.get("cgroup_quota"),
        )
        if effective + 1e-9 >= required:
            return outcome("pass", effective, required, "CPUs", "%s effective CPUs (%s)" % (effective, why))
        return self.failed(
            measured=effective,
            required=required,
            unit="CPUs",
            message="only %s effective CPUs (%s)" % (effective, why),
            fix="Give the host or its cgroup at least %s CPU (raise the VM's vCPUs or the CPUQuota/cpu.max)."
            % required,
        )


class MemoryCheck(Check):
    id = "resources.memory"
    title = "Memory available to the integrasjonspunkt"
    category = "resources"

    def evaluate(self, ctx):
        mem = _section(ctx["resources"], "memory")
        t = ctx["thresholds"]
        required = t["memory_min_mb"] + (t["einnsyn_memory_mb"] if ctx["settings"].get("einnsyn_same_host") else 0)
        floor = required - t["memory_tolerance_mb"]
        if mem.get("effective_bytes") is None:
            return outcome(
                "unknown", required=required, unit="MiB", message=_unavailable_reason(ctx["resources"], "memory")
            )
        measured = int(mem["effective_bytes"] // MIB)
        limited_by = (
            "cgroup limit"
            if mem.get("cgroup_limit_bytes") is not None
            and (mem["cgroup_limit_bytes"] <= (mem.get("mem_total_bytes") or 0))
            else "MemTotal"
        )
        note = (
            " (includes %d MiB for the eInnsyn client on the same host)" % t["einnsyn_memory_mb"]
            if (ctx["settings"].get("einnsyn_same_host"))
            else ""
        )
        if measured >= floor:
            return outcome(
                "pass",
                measured,
                required,
                "MiB",
                "%d MiB by %s, %d MiB required%s" % (measured, limited_by, required, note),
            )
        return self.failed(
            measured=measured,
            required=required,
            unit="MiB",
            message="%d MiB by %s is below %d MiB (with %d MiB tolerance)%s"
            % (measured, limited_by, required, t["memory_tolerance_mb"], note),
            fix="Give the host at least %d MiB of memory%s."
            % (
                required,
                " or raise the cgroup's MemoryMax/memory.max" if limited_by == "cgroup limit" else "",
            ),
        )


def required_disk_gb(settings, t):
    millions = max(float(settings.get("retained_messages") or 0), 0.0) / 1e6
    per_million = t["disk_logs_gb_per_million"] + t["disk_temp_gb_per_million"]
    if not settings.get("external_database"):
        per_million += t["disk_database_gb_per_million"]
    required = t["disk_app_gb"] + millions * per_million
    if not settings.get("external_database"):
        required = max(required, t["disk_min_gb"])
    return round(required, 2)


class DiskCheck(Check):
    id = "resources.disk"
    title = "Free disk at the data directory"
    category = "resources"

    def evaluate(self, ctx):
        data_dir = ctx["settings"]["data_dir"]
        disks = (ctx["resources"] or {}).get("disk") or []
        entry = next((d for d in disks if d.get("path") == data_dir), None)
        required = required_disk_gb(ctx["settings"], ctx["thresholds"])
        if not entry or entry.get("available_bytes") is None:
            reason = (entry or {}).get("reason") or "no disk facts for %s" % data_dir
            return outcome("unknown", required=required, unit="GB", message=reason)
        measured = round(entry["available_bytes"] / GB, 2)
        where = "%s (measured at %s, mount %s, %s)" % (
            data_dir,
            entry.get("measured_path"),
            entry.get("mount_point"),
            entry.get("fstype"),
        )
        basis = "%s retained messages, %s database" % (
            ctx["settings"].get("retained_messages"),
            "external" if ctx["settings"].get("external_database") else "embedded H2",
        )
        if entry.get("read_only"):
            return self.failed(
                measured=measured,
                required=required,
                unit="GB",
                message="%s is on a read-only filesystem" % where,
                fix="Put the data directory on a writable filesystem.",
            )
        if measured < required:
            return self.failed(
                measured=measured,
                required=required,
                unit="GB",
                message="%s GB available at %s; %s GB needed for %s" % (measured, where, required, basis),
                fix="Free or add at least %.2f GB on %s, or point integrasjonspunkt_data_dir at a larger filesystem."
                % (required - measured, entry.get("mount_point")),
            )
        volatile = [n for n in entry.get("notes") or [] if "tmpfs" in n or "overlay" in n]
        if volatile:
            return outcome(
                "warn",
                measured,
                required,
                "GB",
                "%s GB available at %s, but %s" % (measured, where, "; ".join(volatile)),
                "Use a persistent filesystem for the data directory: the H2 database and queue must survive a reboot.",
            )
        return outcome("pass", measured, required, "GB", "%s GB available at %s (%s)" % (measured, where, basis))


# Runtime -----------------------------------------------------------------------------------


class JavaCheck(Check):
    id = "runtime.java"
    title = "Java runtime for the integrasjonspunkt"
    category = "runtime"
    doc = "sporsmal"

    def applies(self, ctx):
        return ctx["settings"].get("run_mode", "java") == "java"

    def evaluate(self, ctx):
        version = ctx["settings"]["version"]
        need = required_java_major(version)
        java = _section(_section(ctx["resources"], "runtimes"), "java") if ctx["resources"] else {}
        best = java.get("best_major")
        docs_note = " (the docs FAQ still says Java 8; that is for 2.x)" if need >= 21 else ""
        if best is not None and best >= need:
            runtime = next((r for r in java.get("runtimes") or [] if r.get("major") == best), {})
            return outcome(
                "pass", best, need, "Java major", "Java %s found at %s%s" % (best, runtime.get("path"), docs_note)
            )
        platform = _section(ctx["resources"], "platform")
        package = java_package(
            platform.get("distribution"), platform.get("distribution_version"), ctx["settings"].get("java_packages")
        )
        found = "no Java" if best is None else "Java %s" % best
        if package:
            return outcome(
                "info",
                best,
                need,
                "Java major",
                "%s found; integrasjonspunkt %s needs Java %s+%s; the install role installs %s"
                % (found, version, need, docs_note, package),
                "Nothing to do: the integrasjonspunkt role installs %s. Or set integrasjonspunkt_java_path." % package,
            )
        return outcome(
            "warn",
            best,
            need,
            "Java major",
            "%s found and %s %s has no Java %s package; the install role uses the Temurin repository"
            % (found, platform.get("distribution"), platform.get("distribution_version"), need),
            "Make the Temurin repository reachable (integrasjonspunkt_temurin_repo_url), "
            "or install Java %s+ and set integrasjonspunkt_java_path." % need,
        )


class ContainerEngineCheck(Check):
    id = "runtime.container_engine"
    title = "Container engine for Docker mode"
    category = "runtime"
    doc = "docker"

    def applies(self, ctx):
        return ctx["settings"].get("run_mode") == "docker"

    def evaluate(self, ctx):
        runtimes = _section(ctx["resources"], "runtimes")
        engine = runtimes.get("container_engine") or {}
        if engine.get("available") and engine.get("answers"):
            return outcome(
                "pass", "%s %s" % (engine.get("name"), engine.get("version")), "answers", None, "engine answers"
            )
        measured = "missing" if not engine.get("available") else "%s does not answer" % engine.get("binary")
        return self.failed(
            measured=measured,
            required="docker or podman that answers",
            message=engine.get("reason") or measured,
            fix="Install and start Docker or Podman, and let the connecting user talk to it.",
        )


class DockerStorageCheck(Check):
    id = "config.docker_external_storage"
    title = "Docker mode needs an external database and queue"
    category = "config"
    doc = "installasjon"

    def applies(self, ctx):
        return ctx["settings"].get("run_mode") == "docker"

    def evaluate(self, ctx):
        s = ctx["settings"]
        missing = [
            n for n, v in (("database", s.get("external_database")), ("queue", s.get("external_queue"))) if not v
        ]
        if not missing:
            return outcome("pass", "external", "external", None, "external database and queue configured")
        return self.failed(
            measured="embedded " + " and ".join(missing),
            required="external database and queue",
            message="the image has no persistent volume, so an embedded %s is lost with the container"
            % " and ".join(missing),
            fix="Set integrasjonspunkt_external_database and integrasjonspunkt_external_queue (with their URLs).",
        )


# Inbound -----------------------------------------------------------------------------------


class PortCheck(Check):
    id = "inbound.port"
    title = "The integrasjonspunkt's inbound port is free"
    category = "inbound"

    def evaluate(self, ctx):
        port = ctx["settings"]["port"]
        info = ctx.get("port") or {}
        if "in_use" not in info:
            return outcome("unknown", required="free", message=info.get("msg") or "the port was not inspected")
        if not info["in_use"]:
            return outcome("pass", "free", "free", None, "port %d is free" % port)
        if info.get("held_by_integrasjonspunkt"):
            return outcome(
                "pass", "held by the integrasjonspunkt", "free", None, "port %d is held by the integrasjonspunkt" % port
            )
        holders = ", ".join("%s (pid %s)" % (h.get("cmdline"), h.get("pid")) for h in info.get("holders") or [])
        if not holders:
            holders = "an unnamed process" + ("" if info.get("holders_complete", True) else " (naming it needs root)")
        return self.failed(
            measured="in use by %s" % holders,
            required="free",
            message="port %d is already taken by %s" % (port, holders),
            fix="Stop the process on port %d, or choose another port with integrasjonspunkt_port." % port,
        )


# Connectivity ------------------------------------------------------------------------------

FIXES = {
    "dns_error": "Make {host} resolvable from this host (check /etc/resolv.conf and the DNS forwarder).",
    "tcp_refused": "Something refuses {host}:{port}: open outbound {proto} {port} to {ips} in the firewall.",
    "tcp_timeout": "Outbound {proto} {port} to {ips} is dropped: open it in the firewall (or set a proxy).",
    "tcp_unreachable": "No route to {host}: check routing and the firewall for {ips}.",
    "tls_error": "TLS to {host} fails: if a proxy inspects TLS, trust its CA (ca_file) or exempt {host}.",
    "proxy_error": "The proxy refused CONNECT to {host}:{port}: allow it on the proxy, or add {host} to no_proxy.",
    "ntp_error": "Open outbound UDP 123 to {host}, or point integrasjonspunkt_ntp_host at an internal NTP server.",
}


class EndpointCheck(Check):
    """One catalogue endpoint, as probed from this host by connectivity_info."""

    def __init__(self, entry, phase):
        self.entry = entry
        self.id = "%s.%s" % ("connectivity" if phase == "runtime" else "install", entry["name"])
        self.title = "%s %s:%s (%s)" % (
            entry.get("protocol"),
            entry.get("host"),
            entry.get("port"),
            entry.get("purpose") or "",
        )
        self.category = "connectivity" if phase == "runtime" else "install_endpoints"
        self.severity = entry.get("severity") or "fail"
        if phase != "runtime" and self.severity == "fail":
            self.severity = "warn"  # only the install role's downloads need these
        self.doc = ctx_env_doc(entry) if phase == "runtime" else "last_ned"

    def evaluate(self, ctx):
        e = self.entry
        result = (ctx.get("connectivity") or {}).get(e["name"])
        target = "%s:%s/%s" % (e.get("host"), e.get("port"), e.get("protocol"))
        if result is None:
            return outcome("unknown", required="reachable", message="%s was not probed" % target)
        ips = ", ".join(e.get("ips") or []) or "the addresses %s resolves to" % e.get("host")
        fmt = {
            "host": e.get("host"),
            "port": e.get("port"),
            "proto": "UDP" if e.get("protocol") == "udp-ntp" else "TCP",
            "ips": ips,
        }
        via = " via proxy %s" % result["proxy"]["url"] if (result.get("proxy") or {}).get("used") else ""
        extra = []
        if result.get("undocumented_addresses"):
            extra.append(
                "resolves to addresses not in the documented list: %s" % ", ".join(result["undocumented_addresses"])
            )
        if result.get("ok"):
            tls = result.get("tls") or {}
            days = tls.get("cert_expires_in_days")
            if days is not None and days < ctx["thresholds"]["cert_expiry_warn_days"]:
                return outcome(
                    "warn",
                    "certificate expires in %s days" % days,
                    "more than %d days" % ctx["thresholds"]["cert_expiry_warn_days"],
                    "days",
                    "%s answers%s, but its certificate expires in %s days" % (target, via, days),
                    "Tell Digdir's servicedesk if the service certificate is not renewed; check for TLS interception.",
                )
            return outcome("pass", "reachable", "reachable", None, "; ".join(["%s answers%s" % (target, via)] + extra))
        status = result.get("status") or "error"
        message = "%s: %s%s" % (target, result.get("message") or status, via)
        severity = self.severity
        if e.get("protocol") == "udp-ntp" and status in ("ntp_error", "tcp_timeout", "timeout"):
            # The integrasjonspunkt's NTP client sets no socket timeout: a silently dropped UDP 123
            # can hang its start-up, which is worse than the error it logs when the host answers.
            severity = "fail"
            message += "; a silent drop can hang the integrasjonspunkt's start-up (difi.move.ntp.host)"
        return outcome(
            severity,
            status,
            "reachable",
            None,
            "; ".join([message] + extra),
            FIXES.get(status, "Open outbound access to {host}:{port} ({ips}).").format(**fmt),
        )


def ctx_env_doc(entry):
    envs = entry.get("environments") or []
    return "test" if envs == ["test"] else "production"


# Time --------------------------------------------------------------------------------------


def _host_managed_clock(ctx):
    platform = _section(ctx["resources"], "platform")
    return (platform.get("virtualization") or {}).get("role") == "container"


class TimeServiceCheck(Check):
    id = "time.service"
    title = "A time synchronisation service is active"
    category = "time"

    def evaluate(self, ctx):
        service = (ctx["timesync"] or {}).get("service") or {}
        active = service.get("active") or []
        if service.get("conflict"):
            return outcome(
                "warn",
                ", ".join(active),
                "exactly one",
                None,
                "more than one time service is active: %s; they fight over the clock" % ", ".join(active),
                "Keep one of them (chrony is preferred) and disable the others.",
            )
        if active:
            return outcome("pass", active[0], "one active", None, "%s is active" % active[0])
        if _host_managed_clock(ctx):
            return outcome(
                "info",
                "none (container)",
                "one active",
                None,
                "no time service in this container: the host's clock is used",
            )
        return self.failed(
            measured="none",
            required="chronyd, ntpd or systemd-timesyncd active",
            message="no time service is active (present: %s)" % (", ".join(service.get("present") or []) or "none"),
            fix="Install and enable chrony, pointed at your data centre's NTP source.",
        )


class TimeSyncCheck(Check):
    id = "time.synchronised"
    title = "The clock is synchronised (chrony's criteria)"
    category = "time"

    def evaluate(self, ctx):
        ts = ctx["timesync"] or {}
        synced = ts.get("synchronised")
        source = ts.get("source") or "none"
        if synced is True:
            return outcome("pass", "synchronised", "synchronised", None, "synchronised according to %s" % source)
        reasons = ((ts.get(source) or {}) if isinstance(ts.get(source), dict) else {}).get("unsync_reasons") or []
        if synced is None:
            if _host_managed_clock(ctx):
                return outcome(
                    "info", "unknown (container)", "synchronised", None, "the host manages this container's clock"
                )
            return outcome(
                "unknown",
                "unknown",
                "synchronised",
                None,
                "no time daemon could be asked (%s)" % (", ".join(reasons) or "none answered"),
                "Make chronyc, ntpq or timedatectl usable by this user, or run preflight with become.",
            )
        return self.failed(
            measured="not synchronised",
            required="synchronised",
            message="%s says not synchronised: %s" % (source, "; ".join(reasons) or "no selected source"),
            fix="Point chrony at a reachable NTP source in the data centre (server ... iburst), wait for a '*' source",
        )


class TimeOffsetCheck(Check):
    id = "time.offset"
    title = "Clock offset"
    category = "time"

    def evaluate(self, ctx):
        ts = ctx["timesync"] or {}
        t = ctx["thresholds"]
        # An unsynchronised daemon or kernel reports a stale or zero offset: only trust it when synced,
        # and otherwise measure with the direct probe.
        offset, how = (ts.get("offset_seconds"), ts.get("source")) if ts.get("synchronised") is True else (None, None)
        if offset is None:
            best = best_probe(ts)
            if best:
                offset, how = best["offset_seconds"], "direct probe of %s" % best["server"]
        required = "|offset| <= %s" % t["time_offset_warn_seconds"]
        if offset is None:
            return outcome(
                "unknown",
                None,
                required,
                "s",
                "no offset could be measured: the clock is not synchronised and no NTP server answered a direct probe",
                "Make an NTP server reachable (preflight_ntp_servers) so the offset can be measured.",
            )
        measured = round(float(offset), 4)
        msg = "clock is %.4f s %s (%s; offset = local - true time)" % (
            abs(measured),
            "ahead" if measured > 0 else "behind",
            how,
        )
        if abs(measured) > t["time_offset_fail_seconds"]:
            return self.failed(
                measured=measured,
                required=required,
                unit="s",
                message=msg + "; the integrasjonspunkt refuses to start above 5 s and Maskinporten rejects above 10 s",
                fix="Fix the time source: chronyc sources -v; a one-off 'chronyc makestep' corrects a large offset.",
            )
        if abs(measured) > t["time_offset_warn_seconds"]:
            return outcome(
                "warn", measured, required, "s", msg, "Check the NTP source's quality (chronyc sourcestats)."
            )
        return outcome("pass", measured, required, "s", msg)


def best_probe(ts):
    ok = [p for p in ts.get("probes") or [] if p.get("reachable") and p.get("offset_seconds") is not None]
    return min(ok, key=lambda p: p.get("delay_seconds") or 0) if ok else None


class TimeProbeCheck(Check):
    id = "time.probe"
    title = "Direct NTP probe agrees with the time daemon"
    category = "time"
    severity = "warn"

    def evaluate(self, ctx):
        ts = ctx["timesync"] or {}
        probes = ts.get("probes") or []
        limit = ctx["thresholds"]["time_probe_agreement_seconds"]
        if not probes:
            return outcome("info", None, None, None, "direct NTP probes were not run")
        unreachable = [p["server"] for p in probes if not p.get("reachable")]
        best = best_probe(ts)
        if best is None:
            return self.failed(
                measured="no server answered",
                required="an answer",
                message="none of the NTP servers answered a direct probe: %s" % ", ".join(unreachable),
                fix="Open UDP 123 from this host to the NTP servers, or list reachable ones in preflight_ntp_servers.",
            )
        daemon = ts.get("offset_seconds")
        note = "; unreachable: %s" % ", ".join(unreachable) if unreachable else ""
        if daemon is None:
            return outcome(
                "info",
                round(best["offset_seconds"], 4),
                None,
                "s",
                "probe of %s only (no daemon offset)%s" % (best["server"], note),
            )
        diff = round(abs(best["offset_seconds"] - daemon), 4)
        msg = "probe of %s (%s) says %.4f s, the daemon %.4f s%s" % (
            best["server"],
            best.get("client"),
            best["offset_seconds"],
            daemon,
            note,
        )
        if diff > limit:
            return self.failed(
                measured=diff,
                required="<= %s" % limit,
                unit="s",
                message="disagreement of %s s: %s" % (diff, msg),
                fix="The daemon follows a source that disagrees with the probed servers: check chronyc sources.",
            )
        status = "warn" if unreachable else "pass"
        return outcome(
            status, diff, "<= %s" % limit, "s", msg, "Make every listed NTP server reachable." if unreachable else None
        )


class TimezoneCheck(Check):
    id = "time.timezone"
    title = "Timezone keeps Norwegian time (CET/CEST)"
    category = "time"
    severity = "warn"

    def evaluate(self, ctx):
        tz = (ctx["timesync"] or {}).get("timezone") or {}
        name = tz.get("name")
        equivalent = tz.get("oslo_equivalent")
        why = (
            "the integrasjonspunkt sets Europe/Oslo in its own JVM and JWTs use UTC epoch time, so this only"
            " affects logs and other programs"
        )
        if equivalent is True:
            return outcome("pass", name, "Europe/Oslo rules", None, "%s keeps the Europe/Oslo rules" % name)
        if equivalent is None:
            return outcome("unknown", name, "Europe/Oslo rules", None, tz.get("reason") or "timezone could not be read")
        return self.failed(
            measured=name,
            required="Europe/Oslo rules",
            message="%s (%s) does not keep CET/CEST; %s" % (name, tz.get("abbreviation"), why),
            fix="timedatectl set-timezone Europe/Oslo",
        )


STATIC_CHECKS = (
    CpuCheck,
    MemoryCheck,
    DiskCheck,
    JavaCheck,
    ContainerEngineCheck,
    DockerStorageCheck,
    PortCheck,
    TimeServiceCheck,
    TimeSyncCheck,
    TimeOffsetCheck,
    TimeProbeCheck,
    TimezoneCheck,
)


def known_ids(endpoint_names=(), install_names=()):
    ids = {c.id for c in STATIC_CHECKS}
    ids.update("connectivity.%s" % n for n in endpoint_names)
    ids.update("install.%s" % n for n in install_names)
    return ids


def validate_ignore(ignore, valid_ids):
    """Return {id: reason}; raise ValueError naming the offending entry."""
    waivers = {}
    for i, item in enumerate(ignore or []):
        if not isinstance(item, dict):
            raise ValueError("preflight_ignore[%d] must be a dict with id and reason, got %r" % (i, item))
        cid, reason = item.get("id"), str(item.get("reason") or "").strip()
        if not reason:
            raise ValueError("preflight_ignore[%d] (%s) needs a reason" % (i, cid))
        if cid not in valid_ids:
            raise ValueError(
                "preflight_ignore[%d] names unknown check %r; known checks: %s" % (i, cid, ", ".join(sorted(valid_ids)))
            )
        waivers[cid] = reason
    return waivers


def run_checks(ctx, ignore=None, valid_ids=None):
    """Run every applicable check; return the list of results (ignored fails downgraded to warn)."""
    checks = [c() for c in STATIC_CHECKS]
    checks += [EndpointCheck(e, "runtime") for e in ctx.get("endpoints") or []]
    checks += [EndpointCheck(e, "install") for e in ctx.get("install_endpoints") or []]
    valid = valid_ids if valid_ids is not None else {c.id for c in checks}
    waivers = validate_ignore(ignore, valid)
    results = []
    for check in checks:
        try:
            applies = check.applies(ctx)
        except Exception:  # a broken applies() must not hide the check
            applies = True
        if not applies:
            continue
        result = check.run(ctx)
        if result["id"] in waivers:
            result["ignored"] = waivers[result["id"]]
            if result["status"] == "fail":
                result["status"] = "warn"
        results.append(result)
    return results


def count(results):
    counts = {s: 0 for s in STATUSES}
    for r in results:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    return counts
