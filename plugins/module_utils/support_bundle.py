# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Read what Digdir's service desk asks for on one host, and redact it there (support_bundle_collect).

Every reader returns (text, fmt) or raises CollectError with a reason; collect() records each item's status
(ok, missing, error), so nothing that could not be read looks like an empty file. Only redacted text leaves
collect(): the raw texts never leave this module. Readers take `run(argv) -> (rc, out, err)` so tests can fake
programs. Python 3.8+ (managed hosts).
"""

import http.client as http_client
import json
import os
import socket
import stat

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import redact

# The file names the integrasjonspunkt role writes (roles/integrasjonspunkt/vars/main.yml and templates).
LOG_FILE = "application.log"
CURRENT_JAR = "integrasjonspunkt.jar"
UNIT_DIR = "/etc/systemd/system"
# The lifecycle records (COMMON contract): <install_dir>/lifecycle/{blocklist.json,history.jsonl}.
LIFECYCLE_FILES = (("blocklist.json", "json"), ("history.jsonl", "jsonl"))
# Never read: only their path, size and modification time go into the bundle.
KEYSTORE_SUFFIXES = (".p12", ".pfx", ".jks", ".jceks", ".keystore", ".bcfks", ".key")
# The last part of the application log that goes into the bundle (documented in docs/support-bundle.md).
DEFAULT_LOG_BYTES = 1024 * 1024


class CollectError(Exception):
    """An item that could not be read; the message says why."""


class Missing(CollectError):
    """An item that does not exist on this host (recorded as missing, not as an error)."""


def _read_bytes(path, limit=None):
    try:
        with open(path, "rb") as fh:
            if limit is not None:
                size = os.fstat(fh.fileno()).st_size
                if size > limit:
                    fh.seek(size - limit)
            return fh.read()
    except FileNotFoundError as exc:
        raise Missing("%s does not exist" % path) from exc
    except OSError as exc:
        raise CollectError("cannot read %s: %s" % (path, exc.strerror or exc)) from exc


def _decode(data):
    return data.decode("utf-8", errors="replace")


def read_file(path, fmt):
    return _decode(_read_bytes(path)), fmt


def log_tail(path, limit):
    """The last `limit` bytes of the log, from the first whole line on."""
    data = _read_bytes(path, limit)
    try:
        full = os.stat(path).st_size > limit
    except OSError:
        full = True
    if full and b"\n" in data:
        data = data.split(b"\n", 1)[1]
    return _decode(data), "text"


def run_text(run, argv):
    rc, out, err = run(argv)
    if rc is None:
        raise CollectError("%s could not be run: %s" % (argv[0], (err or "").strip() or "not found"))
    text = "$ %s\n%s" % (" ".join(argv), out or "")
    if err:
        text += "\n[stderr]\n%s" % err
    if rc != 0:
        text += "\n[exit status %s]\n" % rc
    return text, "text"


def keystores(install_dir, properties_texts):
    """Keystore files in the install directory and those the properties name: path, size and mtime only."""
    paths = set()
    try:
        names = os.listdir(install_dir)
    except OSError as exc:
        raise CollectError("cannot list %s: %s" % (install_dir, exc.strerror or exc)) from exc
    paths.update(os.path.join(install_dir, n) for n in names if n.lower().endswith(KEYSTORE_SUFFIXES))
    for text in properties_texts:
        for line in text.splitlines():
            key, sep, value = line.partition("=")
            if (
                sep
                and ("keystore" in key.lower() or "key-store" in key.lower())
                and key.strip().endswith(("path", "key-store", "location"))
            ):
                value = value.strip()
                value = value[len("file:") :] if value.startswith("file:") else value
                if value.startswith("/"):
                    paths.add(value)
    out = []
    for path in sorted(paths):
        try:
            st = os.stat(path)
            out.append(
                {"path": path, "size": st.st_size, "mtime": int(st.st_mtime), "mode": oct(stat.S_IMODE(st.st_mode))}
            )
        except OSError as exc:
            out.append({"path": path, "error": exc.strerror or str(exc)})
    return json.dumps(
        {"note": "keystore files are never included; their contents stay on the host", "files": out}, indent=2
    ), "json"


def _meminfo():
    values = {}
    text = _decode(_read_bytes("/proc/meminfo"))
    for line in text.splitlines():
        name, _sep, rest = line.partition(":")
        fields = rest.split()
        if fields and fields[0].isdigit():
            values[name.strip()] = int(fields[0]) * (1024 if len(fields) > 1 and fields[1].lower() == "kb" else 1)
    return values


def resources(directories):
    """Disk figures per directory (its filesystem) and memory from /proc/meminfo."""
    disk = {}
    for role, path in sorted(directories.items()):
        try:
            st = os.statvfs(path)
            disk[role] = {
                "path": path,
                "total_bytes": st.f_blocks * st.f_frsize,
                "free_bytes": st.f_bavail * st.f_frsize,
                "inodes_free": st.f_favail,
            }
        except OSError as exc:
            disk[role] = {"path": path, "error": exc.strerror or str(exc)}
    try:
        mem = _meminfo()
        memory = {k: mem[k] for k in ("MemTotal", "MemAvailable", "SwapTotal", "SwapFree") if k in mem}
    except CollectError as exc:
        memory = {"error": str(exc)}
    return json.dumps({"disk": disk, "memory_bytes": memory}, indent=2, sort_keys=True), "json"


class _UnixHTTPConnection(http_client.HTTPConnection):
    def __init__(self, path, timeout):
        http_client.HTTPConnection.__init__(self, "localhost", timeout=timeout)
        self._path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self._path)


def docker_inspect(docker_host, name, timeout=15):
    """`docker inspect NAME` from the engine's API (GET /containers/NAME/json): no docker CLI needed."""
    if not docker_host.startswith("unix://"):
        raise CollectError("docker inspect reads the engine on a unix:// socket only; %s is not one" % docker_host)
    conn = _UnixHTTPConnection(docker_host[len("unix://") :], timeout)
    try:
        conn.request("GET", "/containers/%s/json" % name)
        resp = conn.getresponse()
        body = resp.read()
    except (OSError, http_client.HTTPException) as exc:
        raise CollectError("the Docker engine at %s did not answer: %s" % (docker_host, exc)) from exc
    finally:
        conn.close()
    if resp.status == 404:
        raise Missing("no container %s on %s" % (name, docker_host))
    if resp.status != 200:
        raise CollectError("the Docker engine answered %s for container %s" % (resp.status, name))
    return _decode(body), "json"


