# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Preflight judgement: every documented requirement as one check object with a stable ID.

Pure functions over the facts the modules gathered; no I/O. Every check runs. A check that raises,
or whose facts could not be gathered, is ``error``: never ``pass``, and never mistaken for a real
``fail`` either. Ignoring a check downgrades fail to warn but keeps it in the report (kubeadm's
--ignore-preflight-errors, InSpec waivers); a waiver may carry an ``until`` date.
"""

import datetime
import fnmatch
import ipaddress

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils.check_base import (
    DOCS,
    FAILING,
    GB,
    MIB,
    SEVERITIES,
    STATUSES,
    Check,
    _section,
    error_outcome,
    java_package,
    outcome,
    required_java_major,
)
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils.config_checks import (
    ApiSecurityCheck,
    DockerStorageCheck,
    VersionCheck,
    h2_file_path,
)
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils.connectivity_checks import (
    FIXES,
    KNOWN_PROBE_STATUSES,
    NTP_DNS_REASON,
    NTP_DROP_REASON,
    PROXY_CAUSES,
    PROXY_NO_ANSWER,
    PROXY_STATUS_FIXES,
    EndpointCheck,
    ctx_env_doc,
    proxy_cause,
)
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils.inbound_checks import (
    BECOME_FIX,
    UNIT_NAME,
    WILDCARDS,
    PortCheck,
    addresses_clash,
)
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils.resource_checks import (
    CpuCheck,
    DiskCheck,
    MemoryCheck,
    disk_by_filesystem,
    disk_needs_gb,
    required_disk_gb,
)
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils.runtime_checks import (
    ContainerEngineCheck,
    JavaCheck,
)

# The families' checks and helpers stay reachable as checks.<name> for callers and tests.
__all__ = [
    "BECOME_FIX",
    "DOCS",
    "FAILING",
    "FIXES",
    "GATHER_ID",
    "GB",
    "HOST_CLOCK_FIX",
    "KNOWN_PROBE_STATUSES",
    "MIB",
    "NO_TIME_DAEMON_FIX",
    "NTP_DNS_REASON",
    "NTP_DROP_REASON",
    "PROXY_CAUSES",
    "PROXY_NO_ANSWER",
    "PROXY_STATUS_FIXES",
    "PUBLIC_NTP_SUFFIXES",
    "SEVERITIES",
    "STATIC_CHECKS",
    "STATUSES",
    "UNIT_NAME",
    "UNWAIVABLE",
    "WILDCARDS",
    "ApiSecurityCheck",
    "Check",
    "ContainerEngineCheck",
    "CpuCheck",
    "DiskCheck",
    "DockerStorageCheck",
    "EndpointCheck",
    "JavaCheck",
    "MemoryCheck",
    "PortCheck",
    "TimeOffsetCheck",
    "TimeProbeCheck",
    "TimeServiceCheck",
    "TimeSourceCheck",
    "TimeSyncCheck",
    "TimezoneCheck",
    "VersionCheck",
    "addresses_clash",
    "apply_waiver",
    "best_probe",
    "count",
    "ctx_env_doc",
    "disk_by_filesystem",
    "disk_needs_gb",
    "dropped_result",
    "error_outcome",
    "failing_ids",
    "gather_error_result",
    "h2_file_path",
    "java_package",
    "known_ids",
    "ntp_probe_crash",
    "outcome",
    "proxy_cause",
    "public_source",
    "registry",
    "required_disk_gb",
    "required_java_major",
    "run_checks",
    "selected",
    "validate_ignore",
    "validate_only",
]


def _host_managed_clock(ctx):
    platform = _section(ctx["resources"], "platform")
    return (platform.get("virtualization") or {}).get("role") == "container"


class TimeServiceCheck(Check):
    id = "time.service"
    title = "A time synchronisation service is active"
    category = "time"
    needs = ("timesync",)

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


NO_TIME_DAEMON_FIX = (
    "No time daemon runs on this host: install and enable one, chrony pointed at your data centre's NTP source"
    " (the prepare role does it: prepare_time_sync: true with prepare_ntp_servers)."
)


HOST_CLOCK_FIX = (
    "This container has no time daemon and uses its host's clock: synchronise the container's host (a time daemon"
    " there, pointed at your data centre's NTP source)."
)


class TimeSyncCheck(Check):
    id = "time.synchronised"
    title = "The clock is synchronised (chrony's criteria)"
    category = "time"
    needs = ("timesync",)

    def evaluate(self, ctx):
        ts = ctx["timesync"] or {}
        synced = ts.get("synchronised")
        source = ts.get("source") or "none"
        view = ts.get(source) if isinstance(ts.get(source), dict) else {}
        age, max_age = view.get("reference_time_age_seconds"), ctx["thresholds"]["reference_max_age_seconds"]
        if synced is True and age is not None and age > max_age:
            return self.failed(
                measured="reference %.0f s old" % age,
                required="reference <= %.0f s old" % max_age,
                message="%s selected a source, but its last clock update was %.0f s ago" % (source, age),
                fix="Check that chrony still reaches its sources (chronyc sources -v; reach should be 377).",
            )
        if synced is True:
            return outcome("pass", "synchronised", "synchronised", None, "synchronised according to %s" % source)
        reasons = ((ts.get(source) or {}) if isinstance(ts.get(source), dict) else {}).get("unsync_reasons") or []
        # Nothing to point at a source when no daemon runs: the fix is to run one.
        no_daemon = not ((ts.get("service") or {}).get("active"))
        fix = HOST_CLOCK_FIX if _host_managed_clock(ctx) else NO_TIME_DAEMON_FIX
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
                fix
                if no_daemon
                else "Make chronyc, ntpq or timedatectl usable by this user, or run preflight with become.",
            )
        if not no_daemon:
            fix = "Point chrony at a reachable NTP source in the data centre (server ... iburst), wait for a '*' source"
        return self.failed(
            measured="not synchronised",
            required="synchronised",
            message="%s says not synchronised: %s%s"
            % (source, "; ".join(reasons) or "no selected source", "; no time daemon runs" if no_daemon else ""),
            fix=fix,
        )


class TimeOffsetCheck(Check):
    """The offset that matters is the one the integrasjonspunkt itself measures, against its NTP host.

    At start-up it compares the clock with difi.move.ntp.host and stops above 5 s
    (IntegrasjonspunktApplication.checkNtpSync), so the probe of that host wins over what the local
    daemon believes; the daemon's offset is used only when the NTP host could not be asked.
    """

    id = "time.offset"
    title = "Clock offset"
    category = "time"
    needs = ("timesync",)

    def evaluate(self, ctx):
        ts = ctx["timesync"] or {}
        t = ctx["thresholds"]
        host_probe = ctx.get("ntp_probe") or {}
        ntp_host = host_probe.get("server") or ctx["settings"].get("ntp_host")
        crashed = ntp_probe_crash(ctx)
        if crashed:
            return error_outcome(crashed, ((ctx.get("errors") or {}).get("ntp_probe") or {}).get("exception"))
        daemon = ts.get("offset_seconds") if ts.get("synchronised") is True else None
        notes = []
        view = ts.get(ts.get("source")) if isinstance(ts.get(ts.get("source")), dict) else {}
        if view.get("offset_note"):
            notes.append(view["offset_note"])
        answered = host_probe.get("reachable") is True and host_probe.get("offset_seconds") is not None
        if answered:
            offset = host_probe["offset_seconds"]
            how = "probe of the integrasjonspunkt's NTP host %s" % ntp_host
            if daemon is not None and abs(offset - daemon) > t["time_probe_agreement_seconds"]:
                notes.append(
                    "%s believes %+.4f s; the NTP host is what the integrasjonspunkt checks against"
                    % (ts.get("source"), daemon)
                )
        elif daemon is not None:
            offset, how = daemon, ts.get("source")
        else:
            best = best_probe(ts)
            offset, how = (best["offset_seconds"], "direct probe of %s" % best["server"]) if best else (None, None)
        if not answered:
            notes.append(
                "the integrasjonspunkt's NTP host %s %s"
                % (ntp_host, "did not answer: %s" % host_probe.get("error") if host_probe else "was not probed")
            )
        required = "|offset| <= %s" % t["time_offset_warn_seconds"]
        if offset is None:
            return outcome(
                "unknown",
                None,
                required,
                "s",
                "no offset could be measured: %s, the clock is not synchronised and no NTP server answered a"
                " direct probe" % notes[-1],
                "Make integrasjonspunkt_ntp_host reachable over UDP 123 so the offset can be measured.",
            )
        measured = round(float(offset), 4)
        msg = "clock is %.4f s %s (%s; offset = local - true time)" % (
            abs(measured),
            "ahead" if measured > 0 else "behind",
            how,
        )
        if notes:
            msg += "; " + "; ".join(notes)
        if abs(measured) > t["time_offset_fail_seconds"]:
            return self.failed(
                measured=measured,
                required=required,
                unit="s",
                message=msg + "; the integrasjonspunkt stops itself after start-up above 5 s"
                " (IntegrasjonspunktApplication.checkNtpSync) and Maskinporten rejects tokens above 10 s",
                fix="Fix the time source: chronyc sources -v; a one-off 'chronyc makestep' corrects a large offset.",
            )
        if abs(measured) > t["time_offset_warn_seconds"]:
            return outcome(
                "warn", measured, required, "s", msg, "Check the NTP source's quality (chronyc sourcestats)."
            )
        if not answered:  # a small offset by another source is no pass: the NTP host is what counts
            return outcome(
                "unknown",
                None,
                required,
                "s",
                msg,
                "Make integrasjonspunkt_ntp_host (%s) reachable over UDP 123 from this host." % ntp_host,
            )
        return outcome("pass", measured, required, "s", msg)


def ntp_probe_crash(ctx):
    """The no-verdict message when the probe of integrasjonspunkt_ntp_host crashed in our code, else None."""
    host = ctx["settings"].get("ntp_host") or (ctx.get("ntp_probe") or {}).get("server")
    err = (ctx.get("errors") or {}).get("ntp_probe")
    if err:
        return "no verdict: the probe of the integrasjonspunkt's NTP host %s crashed: %s" % (host, err.get("message"))
    probe = ctx.get("ntp_probe") or {}
    if probe.get("error_kind") == "error":
        return "no verdict: the probe of the integrasjonspunkt's NTP host %s failed in our code: %s" % (
            host,
            probe.get("error"),
        )
    return None


def best_probe(ts):
    ok = [p for p in ts.get("probes") or [] if p.get("reachable") and p.get("offset_seconds") is not None]
    return min(ok, key=lambda p: p.get("delay_seconds") or 0) if ok else None


class TimeProbeCheck(Check):
    id = "time.probe"
    title = "Direct NTP probe agrees with the time daemon"
    category = "time"
    severity = "warn"
    needs = ("timesync",)

    def evaluate(self, ctx):
        ts = ctx["timesync"] or {}
        probes = ts.get("probes") or []
        limit = ctx["thresholds"]["time_probe_agreement_seconds"]
        crashed = ntp_probe_crash(ctx)
        if crashed:
            return error_outcome(crashed, ((ctx.get("errors") or {}).get("ntp_probe") or {}).get("exception"))
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


# Public NTP services by name: a source with one of these names is on the internet, not in the data centre.
PUBLIC_NTP_SUFFIXES = (
    "pool.ntp.org",
    "time.google.com",
    "time.cloudflare.com",
    "time.windows.com",
    "time.apple.com",
    "time.aws.com",
    "ntp.ubuntu.com",
    "time.nist.gov",
)


def public_source(name):
    """True (public internet), False (private or link-local), or None (a name that cannot be told)."""
    text = str(name or "").strip().strip("[]").rstrip(".").lower()
    try:
        return ipaddress.ip_address(text).is_global
    except ValueError:
        pass
    if any(text == s or text.endswith("." + s) for s in PUBLIC_NTP_SUFFIXES):
        return True
    return None


class TimeSourceCheck(Check):
    """Forberede installasjon: the time source should be inside the data centre."""

    id = "time.source"
    title = "The time source is inside the data centre"
    category = "time"
    severity = "warn"
    needs = ("timesync",)

    def evaluate(self, ctx):
        ts = ctx["timesync"] or {}
        chrony = ts.get("chrony") if isinstance(ts.get("chrony"), dict) else {}
        selected = [s.get("name") for s in chrony.get("sources") or [] if s.get("state") == "selected"]
        names = selected or list(ts.get("ntp_servers_configured") or [])
        if not names:
            if _host_managed_clock(ctx):
                return outcome("info", None, "an internal NTP source", None, "the host manages this container's clock")
            return outcome(
                "unknown",
                None,
                "an internal NTP source",
                None,
                "the time daemon's sources could not be read (no selected chrony source, no configured server)",
                "Make chronyc (or the daemon's configuration) readable by this user, or run preflight with become.",
            )
        public = [n for n in names if public_source(n.split(":")[0] if n.count(":") == 1 else n) is True]
        what = "selected source" if selected else "configured servers"
        if public:
            return self.failed(
                measured=", ".join(public),
                required="an internal NTP source",
                message="the %s %s %s on the public internet; the docs ask for a time source inside the data centre"
                % (what, ", ".join(public), "is" if len(public) == 1 else "are"),
                fix="Point chrony (server ... iburst) and integrasjonspunkt_ntp_host at your data centre's NTP source.",
            )
        return outcome("pass", ", ".join(names), "an internal NTP source", None, "%s: %s" % (what, ", ".join(names)))


class TimezoneCheck(Check):
    id = "time.timezone"
    title = "Timezone keeps Norwegian time (CET/CEST)"
    category = "time"
    severity = "warn"
    needs = ("timesync",)

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
    VersionCheck,
    ApiSecurityCheck,
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
    TimeSourceCheck,
    TimezoneCheck,
)


GATHER_ID = "preflight.gather"


# A waiver would not make the install accept the inputs (plugin_utils/input_checks.py).
UNWAIVABLE = ("config.inputs",)


def registry():
    """Every check class with a fixed ID: the host checks here, the certificate.* and the identity.* checks.

    Those modules build on this module's Check, so they are imported when the registry is asked for.
    """
    from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import (  # noqa: PLC0415
        certificate_checks,
        directory_checks,
        identity_checks,
        input_checks,
        lifecycle_checks,
        tls_checks,
    )

    return (
        input_checks.INPUT_CHECKS
        + STATIC_CHECKS
        + certificate_checks.CERTIFICATE_CHECKS
        + tls_checks.TLS_CHECKS
        + identity_checks.IDENTITY_CHECKS
        + lifecycle_checks.LIFECYCLE_CHECKS
        + directory_checks.DIRECTORY_CHECKS
    )


def known_ids(endpoint_names=(), install_names=()):
    ids = {c.id for c in registry()}
    ids.update("connectivity.%s" % n for n in endpoint_names)
    ids.update("install.%s" % n for n in install_names)
    return ids


def _parse_until(index, cid, value):
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(
            "preflight_ignore[%d] (%s) has until=%r; allowed: a date YYYY-MM-DD" % (index, cid, value)
        ) from None


def validate_ignore(ignore, valid_ids, today=None):
    """Return {id: {reason, until, expired}}; raise ValueError naming the offending entry.

    An entry with `until` stops applying after that date (InSpec waivers): it is kept, marked expired,
    so the report can say that the waiver ran out.
    """
    today = today or datetime.date.today()
    waivers = {}
    for i, item in enumerate(ignore or []):
        if not isinstance(item, dict):
            raise ValueError("preflight_ignore[%d] must be a dict with id and reason, got %r" % (i, item))
        unknown_keys = sorted(set(item) - {"id", "reason", "until"})
        if unknown_keys:
            raise ValueError("preflight_ignore[%d] has unknown keys %s; allowed: id, reason, until" % (i, unknown_keys))
        cid, reason = item.get("id"), str(item.get("reason") or "").strip()
        if not reason:
            raise ValueError("preflight_ignore[%d] (%s) needs a reason" % (i, cid))
        if cid in UNWAIVABLE:
            raise ValueError(
                "preflight_ignore[%d] names %s, which cannot be ignored: the install refuses the same inputs;"
                " correct the variables it names" % (i, cid)
            )
        if cid not in valid_ids:
            raise ValueError(
                "preflight_ignore[%d] names unknown check %r; known checks: %s" % (i, cid, ", ".join(sorted(valid_ids)))
            )
        until = _parse_until(i, cid, item.get("until"))
        waivers[cid] = {
            "reason": reason,
            "until": until.isoformat() if until else None,
            "expired": bool(until and today > until),
        }
    return waivers


def validate_only(only, valid_ids):
    """The `preflight_only` globs; each must match at least one known check ID."""
    patterns = [str(p).strip() for p in only or [] if str(p).strip()]
    for pattern in patterns:
        if not any(fnmatch.fnmatchcase(cid, pattern) for cid in valid_ids):
            raise ValueError(
                "preflight_only has %r, which matches no check; known checks: %s"
                % (pattern, ", ".join(sorted(valid_ids)))
            )
    return patterns


def selected(check_id, patterns):
    return not patterns or any(fnmatch.fnmatchcase(check_id, p) for p in patterns)


def dropped_result(entry):
    return {
        "id": "connectivity.%s" % entry.get("name"),
        "title": "%s (dropped from the catalogue)" % entry.get("host", entry.get("name")),
        "category": "connectivity",
        "severity": "info",
        "status": "info",
        "measured": "not probed",
        "required": None,
        "unit": None,
        "message": "dropped by preflight_endpoint_overrides: %s" % entry.get("dropped"),
        "fix": None,
        "doc_url": None,
        "ignored": None,
    }


def gather_error_result(message, exception=None, fix=None):
    """The one result of a host whose gathering failed as a whole: no check can be judged."""
    result = {
        "id": GATHER_ID,
        "title": "Gather the host's facts",
        "category": "preflight",
        "severity": "fail",
        "doc_url": None,
        "ignored": None,
    }
    result.update(error_outcome("no verdict for this host: %s" % message, exception))
    if fix:
        result["fix"] = fix
    return result


def apply_waiver(result, waivers):
    waiver = waivers.get(result["id"])
    if not waiver:
        return result
    if waiver["expired"]:
        result["ignored"] = None
        result["waiver_expired"] = "the waiver expired on %s: %s" % (waiver["until"], waiver["reason"])
    else:
        result["ignored"] = waiver["reason"]
        if waiver["until"]:
            result["ignored_until"] = waiver["until"]
        if result["status"] == "fail":  # an error is never waived: it is not a finding about the host
            result["status"] = "warn"
    return result


def run_checks(ctx, ignore=None, valid_ids=None, only=None, today=None):
    """Run every applicable (and selected) check; return the list of results."""
    checks = [c() for c in registry()]
    checks += [EndpointCheck(e, "runtime") for e in ctx.get("endpoints") or []]
    # A mirror or another registry gets its own judgement (imported here: it builds on this module).
    from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import install_source  # noqa: PLC0415

    checks += [install_source.install_check(e) for e in ctx.get("install_endpoints") or []]
    valid = valid_ids if valid_ids is not None else {c.id for c in checks}
    waivers = validate_ignore(ignore, valid, today)
    patterns = validate_only(only, valid)
    results = []
    for check in checks:
        if not selected(check.id, patterns):
            continue
        try:
            applies = check.applies(ctx)
        except Exception:  # a broken applies() must not hide the check: run() then reports the crash
            applies = True
        if applies:
            results.append(apply_waiver(check.run(ctx), waivers))
    for entry in ctx.get("dropped_endpoints") or []:
        result = dropped_result(entry)
        if selected(result["id"], patterns):
            results.append(result)
    return results


def count(results):
    """The one counting rule every report uses: each status counted once, in STATUSES order."""
    counts = {s: 0 for s in STATUSES}
    for r in results:
        status = r.get("status") if r.get("status") in STATUSES else "error"
        counts[status] += 1
    return counts


def failing_ids(results, strict=False):
    """IDs that fail the host: fail and error, and with strict also warn and unknown."""
    statuses = FAILING + (("warn", "unknown") if strict else ())
    return sorted({r["id"] for r in results if r.get("status") in statuses})
