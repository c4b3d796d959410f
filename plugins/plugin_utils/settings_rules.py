# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The rules of the settings model, one function per family, each collecting every problem it finds.

Each family reads the values (DEFAULTS overlaid with the host's variables), writes what it normalised into
`out` and appends problems; it never raises for bad input, so one run reports every bad value at once.
A family that needs a value another family refused leaves that rule out (the refusal is already reported).
"""

import re

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import management as actuator
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import settings as model

SYSTEM_DIRS = ("/", "/usr", "/etc", "/var", "/opt", "/home", "/tmp", "/srv", "/root", "/bin", "/sbin", "/lib")
ORG_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)
# The keystore alias: the docs recommend ("anbefales") these characters; others work, so this warns only.
ALIAS_RE = re.compile(r"^[A-Za-z0-9.-]+$")
ACCOUNT_RE = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
IMAGE_RE = re.compile(r"^([A-Za-z0-9.-]+(:[0-9]+)?/)?[a-z0-9]+([._-]+[a-z0-9]+)*(/[a-z0-9]+([._-]+[a-z0-9]+)*)*$")
DIGEST_RE = re.compile(r"^sha256:[0-9a-f]{64}$")
CONTAINER_NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$")
DATABASE_URL_RE = re.compile(r"^jdbc:(postgresql|mysql|mariadb|sqlserver|h2):")
BROKER_URL_RE = re.compile(r"^(tcp|ssl|nio|nio\+ssl|failover):")
# Property keys the install role writes from its own variables; integrasjonspunkt_extra_properties may not set them.
MANAGED_PROPERTY_PREFIXES = (
    "difi.move.org.",
    "difi.datasource.",
    "difi.activemq.",
    "difi.ssl.",
    "difi.security.",
    "difi.move.feature.enableDP",
    "difi.move.ntp.host",
    "server.port",
    "spring.profiles.",
    "logging.file.",
    "difi.move.nextmove.filedir",
    "difi.move.fiks.ut.type",
    # The actuator's exposure and port: integrasjonspunkt_actuator_exposure and _management_* (i22-actuator).
    "management.endpoints.",
    "management.server.",
) + tuple("management.endpoint.%s." % name for name in actuator.CLOSED + actuator.OPEN + (actuator.METRICS,))
# The JVM heap must leave this much of the container's limit for the rest of the JVM (metaspace, threads).
CONTAINER_NON_HEAP_MB = 512
UID_MAX = 2147483647


class Collector:
    """The values being judged and the problems found so far."""

    def __init__(self, values):
        self.values = values
        self.problems = []

    def take(self, parse, var, *args):
        """parse(var, value, *args), or None with its problem recorded."""
        try:
            return parse(var, self.values[var], *args)
        except model.SettingsError as exc:
            self.problems.extend(exc.problems)
        except (TypeError, AttributeError, ValueError):  # a value of another kind (a number for a list, ...)
            self.refuse(var, "a value of the documented type (see the role's argument specs)")
        return None

    def refuse(self, var, allowed, value=None, severity="fail"):
        self.problems.append(model.problem(var, self.values.get(var) if value is None else value, allowed, severity))

    def refused(self, *names):
        return any(p["variable"] in names and p["severity"] == "fail" for p in self.problems)


def _text(values, var):
    return str(values.get(var) if values.get(var) is not None else "").strip()


def one_of(choices):
    """'a, b or c'."""
    choices = list(choices)
    return choices[0] if len(choices) == 1 else "%s or %s" % (", ".join(choices[:-1]), choices[-1])


def _choice(var, value, choices):
    text = str(value).strip()
    if text not in choices:
        raise model._bad(var, value, one_of(choices))
    return text


def _services(var, value):
    services = value
    if isinstance(services, str):
        services = [s for s in re.split(r"[,\s]+", services) if s]
    services = [str(s).strip().upper() for s in services or []]
    if any(s not in model.SERVICES for s in services):
        raise model._bad(var, value, "any of " + ", ".join(model.SERVICES))
    return services


def _version(var, value):
    text = str(value).strip()
    if not model.VERSION_RE.match(text):
        # 'latest' is resolved to a release per host (the release_choice step of the install and preflight
        # roles) before these rules run; reaching them unresolved, it cannot be judged.
        raise model._bad(
            var,
            value,
            "a release version without the 'v' prefix, such as 4.0.8 (latest only through the install or"
            " preflight role, which resolve it on each host first)",
        )
    return text


def _version_tuple(text):
    return tuple(int(p) for p in re.match(r"^(\d+)\.(\d+)\.(\d+)", text).groups())


def _multiline(value):
    """A value that would break the one-line properties file (or a header) it is written to."""
    return bool(re.search(r"[\r\n]", str(value)))


# --- families -------------------------------------------------------------------------------------------


def release(c, out):
    """Environment, services, version (its format)."""
    out["environment"] = c.take(_choice, "integrasjonspunkt_environment", model.ENVIRONMENTS)
    out["services"] = c.take(_services, "integrasjonspunkt_services")
    out["version"] = c.take(_version, "integrasjonspunkt_version")


def run_mode(c, out):
    out["run_mode"] = c.take(_choice, "integrasjonspunkt_run_mode", model.RUN_MODES)


def release_support(c, out):
    """The version floor (both run modes), and DPFIO only where the version still has it."""
    version = out.get("version")
    if version is None:
        return
    if _version_tuple(version) < _version_tuple(model.VERSION_FLOOR):
        c.refuse(
            "integrasjonspunkt_version",
            "%s or newer: older releases are not on GitHub Releases or ghcr.io the way this collection installs"
            " them, and 4.0.0 in production still called the Altinn test platform for DPO" % model.VERSION_FLOOR,
        )
    services = out.get("services") or []
    if "DPFIO" in services and _version_tuple(version) >= _version_tuple(model.DPFIO_REMOVED_IN):
        allowed = [s for s in model.SERVICES if s != "DPFIO"]
        c.refuse(
            "integrasjonspunkt_services",
            "FIKS IO (DPFIO) was removed from the integrasjonspunkt in %s (integrasjonspunkt_version=%s);"
            " allowed for this version: %s" % (model.DPFIO_REMOVED_IN, version, ", ".join(allowed)),
        )


def svarut(c, out):
    """The SvarUt client (DPF): rest only from the release that has it (settings.SVARUT_REST_SINCE)."""
    api = c.take(lambda var, value: _choice(var, str(value or "").lower(), model.SVARUT_APIS),
                 "integrasjonspunkt_svarut_api")  # fmt: skip
    out["svarut_api"] = api
    version = out.get("version")
    if api != "rest" or version is None:
        return
    since = model.SVARUT_REST_SINCE
    if since is None or _version_tuple(version) < _version_tuple(since):
        c.refuse(
            "integrasjonspunkt_svarut_api",
            "soap for integrasjonspunkt_version=%s: SvarUt's REST client (difi.move.fiks.ut.type=rest) is %s"
            % (version, "in no release yet (upstream main only)" if since is None else "in %s and newer" % since),
        )


def directories(c, out):
    found = {role: c.take(model._directory, var) for role, var in model.DIRECTORIES.items()}
    out["directories"] = found
    # The account that must write in them (directories.writable); its name is judged by account().
    out["service_user"] = _text(c.values, "integrasjonspunkt_user")


def directory_layout(c, out):
    """A dedicated install directory; data and install directories apart (upgrades replace the install dir)."""
    dirs = out.get("directories") or {}
    install, data = dirs.get("install"), dirs.get("data")
    if install in SYSTEM_DIRS:
        c.refuse(
            "integrasjonspunkt_install_dir",
            "a dedicated directory such as /opt/integrasjonspunkt, not a system directory (%s)"
            % ", ".join(SYSTEM_DIRS),
        )
    if not install or not data:
        return
    if (data + "/").startswith(install.rstrip("/") + "/") or (install + "/").startswith(data.rstrip("/") + "/"):
        c.refuse(
            "integrasjonspunkt_data_dir",
            "a directory neither inside integrasjonspunkt_install_dir (%s) nor containing it: upgrades replace the"
            " install directory's contents, never the data" % install,
        )


def network(c, out):
    out["port"] = c.take(model._int, "integrasjonspunkt_port", 1, 65535)
    out["ntp_host"] = c.take(model._host, "integrasjonspunkt_ntp_host")


def proxy(c, out):
    out["proxy"] = c.take(model.parse_proxy, "integrasjonspunkt_proxy")
    out["no_proxy"] = c.take(model.no_proxy_list, "integrasjonspunkt_no_proxy")
    if c.refused("integrasjonspunkt_proxy", "integrasjonspunkt_no_proxy"):
        return
    out["jvm_proxy_options"] = model.jvm_proxy_options(out["proxy"], out["no_proxy"])
    out["jvm_non_proxy_unsupported"] = model.java_non_proxy_hosts(out["no_proxy"])[1] if out["proxy"] else []


def inbound_sources(c, out):
    """The networks that may reach the port; their CIDR rules are the prepare role's (its firewall part)."""
    value = c.values["integrasjonspunkt_inbound_sources"]
    if isinstance(value, str):
        value = [v for v in re.split(r"[,\s]+", value) if v]
    if not isinstance(value, (list, tuple)):
        c.refuse("integrasjonspunkt_inbound_sources", "a list of networks (CIDR), such as [10.1.2.0/24]")
        return
    out["inbound_sources"] = [str(v).strip() for v in value]


def java(c, out):
    java_path = _text(c.values, "integrasjonspunkt_java_path")
    if java_path and not java_path.startswith("/"):
        c.refuse("integrasjonspunkt_java_path", "empty (find or install Java) or an absolute path", java_path)
    out["java_path"] = java_path
    out["java_install_method"] = c.take(
        _choice, "integrasjonspunkt_java_install_method", ("auto", "distribution", "temurin", "none")
    )
    heap = c.take(model._int, "integrasjonspunkt_jvm_max_heap_mb", 0, 1 << 20)
    if heap is not None and 0 < heap < 256:
        c.refuse("integrasjonspunkt_jvm_max_heap_mb", "0 (derive from the memory preflight measured) or 256+")
    out["jvm_max_heap_mb"] = heap


def engine(c, out):
    """The Docker engine and the publish address (read in both modes: preflight probes them in Docker mode)."""
    bind = _text(c.values, "integrasjonspunkt_bind_address")
    if model._is_ip(bind):
        out["bind_address"] = str(model.ipaddress.ip_address(bind.strip("[]")))
    else:
        c.refuse("integrasjonspunkt_bind_address", "an IP address of this host (0.0.0.0 for all)", bind)
    docker_host = _text(c.values, "integrasjonspunkt_docker_host")
    if not docker_host.startswith("unix:///") or any(ch.isspace() for ch in docker_host):
        c.refuse("integrasjonspunkt_docker_host", "a local socket such as unix:///var/run/docker.sock", docker_host)
    out["docker_host"] = docker_host
    # The container whose processes (or docker-proxy) may hold the port; its name is judged by docker().
    out["container_name"] = _text(c.values, "integrasjonspunkt_container_name")
    out["container_memory_mb"] = c.take(
        model._int, "integrasjonspunkt_container_memory_mb", model.CONTAINER_MEMORY_MIN_MB, 1 << 20
    )


CONTAINER_DNS_ALLOWED = (
    "a list of resolver IP addresses the container can reach (not loopback: a container's loopback is its own);"
    " empty leaves them to the engine"
)


def container_dns(c, out):
    """Docker mode: the resolvers the role gives its container (runtime.container_dns judges the engine's choice)."""
    value = c.values.get("integrasjonspunkt_container_dns")
    out["container_dns"] = []
    if value in (None, "", []):
        return
    items = value if isinstance(value, list) else None
    good = items is not None and all(
        model._is_ip(str(i)) and not model.ipaddress.ip_address(str(i).strip("[]")).is_loopback for i in items
    )
    if not good:
        c.refuse("integrasjonspunkt_container_dns", CONTAINER_DNS_ALLOWED)
        return
    out["container_dns"] = [str(model.ipaddress.ip_address(str(i).strip("[]"))) for i in items]


def external(c, out):
    """The external database and queue: switches, and the endpoints preflight probes."""
    database = c.take(model._bool, "integrasjonspunkt_external_database")
    queue = c.take(model._bool, "integrasjonspunkt_external_queue")
    out["external_database"], out["external_queue"] = database, queue
    out["einnsyn_same_host"] = c.take(model._bool, "integrasjonspunkt_einnsyn_same_host")
    out["database_url"] = str(c.values["integrasjonspunkt_database_url"] or "") if database else ""
    out["queue_broker_url"] = str(c.values["integrasjonspunkt_queue_broker_url"] or "") if queue else ""
    if out["database_url"]:
        c.take(lambda var, value: model.database_endpoint(value), "integrasjonspunkt_database_url")
    if out["queue_broker_url"]:
        c.take(lambda var, value: model.broker_endpoints(value), "integrasjonspunkt_queue_broker_url")
    if database is not None and not c.refused("integrasjonspunkt_database_url"):
        # An "external" H2 file URL is still a database on this host's disk (the disk check counts it).
        out["database_on_host"] = (not database) or (
            bool(out["database_url"]) and model.database_endpoint(out["database_url"]) is None
        )


def external_urls(c, out):
    """What the install writes to the properties file: a URL of a kind it supports, on one line."""
    if out.get("external_database"):
        url = _text(c.values, "integrasjonspunkt_database_url")
        if not DATABASE_URL_RE.match(url) or _multiline(url):
            c.refuse(
                "integrasjonspunkt_database_url",
                "with integrasjonspunkt_external_database=true, a JDBC URL for PostgreSQL, MySQL, MariaDB, MS SQL"
                " or H2 (jdbc:postgresql:..., jdbc:mysql:..., jdbc:mariadb:..., jdbc:sqlserver:..., jdbc:h2:...)",
            )
    if out.get("external_queue"):
        url = _text(c.values, "integrasjonspunkt_queue_broker_url")
        if not BROKER_URL_RE.match(url) or _multiline(url):
            c.refuse(
                "integrasjonspunkt_queue_broker_url",
                "with integrasjonspunkt_external_queue=true, an ActiveMQ (classic) broker URL such as"
                " tcp://mq.example.org:61616 or failover:(...)",
            )


def api_switches(c, out):
    out["ssl_enabled"] = c.take(model._explicit_bool, "integrasjonspunkt_ssl_enabled")
    out["auth_enabled"] = c.take(model._explicit_bool, "integrasjonspunkt_auth_enabled")


AUTH_WAY_OUT = (
    "; or set integrasjonspunkt_auth_enabled: false to run the API without authentication (preflight then warns)"
)


def api_credentials(c, out):
    """Basic auth (on by default, as in the integrasjonspunkt) needs a user and a password."""
    if not out.get("auth_enabled"):
        return
    user = str(c.values.get("integrasjonspunkt_auth_user") or "")
    if not user.strip() or re.search(r"[:\r\n]", user):
        c.refuse(
            "integrasjonspunkt_auth_user",
            "with integrasjonspunkt_auth_enabled=true (the default), a non-empty single line without ':'"
            + AUTH_WAY_OUT,
        )
    _secret_line(
        c, "integrasjonspunkt_auth_password", "with integrasjonspunkt_auth_enabled=true (the default), ", AUTH_WAY_OUT
    )


def _secret_line(c, var, when="", otherwise=""):
    """A password: a non-empty single line, kept in Ansible Vault. Its value is never shown."""
    value = str(c.values.get(var) if c.values.get(var) is not None else "")
    state = "empty" if not value else ("more than one line" if _multiline(value) else None)
    if state:
        c.refuse(var, "%sa non-empty single line, kept in Ansible Vault (it is %s)%s" % (when, state, otherwise))


def org_number_problem(text):
    """None, or why `text` is not a Norwegian organisation number (9 digits, mod-11 check digit)."""
    if not re.match(r"^[0-9]{9}$", text):
        return "exactly 9 digits"
    check = (11 - sum(w * int(d) for w, d in zip(ORG_WEIGHTS, text)) % 11) % 11
    if check == 10 or check != int(text[8]):
        return "9 digits whose check digit matches (mod-11, weights 3 2 7 6 5 4 3 2)"
    return None


def identity(c, out):
    """The organisation number and the keystore that proves it (its contents are judged by keystore_check)."""
    org = _text(c.values, "integrasjonspunkt_org_number")
    why = org_number_problem(org)
    if why:
        c.refuse("integrasjonspunkt_org_number", "a Norwegian organisation number: " + why, org)
    out["org_number"] = org
    src = _text(c.values, "integrasjonspunkt_keystore_src")
    remote = c.take(model._bool, "integrasjonspunkt_keystore_remote_src")
    if not src.startswith("/"):
        c.refuse(
            "integrasjonspunkt_keystore_src",
            "an absolute path to the JKS/PKCS12 keystore with the enterprise certificate (on the controller, or on"
            " the host when integrasjonspunkt_keystore_remote_src=true)",
        )
    kind = c.take(
        lambda var, value: _choice(var, str(value or "").upper(), ("PKCS12", "JKS")), "integrasjonspunkt_keystore_type"
    )
    alias = str(c.values.get("integrasjonspunkt_keystore_alias") or "")
    if alias and not ALIAS_RE.match(alias):
        c.refuse(
            "integrasjonspunkt_keystore_alias",
            "the characters the docs recommend: English letters A-Z a-z, digits, '-' and '.' (no spaces, no æøå);"
            " the alias is case-sensitive",
            severity="warn",
        )
    _secret_line(c, "integrasjonspunkt_keystore_password")
    out["keystore"] = {
        "path": src,
        "remote_src": bool(remote),
        "type": kind,
        "alias": alias,
        "extra_issuers": _text(c.values, "integrasjonspunkt_keystore_extra_issuers"),
    }


def _server_names(var, value):
    """The host names (or IPs) callers use to reach the API: a list, or a comma-separated string."""
    items = [v for v in re.split(r"[,\s]+", value) if v] if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)):
        raise model._bad(var, value, "a list of the DNS names (or IPs) callers use, such as [ip.example.no]")
    names = []
    for item in items:
        text = str(item).strip()
        if not (model._is_ip(text) or model.HOST_RE.match(text)):
            raise model._bad(var, value, "DNS names or IP addresses (no wildcards): the names callers connect to")
        names.append(text.rstrip(".").lower())
    return names


