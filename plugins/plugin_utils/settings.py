# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one model of the shared ``integrasjonspunkt_*`` settings, normalised once for every role.

The preflight engine and the install role both read ``normalise()``'s answer, so the directories,
proxy, NTP host, Java and timeouts that preflight judged are the ones the install uses. Bad input
raises ``SettingsError`` naming the variable, the value it got and what is allowed, before anything
on a host is touched.
"""

import ipaddress
import posixpath
import re
from urllib.parse import urlsplit

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import upstream_defaults
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import thresholds

ENVIRONMENTS = ("production", "test")
RUN_MODES = ("java", "docker")
SERVICES = ("DPO", "DPV", "DPI", "DPF", "DPE", "DPH", "DPFIO")
# The directories by their role, with what lives there; the disk check sums what must fit per filesystem.
DIRECTORIES = {
    "install": "integrasjonspunkt_install_dir",
    "data": "integrasjonspunkt_data_dir",
    "logs": "integrasjonspunkt_log_dir",
    "temp": "integrasjonspunkt_tmp_dir",
}
# Every integrasjonspunkt_* variable and its default: the one place they live. The roles' defaults/main.yml
# and meta/argument_specs.yml must say the same (tests/helpers/check_argument_specs.py, `make argspec`).
DEFAULTS = {
    "integrasjonspunkt_environment": "production",
    "integrasjonspunkt_services": [],
    "integrasjonspunkt_version": "4.0.8",
    "integrasjonspunkt_run_mode": "java",
    "integrasjonspunkt_install_dir": "/opt/integrasjonspunkt",
    "integrasjonspunkt_data_dir": "/var/lib/integrasjonspunkt",
    "integrasjonspunkt_log_dir": "/var/log/integrasjonspunkt",
    "integrasjonspunkt_tmp_dir": "/tmp",
    "integrasjonspunkt_port": 9093,
    "integrasjonspunkt_inbound_sources": [],
    "integrasjonspunkt_ntp_host": upstream_defaults.NTP_HOST,
    "integrasjonspunkt_proxy": "",
    "integrasjonspunkt_no_proxy": [],
    "integrasjonspunkt_external_database": False,
    "integrasjonspunkt_database_url": "",
    "integrasjonspunkt_database_user": "",
    "integrasjonspunkt_database_password": "",
    "integrasjonspunkt_external_queue": False,
    "integrasjonspunkt_queue_broker_url": "",
    "integrasjonspunkt_queue_user": "",
    "integrasjonspunkt_queue_password": "",
    "integrasjonspunkt_einnsyn_same_host": False,
    # On, as upstream v3/v4 default them (application.properties: difi.ssl.enabled=true,
    # difi.move.feature.enable-auth=${difi.security.enable:true}); off is a choice preflight warns about.
    "integrasjonspunkt_ssl_enabled": True,
    "integrasjonspunkt_auth_enabled": True,
    "integrasjonspunkt_image": "ghcr.io/felleslosninger/efm-integrasjonspunkt",
    "integrasjonspunkt_docker_host": "unix:///var/run/docker.sock",
    "integrasjonspunkt_bind_address": "0.0.0.0",
    # Digdir's AKS example limits the pod to 3072 MiB.
    "integrasjonspunkt_container_memory_mb": 3072,
    "integrasjonspunkt_org_number": "",
    "integrasjonspunkt_keystore_src": "",
    "integrasjonspunkt_keystore_remote_src": False,
    "integrasjonspunkt_keystore_type": "PKCS12",
    "integrasjonspunkt_keystore_alias": "",
    "integrasjonspunkt_keystore_password": "",
    "integrasjonspunkt_keystore_extra_issuers": "",
    # Inbound TLS with a certificate of its own (Digdir's installation page: difi.ssl.*, an https.p12 example).
    # Empty src: the enterprise keystore serves TLS, as before (callers must pin it or skip host-name checks).
    "integrasjonspunkt_tls_keystore_src": "",
    "integrasjonspunkt_tls_keystore_remote_src": False,
    "integrasjonspunkt_tls_keystore_type": "PKCS12",
    "integrasjonspunkt_tls_keystore_alias": "",
    "integrasjonspunkt_tls_keystore_password": "",
    # The names callers use to reach the API; empty: the inventory host name (preflight's certificate.tls).
    "integrasjonspunkt_tls_server_names": [],
    "integrasjonspunkt_auth_user": "",
    "integrasjonspunkt_auth_password": "",
    "integrasjonspunkt_extra_properties": {},
    # SvarUt (DPF) client: soap, the only one released (upstream difi.move.fiks.ut.type=ws, its default).
    "integrasjonspunkt_svarut_api": "soap",
    "integrasjonspunkt_download_base_url": "https://github.com/felleslosninger/efm-integrasjonspunkt/releases/download",
    "integrasjonspunkt_download_timeout": 120,
    "integrasjonspunkt_download_validate_certs": True,
    # Digdir's eFormidling signing key (resources/eformidling/public_keys/eformidling-key.asc).
    "integrasjonspunkt_signing_key_fingerprint": "AEF27AA6948A3856932AF98ECA5643393753ECE3",
    "integrasjonspunkt_signing_key": "",
    "integrasjonspunkt_java_path": "",
    "integrasjonspunkt_java_install_method": "auto",
    "integrasjonspunkt_temurin_repo_url": "https://packages.adoptium.net/artifactory",
    "integrasjonspunkt_jvm_max_heap_mb": 0,
    "integrasjonspunkt_jvm_extra_opts": [],
    "integrasjonspunkt_user": "integrasjonspunkt",
    "integrasjonspunkt_group": "integrasjonspunkt",
    "integrasjonspunkt_health_timeout": 300,
    "integrasjonspunkt_keep_releases": 3,
    "integrasjonspunkt_image_digest": "",
    "integrasjonspunkt_container_name": "integrasjonspunkt",
    "integrasjonspunkt_container_uid": 1002,
    "integrasjonspunkt_container_gid": 1000,
    "integrasjonspunkt_container_restart_policy": "unless-stopped",
    "integrasjonspunkt_container_read_only": True,
    "integrasjonspunkt_skip_preflight": False,
    "integrasjonspunkt_skip_preflight_reason": "",
    # --- Actuator and management port (issue 22, i22-actuator; docs/management-port.md) ---
    # locked: only health and info (and, opted in, prometheus) are exposed, everything else closed; upstream:
    # v4.0.8's own defaults (every endpoint but env exposed, /manage/* without auth), a choice preflight warns about.
    "integrasjonspunkt_actuator_exposure": "locked",
    # /manage/prometheus, only on a separate management port (the API port leaves /manage/* open to anyone).
    "integrasjonspunkt_metrics_enabled": False,
    # None: the actuator stays on the API port; a number: the actuator moves to that port (management.server.port).
    "integrasjonspunkt_management_port": None,
    # The address the separate management port listens on (Java) or is published on (Docker).
    "integrasjonspunkt_management_address": "127.0.0.1",
    # --- end actuator ---
    # Backup and restore (roles/backup, docs/backup-restore.md): where archives go on the host, how many are
    # kept, an optional directory on the controller they are fetched to, and the archive a restore puts back.
    "integrasjonspunkt_backup_dir": "/var/backups/integrasjonspunkt",
    "integrasjonspunkt_backup_keep": 5,
    "integrasjonspunkt_backup_fetch_dir": "",
    "integrasjonspunkt_restore_archive": "",
    # Docker mode, the container's resolvers (issue 24, i24-podman): empty leaves them to the engine, which
    # substitutes 8.8.8.8/8.8.4.4 when the host's only resolvers are on loopback (runtime.container_dns).
    "integrasjonspunkt_container_dns": [],
    # --- Upgrades that pick the version (issue 21, docs/upgrades.md) ---
    # The URL that lists the releases; empty: GitHub's releases API, or <integrasjonspunkt_download_base_url>/
    # releases.json for a mirror (plugins/module_utils/releases.py list_url).
    "integrasjonspunkt_releases_url": "",
    # Where integrasjonspunkt_version=latest's release list is fetched: host, or controller for hosts that
    # reach neither GitHub nor the mirror.
    "integrasjonspunkt_release_lookup": "host",
    # KOSMOS blocklists a version that failed to start for 2 hours (efm-kosmos v4.0.0); 0 = until cleared.
    "integrasjonspunkt_blocklist_hours": 2,
    "integrasjonspunkt_blocklist_clear": [],
    "integrasjonspunkt_notify_mail_to": [],
    "integrasjonspunkt_notify_mail_from": "",
    "integrasjonspunkt_notify_mail_host": "localhost",
    "integrasjonspunkt_notify_mail_port": 25,
    "integrasjonspunkt_notify_mail_secure": "try",
    "integrasjonspunkt_notify_mail_username": "",
    "integrasjonspunkt_notify_mail_password": "",
    "integrasjonspunkt_notify_webhook_url": "",
    # Production takes a version only after it ran healthy this many days on the hosts of the promotion group.
    "integrasjonspunkt_promotion_min_days": 0,
    "integrasjonspunkt_promotion_group": "",
    # --- end of upgrades ---
}
# The systemd unit the install role writes in Java mode (its vars/main.yml __integrasjonspunkt_unit_name says the
# same; tests/unit/plugins/plugin_utils/test_backup_plan.py checks it): the backup stops and starts it.
SERVICE_UNIT = "integrasjonspunkt.service"
# --- The installed keystore (status-cert): where the install role puts the enterprise keystore and where the
# integrasjonspunkt opens it, once for every role (the install writes and mounts it, the status run reads it).
# Docker mode bind-mounts the host file read-only under the image's working directory /workspace.
CONTAINER_KEYSTORE_DIR = "/workspace/certs"


def keystore_file_name(kind):
    """keystore.jks for integrasjonspunkt_keystore_type JKS, keystore.p12 for PKCS12 (the install's names)."""
    return "keystore.%s" % ("jks" if kind == "JKS" else "p12")


def installed_keystore(run_mode, install_dir, kind):
    """{path, app_path}: the keystore's file on the host (both run modes) and the path the integrasjonspunkt opens
    (that file in Java mode; its read-only mount in the container in Docker mode)."""
    name = keystore_file_name(kind)
    path = posixpath.join(install_dir, name)
    return {"path": path, "app_path": posixpath.join(CONTAINER_KEYSTORE_DIR, name) if run_mode == "docker" else path}


# --- end installed keystore ---
# Variables that were removed or renamed: set in an inventory they are refused, naming the replacement.
REMOVED = {
    "preflight_proxy": ("integrasjonspunkt_proxy", "the proxy the integrasjonspunkt's JVM uses, probed by preflight"),
    "preflight_no_proxy": ("integrasjonspunkt_no_proxy", "the JVM's http.nonProxyHosts, probed by preflight"),
}
# The integrasjonspunkt needs 2 GB (Forberede installasjon); the container's limit may not be lower.
CONTAINER_MEMORY_MIN_MB = thresholds.THRESHOLDS["memory_min_mb"][0]
# The oldest release the collection installs, in both run modes. The JAR, .sha1 and .asc are GitHub release
# assets from v4.0.1 (efm-integrasjonspunkt README, e39002262; v3 went to GitHub Packages), and 4.0.0 in
# production still called the Altinn test platform (platform.tt02.altinn.no) for DPO, whatever runs it: the
# ghcr.io image v4.0.0 has the same code (upstream audit 2026-12-06, D7/E6), so Docker mode gets the same floor.
VERSION_FLOOR = "4.0.1"
# FIKS IO (DPFIO) was removed from the integrasjonspunkt in 4.0.8 (CHANGELOG.md @v4.0.8).
DPFIO_REMOVED_IN = "4.0.8"
# SvarUt's REST client (difi.move.fiks.ut.type=rest, Maskinporten scope ks:fiks) is on upstream main
# (950ad1443, 2026-08-18, after v4.0.8) and in no release yet (upstream audit 2026-12-06): None refuses rest for
# every version. Set it to the first release that has it, and integrasjonspunkt_svarut_api=rest works.
SVARUT_APIS = ("soap", "rest")
SVARUT_REST_SINCE = None
VERSION_RE = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$")
HOST_RE = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_-]{1,63})*\.?$")
# Variables whose values never go into a report or a log line.
SECRET_KEY_RE = re.compile(r"pass|secret|token|private", re.IGNORECASE)


