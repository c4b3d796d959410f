# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The status.* checks: is the installed integrasjonspunkt healthy, and what needs doing?

Pure judgement over the facts of one status_gather call (ctx), on the preflight framework (check_base.Check):
a check whose facts could not be gathered is `error`, one that cannot see what it needs is `unknown`, never
`pass`. Each result carries a numeric ``value`` where one exists (days, seconds, bytes, counts, ratios), for a
metrics renderer; the stable IDs are in STATUS_CHECKS.

ctx: settings, thresholds, now (aware datetime), errors, service, health, version, releases (None: the operator's
offline option), blocklist, keystore ({available, reason, path, type, data, password, alias}), ntp_probe, disk,
memory, log, log_since (ISO text), previous ({generated_at, results: {id: result}} of the previous status report,
or None), dated_facts (optional, else data/dated_facts.yml).
"""

import datetime

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import lifecycle_records, releases
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import (
    actuator_checks,
    certificate_checks,
    certificates,
    lifecycle_checks,
)
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils.check_base import GB, Check, outcome

# The playbook that renews the enterprise certificate (the certificate renewal work, issue 21).
RENEWAL_PLAYBOOK = "playbooks/renew-certificate.yml"
# The integrasjonspunkt stops itself when its clock is more than 5 s off the NTP host
# (IntegrasjonspunktApplication.checkNtpSync, v4.0.8); the warn/fail margins are thresholds.py's.
APP_CLOCK_LIMIT_SECONDS = 5.0
# Resident memory of a JVM is its heap plus metaspace, code cache, thread stacks and direct buffers: about
# 1.3-1.5 times -Xmx for a Spring Boot service. Above this ratio something outside the heap is growing
# (this collection's policy, measured against the stand-in and upstream's 3 GiB pod limit for -Xmx2g).
MEMORY_WARN_RATIO = 1.5
# Warn when the data directory's growth since the previous report would fill the disk within this many days.
DISK_GROWTH_WARN_DAYS = 14
HEALTH_COMPONENTS = ("db", "diskSpace", "jms")
# NextMoveQueueHealthIndicator (v4.0.8, integrasjonspunkt/src/main/java/no/difi/meldingsutveksling/nextmove/
# NextMoveQueueHealthIndicator.java @6ff9667d): the outgoing messages not yet delivered, shown with
# management.endpoint.health.show-details=always (application.properties @6ff9667d L303).
QUEUE_COMPONENT = "nextMoveQueue"
BECOME_FIX = "Run the status playbook with status_become: true (or as a user in the service's group) to read it."
# The status run opens the installed keystore with the inventory's password and alias; a renewal given them with -e
# (playbooks/renew-certificate.yml) leaves the inventory naming the old keystore's (status-cert).
KEYSTORE_VARS_FIX = (
    "Set integrasjonspunkt_keystore_password and integrasjonspunkt_keystore_alias in the inventory to those of the"
    " keystore in use (after a renewal: the new keystore's); the status run opens the installed keystore with them."
)


def valued(status, value, measured=None, required=None, unit=None, message="", fix=None):
    """outcome() with the numeric value a metrics renderer reads."""
    out = outcome(status, measured if measured is not None else value, required, unit, message, fix)
    out["value"] = value
    return out


def _section(ctx, name):
    return ctx.get(name) or {}


def _not_read(section, what):
    """`unknown` for a section the host could not give: its reason, and the fix when rights would help."""
    fix = BECOME_FIX if section.get("permission") else None
    return outcome("unknown", "not read", None, None, "%s: %s" % (what, section.get("reason") or "not read"), fix)


def _now(ctx):
    return ctx.get("now") or datetime.datetime.now(datetime.timezone.utc)


def _previous(ctx, check_id):
    return ((ctx.get("previous") or {}).get("results") or {}).get(check_id)


class StatusCheck(Check):
    category = "status"
    doc = "installasjon"


class RunningCheck(StatusCheck):
    id = "status.running"
    title = "The integrasjonspunkt runs (its systemd unit or container), and since when"
    needs = ("service",)

    def evaluate(self, ctx):
        service = _section(ctx, "service")
        if not service.get("available"):
            return _not_read(service, "the service's state")
        what = service.get("unit") or "container %s" % service.get("container")
        if service.get("mode") == "docker" and not service.get("exists"):
            return valued("fail", 0, "no container", "running", None, "%s does not exist" % what, _START_FIX["docker"])
        if service.get("running"):
            return valued(
                "pass", 1, "running", "running", None, "%s is running since %s" % (what, service.get("since"))
            )
        return valued(
            "fail",
            0,
            service.get("active") or "not running",
            "running",
            None,
            "%s is %s/%s" % (what, service.get("active"), service.get("sub") or "-"),
            _START_FIX[service.get("mode") or "java"],
        )


_START_FIX = {
    "java": "Start it (systemctl start integrasjonspunkt) and read why it stopped: journalctl -u integrasjonspunkt.",
    "docker": "Run playbooks/install.yml to (re)create the container, and read why it stopped: docker logs.",
}


class HealthCheck(StatusCheck):
    id = "status.health"
    title = "/manage/health is UP, and so are its database, queue and disk space components"
    needs = ("health",)

    def evaluate(self, ctx):
        found = _section(ctx, "health")
        body = found.get("body")
        if not isinstance(body, dict) or "status" not in body:
            reason = found.get("reason") or "HTTP %s without a health document" % found.get("http_status")
            return valued(
                "fail",
                0,
                "no answer",
                "UP",
                None,
                "%s did not answer: %s" % (found.get("url"), reason),
                "Check status.running and the application log; the integrasjonspunkt answers once it has started.",
            )
        components = body.get("components") or {}
        states = {name: (components.get(name) or {}).get("status") for name in HEALTH_COMPONENTS}
        down = sorted(n for n, s in states.items() if s not in (None, "UP"))
        shown = ", ".join("%s %s" % (n, s or "absent") for n, s in sorted(states.items()))
        if body["status"] != "UP" or down:
            every_down = sorted(n for n, c in components.items() if (c or {}).get("status") not in ("UP", None))
            return valued(
                "fail",
                0,
                body["status"],
                "UP",
                None,
                "health %s; components not UP: %s (%s)" % (body["status"], ", ".join(every_down) or "none", shown),
                "Read the application log for the failing component (database, ActiveMQ, disk space).",
            )
        return valued("pass", 1, "UP", "UP", None, "health UP (%s)" % shown)


class RestartsCheck(StatusCheck):
    """What is counted: systemd's NRestarts and Docker's RestartCount both count the automatic restarts since the
    service was last started by hand (systemctl start/restart, docker start, a boot): systemd flushes NRestarts on
    a start that was no automatic restart, Docker resets RestartCount on a start through its API. Neither counts
    per day, and no journal is read (it may be volatile or unreadable without root). So a count above 0 means the
    running process itself came from an automatic restart, and its start time says whether that was in the last
    day: the verdict is exact, the value is the count since the last start by hand."""

    id = "status.restarts"
    title = "The integrasjonspunkt has not restarted by itself in the last day"
    severity = "warn"
    needs = ("service",)
    REQUIRED = "no automatic restart in the last day"

    def evaluate(self, ctx):
        service = _section(ctx, "service")
        if not service.get("available"):
            return _not_read(service, "the service's state")
        restarts = service.get("restarts")
        if not isinstance(restarts, int):
            return outcome("unknown", "not read", self.REQUIRED, None, "the restart count was not reported")
        started = parse_since(service.get("since"))
        recent = started is not None and _now(ctx) - started < datetime.timedelta(days=1)
        counted = "%d automatic restart(s) since it was last started by hand (%s)" % (
            restarts,
            service.get("restarts_source"),
        )
        if restarts and recent:
            return valued(
                "warn",
                restarts,
                required=self.REQUIRED,
                message="%s; the running process came from the latest of them, at %s, within the last day"
                % (counted, service.get("since")),
                fix="Read why it stopped: journalctl -u integrasjonspunkt (Java) or docker logs (Docker).",
            )
        if started is None and restarts:
            return valued(
                "unknown",
                restarts,
                required=self.REQUIRED,
                message="%s; whether the latest was in the last day is not known: start time not readable: %r"
                % (counted, service.get("since")),
            )
        return valued(
            "pass",
            restarts,
            required=self.REQUIRED,
            message="%s; %s"
            % (
                counted,
                "the running process started at %s, more than a day ago" % service.get("since")
                if restarts
                else "none since",
            ),
        )


def parse_since(text):
    """An aware datetime of systemd's ActiveEnterTimestamp ('Mon 2026-12-07 01:02:03 UTC') or Docker's StartedAt."""
    text = str(text or "").strip()
    if not text or text.startswith("0001-01-01") or text == "n/a":
        return None
    words = text.split()
    try:
        if len(words) >= 3 and "-" in words[1]:  # systemd: weekday, date, time, zone
            moment = datetime.datetime.strptime("%s %s" % (words[1], words[2]), "%Y-%m-%d %H:%M:%S")
            zone = words[3] if len(words) > 3 else "UTC"
            if zone not in ("UTC", "GMT", "Z"):
                return _local_zone(moment, zone)
            return moment.replace(tzinfo=datetime.timezone.utc)
        head = text.replace("Z", "+00:00")
        if "." in head:  # Docker gives nanoseconds
            main, rest = head.split(".", 1)
            digits = "".join(c for c in rest if c.isdigit())
            head = main + "." + digits[:6] + rest[len(digits) :]
        moment = datetime.datetime.fromisoformat(head)
        return moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        return None


def _local_zone(moment, zone):
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # noqa: PLC0415

    aliases = {"CET": "Europe/Oslo", "CEST": "Europe/Oslo"}
    try:
        return moment.replace(tzinfo=ZoneInfo(aliases.get(zone, zone)))
    except (ZoneInfoNotFoundError, ValueError):
        return None


class VersionCheck(StatusCheck):
    id = "status.version"
    title = "The running version is the newest release of its major, and meets every dated requirement"
    severity = "warn"
    needs = ("version",)

    def evaluate(self, ctx):
        version = _section(ctx, "version")
        if not version.get("available"):
            return _not_read(version, "the running version")
        running = version["version"]
        dated = self._dated(ctx, running)
        if dated is not None:
            return dated
        if ctx.get("releases") is None:
            return outcome(
                "info",
                running,
                "the newest release of its major",
                None,
                "%s runs (%s); the release list was not fetched (status_releases_offline)"
                % (running, version.get("source")),
            )
        found = ctx["releases"]
        if "releases" in (ctx.get("errors") or {}) or not found.get("available"):
            why = found.get("reason") or ((ctx.get("errors") or {}).get("releases") or {}).get("message")
            return outcome(
                "unknown",
                running,
                "the newest release of its major",
                None,
                "%s runs; the release list could not be fetched: %s" % (running, why),
                "Let the host reach api.github.com through integrasjonspunkt_proxy, or set "
                "status_releases_offline: true.",
            )
        blocked = _blocked(ctx)
        newest, reason = releases.newest_within_major(releases.from_github(found["releases"]), running, blocked)
        if newest is None:
            return outcome("unknown", running, "a release version", None, reason)
        if newest != releases.plain(running):
            return outcome(
                "warn",
                running,
                newest,
                None,
                "%s runs; %s" % (running, reason),
                "Upgrade: set integrasjonspunkt_version: %s and run playbooks/install.yml." % newest,
            )
        return outcome("pass", running, newest, None, "%s runs; %s" % (running, reason))

    @staticmethod
    def _dated(ctx, running):
        """A failing result when a dated minimum-version fact applies to the running version today."""
        facts = ctx["dated_facts"] if ctx.get("dated_facts") is not None else lifecycle_checks.load()
        settings = dict(ctx.get("settings") or {}, version=running)
        today = _now(ctx).astimezone(lifecycle_checks.OSLO).date()
        for fact in facts:
            if fact["family"] != "min_version" or not lifecycle_checks.applies(fact, settings):
                continue
            status, _left = lifecycle_checks.judge(fact, today, 0)
            if status == "fail":
                return outcome(
                    "fail",
                    running,
                    "not %s since %s" % (fact.get("versions"), fact["date"]),
                    None,
                    "%s runs: %s (%s)" % (running, " ".join(fact["what"].split()), fact["id"]),
                    " ".join(fact["fix"].split()),
                )
        return None


def _blocked(ctx):
    blocklist = _section(ctx, "blocklist")
    return lifecycle_records.active(blocklist.get("entries") or [], _now(ctx)) if blocklist.get("available") else {}


class BlocklistCheck(StatusCheck):
    id = "status.blocklist"
    title = "The running version is not on the host's blocklist"
    needs = ("version", "blocklist")

    def evaluate(self, ctx):
        version, blocklist = _section(ctx, "version"), _section(ctx, "blocklist")
        if not blocklist.get("available"):
            return _not_read(blocklist, "the blocklist")
        if not version.get("available"):
            return _not_read(version, "the running version")
        entry = _blocked(ctx).get(version["version"])
        if entry:
            return outcome(
                "fail",
                version["version"],
                "not blocklisted",
                None,
                "%s is blocklisted since %s: %s" % (version["version"], entry["blocked_at"], entry["reason"]),
                "Roll back or upgrade past it (playbooks/install.yml with another integrasjonspunkt_version).",
            )
        where = blocklist.get("path") if blocklist.get("present") else "no blocklist on the host"
        return outcome("pass", version["version"], "not blocklisted", None, "not blocklisted (%s)" % where)


class CertificateDaysCheck(StatusCheck):
    id = "status.certificate"
    title = "The enterprise certificate in use has time left"
    needs = ("keystore",)

    def evaluate(self, ctx):
        ks = ctx.get("keystore_read") or {}
        if not ks.get("available"):
            return _not_read(ks, "the installed keystore")
        found = certificate_checks.inspect_once(ctx, "_status_certificate", ks)
        if found.get("certificate") is None:
            return outcome(
                "unknown",
                "not read",
                None,
                None,
                "the certificate could not be read from %s: %s" % (ks.get("path"), _unread_reason(found, ks)),
                # A verdict on the file and the inventory's values (not a missing keytool): the values are the fix.
                KEYSTORE_VARS_FIX if found.get("verdict") is None else None,
            )
        limit = float(ctx["thresholds"]["cert_warn_days"])
        v = certificates.validity(found["certificate"], _now(ctx))
        days = round(v["days_left"], 1)
        required = ">= %g days left" % limit
        fix = "Renew it: order a new virksomhetssertifikat and run %s." % RENEWAL_PLAYBOOK
        if v["state"] != "valid":
            return valued(
                "fail",
                days,
                required=required,
                unit="days",
                fix=fix,
                message="%s (valid %s to %s)" % (v["state"].replace("_", " "), v["not_before"], v["not_after"]),
            )
        if days < limit:
            return valued(
                "warn",
                days,
                required=required,
                unit="days",
                fix=fix,
                message="expires on %s, in %.0f days" % (v["not_after"], days),
            )
        return valued("pass", days, required=required, unit="days", message="valid until %s" % v["not_after"])


def _unread_reason(found, ks):
    """Why the keystore gave no certificate: the opener's reason, or the alias that is not its key entry."""
    if found.get("reason"):
        return found["reason"]
    return "integrasjonspunkt_keystore_alias='%s' is not a private-key entry in it (entries: %s)" % (
        ks.get("alias"),
        ", ".join(found.get("aliases") or []) or "none",
    )


