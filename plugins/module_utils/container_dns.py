# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The resolvers a container on this host will get, the way Docker and Podman pick them (runtime.container_dns).

Both engines: the DNS configured for the engine (Docker: "dns" in /etc/docker/daemon.json; Podman: dns_servers
in containers.conf), else the host's resolv.conf nameservers without the loopback ones (a container's loopback
is its own); with systemd-resolved's stub (127.0.0.53) they read /run/systemd/resolve/resolv.conf instead.
When nothing is left, both substitute Google's public resolvers (8.8.8.8, 8.8.4.4). Pure parsers, and one
collector that reads those files; anything unreadable is a reason, never an empty (and so passing) list.
"""

import glob
import ipaddress
import json
import os
import re

ENGINE_FALLBACK = ["8.8.8.8", "8.8.4.4"]  # moby libnetwork/resolvconf and containers/common resolvconf defaults
RESOLVED_STUB = "127.0.0.53"
RESOLVED_UPSTREAM = "/run/systemd/resolve/resolv.conf"
DAEMON_JSON = "/etc/docker/daemon.json"
CONTAINERS_CONF = (
    "/usr/share/containers/containers.conf",
    "/etc/containers/containers.conf",
    "/etc/containers/containers.conf.d/*.conf",
)


def parse_resolv_conf(text):
    """The nameserver addresses of a resolv.conf text, in order (a zone index like %eth0 dropped)."""
    found = []
    for line in (text or "").splitlines():
        words = line.split("#", 1)[0].split(";", 1)[0].split()
        if len(words) >= 2 and words[0] == "nameserver":
            found.append(words[1].split("%", 1)[0])
    return found


def is_loopback(address):
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def parse_daemon_json(text):
    """Docker's "dns" list from daemon.json, or None when it sets none. ValueError when it is not JSON."""
    data = json.loads(text) if (text or "").strip() else {}
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    dns = data.get("dns")
    return [str(d) for d in dns] if isinstance(dns, list) and dns else None


_SECTION = re.compile(r"^\s*\[([^\]]+)\]\s*$")
_DNS_LINE = re.compile(r"^\s*dns_servers\s*=\s*\[(.*)\]\s*$")


def parse_containers_conf(text):
    """Podman's [containers] dns_servers from a containers.conf text, or None when it sets none (or sets [])."""
    section, found = None, None
    for raw in (text or "").splitlines():
        line = raw.split("#", 1)[0]
        head = _SECTION.match(line)
        if head:
            section = head.group(1).strip()
            continue
        match = _DNS_LINE.match(line)
        if section == "containers" and match:
            found = re.findall(r"[\"']([^\"']+)[\"']", match.group(1))
    return found or None


def _read(path):
    with open(path) as fh:
        return fh.read()


def engine_dns(engine, root="/", read=_read):
    """(servers or None, source, problem) of the engine's own DNS setting."""
    if engine == "podman":
        servers, source = None, None
        for pattern in CONTAINERS_CONF:  # later files override earlier ones
            for path in sorted(glob.glob(os.path.join(root, pattern.lstrip("/")))):
                try:
                    found = parse_containers_conf(read(path))
                except FileNotFoundError:  # removed since the glob saw it
                    continue
                except OSError as exc:
                    return None, path, "cannot read %s: %s" % (path, exc.strerror or exc)
                if found:
                    servers, source = found, path
        return servers, source, None
    path = os.path.join(root, DAEMON_JSON.lstrip("/"))
    try:
        return parse_daemon_json(read(path)), path, None
    except FileNotFoundError:
        return None, None, None
    except (OSError, ValueError) as exc:
        return None, path, "cannot read %s: %s" % (path, getattr(exc, "strerror", None) or exc)


def host_nameservers(root="/", read=_read):
    """(nameservers, source, problem) the engine copies from the host: resolved's upstream file behind its stub."""
    path = os.path.join(root, "etc/resolv.conf")
    try:
        servers = parse_resolv_conf(read(path))
    except OSError as exc:
        return None, path, "cannot read %s: %s" % (path, exc.strerror or exc)
    if servers == [RESOLVED_STUB]:
        upstream = os.path.join(root, RESOLVED_UPSTREAM.lstrip("/"))
        try:
            return parse_resolv_conf(read(upstream)), upstream, None
        except OSError as exc:
            return None, upstream, "cannot read %s: %s" % (upstream, exc.strerror or exc)
    return servers, path, None


def collect(engine, root="/", read=_read):
    """What a container will get: {engine_dns, engine_source, host_nameservers, host_source, effective,
    substituted, reason}; reason set (and effective None) when something could not be read."""
    dns, engine_source, problem = engine_dns(engine, root, read)
    result = {"engine": engine, "engine_dns": dns, "engine_source": engine_source}
    if problem:
        result.update(reason=problem, effective=None)
        return result
    host, host_source, problem = host_nameservers(root, read)
    result.update(host_nameservers=host, host_source=host_source)
    if problem:
        result.update(reason=problem, effective=None)
        return result
    if dns:
        result.update(effective=dns, substituted=False)
        return result
    usable = [s for s in host if not is_loopback(s)]
    result.update(effective=usable or list(ENGINE_FALLBACK), substituted=not usable)
    return result