HIDDEN = "value hidden"
SHOWN_MAX = 200


class SettingsError(ValueError):
    """Inputs the collection cannot work with. `problems` lists each one (variable, shown value, allowed,
    severity); the message names every variable, its value (never a secret) and what is allowed."""

    def __init__(self, message, problems=()):
        super().__init__(message)
        self.problems = list(problems)


def is_secret(var):
    """A variable whose value never goes into a message, a result or a report."""
    return bool(SECRET_KEY_RE.search(str(var)))


def shown(var, value):
    """The value as a message may show it: hidden for secrets, credentials cut out of URLs, long values cut."""
    if is_secret(var):
        return HIDDEN
    if isinstance(value, str):
        value = re.sub(r"(?i)(password|pwd|user)=[^;&]*", r"\1=<redacted>", value)
        value = re.sub(r"//[^/@\s]*@", "//<redacted>@", value)
        if len(value) > SHOWN_MAX:
            value = value[:SHOWN_MAX] + "... (%d characters)" % len(value)
    return value


def problem(var, value, allowed, severity="fail"):
    """One refused (fail) or doubtful (warn) input."""
    return {"variable": var, "value": shown(var, value), "allowed": allowed, "severity": severity}


def problem_text(item):
    """'var=value is not allowed: allowed' (a secret's value is never in it)."""
    verdict = "is not allowed" if item.get("severity", "fail") == "fail" else "is doubtful"
    if item.get("value") == HIDDEN:
        return "%s (%s) %s: %s" % (item["variable"], HIDDEN, verdict, item["allowed"])
    return "%s=%r %s: %s" % (item["variable"], item["value"], verdict, item["allowed"])