def tls(c, out):
    """Inbound TLS with a keystore of its own (difi.ssl.*); empty src: the enterprise keystore serves TLS."""
    if not out.get("ssl_enabled"):
        out["tls"] = {"enabled": False, "path": ""}
        return
    src = _text(c.values, "integrasjonspunkt_tls_keystore_src")
    remote = c.take(model._bool, "integrasjonspunkt_tls_keystore_remote_src")
    names = c.take(_server_names, "integrasjonspunkt_tls_server_names")
    kind = c.take(
        lambda var, value: _choice(var, str(value or "").upper(), ("PKCS12", "JKS")),
        "integrasjonspunkt_tls_keystore_type",
    )
    alias = str(c.values.get("integrasjonspunkt_tls_keystore_alias") or "")
    out["tls"] = {"enabled": True, "path": src, "remote_src": bool(remote), "type": kind, "alias": alias,
                  "server_names": names or []}  # fmt: skip
    if not src:
        return
    when = "with integrasjonspunkt_tls_keystore_src set, "
    if not src.startswith("/") or "~" in src or "$" in src:
        c.refuse(
            "integrasjonspunkt_tls_keystore_src",
            "empty (the enterprise keystore serves TLS) or an absolute path to the PKCS12/JKS keystore with the TLS"
            " certificate (on the controller, or on the host when integrasjonspunkt_tls_keystore_remote_src=true)",
        )
    if not alias.strip() or _multiline(alias):
        c.refuse("integrasjonspunkt_tls_keystore_alias", when + "the alias of the TLS key entry (difi.ssl.key-alias)")
    _secret_line(c, "integrasjonspunkt_tls_keystore_password", when)