def java_from_unit(unit_text):
    """The java binary of the unit's ExecStart (its first word), or None."""
    for line in unit_text.splitlines():
        if line.strip().startswith("ExecStart="):
            words = line.strip()[len("ExecStart=") :].lstrip("-@+!:").split()
            return words[0] if words else None
    return None


def java_from_inspect(inspect_text):
    """The image's JAVA_VERSION (Eclipse Temurin images set it), from docker inspect's Config.Env."""
    try:
        env = (json.loads(inspect_text).get("Config") or {}).get("Env") or []
    except (ValueError, AttributeError):
        return None
    for entry in env:
        if str(entry).startswith("JAVA_VERSION="):
            return str(entry).split("=", 1)[1]
    return None


def _item(items, status, name, source, fn, *args):
    """Run one reader; keep its text under `name` and its status in `status`."""
    try:
        items[name] = fn(*args)
        status.append({"name": name, "source": source, "status": "ok"})
    except Missing as exc:
        status.append({"name": name, "source": source, "status": "missing", "detail": str(exc)})
    except CollectError as exc:
        status.append({"name": name, "source": source, "status": "error", "detail": str(exc)})
    except Exception as exc:  # a reader that crashed is an error of that item, never a silent gap
        status.append(
            {"name": name, "source": source, "status": "error", "detail": "%s: %s" % (type(exc).__name__, exc)}
        )


def collect(params, run):
    """{name: redacted text} and the status of every item, for one host. Reads only."""
    items, status = {}, []
    install, logs = params["install_dir"], params["log_dir"]
    _item(
        items,
        status,
        "application.log",
        os.path.join(logs, LOG_FILE),
        log_tail,
        os.path.join(logs, LOG_FILE),
        params["log_bytes"],
    )
    try:
        props = sorted(n for n in os.listdir(install) if n.endswith(".properties"))
    except OSError as exc:
        props = []
        status.append(
            {
                "name": "properties",
                "source": install,
                "status": "error",
                "detail": "cannot list: %s" % (exc.strerror or exc),
            }
        )
    for name in props:
        _item(
            items,
            status,
            "properties/" + name,
            os.path.join(install, name),
            read_file,
            os.path.join(install, name),
            "properties",
        )
    prop_texts = [items[k][0] for k in items if k.startswith("properties/")]
    _item(items, status, "keystores.json", install, keystores, install, prop_texts)
    if params["run_mode"] == "docker":
        _item(
            items,
            status,
            "docker/inspect.json",
            params["docker_host"],
            docker_inspect,
            params["docker_host"],
            params["container_name"],
        )
        java = java_from_inspect(items["docker/inspect.json"][0]) if "docker/inspect.json" in items else None
        text = "Java %s (JAVA_VERSION of the image, from docker inspect)\n" % java if java else None
        if text:
            items["java-version.txt"] = (text, "text")
            status.append({"name": "java-version.txt", "source": "docker inspect", "status": "ok"})
        else:
            status.append(
                {
                    "name": "java-version.txt",
                    "source": "docker inspect",
                    "status": "missing",
                    "detail": "the container's environment names no JAVA_VERSION",
                }
            )
    else:
        unit_path = os.path.join(params.get("unit_dir") or UNIT_DIR, params["unit_name"])
        _item(items, status, "systemd/" + params["unit_name"], unit_path, read_file, unit_path, "text")
        _item(
            items,
            status,
            "systemd/systemctl-show.txt",
            "systemctl show",
            run_text,
            run,
            ["systemctl", "show", "--no-pager", params["unit_name"]],
        )
        unit = items.get("systemd/" + params["unit_name"], ("", "text"))[0]
        java = params.get("java_path") or java_from_unit(unit) or "java"
        _item(items, status, "java-version.txt", java + " -version", run_text, run, [java, "-version"])
        link = os.path.join(install, CURRENT_JAR)
        try:
            items["version.txt"] = ("%s -> %s\n" % (link, os.readlink(link)), "text")
            status.append({"name": "version.txt", "source": link, "status": "ok"})
        except OSError as exc:
            status.append(
                {
                    "name": "version.txt",
                    "source": link,
                    "status": "missing" if isinstance(exc, FileNotFoundError) else "error",
                    "detail": exc.strerror or str(exc),
                }
            )
    for name, fmt in LIFECYCLE_FILES:
        path = os.path.join(install, "lifecycle", name)
        _item(items, status, "lifecycle/" + name, path, read_file, path, fmt)
    _item(items, status, "chrony/tracking.txt", "chronyc tracking", run_text, run, ["chronyc", "-n", "tracking"])
    _item(items, status, "chrony/sources.txt", "chronyc sources", run_text, run, ["chronyc", "-n", "sources", "-v"])
    dirs = {"install": install, "data": params["data_dir"], "logs": logs, "temp": params["tmp_dir"]}
    _item(items, status, "system/resources.json", "statvfs, /proc/meminfo", resources, dirs)
    return redact.redact_all(items), status, len(redact.known_secrets(items))