def _bad(var, value, allowed):
    item = problem(var, value, allowed)
    return SettingsError(problem_text(item), [item])


def _bool(var, value):
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0", ""):
        return False
    raise _bad(var, value, "a boolean (true or false)")


def _explicit_bool(var, value):
    """A boolean that weakens security when false: an empty value is refused, never read as false."""
    if isinstance(value, str) and not value.strip():
        raise _bad(var, value, "true or false (turning it off must be said explicitly: false)")
    return _bool(var, value)


def _int(var, value, low, high):
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise _bad(var, value, "a whole number from %d to %d" % (low, high)) from None
    if not low <= number <= high:
        raise _bad(var, value, "a whole number from %d to %d" % (low, high))
    return number


def _directory(var, value):
    """An absolute, normalised path. `~` and `$VAR` are refused: a systemd unit needs the real path."""
    text = str(value or "").strip()
    if not text.startswith("/") or "~" in text or "$" in text:
        raise _bad(
            var,
            value,
            "an absolute path such as /var/lib/integrasjonspunkt, without ~ or $VARIABLES "
            "(the systemd unit, the properties file and the disk check all need the real path)",
        )
    return posixpath.normpath(text) if text != "/" else "/"


def _host(var, value):
    text = str(value or "").strip()
    try:
        return str(ipaddress.ip_address(text.strip("[]")))
    except ValueError:
        pass
    if not HOST_RE.match(text):
        raise _bad(var, value, "a DNS name or an IP address (the host the integrasjonspunkt checks its clock against)")
    return text.rstrip(".")