def download(c, out):
    """Java mode: the verified download (Docker mode pulls an image instead)."""
    if out.get("run_mode") != "java":
        return
    if not re.match(r"^https?://", _text(c.values, "integrasjonspunkt_download_base_url")):
        c.refuse("integrasjonspunkt_download_base_url", "an http(s) URL of the releases (or a mirror of them)")
    fingerprint = str(c.values.get("integrasjonspunkt_signing_key_fingerprint") or "").replace(" ", "")
    if not re.match(r"^[0-9A-Fa-f]{40}$", fingerprint):
        c.refuse("integrasjonspunkt_signing_key_fingerprint", "a 40-hex-digit OpenPGP fingerprint (spaces allowed)")
    if "-----BEGIN PGP PUBLIC KEY BLOCK-----" not in str(c.values.get("integrasjonspunkt_signing_key") or ""):
        c.refuse(
            "integrasjonspunkt_signing_key",
            # No template braces in a message: it may be shown through a template.
            "the ASCII-armored public key (-----BEGIN PGP PUBLIC KEY BLOCK-----) with the pinned fingerprint, for"
            " example Digdir's resources/eformidling/public_keys/eformidling-key.asc read with the"
            " ansible.builtin.file lookup",
        )


def account(c, out):
    """The service account, the health wait and the releases kept."""
    for var in ("integrasjonspunkt_user", "integrasjonspunkt_group"):
        name = _text(c.values, var)
        if not ACCOUNT_RE.match(name) or (var == "integrasjonspunkt_user" and name == "root"):
            c.refuse(var, "a lower-case system account name other than root")
    c.take(model._int, "integrasjonspunkt_health_timeout", 10, 1 << 20)
    c.take(model._int, "integrasjonspunkt_keep_releases", 2, 1000)


