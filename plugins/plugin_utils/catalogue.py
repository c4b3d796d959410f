# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The eFormidling endpoint catalogue (data/endpoints.yml): load, validate, select, override.

Controller-side and pure apart from `load`. Errors are CatalogueError with a message that names the entry
and the field. Version ranges are compared without external libraries.
"""

import copy
import ipaddress
import os
import re

import yaml  # controller side only: plugin_utils never runs on a target

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import proxy_clients

PROTOCOLS = ("https", "tls", "tcp", "http", "amqps", "udp-ntp")
ENVIRONMENTS = ("production", "test")
ENVIRONMENT_ALIASES = {"prod": "production", "staging": "test", "qa": "test"}
SERVICES = ("DPO", "DPV", "DPI", "DPF", "DPE", "DPH", "DPFIO")
PHASES = ("runtime", "install")
SEVERITIES = ("fail", "warn")
RUN_MODES = ("java", "docker")
# needed_when: the install method that needs the entry (Temurin's repository only when Temurin is installed).
NEEDED_WHEN = ("temurin",)
REQUIRED = ("name", "host", "port", "protocol", "source")
KNOWN_FIELDS = (
    "name",
    "host",
    "port",
    "protocol",
    "ips",
    "environments",
    "services",
    "versions",
    "phase",
    "severity",
    "purpose",
    "source",
    "note",
    "use_proxy",
    "jvm_proxy",
    "proxy_reason",
    "timeout",
    "server_name",
    "http_path",
    "run_modes",
    "needed_when",
)
# Defaults for entries added from inventory (the data file spells every field out).
ADD_DEFAULTS = {
    "ips": [],
    "environments": list(ENVIRONMENTS),
    "services": ["all"],
    "versions": None,
    "phase": "runtime",
    "severity": "fail",
    "purpose": None,
    "source": "inventory override",
}

# realpath: a collection tree made of symlinks (ansible-test, .build/collections) still finds the data file.
DATA_FILE = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__)))), "data", "endpoints.yml"
)


class CatalogueError(ValueError):
    """A catalogue or override problem; the message names the entry and the field."""


# ------------------------------------------------------------------------------------------ versions

_VERSION = re.compile(r"^\s*v?(\d+(?:\.\d+)*)(.*)$", re.IGNORECASE)
_CLAUSE = re.compile(r"^\s*(>=|<=|==|!=|>|<|~=)?\s*(v?[0-9][0-9A-Za-z.\-+*]*)\s*$")


def parse_version(text):
    """'4.0.8' -> ((4, 0, 8), 1, ''); a pre-release/snapshot suffix sorts before the release.

    Returns a comparable tuple: the release parts (at least 3, trailing zeros beyond 3 dropped), then 1 for
    a final release or 0 with the suffix for a pre-release ('4.0.8-SNAPSHOT', '4.0.8rc1'). '+local' is ignored.
    """
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    match = _VERSION.match(text)
    if not match:
        raise CatalogueError("not a version: %r" % text)
    parts = [int(p) for p in match.group(1).split(".")]
    while len(parts) < 3:
        parts.append(0)
    suffix = match.group(2).split("+", 1)[0].strip().lstrip(".-_").lower()
    # Trailing zeros do not matter: 4.0 == 4.0.0.
    while len(parts) > 3 and parts[-1] == 0:
        parts.pop()
    if suffix in ("", "final", "release"):
        return (tuple(parts), 1, "")
    return (tuple(parts), 0, suffix)


def _release(version):
    return version[0]


def version_in_range(version, spec):
    """Whether `version` (str) satisfies `spec` ('>=4.0.0,<4.0.8'; None or '' = any).

    Supported clauses: >= <= > < == != ~= and ==X.Y.* wildcards. Raises CatalogueError on a bad spec.
    """
    if spec is None or not str(spec).strip():
        return True
    current = parse_version(version)
    for clause in str(spec).split(","):
        if not clause.strip():
            continue
        match = _CLAUSE.match(clause)
        if not match:
            raise CatalogueError("bad version clause %r in %r" % (clause.strip(), spec))
        op, target = match.group(1) or "==", match.group(2)
        if target.endswith(".*"):
            if op not in ("==", "!="):
                raise CatalogueError("a .* wildcard needs == or != in %r" % spec)
            prefix = tuple(int(p) for p in target[:-2].lstrip("vV").split(".") if p.isdigit())
            inside = _release(current)[: len(prefix)] == prefix
            if inside != (op == "=="):
                return False
            continue
        if "*" in target:
            raise CatalogueError("bad version clause %r in %r" % (clause.strip(), spec))
        other = parse_version(target)
        if op == "~=":
            parts = _VERSION.match(target).group(1).split(".")
            if len(parts) < 2:
                raise CatalogueError("~= needs at least two release parts in %r" % spec)
            prefix = tuple(int(p) for p in parts[:-1])
            ok = current >= other and _release(current)[: len(prefix)] == prefix
        else:
            ok = {
                ">=": current >= other,
                "<=": current <= other,
                ">": current > other,
                "<": current < other,
                "==": current == other,
                "!=": current != other,
            }[op]
        if not ok:
            return False
    return True


# ------------------------------------------------------------------------------------------ validation


def _where(index, entry, origin):
    name = entry.get("name") if isinstance(entry, dict) else None
    return "%s entry %s%s" % (origin, index, " (%s)" % name if name else "")


def validate_entry(entry, index=0, origin="catalogue"):
    """Check one entry; return a normalised copy. Raise CatalogueError naming the entry and the field."""
    where = _where(index, entry, origin)
    if not isinstance(entry, dict):
        raise CatalogueError("%s: must be a mapping, got %s" % (where, type(entry).__name__))

    def bad(field, why):
        raise CatalogueError("%s: field '%s': %s" % (where, field, why))

    for field in REQUIRED:
        if entry.get(field) in (None, ""):
            bad(field, "is required")
    unknown = sorted(set(entry) - set(KNOWN_FIELDS) - {"dropped"})
    if unknown:
        bad(unknown[0], "unknown field (known: %s)" % ", ".join(KNOWN_FIELDS))
    out = copy.deepcopy(entry)
    for field in ("name", "host", "source"):
        if not isinstance(out[field], str) or not out[field].strip():
            bad(field, "must be a non-empty string")
    port = out["port"]
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        bad("port", "must be an integer 1-65535, got %r" % (port,))
    if out["protocol"] not in PROTOCOLS:
        bad("protocol", "must be one of %s, got %r" % (", ".join(PROTOCOLS), out["protocol"]))
    ips = out.get("ips")
    if ips is None:
        ips = []
    if not isinstance(ips, list):
        bad("ips", "must be a list of IP addresses or CIDR ranges")
    for ip in ips:
        try:
            ipaddress.ip_network(str(ip), strict=False)
        except ValueError:
            bad("ips", "%r is not an IP address or CIDR range" % (ip,))
    out["ips"] = [str(ip) for ip in ips]
    envs = out.get("environments")
    if not isinstance(envs, list) or not envs:
        bad("environments", "must be a non-empty list of %s" % ", ".join(ENVIRONMENTS))
    for env in envs:
        if env not in ENVIRONMENTS:
            bad("environments", "%r is not one of %s" % (env, ", ".join(ENVIRONMENTS)))
    services = out.get("services")
    if not isinstance(services, list) or not services:
        bad("services", "must be [all] or a non-empty list of %s" % ", ".join(SERVICES))
    services = [str(s).upper() if str(s).lower() != "all" else "all" for s in services]
    for service in services:
        if service != "all" and service not in SERVICES:
            bad("services", "%r is not one of all, %s" % (service, ", ".join(SERVICES)))
    if "all" in services and len(services) > 1:
        bad("services", "'all' cannot be combined with named services")
    out["services"] = services
    versions = out.get("versions")
    if versions is not None:
        if not isinstance(versions, str):
            bad("versions", "must be a range string like '>=4.0.0,<4.0.8' or null")
        try:
            version_in_range("0.0.0", versions)
        except CatalogueError as exc:
            bad("versions", str(exc))
    if out.get("phase") not in PHASES:
        bad("phase", "must be one of %s, got %r" % (", ".join(PHASES), out.get("phase")))
    if out.get("severity") not in SEVERITIES:
        bad("severity", "must be one of %s, got %r" % (", ".join(SEVERITIES), out.get("severity")))
    for field in ("purpose", "note", "server_name", "http_path", "proxy_reason"):
        if out.get(field) is not None and not isinstance(out[field], str):
            bad(field, "must be a string")
    if "use_proxy" in out and not isinstance(out["use_proxy"], bool):
        bad("use_proxy", "must be a boolean")
    out, problem = proxy_clients.normalise(out)
    if problem:
        bad(*problem)
    run_modes = out.get("run_modes")
    if run_modes is not None and (
        not isinstance(run_modes, list) or not run_modes or any(m not in RUN_MODES for m in run_modes)
    ):
        bad("run_modes", "must be a non-empty list of %s, or absent for both" % ", ".join(RUN_MODES))
    if out.get("needed_when") is not None and out["needed_when"] not in NEEDED_WHEN:
        bad("needed_when", "must be one of %s, or absent" % ", ".join(NEEDED_WHEN))
    timeout = out.get("timeout")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0):
        bad("timeout", "must be a positive number of seconds")
    return out


def validate(entries, origin="catalogue"):
    """Validate a list of entries; names must be unique per environment. Return normalised copies."""
    if not isinstance(entries, list):
        raise CatalogueError("%s: 'endpoints' must be a list" % origin)
    out = [validate_entry(e, i, origin) for i, e in enumerate(entries)]
    seen = {}
    for index, entry in enumerate(out):
        for env in entry["environments"]:
            key = (entry["name"], env)
            if key in seen:
                raise CatalogueError(
                    "%s: field 'name': %r is already used by entry %s in environment %s"
                    % (_where(index, entry, origin), entry["name"], seen[key], env)
                )
            seen[key] = index
    return out


_LOADED = {}  # (path, mtime, size) -> validated entries; lookups run many times per play


def load(path=None):
    """Read and validate the catalogue file (default: the collection's data/endpoints.yml)."""
    path = path or DATA_FILE
    try:
        st = os.stat(path)
        key = (os.path.realpath(path), st.st_mtime_ns, st.st_size)
        if key in _LOADED:
            return copy.deepcopy(_LOADED[key])
        with open(path) as fh:
            doc = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogueError("cannot read the catalogue %s: %s" % (path, exc)) from exc
    if not isinstance(doc, dict) or "endpoints" not in doc:
        raise CatalogueError("%s: top level must be a mapping with an 'endpoints' list" % path)
    entries = validate(doc["endpoints"], origin=os.path.basename(path))
    _LOADED[key] = entries
    return copy.deepcopy(entries)


# ------------------------------------------------------------------------------------------ selection


def normalize_environment(environment):
    env = str(environment).strip().lower()
    env = ENVIRONMENT_ALIASES.get(env, env)
    if env not in ENVIRONMENTS:
        raise CatalogueError(
            "environment %r is not one of %s (aliases: %s)"
            % (environment, ", ".join(ENVIRONMENTS), ", ".join(sorted(ENVIRONMENT_ALIASES)))
        )
    return env


def select(entries, environment=None, services=None, version=None, phase=None, run_mode=None):
    """Entries needed by an installation. Each filter left as None does not filter.

    environment: production or test (aliases prod, staging, qa). services: the enabled message services;
    entries for [all] always match. version: the integrasjonspunkt version. phase: runtime, install or all.
    run_mode: java or docker; entries without run_modes are needed by both.
    """
    if run_mode is not None and run_mode not in RUN_MODES:
        raise CatalogueError("run mode %r is not one of %s" % (run_mode, ", ".join(RUN_MODES)))
    env = normalize_environment(environment) if environment is not None else None
    wanted = None
    if services is not None:
        if isinstance(services, str):
            services = [s for s in re.split(r"[,\s]+", services) if s]
        wanted = set()
        for service in services:
            name = str(service).strip().upper()
            if name not in SERVICES:
                raise CatalogueError("service %r is not one of %s" % (service, ", ".join(SERVICES)))
            wanted.add(name)
    if version is not None:
        parse_version(str(version))
    if phase is not None and phase != "all" and phase not in PHASES:
        raise CatalogueError("phase %r is not one of runtime, install, all" % (phase,))
    out = []
    for entry in entries:
        if env is not None and env not in entry.get("environments", ENVIRONMENTS):
            continue
        entry_services = entry.get("services") or ["all"]
        if wanted is not None and "all" not in entry_services and not wanted.intersection(entry_services):
            continue
        if version is not None and not version_in_range(str(version), entry.get("versions")):
            continue
        if phase not in (None, "all") and entry.get("phase", "runtime") != phase:
            continue
        if run_mode is not None and run_mode not in (entry.get("run_modes") or RUN_MODES):
            continue
        out.append(entry)
    return out


def apply_overrides(entries, overrides):
    """Apply inventory overrides. Return (entries, dropped).

    overrides = {add: [entry], replace: [entry], drop: [{name, reason}]}
    * add: new entries (missing fields get ADD_DEFAULTS); a name already present is an error (use replace).
    * replace: matched by name; the given keys are merged over every entry of that name (give a whole entry
      to replace it entirely). An unknown name is an error.
    * drop: removes every entry of that name; `reason` is required; an unknown name is an error.
    dropped is a list of {name, reason, entry}. Apply it to the entries of one environment (names are unique
    there), before filtering by service and version.
    """
    if overrides is None:
        return list(entries), []
    if not isinstance(overrides, dict):
        raise CatalogueError("overrides must be a mapping with add, replace and drop lists")
    unknown = sorted(set(overrides) - {"add", "replace", "drop"})
    if unknown:
        raise CatalogueError("overrides: unknown key %r (use add, replace, drop)" % unknown[0])
    result = [copy.deepcopy(e) for e in entries]
    names = {e["name"] for e in result}

    def items(key):
        value = overrides.get(key) or []
        if not isinstance(value, list):
            raise CatalogueError("overrides.%s must be a list" % key)
        return value

    dropped = []
    for index, item in enumerate(items("drop")):
        where = "overrides.drop entry %s" % index
        if not isinstance(item, dict) or not item.get("name"):
            raise CatalogueError("%s: field 'name': is required" % where)
        where += " (%s)" % item["name"]
        reason = item.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise CatalogueError("%s: field 'reason': is required (say why the endpoint is not needed)" % where)
        if item["name"] not in names:
            raise CatalogueError("%s: field 'name': no catalogue entry is named %r" % (where, item["name"]))
        for entry in [e for e in result if e["name"] == item["name"]]:
            dropped.append({"name": entry["name"], "reason": reason.strip(), "entry": entry})
        result = [e for e in result if e["name"] != item["name"]]
    dropped_names = {d["name"] for d in dropped}
    for index, item in enumerate(items("replace")):
        where = "overrides.replace entry %s" % index
        if not isinstance(item, dict) or not item.get("name"):
            raise CatalogueError("%s: field 'name': is required" % where)
        if item["name"] not in names:
            raise CatalogueError(
                "%s (%s): field 'name': no catalogue entry is named %r" % (where, item["name"], item["name"])
            )
        if item["name"] in dropped_names:
            raise CatalogueError("%s (%s): field 'name': the entry is also dropped" % (where, item["name"]))
        for pos, entry in enumerate(result):
            if entry["name"] == item["name"]:
                merged = dict(entry)
                merged.update(copy.deepcopy(item))
                result[pos] = validate_entry(merged, index, "overrides.replace")
    for index, item in enumerate(items("add")):
        if not isinstance(item, dict):
            raise CatalogueError("overrides.add entry %s: must be a mapping" % index)
        entry = dict(ADD_DEFAULTS)
        entry.update(copy.deepcopy(item))
        entry = validate_entry(entry, index, "overrides.add")
        if entry["name"] in {e["name"] for e in result} | dropped_names:
            raise CatalogueError(
                "overrides.add entry %s (%s): field 'name': already in the catalogue (use replace)"
                % (index, entry["name"])
            )
        result.append(entry)
    return result, dropped


# The catalogue entry for the integrasjonspunkt's own NTP check (difi.move.ntp.host).
NTP_ENTRY = "ntp"


def with_ntp_host(entries, ntp_host):
    """Point the NTP check entry at the configured difi.move.ntp.host (default time.google.com)."""
    if not ntp_host:
        return entries
    out = []
    for entry in entries:
        if entry.get("name") == NTP_ENTRY and entry.get("protocol") == "udp-ntp" and entry.get("host") != ntp_host:
            out.append(dict(entry, host=ntp_host, ips=[], source="integrasjonspunkt_ntp_host (difi.move.ntp.host)"))
        else:
            out.append(entry)
    return out


def endpoints_for(
    entries,
    *,
    environment,
    services=None,
    version=None,
    phase="runtime",
    overrides=None,
    include_dropped=False,
    ntp_host=None,
    run_mode=None,
):
    """The lookup's pipeline: environment, NTP host, overrides, then services/version/phase.

    With include_dropped, dropped entries that would otherwise have been selected are appended with a
    `dropped` key holding the reason (connectivity_info reports them as skipped). Overrides come after
    the NTP host, so an explicit `replace` of the `ntp` entry wins.
    """
    in_env = with_ntp_host(select(entries, environment=environment), ntp_host)
    kept, dropped = apply_overrides(in_env, overrides)
    chosen = select(kept, services=services, version=version, phase=phase, run_mode=run_mode)
    out = [copy.deepcopy(e) for e in chosen]
    if include_dropped:
        for item in dropped:
            if select([item["entry"]], services=services, version=version, phase=phase, run_mode=run_mode):
                entry = copy.deepcopy(item["entry"])
                entry["dropped"] = item["reason"]
                out.append(entry)
    return out