class ClockCheck(StatusCheck):
    id = "status.clock"
    title = "The clock agrees with the NTP host (the integrasjonspunkt stops itself above 5 s)"
    needs = ("ntp_probe",)

    def evaluate(self, ctx):
        probe = _section(ctx, "ntp_probe")
        host = (ctx.get("settings") or {}).get("ntp_host")
        if not probe:
            return outcome("unknown", "not probed", None, "s", "no NTP host is configured (integrasjonspunkt_ntp_host)")
        offset = probe.get("offset_seconds")
        if probe.get("error_kind") == "error":
            return outcome(
                "error", "no verdict", None, "s", "the NTP probe of %s failed: %s" % (host, probe.get("error"))
            )
        if offset is None:
            return outcome(
                "unknown",
                "no reply",
                None,
                "s",
                "no NTP reply from %s: %s" % (host, probe.get("error")),
                "Let the host reach %s on UDP 123; the integrasjonspunkt checks its clock there." % host,
            )
        warn, fail = (
            float(ctx["thresholds"]["time_offset_warn_seconds"]),
            float(ctx["thresholds"]["time_offset_fail_seconds"]),
        )
        size = abs(offset)
        required = "|offset| < %g s (the integrasjonspunkt stops above %g s)" % (warn, APP_CLOCK_LIMIT_SECONDS)
        fix = "Synchronise the clock (chrony or systemd-timesyncd) with %s or a source that agrees with it." % host
        status = "fail" if size >= fail else "warn" if size >= warn else "pass"
        return valued(
            status,
            round(offset, 6),
            "%+.3f" % offset,
            required,
            "s",
            "offset %+.3f s against %s" % (offset, host),
            None if status == "pass" else fix,
        )