def extra_properties(c, out):
    props = c.values.get("integrasjonspunkt_extra_properties") or {}
    if not isinstance(props, dict):
        c.refuse("integrasjonspunkt_extra_properties", "a dict of property: value")
        return
    clashes = sorted(str(k) for k in props if str(k).startswith(MANAGED_PROPERTY_PREFIXES))
    if clashes:
        c.refuse(
            "integrasjonspunkt_extra_properties",
            "keys the role does not manage; %s come from integrasjonspunkt_* variables" % ", ".join(clashes),
            value=clashes,
        )
    multi = sorted(str(k) for k, v in props.items() if _multiline(v))
    if multi:
        allowed = "single-line values (%s are not)" % ", ".join(multi)
        c.refuse("integrasjonspunkt_extra_properties", allowed, value=multi)


def jvm_options(c, out):
    opts = c.values.get("integrasjonspunkt_jvm_extra_opts") or []
    if isinstance(opts, str) or not isinstance(opts, (list, tuple)):
        c.refuse("integrasjonspunkt_jvm_extra_opts", "a list of JVM options")
        return
    if any(_multiline(o) for o in opts):
        c.refuse("integrasjonspunkt_jvm_extra_opts", "single-line options", value="(a multi-line option)")
    if out.get("run_mode") == "docker" and any(re.search(r"(?i)password|passord|secret", str(o)) for o in opts):
        # JAVA_TOOL_OPTIONS is shown by `docker inspect`: never show the option either.
        c.refuse(
            "integrasjonspunkt_jvm_extra_opts",
            "options without passwords or secrets: in Docker mode they go into the container's JAVA_TOOL_OPTIONS,"
            " which `docker inspect` shows (put secrets in the variables the role writes to the 0600 secrets file)",
            value=model.HIDDEN,
        )


