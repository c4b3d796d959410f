# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The preflight thresholds: the one place their defaults and sources live.

Users override single keys with ``preflight_thresholds``; the role's argument spec lists the
same keys (tests/unit checks that the two agree).
"""

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import docs

FORBEREDE = docs.url("installasjon/forberede_installasjon")
SPORSMAL = docs.url("Selvhjelp/sporsmal_og_svar")

# name: (default, unit, source)
THRESHOLDS = {
    "cpu_min": (1.0, "CPUs", FORBEREDE + " (1 CPU)"),
    "memory_min_mb": (2048, "MiB", FORBEREDE + " (2GB minne)"),
    "memory_tolerance_mb": (
        256,
        "MiB",
        "Kernel and firmware reserve part of RAM, so a 2 GiB VM shows about 1.8-1.9 GiB MemTotal"
        " (kubernetes-sigs/kubespray#2123); this much below the minimum still passes",
    ),
    "einnsyn_memory_mb": (
        1024,
        "MiB",
        "Older Forberede installasjon (before Aug 2022): 1 GB for eInnsyn and 2 GB for eFormidling",
    ),
    "disk_min_gb": (2.0, "GB", FORBEREDE + " (minst 2 GB tilgjengelig disk, ~1 million meldinger)"),
    "disk_app_gb": (0.2, "GB", SPORSMAL + " (Hvor mye diskplass: ~200 MB application)"),
    "disk_logs_gb_per_million": (0.1, "GB", SPORSMAL + " (~100 MB logs per million messages)"),
    "disk_database_gb_per_million": (1.4, "GB", SPORSMAL + " (~1400 MB H2 database per million messages)"),
    "disk_temp_gb_per_million": (
        0.3,
        "GB",
        "The rest of the documented 2 GB per million: temporary storage of in- and outgoing messages",
    ),
    "time_offset_warn_seconds": (
        0.1,
        "s",
        "This collection's margin (project policy) below the 5 s at which the integrasjonspunkt stops itself after"
        " start-up (IntegrasjonspunktApplication.checkNtpSync; NtpSyncChecker only logs every 30 minutes) and"
        " Maskinporten's 10 s",
    ),
    "time_offset_fail_seconds": (
        1.0,
        "s",
        "Project policy, as above: well inside the 5 s stop; chrony keeps a synced clock well inside 0.1 s",
    ),
    "time_probe_agreement_seconds": (
        0.5,
        "s",
        "The direct NTP probe and the daemon should tell the same offset; network asymmetry adds up to half the delay",
    ),
    "reference_max_age_seconds": (
        3600,
        "s",
        "chrony's last reference update should be recent; maxpoll 10 means about 17 minutes between polls",
    ),
    "cert_expiry_warn_days": (14, "days", "Renewal margin for the eFormidling services' TLS certificates"),
    "cert_warn_days": (
        30,
        "days",
        "Renewal margin for the enterprise certificate: a new virksomhetssertifikat must be ordered and, with"
        " DPO/DPE, sent to Digdir before the old one expires, or the integrasjonspunkt refuses to start"
        " (IntegrasjonspunktCertificateValidator); 30 days is this collection's policy",
    ),
    "lifecycle_warn_days": (
        90,
        "days",
        "Warning margin before a dated fact (data/dated_facts.yml): time to order access from the service owner"
        " (KS integration credentials, Maskinporten scopes), wait for a release and upgrade; this collection's policy",
    ),
}


def defaults():
    return {name: spec[0] for name, spec in THRESHOLDS.items()}


def merged(overrides):
    """Defaults with the user's overrides; unknown names are an error naming the allowed ones."""
    values = defaults()
    for name, value in (overrides or {}).items():
        if value is None:
            continue
        if name not in THRESHOLDS:
            raise ValueError(
                "preflight_thresholds has an unknown key %r; allowed: %s" % (name, ", ".join(sorted(THRESHOLDS)))
            )
        try:
            values[name] = float(value)
        except (TypeError, ValueError):
            raise ValueError("preflight_thresholds.%s must be a number, got %r" % (name, value)) from None
    return values