class DiskCheck(StatusCheck):
    id = "status.disk"
    title = "The data directory (H2 database, message store) has room to grow"
    needs = ("disk",)

    def evaluate(self, ctx):
        disk = _section(ctx, "disk")
        if not disk.get("available"):
            return _not_read(disk, "the data directory's filesystem")
        free = disk["free_bytes"]
        minimum = float(ctx["thresholds"]["disk_min_gb"]) * GB
        required = ">= %g GB free" % (minimum / GB)
        growth = self._growth(ctx, disk)
        message = "%.2f GB free on the filesystem of %s" % (free / GB, disk["path"])
        if disk.get("data_bytes") is not None:
            message += "; the data there is %.2f GB" % (disk["data_bytes"] / GB)
        message += "; " + growth["text"]
        fix = "Free or add space where %s lives, or move old messages out (see the backup docs)." % disk["path"]
        if free < minimum:
            result = valued("fail", free, "%.2f GB free" % (free / GB), required, None, message, fix)
        elif growth.get("days_left") is not None and growth["days_left"] < DISK_GROWTH_WARN_DAYS:
            result = valued(
                "warn",
                free,
                "%.2f GB free" % (free / GB),
                required,
                None,
                message + " (full in about %.0f days at this rate)" % growth["days_left"],
                fix,
            )
        else:
            result = valued("pass", free, "%.2f GB free" % (free / GB), required, None, message)
        result["data_bytes"] = disk.get("data_bytes")
        return result

    @staticmethod
    def _growth(ctx, disk):
        before = _previous(ctx, "status.disk")
        if not before or before.get("data_bytes") is None or disk.get("data_bytes") is None:
            return {"text": "no growth figure (no previous status report given: status_previous_report)"}
        then = parse_since((ctx.get("previous") or {}).get("generated_at"))
        grown = disk["data_bytes"] - int(before["data_bytes"])
        if then is None or _now(ctx) <= then:
            return {"text": "grown %+.3f GB since the previous report (its time unknown)" % (grown / GB)}
        days = (_now(ctx) - then) / datetime.timedelta(days=1)
        text = "grown %+.3f GB in %.1f days since the previous report" % (grown / GB, days)
        rate = grown / days if days > 0 else 0
        return {"text": text, "days_left": disk["free_bytes"] / rate if rate > 0 else None}