def docker(c, out):
    """Docker mode: the image, the container and the heap inside the container's memory limit."""
    if out.get("run_mode") != "docker":
        return
    if not IMAGE_RE.match(_text(c.values, "integrasjonspunkt_image")):
        c.refuse(
            "integrasjonspunkt_image",
            "an image repository without tag or digest, such as ghcr.io/felleslosninger/efm-integrasjonspunkt"
            " (the tag comes from integrasjonspunkt_version)",
        )
    digest = _text(c.values, "integrasjonspunkt_image_digest")
    if digest and not DIGEST_RE.match(digest):
        c.refuse("integrasjonspunkt_image_digest", "empty, or 'sha256:' followed by 64 lower-case hex digits")
    name = _text(c.values, "integrasjonspunkt_container_name")
    if not CONTAINER_NAME_RE.match(name) or name.endswith("-previous"):
        c.refuse(
            "integrasjonspunkt_container_name",
            "1-63 letters, digits, '_', '.', '-', not ending in '-previous' (that name holds the previous"
            " container during upgrades)",
        )
    for var, low, what in (
        ("integrasjonspunkt_container_uid", 1, "a numeric user from 1 to %d, not 0 (root)" % UID_MAX),
        ("integrasjonspunkt_container_gid", 0, "a numeric group from 0 to %d" % UID_MAX),
    ):
        if c.take(model._int, var, low, UID_MAX) is None:
            c.problems[-1]["allowed"] = what
    memory, heap = out.get("container_memory_mb"), out.get("jvm_max_heap_mb")
    if memory is None or heap is None:
        return
    effective = heap if heap > 0 else memory * 2 // 3
    if effective + CONTAINER_NON_HEAP_MB > memory:
        c.refuse(
            "integrasjonspunkt_jvm_max_heap_mb",
            "a heap that leaves at least %d MiB of integrasjonspunkt_container_memory_mb (%d) for the rest of the"
            " JVM: lower the heap or raise the limit" % (CONTAINER_NON_HEAP_MB, memory),
        )


