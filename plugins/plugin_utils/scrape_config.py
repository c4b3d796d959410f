# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A Prometheus scrape configuration for the inventory's integrasjonspunkt hosts that have metrics on.

Pure functions of each host's settings. Basic auth is by file reference only (`password_file`): the password
stays on the Prometheus server and never enters the generated file.
"""

import ipaddress

JOB = "integrasjonspunkt"
METRICS_PATH = "/manage/prometheus"
# Where the Prometheus server keeps each API user's password (one file per user); {user} is replaced.
DEFAULT_PASSWORD_FILE = "/etc/prometheus/integrasjonspunkt-{user}.password"


def target(host, host_vars, settings):
    """(address:port, None) for a host to scrape, or (None, why not).

    settings["management"] is the settings model's (plugin_utils/management.py: metrics, port, address), which
    validated integrasjonspunkt_metrics_enabled, _management_port and _management_address; host_vars gives
    only ansible_host.
    """
    metrics = settings["management"]
    if not metrics["metrics"]:
        return None, "integrasjonspunkt_metrics_enabled is false"
    listen = ipaddress.ip_address(metrics["address"])
    if listen.is_loopback:
        return None, (
            "the management port listens on %s only, which no Prometheus on another machine reaches; set "
            "integrasjonspunkt_management_address" % listen
        )
    address = str(host_vars.get("ansible_host") or host) if listen.is_unspecified else str(listen)
    if ":" in address and not address.startswith("["):
        address = "[%s]" % address
    port = metrics["port"] or settings["port"]
    return "%s:%d" % (address, port), None


def scrape_config(hosts, password_file=DEFAULT_PASSWORD_FILE, ca_file=None, interval=None):
    """(config, skipped): one job per scheme and API user, the first named `integrasjonspunkt`.

    hosts: {inventory name: (host_vars, settings)} where settings holds port, ssl_enabled, auth_enabled,
    environment and auth_user (the model's values).
    """
    jobs, skipped = {}, {}
    for host in sorted(hosts):
        host_vars, settings = hosts[host]
        addr, why = target(host, host_vars, settings)
        if addr is None:
            skipped[host] = why
            continue
        scheme = "https" if settings["ssl_enabled"] else "http"
        user = settings["auth_user"] if settings["auth_enabled"] else None
        static = {"targets": [addr], "labels": {"host": host, "environment": settings["environment"]}}
        jobs.setdefault((scheme, user), []).append(static)
    configs = []
    for n, ((scheme, user), statics) in enumerate(sorted(jobs.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))):
        job = {"job_name": JOB if n == 0 else "%s-%d" % (JOB, n + 1), "metrics_path": METRICS_PATH, "scheme": scheme}
        if interval:
            job["scrape_interval"] = interval
        if user:
            job["basic_auth"] = {"username": user, "password_file": password_file.replace("{user}", user)}
        if ca_file and scheme == "https":
            job["tls_config"] = {"ca_file": ca_file}
        job["static_configs"] = statics
        configs.append(job)
    return {"scrape_configs": configs}, skipped
