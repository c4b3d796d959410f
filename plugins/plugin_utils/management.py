# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Spring Boot actuator (/manage/*) of the integrasjonspunkt: which management.* properties the install writes.

One source for both run modes: the properties template renders `properties` in Java mode and in Docker mode
(the same file is mounted into the container), so the two cannot drift. docs/management-port.md explains why.

Upstream facts (felleslosninger/efm-integrasjonspunkt, tag v4.0.8, commit 6ff9667d36db):
- integrasjonspunkt/src/main/resources/config/application.properties sets
  management.endpoints.enabled-by-default=true, management.endpoints.web.base-path=/manage,
  management.endpoints.web.exposure.include=* and exposure.exclude=env.
- Oauth2ClientSecurityConfig (auth on) permits requestMatchers("/manage/*", "/error") without credentials, with
  CSRF off; auth off permits everything. `/manage/*` is one path segment: /manage/heapdump is open either way.
- pom.xml: spring-boot-starter-parent 3.5.16. Since Spring Boot 3.4, `management.endpoints.access.default` and
  the deprecated `enabled-by-default` may not both be set (MutuallyExclusiveConfigurationPropertiesException), so
  the defaults are capped with `management.endpoints.access.max-permitted` and each dangerous endpoint gets its
  own `management.endpoint.<id>.access=none` (upstream sets no `management.endpoint.<id>.enabled` for them).
"""

import ipaddress

EXPOSURES = ("locked", "upstream")
BASE_PATH = "/manage"
# What operators and load balancers need, open without credentials as upstream leaves /manage/*.
OPEN = ("health", "info")
METRICS = "prometheus"
# Closed in `locked`: memory, threads, configuration, beans, routes, shutdown and log levels.
CLOSED = ("heapdump", "threaddump", "configprops", "env", "beans", "mappings", "shutdown", "loggers")
WILDCARDS = ("0.0.0.0", "::")


def exposed(exposure, metrics):
    """The endpoint ids the web exposure includes (`locked`), or None for upstream's `*` but env."""
    if exposure != "locked":
        return None
    return list(OPEN) + ([METRICS] if metrics else [])


def properties(exposure, metrics, port, address, run_mode):
    """[[key, value], ...] of management.* lines, in the order they are written.

    `port` None keeps the actuator on the API port. Docker mode binds the management port on every address
    inside the container; the container's port is published on `address` instead (see `publish`).
    """
    out = []
    include = exposed(exposure, metrics)
    if include is not None:
        out.append(["management.endpoints.web.exposure.include", ",".join(include)])
        # Nothing may write (shutdown, loggers POST), whatever else is exposed.
        out.append(["management.endpoints.access.max-permitted", "read-only"])
        out += [["management.endpoint.%s.access" % name, "none"] for name in CLOSED]
    if port is not None:
        out.append(["management.server.port", str(port)])
        out.append(["management.server.address", "0.0.0.0" if run_mode == "docker" else address])
    return out


def url_host(address):
    """The address as a URL's host: a wildcard is reached on loopback, IPv6 in brackets."""
    text = str(address)
    if text in WILDCARDS or text == "":
        return "127.0.0.1"
    return "[%s]" % text if ":" in text else text


def publish(address, port):
    """Docker mode: the published_ports entry of the management port ('ADDRESS:port:port')."""
    host = "[%s]" % address if ":" in str(address) else str(address)
    return "%s:%d:%d" % (host, port, port)


def model(exposure, metrics, port, address, run_mode, api_port, bind_address):
    """Everything the install and the probe need about the actuator, as one dict (pure)."""
    separate = port is not None
    if separate:
        health_port, health_host = port, url_host(address)
    else:
        health_port = api_port
        health_host = url_host(bind_address) if run_mode == "docker" else "127.0.0.1"
    return {
        "exposure": exposure,
        "metrics": metrics,
        "port": port,
        "address": address,
        "separate": separate,
        "base_path": BASE_PATH,
        "properties": properties(exposure, metrics, port, address, run_mode),
        "publish": [publish(address, port)] if separate and run_mode == "docker" else [],
        "health_host": health_host,
        "health_port": health_port,
    }


def probe_targets(settings):
    """Where preflight (or a status run) asks the actuator from the host: the API port, and the management port
    when it has one of its own. Each {host, port, scheme}; TLS is the API's (Spring Boot copies server.ssl)."""
    own = settings["management"]
    scheme = "https" if settings.get("ssl_enabled") else "http"
    docker = settings.get("run_mode") == "docker"
    api_host = url_host(settings.get("bind_address", "0.0.0.0")) if docker else "127.0.0.1"
    targets = [{"host": api_host, "port": settings["port"], "scheme": scheme}]
    if own["separate"]:
        targets.append({"host": own["health_host"], "port": own["port"], "scheme": scheme})
    return targets


def parse_address(text):
    """The address in canonical form, or None when it is no IP address."""
    try:
        return str(ipaddress.ip_address(str(text or "").strip().strip("[]")))
    except ValueError:
        return None