def parse_proxy(var, value):
    """{url, scheme, host, port} of an http(s) proxy URL, or None for no proxy. Credentials are refused."""
    text = str(value or "").strip()
    if not text:
        return None
    parts = urlsplit(text if "://" in text else "http://" + text)
    allowed = "an http proxy URL such as http://proxy.example.no:3128 (no user or password: the JVM takes none)"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _bad(var, "<redacted>" if "@" in text else value, allowed)
    if parts.username or parts.password:
        raise _bad(var, "<redacted>", allowed)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise _bad(var, value, allowed) from None
    host = parts.hostname
    shown = "[%s]" % host if ":" in host else host
    return {"url": "%s://%s:%d" % (parts.scheme, shown, port), "scheme": parts.scheme, "host": host, "port": port}


def no_proxy_list(var, value):
    """no_proxy as a list of patterns (a comma-separated string or a list)."""
    if value in (None, ""):
        return []
    if not isinstance(value, (str, list, tuple)):
        raise _bad(var, value, "host names, domain suffixes (.example.no), IPs or CIDRs, comma-separated or a list")
    items = value.split(",") if isinstance(value, str) else list(value)
    out = []
    for item in items:
        text = str(item).strip()
        if not text:
            continue
        if any(c.isspace() for c in text) or "|" in text:
            raise _bad(var, value, "host names, domain suffixes (.example.no), IPs or CIDRs, comma-separated")
        out.append(text)
    return out