def backup(c, out):
    """Backup and restore (roles/backup): the backup directory, retention, fetch and restore archive, and the plan."""
    # Imported here: backup_plan builds on the settings model, as this module does.
    from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import backup_archive  # noqa: PLC0415
    from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import backup_plan  # noqa: PLC0415

    dirs = out.get("directories") or {}
    backup_dir = c.take(model._directory, "integrasjonspunkt_backup_dir")
    owned = [d for d in (dirs.get("install"), dirs.get("data"), dirs.get("logs")) if d]
    if backup_dir in SYSTEM_DIRS or any(
        backup_plan.inside(backup_dir, d) or backup_plan.inside(d, backup_dir) for d in owned if backup_dir
    ):
        c.refuse(
            "integrasjonspunkt_backup_dir",
            "a directory of its own (made 0700), neither a system directory nor inside or around the install, data"
            " or log directory (%s)" % ", ".join(owned),
        )
        backup_dir = None
    keep = c.take(model._int, "integrasjonspunkt_backup_keep", 1, 1000)
    fetch = c.values.get("integrasjonspunkt_backup_fetch_dir")
    if not isinstance(fetch, str) or _multiline(fetch):
        c.refuse("integrasjonspunkt_backup_fetch_dir", "empty (no copy on the controller) or a directory there")
    archive = _text(c.values, "integrasjonspunkt_restore_archive")
    if archive not in ("", "latest") and not backup_archive.ARCHIVE_RE.match(archive.rsplit("/", 1)[-1]):
        c.refuse(
            "integrasjonspunkt_restore_archive",
            "latest, an archive name in integrasjonspunkt_backup_dir or its absolute path on the host"
            " (integrasjonspunkt-backup-YYYYMMDDTHHMMSSZ.tar.gz)",
        )
    if archive and not archive.startswith("/") and "/" in archive:
        c.refuse("integrasjonspunkt_restore_archive", "a name in integrasjonspunkt_backup_dir or an absolute path")
    out["backup"] = {
        "dir": backup_dir,
        "keep": keep,
        "fetch_dir": fetch.strip() if isinstance(fetch, str) else "",
        "restore_archive": archive,
        "trees": backup_plan.trees(dirs),
        "not_copied": backup_plan.not_copied(out, c.values.get("integrasjonspunkt_extra_properties")),
        "service_unit": model.SERVICE_UNIT,
    }


