# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Preflight judgement: every documented requirement as one check object with a stable ID.

Pure functions over the facts the modules gathered; no I/O. Every check runs. A check that raises,
or whose facts could not be gathered, is ``error``: never ``pass``, and never mistaken for a real
``fail`` either. Ignoring a check downgrades fail to warn but keeps it in the report (kubeadm's
--ignore-preflight-errors, InSpec waivers); a waiver may carry an ``until`` date.
"""

import datetime
import fnmatch

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils.check_base import (
    DOCS,
    FAILING,
    GB,
    MIB,
    SEVERITIES,
    STATUSES,
    Check,
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
    ContainerDnsCheck,
    ContainerEngineCheck,
    JavaCheck,
)
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils.time_checks import (
    HOST_CLOCK_FIX,
    NO_TIME_DAEMON_FIX,
    PUBLIC_NTP_SUFFIXES,
    TimeOffsetCheck,
    TimeProbeCheck,
    TimeServiceCheck,
    TimeSourceCheck,
    TimeSyncCheck,
    TimezoneCheck,
    best_probe,
    ntp_probe_crash,
    public_source,
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
    "ContainerDnsCheck",
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


STATIC_CHECKS = (
    VersionCheck,
    ApiSecurityCheck,
    CpuCheck,
    MemoryCheck,
    DiskCheck,
    JavaCheck,
    ContainerEngineCheck,
    ContainerDnsCheck,
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
        actuator_checks,
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
        + actuator_checks.ACTUATOR_CHECKS
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


def run_checks(ctx, ignore=None, valid_ids=None, only=None, today=None, classes=None):
    """Run every applicable (and selected) check; return the list of results.

    `classes`: the check classes to run (the status run's STATUS_CHECKS); None: preflight's registry().
    """
    checks = [c() for c in (registry() if classes is None else classes)]
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
