# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""resources.* checks: CPUs, memory and disk space against the documented minimums."""

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils.check_base import (
    GB,
    MIB,
    Check,
    _section,
    _sentence,
    _unavailable_reason,
    outcome,
)


class CpuCheck(Check):
    id = "resources.cpu"
    title = "CPUs available to the integrasjonspunkt"
    category = "resources"
    needs = ("resources",)

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
    needs = ("resources",)

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
        limit = ctx["settings"].get("container_memory_mb") if ctx["settings"].get("run_mode") == "docker" else None
        if measured >= floor and limit and limit > measured:
            return outcome(
                "warn",
                measured,
                required,
                "MiB",
                "%d MiB by %s; the container's limit (integrasjonspunkt_container_memory_mb) is %d MiB, more than the"
                " host can give it, so it can be killed for memory before it reaches its limit"
                % (measured, limited_by, limit),
                "Give the host at least %d MiB, or lower integrasjonspunkt_container_memory_mb (at least %d)."
                % (limit, required),
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


def _database_on_host(settings):
    """The H2 database lives on this host: embedded, or an 'external' URL that is an H2 file."""
    return settings.get("database_on_host", not settings.get("external_database"))


def disk_needs_gb(settings, t):
    """GB each directory role needs: the documented 2 GB per million messages split by what is stored where.

    install: the application (0.2 GB); logs: 0.1 GB and temp: 0.3 GB per million; data: the H2 database,
    1.4 GB per million, unless the database is external. With an embedded database the documented minimum
    (2 GB in all) still applies; the shortfall is counted against the data directory.
    """
    millions = max(float(settings.get("retained_messages") or 0), 0.0) / 1e6
    needs = {
        "install": t["disk_app_gb"],
        "logs": millions * t["disk_logs_gb_per_million"],
        "temp": millions * t["disk_temp_gb_per_million"],
        "data": millions * t["disk_database_gb_per_million"] if _database_on_host(settings) else 0.0,
    }
    if _database_on_host(settings):
        needs["data"] += max(0.0, t["disk_min_gb"] - sum(needs.values()))
    return needs


def required_disk_gb(settings, t):
    """The whole requirement, as if every directory were on one filesystem."""
    return round(sum(disk_needs_gb(settings, t).values()), 2)


def disk_by_filesystem(directories, disks, needs):
    """[(filesystem, [(role, path, need)])]: the directories grouped by the filesystem they are on.

    A directory without usable facts gets a filesystem of its own with the fact's reason, so it is
    never silently left out of the sum.
    """
    by_path = {d.get("path"): d for d in disks or [] if isinstance(d, dict)}
    groups, order = {}, []
    for role in ("data", "logs", "temp", "install"):
        path = (directories or {}).get(role)
        if not path:
            continue
        entry = by_path.get(path) or {"path": path, "reason": "no disk facts for %s" % path}
        usable = entry.get("available_bytes") is not None and entry.get("mount_point")
        key = ("fs", entry.get("dev") or entry.get("mount_point")) if usable else ("missing", path)
        if key not in groups:
            groups[key] = (entry, [])
            order.append(key)
        groups[key][1].append((role, path, needs.get(role, 0.0)))
    return [groups[k] for k in order]


class DiskCheck(Check):
    id = "resources.disk"
    title = "Free disk for the data, log, temporary and install directories"
    category = "resources"
    needs = ("resources",)

    def evaluate(self, ctx):
        settings, t = ctx["settings"], ctx["thresholds"]
        needs = disk_needs_gb(settings, t)
        groups = disk_by_filesystem(settings.get("directories"), (ctx["resources"] or {}).get("disk"), needs)
        basis = "%s retained messages, %s database" % (
            settings.get("retained_messages"),
            "embedded H2" if _database_on_host(settings) else "external",
        )
        lines, worst, unknown, short, read_only, volatile = [], None, [], [], [], []
        for entry, roles in groups:
            need = round(sum(n for _r, _p, n in roles), 2)
            what = ", ".join("%s %s %.2f GB" % (r, p, n) for r, p, n in roles)
            if entry.get("available_bytes") is None or not entry.get("mount_point"):
                unknown.append("%s: %s" % (what, entry.get("reason") or "not measured"))
                continue
            available = round(entry["available_bytes"] / GB, 2)
            where = "%s (%s)" % (entry.get("mount_point"), entry.get("fstype"))
            lines.append("%s: %.2f GB available, %.2f GB needed (%s)" % (where, available, need, what))
            margin = available - need
            if worst is None or margin < worst[0]:
                worst = (margin, available, need, where)
            if entry.get("read_only") and any(r != "install" for r, _p, _n in roles):
                read_only.append(where)
            elif available < need:
                short.append((where, need - available, [r for r, _p, _n in roles]))
            if any("tmpfs" in n or "overlay" in n for n in entry.get("notes") or []) and any(
                r in ("data", "logs") for r, _p, _n in roles
            ):
                volatile.append(where)
        summary = "; ".join(lines + ["not measured: %s" % u for u in unknown]) + " [%s]" % basis
        measured, required = (
            (round(worst[1], 2), round(worst[2], 2)) if worst else (None, required_disk_gb(settings, t))
        )
        if read_only:
            return self.failed(
                measured=measured,
                required=required,
                unit="GB",
                message="read-only filesystem: %s. %s" % (", ".join(read_only), summary),
                fix="Put the data, log and temporary directories on a writable filesystem.",
            )
        if short:
            fixes = [
                "free or add at least %.2f GB on %s (holds %s)" % (gap, where, ", ".join(roles))
                for where, gap, roles in short
            ]
            return self.failed(
                measured=measured,
                required=required,
                unit="GB",
                message="not enough free disk: %s" % summary,
                fix="%s, or point integrasjonspunkt_data_dir / integrasjonspunkt_log_dir at a larger filesystem."
                % _sentence("; ".join(fixes)),
            )
        if unknown:
            return outcome(
                "unknown", measured, required, "GB", summary, "Run preflight as a user that may stat these paths."
            )
        if volatile:
            return outcome(
                "warn",
                measured,
                required,
                "GB",
                "on a volatile filesystem (tmpfs/overlay): %s. %s" % (", ".join(volatile), summary),
                "Use a persistent filesystem for the data and log directories: the H2 database and queue must"
                " survive a reboot.",
            )
        return outcome("pass", measured, required, "GB", summary)