# --- Upgrades that pick the version (issue 21) -----------------------------------------------------------------
RELEASE_LOOKUPS = ("host", "controller")
MAIL_SECURE = ("always", "never", "starttls", "try")
BLOCKLIST_HOURS_MAX = 24 * 365


def upgrades(c, out):
    """latest's release list, the blocklist hold, the notifications and the promotion hold."""
    c.take(_choice, "integrasjonspunkt_release_lookup", RELEASE_LOOKUPS)
    for var in ("integrasjonspunkt_releases_url", "integrasjonspunkt_notify_webhook_url"):
        text = _text(c.values, var)
        if text and (not re.match(r"^https?://[^\s]+$", text) or _multiline(text)):
            c.refuse(var, "empty, or an http(s) URL")
    c.take(model._int, "integrasjonspunkt_blocklist_hours", 0, BLOCKLIST_HOURS_MAX)
    clear = c.values.get("integrasjonspunkt_blocklist_clear")
    if not isinstance(clear, (list, tuple)) or any(not model.VERSION_RE.match(str(v).strip()) for v in clear):
        c.refuse("integrasjonspunkt_blocklist_clear", "a list of release versions such as [4.0.9]")
    mail_to = c.values.get("integrasjonspunkt_notify_mail_to")
    if not isinstance(mail_to, (list, tuple)) or any("@" not in str(a) or _multiline(a) for a in mail_to):
        c.refuse("integrasjonspunkt_notify_mail_to", "a list of mail addresses (empty: no mail)")
    elif mail_to and "@" not in _text(c.values, "integrasjonspunkt_notify_mail_from"):
        c.refuse("integrasjonspunkt_notify_mail_from", "the sender's mail address (needed with a recipient)")
    c.take(model._int, "integrasjonspunkt_notify_mail_port", 1, 65535)
    c.take(_choice, "integrasjonspunkt_notify_mail_secure", MAIL_SECURE)
    c.take(model._int, "integrasjonspunkt_promotion_min_days", 0, 365)
    if c.values.get("integrasjonspunkt_promotion_min_days") not in (0, "0", None) and not _text(
        c.values, "integrasjonspunkt_promotion_group"
    ):
        c.refuse(
            "integrasjonspunkt_promotion_group",
            "the inventory group of the test hosts whose records decide (needed with promotion_min_days > 0)",
        )


def removed(c, out):
    """Removed or renamed variables, named with their replacement."""
    for var, (replacement, what) in sorted(model.REMOVED.items()):
        if var in c.values:
            c.refuse(var, "nothing: it was removed; set %s (%s) instead" % (replacement, what), value="set")


# --- Actuator and management port (issue 22, i22-actuator; docs/management-port.md) ---
def _management_port(var, value):
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return model._int(var, value, 1, 65535)


def management(c, out):
    """Which actuator endpoints are exposed, and where: the management.* properties both run modes write."""
    exposure = c.take(_choice, "integrasjonspunkt_actuator_exposure", actuator.EXPOSURES)
    metrics = c.take(model._bool, "integrasjonspunkt_metrics_enabled")
    port = c.take(_management_port, "integrasjonspunkt_management_port")
    address = actuator.parse_address(c.values.get("integrasjonspunkt_management_address"))
    if address is None:
        c.refuse(
            "integrasjonspunkt_management_address",
            "an IP address of this host for the separate management port, such as 127.0.0.1 (the default: this"
            " host only) or an internal interface's address; 0.0.0.0 for every interface",
        )
    if port is not None and port == out.get("port"):
        c.refuse(
            "integrasjonspunkt_management_port",
            "a port other than integrasjonspunkt_port (%d), or null to keep the actuator on the API port" % port,
        )
        return
    if c.refused(
        "integrasjonspunkt_actuator_exposure",
        "integrasjonspunkt_metrics_enabled",
        "integrasjonspunkt_management_port",
        "integrasjonspunkt_management_address",
    ) or None in (out.get("port"), out.get("run_mode")):
        return
    out["management"] = actuator.model(
        exposure,
        metrics,
        port,
        address,
        out["run_mode"],
        out["port"],
        _text(c.values, "integrasjonspunkt_bind_address"),
    )


