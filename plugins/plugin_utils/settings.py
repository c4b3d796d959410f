# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
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
DEFAULTS = {
    "integrasjonspunkt_environment": "production",
    "integrasjonspunkt_services": [],
    "integrasjonspunkt_version": "4.0.8",
    "integrasjonspunkt_run_mode": "java",
    "integrasjonspunkt_install_dir": "/opt/integrasjonspunkt",
    "integrasjonspunkt_data_dir": "/var/lib/integrasjonspunkt",
    "integrasjonspunkt_log_dir": "/var/log/integrasjonspunkt",
    "integrasjonspunkt_tmp_dir": "/tmp",
    "integrasjonspunkt_user": "integrasjonspunkt",
    "integrasjonspunkt_port": 9093,
    "integrasjonspunkt_ntp_host": "time.google.com",
    "integrasjonspunkt_proxy": "",
    "integrasjonspunkt_no_proxy": [],
    "integrasjonspunkt_java_path": "",
    "integrasjonspunkt_java_install_method": "auto",
    "integrasjonspunkt_jvm_max_heap_mb": 0,
    "integrasjonspunkt_external_database": False,
    "integrasjonspunkt_database_url": "",
    "integrasjonspunkt_external_queue": False,
    "integrasjonspunkt_queue_broker_url": "",
    "integrasjonspunkt_einnsyn_same_host": False,
    "integrasjonspunkt_docker_host": "unix:///var/run/docker.sock",
    "integrasjonspunkt_bind_address": "0.0.0.0",
    "integrasjonspunkt_container_memory_mb": 3072,
    # On, as upstream v3/v4 default them (application.properties: difi.ssl.enabled=true,
    # difi.move.feature.enable-auth=${difi.security.enable:true}); off is a choice preflight warns about.
    "integrasjonspunkt_ssl_enabled": True,
    "integrasjonspunkt_auth_enabled": True,
}
# The integrasjonspunkt needs 2 GB (Forberede installasjon); the container's limit may not be lower.
CONTAINER_MEMORY_MIN_MB = 2048
VERSION_RE = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$")
HOST_RE = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_-]{1,63})*\.?$")
# Variables whose values never go into a report or a log line.
SECRET_KEY_RE = re.compile(r"pass|secret|token|private", re.IGNORECASE)


class SettingsError(ValueError):
    """An input the collection cannot work with; the message names the variable, value and what is allowed."""


def _bad(var, value, allowed):
    return SettingsError("%s=%r is not allowed: %s" % (var, value, allowed))


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