def java_non_proxy_hosts(patterns):
    """no_proxy patterns in the JVM's http.nonProxyHosts syntax (`|`-separated, `*` wildcards).

    The JVM has no CIDR matching: a CIDR is left out and reported in `unsupported`, so preflight can say
    that those addresses would still go through the proxy.
    """
    hosts, unsupported = ["localhost", "127.*", "[::1]"], []
    for pattern in patterns:
        if "/" in pattern:
            unsupported.append(pattern)
        elif pattern == "*":
            hosts.append("*")
        elif pattern.startswith("."):
            hosts.append("*" + pattern)
        elif pattern.startswith("*."):
            hosts.append(pattern)
        else:
            hosts.append(pattern)
            if not _is_ip(pattern):
                hosts.append("*." + pattern)  # curl's no_proxy also matches subdomains
    seen = []
    for host in hosts:
        if host not in seen:
            seen.append(host)
    return seen, unsupported


def _is_ip(text):
    try:
        ipaddress.ip_address(text.strip("[]"))
        return True
    except ValueError:
        return False


def jvm_proxy_options(proxy, patterns):
    """The -D options that make the integrasjonspunkt's JVM use the proxy preflight probed through."""
    if not proxy:
        return []
    non_proxy, _unsupported = java_non_proxy_hosts(patterns)
    joined = "|".join(non_proxy)
    options = []
    for scheme in ("https", "http"):
        options += ["-D%s.proxyHost=%s" % (scheme, proxy["host"]), "-D%s.proxyPort=%d" % (scheme, proxy["port"])]
    options.append("-Dhttp.nonProxyHosts=%s" % joined)  # the JVM reads it for https as well
    return options


def with_defaults(raw):
    """DEFAULTS overlaid with the given values (None means: not set)."""
    values = dict(DEFAULTS)
    values.update({k: v for k, v in (raw or {}).items() if v is not None})
    return values


def validate(raw, scope="probe"):
    """(settings or None, problems): every rule of `scope` applied, every problem collected at once.

    Scopes: `install` and `preflight` apply the same rules (what preflight accepts, the install accepts);
    `probe` only what the preflight engine needs to probe a host; `prepare` what the prepare role consumes.
    The settings are None when any problem has severity fail.
    """
    # Imported here: the rules build on this module's parsers.
    from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import (  # noqa: PLC0415
        settings_rules,
    )

    return settings_rules.validate(raw, scope)


def evaluate(raw, scope="probe"):
    """(the values that could be normalised, problems): validate() without discarding a partial answer."""
    from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import (  # noqa: PLC0415
        settings_rules,
    )

    return settings_rules.evaluate(raw, scope)


def normalise(raw, scope="probe"):
    """The settings of `scope` as one dict; raises SettingsError listing every refused value."""
    settings, problems = validate(raw, scope)
    if settings is None:
        refused = [p for p in problems if p["severity"] == "fail"]
        raise SettingsError("; ".join(problem_text(p) for p in refused), refused)
    return settings


def public(settings):
    """The settings as reports show them: no secret-looking key, no credentials in URLs."""
    out = {}
    for key, value in (settings or {}).items():
        if SECRET_KEY_RE.search(str(key)) or key == "java_packages":
            continue
        if key in ("database_url", "queue_broker_url") and value:
            out[key] = re.sub(r"(?i)(password|pwd|user)=[^;&]*", r"\1=<redacted>", str(value))
        else:
            out[key] = value
    return out


JDBC_DEFAULT_PORTS = {"postgresql": 5432, "sqlserver": 1433, "oracle": 1521, "mariadb": 3306, "mysql": 3306, "h2": 9092}
_JDBC_HOSTPORT = re.compile(r"^\[?([A-Za-z0-9_.:-]+?)\]?(?::(\d+))?$")