def management_policy(c, out):
    """Metrics only on a separate port: on the API port /manage/prometheus would be open to anyone (upstream
    permits /manage/* without credentials, so basic auth cannot cover it)."""
    settings = out.get("management")
    if settings and settings["metrics"] and not settings["separate"]:
        c.refuse(
            "integrasjonspunkt_metrics_enabled",
            "true only with integrasjonspunkt_management_port set (a port of its own, on"
            " integrasjonspunkt_management_address, 127.0.0.1 by default): on the API port the integrasjonspunkt"
            " lets /manage/* through without credentials, so basic auth cannot protect /manage/prometheus",
        )


# --- end actuator ---


# --- The installed keystore (status-cert) ---
def installed_keystore(c, out):
    """Where the install role puts the enterprise keystore (settings.installed_keystore): the install writes and
    mounts it there, the status run reads it there, in both run modes."""
    install = (out.get("directories") or {}).get("install")
    if install and out.get("run_mode"):
        kind = c.values.get("integrasjonspunkt_keystore_type")
        out["installed_keystore"] = model.installed_keystore(out["run_mode"], install, kind)


PROBE = (release, run_mode, directories, network, proxy, inbound_sources, java, engine, external, api_switches)
PROBE += (management,)  # actuator (i22-actuator)
PROBE = PROBE + (container_dns,)  # Docker mode's container resolvers (issue 24, i24-podman)
PROBE += (installed_keystore,)  # the installed keystore's paths (status-cert)
INSTALL = PROBE + (
    management_policy,
    release_support,
    svarut,
    directory_layout,
    external_urls,
    api_credentials,
    identity,
    tls,
    download,
    account,
    extra_properties,
    jvm_options,
    docker,
    upgrades,
    removed,
)
SCOPES = {
    "probe": PROBE + (removed,),
    "install": INSTALL,
    # What preflight accepts, the install accepts: one set of rules.
    "preflight": INSTALL,
    # What the prepare role consumes: the port, the inbound networks, the NTP host and what selects endpoints.
    "prepare": (release, network, inbound_sources, removed),
    # What the backup role needs: the directories, the service (unit or container, port, TLS for the health
    # wait), the external database and queue it must not copy, and its own variables.
    "backup": (
        run_mode,
        directories,
        directory_layout,
        network,
        # The health wait after the copy asks /manage/health where the install put it (management.py).
        management,
        management_policy,
        engine,
        external,
        api_switches,
        account,
        backup,
        removed,
    ),
}


# The variables the prepare rules read (tests/unit checks this against what its families really read).
PREPARE_VARIABLES = frozenset(
    (
        "integrasjonspunkt_environment",
        "integrasjonspunkt_services",
        "integrasjonspunkt_version",
        "integrasjonspunkt_port",
        "integrasjonspunkt_ntp_host",
        "integrasjonspunkt_inbound_sources",
    )
)


def scope_variables(scope):
    """The integrasjonspunkt_* variables a scope reads: every one for install and preflight."""
    return PREPARE_VARIABLES if scope == "prepare" else frozenset(model.DEFAULTS)


def evaluate(raw, scope="probe"):
    """(what could be normalised, problems): every family of `scope` runs, whatever the others found."""
    if scope not in SCOPES:
        raise ValueError("unknown settings scope %r; allowed: %s" % (scope, ", ".join(SCOPES)))
    c = Collector(model.with_defaults(raw))
    out = {}
    for family in SCOPES[scope]:
        try:
            family(c, out)
        except Exception as exc:  # fail closed: a rule that cannot judge a value refuses it, never passes it
            c.problems.append(
                model.problem(
                    "(settings rules: %s)" % family.__name__,
                    "not judged",
                    "values this rule can read; it stopped with %s (compare the values with the role's argument"
                    " specs)" % type(exc).__name__,
                )
            )
    return out, c.problems


def validate(raw, scope="probe"):
    out, problems = evaluate(raw, scope)
    return (None if any(p["severity"] == "fail" for p in problems) else out), problems