def normalise(raw):
    """The shared settings as one dict; raises SettingsError on the first bad value."""
    values = dict(DEFAULTS)
    values.update({k: v for k, v in (raw or {}).items() if v is not None})
    env = str(values["integrasjonspunkt_environment"]).strip()
    if env not in ENVIRONMENTS:
        raise _bad("integrasjonspunkt_environment", env, "production or test")
    services = values["integrasjonspunkt_services"]
    if isinstance(services, str):
        services = [s for s in re.split(r"[,\s]+", services) if s]
    services = [str(s).strip().upper() for s in services or []]
    unknown = [s for s in services if s not in SERVICES]
    if unknown:
        raise _bad("integrasjonspunkt_services", values["integrasjonspunkt_services"], "any of " + ", ".join(SERVICES))
    version = str(values["integrasjonspunkt_version"]).strip()
    if not VERSION_RE.match(version):
        raise _bad("integrasjonspunkt_version", version, "a release version without the 'v' prefix, such as 4.0.8")
    run_mode = str(values["integrasjonspunkt_run_mode"]).strip()
    if run_mode not in RUN_MODES:
        raise _bad("integrasjonspunkt_run_mode", run_mode, "java or docker")
    directories = {role: _directory(var, values[var]) for role, var in DIRECTORIES.items()}
    proxy = parse_proxy("integrasjonspunkt_proxy", values["integrasjonspunkt_proxy"])
    no_proxy = no_proxy_list("integrasjonspunkt_no_proxy", values["integrasjonspunkt_no_proxy"])
    java_path = str(values["integrasjonspunkt_java_path"] or "").strip()
    if java_path and not java_path.startswith("/"):
        raise _bad("integrasjonspunkt_java_path", java_path, "empty (find or install Java) or an absolute path")
    install_method = str(values["integrasjonspunkt_java_install_method"]).strip()
    if install_method not in ("auto", "distribution", "temurin", "none"):
        raise _bad("integrasjonspunkt_java_install_method", install_method, "auto, distribution, temurin or none")
    heap = _int("integrasjonspunkt_jvm_max_heap_mb", values["integrasjonspunkt_jvm_max_heap_mb"], 0, 1 << 20)
    if 0 < heap < 256:
        raise _bad("integrasjonspunkt_jvm_max_heap_mb", heap, "0 (derive from the memory preflight measured) or 256+")
    external_database = _bool("integrasjonspunkt_external_database", values["integrasjonspunkt_external_database"])
    external_queue = _bool("integrasjonspunkt_external_queue", values["integrasjonspunkt_external_queue"])
    bind = str(values["integrasjonspunkt_bind_address"]).strip()
    try:
        bind = str(ipaddress.ip_address(bind.strip("[]")))
    except ValueError:
        raise _bad("integrasjonspunkt_bind_address", bind, "an IP address of this host (0.0.0.0 for all)") from None
    docker_host = str(values["integrasjonspunkt_docker_host"]).strip()
    if not docker_host.startswith("unix:///"):
        raise _bad("integrasjonspunkt_docker_host", docker_host, "a local socket such as unix:///var/run/docker.sock")
    out = {
        "environment": env,
        "bind_address": bind,
        "docker_host": docker_host,
        "container_memory_mb": _int(
            "integrasjonspunkt_container_memory_mb",
            values["integrasjonspunkt_container_memory_mb"],
            CONTAINER_MEMORY_MIN_MB,
            1 << 20,
        ),
        "services": services,
        "version": version,
        "run_mode": run_mode,
        "directories": directories,
        "service_user": str(values["integrasjonspunkt_user"]).strip(),
        "port": _int("integrasjonspunkt_port", values["integrasjonspunkt_port"], 1, 65535),
        "ntp_host": _host("integrasjonspunkt_ntp_host", values["integrasjonspunkt_ntp_host"]),
        "proxy": proxy,
        "no_proxy": no_proxy,
        "jvm_proxy_options": jvm_proxy_options(proxy, no_proxy),
        "jvm_non_proxy_unsupported": java_non_proxy_hosts(no_proxy)[1] if proxy else [],
        "java_path": java_path,
        "java_install_method": install_method,
        "jvm_max_heap_mb": heap,
        "external_database": external_database,
        "database_url": str(values["integrasjonspunkt_database_url"] or "") if external_database else "",
        "external_queue": external_queue,
        "queue_broker_url": str(values["integrasjonspunkt_queue_broker_url"] or "") if external_queue else "",
        "einnsyn_same_host": _bool(
            "integrasjonspunkt_einnsyn_same_host", values["integrasjonspunkt_einnsyn_same_host"]
        ),
        "ssl_enabled": _explicit_bool("integrasjonspunkt_ssl_enabled", values["integrasjonspunkt_ssl_enabled"]),
        "auth_enabled": _explicit_bool("integrasjonspunkt_auth_enabled", values["integrasjonspunkt_auth_enabled"]),
    }
    external_endpoints(out)  # a URL whose host cannot be read is refused here, before any probe
    # An "external" H2 file URL is still a database on this host's disk (the disk check counts it).
    out["database_on_host"] = (not external_database) or (
        bool(out["database_url"]) and database_endpoint(out["database_url"]) is None
    )
    return out


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