def _host_port(text, default_port, var, value):
    match = _JDBC_HOSTPORT.match(text.strip())
    if not match or not match.group(1):
        raise _bad(var, value, "a URL whose host (and port) can be read")
    return match.group(1), int(match.group(2) or default_port)


def database_endpoint(url):
    """(host, port, kind) of a JDBC URL (PostgreSQL, SQL Server, Oracle thin, MariaDB, MySQL, an H2 server),
    or None for an H2 file database, which has no network endpoint."""
    var = "integrasjonspunkt_database_url"
    allowed = (
        "jdbc:postgresql://, jdbc:sqlserver://, jdbc:oracle:thin:@, jdbc:mariadb://, jdbc:mysql:// or"
        " jdbc:h2:tcp:// with a host"
    )
    match = re.match(r"^jdbc:(postgresql|sqlserver|oracle|mariadb|mysql|h2):(.*)$", str(url or "").strip())
    if not match:
        raise _bad(var, url, allowed)
    kind, rest = match.groups()
    port = JDBC_DEFAULT_PORTS[kind]
    if kind == "h2":
        server = re.match(r"^(?:tcp|ssl):(//.*)$", rest)
        if not server:
            return None
        rest = server.group(1)
    if kind == "oracle":
        rest = re.sub(r"^thin:", "", rest)
        if not rest.startswith("@"):
            raise _bad(var, url, allowed)
        rest = rest[1:].lstrip("/")
        if rest.startswith("("):  # a TNS descriptor: HOST=... PORT=...
            host = re.search(r"HOST\s*=\s*([^)\s]+)", rest, re.I)
            port_m = re.search(r"PORT\s*=\s*(\d+)", rest, re.I)
            if not host:
                raise _bad(var, url, allowed)
            return host.group(1), int(port_m.group(1)) if port_m else port, kind
        hostport = re.split(r"[/?]", rest, maxsplit=1)[0]
        parts = hostport.split(":")
        return (parts[0], int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else port, kind)
    if not rest.startswith("//"):
        raise _bad(var, url, allowed)
    hostport = re.split(r"[/;?]", rest[2:], maxsplit=1)[0].split(",")[0]
    host, port = _host_port(hostport, port, var, url)
    return host, port, kind


def broker_endpoints(url):
    """[(host, port, scheme)] of an ActiveMQ broker URL (tcp, ssl, nio, nio+ssl, failover:(...))."""
    var = "integrasjonspunkt_queue_broker_url"
    text = str(url or "").strip()
    inner = re.match(r"^failover:\(?([^)]*)\)?", text)
    uris = [u.strip() for u in inner.group(1).split(",")] if inner else [text]
    out = []
    for uri in uris:
        match = re.match(r"^(tcp|ssl|nio|nio\+ssl)://([^/?]+)", uri)
        if not match:
            raise _bad(var, url, "tcp://host:61616, ssl://host:61617 or failover:(tcp://a:61616,tcp://b:61616)")
        host, port = _host_port(match.group(2), 61616, var, url)
        out.append((host, port, match.group(1)))
    return out


def external_endpoints(settings):
    """Catalogue-shaped runtime entries for the external database and queue, so they are probed like the rest."""
    entries = []
    common = {"ips": [], "environments": [settings["environment"]], "services": ["all"], "versions": None,
              "phase": "runtime", "severity": "fail", "protocol": "tcp", "use_proxy": False}  # fmt: skip
    database = (
        database_endpoint(settings["database_url"])
        if settings.get("external_database") and settings.get("database_url")
        else None
    )
    if database:
        host, port, kind = database
        entries.append(dict(common, name="database", host=host, port=port,
                            purpose="external %s database (integrasjonspunkt_database_url)" % kind,
                            source="integrasjonspunkt_database_url"))  # fmt: skip
    if settings.get("external_queue") and settings.get("queue_broker_url"):
        brokers = broker_endpoints(settings["queue_broker_url"])
        for index, (host, port, scheme) in enumerate(brokers):
            name = "queue" if len(brokers) == 1 else "queue-%d" % (index + 1)
            entries.append(dict(common, name=name, host=host, port=port,
                                purpose="external ActiveMQ broker, %s (integrasjonspunkt_queue_broker_url)" % scheme,
                                source="integrasjonspunkt_queue_broker_url"))  # fmt: skip
    return entries
