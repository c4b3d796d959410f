# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""time.* checks: a time service runs, the clock is synchronised and close to NTP, its source and the timezone."""

import ipaddress

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils.check_base import (
    Check,
    _section,
    error_outcome,
    outcome,
)


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