class MemoryCheck(StatusCheck):
    id = "status.memory"
    title = "The process's resident memory against its heap limit (-Xmx)"
    severity = "warn"
    needs = ("memory",)

    def evaluate(self, ctx):
        memory = _section(ctx, "memory")
        if not memory.get("available"):
            return _not_read(memory, "the process's memory")
        rss = memory.get("rss_bytes")
        limit = memory.get("heap_limit_bytes")
        what = "-Xmx"
        if not limit and memory.get("container_limit_bytes"):
            limit, what = memory["container_limit_bytes"], "the container's memory limit"
        if not rss or not limit:
            return outcome(
                "unknown",
                "not read",
                None,
                None,
                "resident %s, heap limit %s (no -Xmx on the command line)" % (rss, limit),
            )
        ratio = round(rss / float(limit), 3)
        required = "resident <= %g x %s" % (MEMORY_WARN_RATIO, what)
        message = "resident %d MiB against %s %d MiB" % (rss // 2**20, what, limit // 2**20)
        if ratio > MEMORY_WARN_RATIO:
            return valued(
                "warn",
                ratio,
                required=required,
                message=message,
                fix="Memory outside the heap is growing: restart in a quiet hour and report it upstream.",
            )
        return valued("pass", ratio, required=required, message=message)


class LogErrorsCheck(StatusCheck):
    id = "status.log_errors"
    title = "No ERROR entries in the application log since the given time"
    severity = "warn"
    needs = ("log",)

    def evaluate(self, ctx):
        log = _section(ctx, "log")
        if not log.get("available"):
            return _not_read(log, "the application log")
        total = log["total"]
        since = log.get("since")
        tail = " (only the last part of the file was read)" if log.get("truncated") else ""
        if not total:
            return valued(
                "pass", 0, required="0 since %s" % since, message="no ERROR entries since %s%s" % (since, tail)
            )
        groups = "; ".join(
            "%s x%d [%s]%s"
            % (g["logger"], g["count"], g["fingerprint"], " %s" % g["exception"] if g.get("exception") else "")
            for g in log.get("groups") or []
        )
        result = valued(
            "warn",
            total,
            required="0 since %s" % since,
            message="%d ERROR entries since %s%s, by logger x count [message fingerprint]: %s"
            % (total, since, tail, groups),
            fix="Read those entries in %s (the report carries no message text)." % log.get("path"),
        )
        result["groups"] = log.get("groups") or []
        return result


class QueueCheck(StatusCheck):
    id = "status.queue"
    title = "The messages waiting in the outgoing queue are not growing"
    severity = "warn"
    needs = ("health",)

    def evaluate(self, ctx):
        body = _section(ctx, "health").get("body")
        component = ((body or {}).get("components") or {}).get(QUEUE_COMPONENT) if isinstance(body, dict) else None
        outgoing = ((component or {}).get("details") or {}).get("outgoing")
        if not isinstance(outgoing, int):
            return outcome(
                "unknown", "not read", None, None, "/manage/health shows no %s.details.outgoing" % QUEUE_COMPONENT
            )
        before = _previous(ctx, self.id)
        if not before or not isinstance(before.get("value"), (int, float)):
            return valued(
                "info",
                outgoing,
                required="not growing",
                message="%d outgoing message(s) waiting; no "
                "previous status report to compare with (status_previous_report)" % outgoing,
            )
        previous = int(before["value"])
        message = "%d outgoing message(s) waiting, %d at the previous report" % (outgoing, previous)
        if outgoing > previous:
            return valued(
                "warn",
                outgoing,
                required="not growing",
                message=message,
                fix="Look for failing sends in the application log (status.log_errors) and /api/statuses.",
            )
        return valued("pass", outgoing, required="not growing", message=message)


# The status run's checks, in report order. Another check of the framework joins by one line here (its facts come
# from a status_gather collector whose answer is a section named in status_probe.SECTIONS, e.g. security.actuator:
# actuator_checks.ActuatorCheck with an "actuator" collector).
STATUS_CHECKS = (
    RunningCheck,
    HealthCheck,
    RestartsCheck,
    VersionCheck,
    BlocklistCheck,
    CertificateDaysCheck,
    ClockCheck,
    DiskCheck,
    MemoryCheck,
    LogErrorsCheck,
    QueueCheck,
    actuator_checks.ActuatorCheck,
)
