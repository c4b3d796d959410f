# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The status run's host-side collectors: the service, its health, its version, its process, its files.

Each collector is read-only and returns a plain dict; a collector that cannot read what it needs says why
in ``reason`` (and ``permission`` when more rights would help) instead of guessing. The gather module runs
them in threads inside one budget (module_utils/gather.py): one that raises or hangs becomes an error there.
Python 3.8 compatible; standard library only.
"""

import base64
import json
import os
import re
import ssl
from urllib.error import HTTPError
from urllib.request import ProxyHandler, Request, build_opener

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import lifecycle_records, noproxy

# The sections a status_gather call returns (a collector's answer each); the engine judges every one of them.
SECTIONS = (
    "service", "health", "version", "releases", "blocklist", "keystore", "ntp_probe", "disk", "memory", "log",
    "actuator",
)  # fmt: skip
# GitHub's releases API for the integrasjonspunkt: the release list status.version compares against.
RELEASES_URL = "https://api.github.com/repos/felleslosninger/efm-integrasjonspunkt/releases?per_page=100"
# A keystore is small; anything larger is not one (certificates.KEYSTORE_MAX_BYTES says the same on the controller).
KEYSTORE_MAX_BYTES = 1 << 20
RESPONSE_MAX_BYTES = 4 << 20
SYSTEMCTL_PROPERTIES = ("ActiveState", "SubState", "ActiveEnterTimestamp", "NRestarts", "MainPID", "LoadState")
# docker inspect's view of the container: one JSON object per field, so nothing has to be split on spaces.
CONTAINER_FORMAT = (
    '{"running": {{json .State.Running}}, "status": {{json .State.Status}}, "started_at": {{json .State.StartedAt}},'
    ' "restart_count": {{json .RestartCount}}, "pid": {{json .State.Pid}}, "image": {{json .Config.Image}},'
    ' "labels": {{json .Config.Labels}}, "memory_limit": {{json .HostConfig.Memory}}}'
)
_VERSION_IN_NAME = re.compile(r"(\d+\.\d+\.\d+)")
_XMX = re.compile(r"^-Xmx(\d+)([kKmMgG]?)$")


def parse_systemctl_show(text):
    """{Property: value} of `systemctl show -p ...` output (Key=Value lines)."""
    out = {}
    for line in (text or "").splitlines():
        if "=" in line:
            key, value = line.split("=", 1)
            out[key.strip()] = value.strip()
    return out


def service_state(run, systemctl, unit):
    """The unit's state, since when and its automatic restarts, from `systemctl show` (read-only)."""
    if not systemctl:
        return {"available": False, "reason": "systemctl is not on PATH"}
    rc, out, err = run([systemctl, "show", unit, "--no-pager", "-p", ",".join(SYSTEMCTL_PROPERTIES)])
    if rc != 0:
        return {"available": False, "reason": "`systemctl show %s` exited %s: %s" % (unit, rc, (err or out)[-300:])}
    props = parse_systemctl_show(out)
    if not props.get("ActiveState"):
        return {"available": False, "reason": "`systemctl show %s` returned no ActiveState" % unit}
    try:
        restarts = int(props.get("NRestarts") or "")
    except ValueError:
        restarts = None
    try:
        pid = int(props.get("MainPID") or 0)
    except ValueError:
        pid = 0
    return {
        "available": True,
        "mode": "java",
        "unit": unit,
        "loaded": props.get("LoadState") == "loaded",
        "active": props.get("ActiveState"),
        "sub": props.get("SubState"),
        "running": props.get("ActiveState") == "active" and props.get("SubState") == "running",
        "since": props.get("ActiveEnterTimestamp") or None,
        "restarts": restarts,
        "restarts_source": "systemd NRestarts",
        "pid": pid or None,
    }


def container_state(run, docker, docker_host, name):
    """The container's state, start time, restart count, image and main process (docker inspect, read-only)."""
    if not docker:
        return {"available": False, "reason": "docker is not on PATH"}
    argv = [docker] + (["-H", docker_host] if docker_host else [])
    rc, out, err = run(argv + ["inspect", "--type", "container", "--format", CONTAINER_FORMAT, name])
    text = ((err or "") + " " + (out or "")).strip()
    if rc != 0 and "no such" in text.lower():
        return {"available": True, "mode": "docker", "exists": False, "running": False, "container": name}
    if rc != 0:
        return {"available": False, "reason": "`docker inspect %s` exited %s: %s" % (name, rc, text[-300:])}
    found = json.loads(out)
    return {
        "available": True,
        "mode": "docker",
        "exists": True,
        "container": name,
        "running": found.get("running") is True,
        "active": found.get("status"),
        "since": found.get("started_at"),
        "restarts": found.get("restart_count"),
        "restarts_source": "Docker RestartCount",
        "pid": found.get("pid") or None,
        "image": found.get("image"),
        "labels": found.get("labels") or {},
        "memory_limit_bytes": found.get("memory_limit") or None,
    }


def _read_json(response):
    return json.loads(response.read(RESPONSE_MAX_BYTES).decode("utf-8"))


def health(url, timeout, opener=None):
    """/manage/health's answer: {http_status, body}, or {reason} without one. No credentials are sent.

    The certificate is the enterprise one, not issued to the loopback address, so it is not verified (as the
    install role's health wait does): this reads the local process's own answer.
    """
    if opener is None:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        # Handed to build_opener, so it replaces the default (verifying) HTTPS handler instead of joining it.
        opener = build_opener(ProxyHandler({}), _https_handler(context))
    try:
        with opener.open(Request(url, headers={"Accept": "application/json"}), timeout=timeout) as response:
            return {"url": url, "http_status": response.status, "body": _read_json(response)}
    except HTTPError as exc:  # 503 carries the health document too (a DOWN component)
        try:
            body = _read_json(exc)
        except ValueError:
            body = None
        return {"url": url, "http_status": exc.code, "body": body}
    except (OSError, ValueError) as exc:
        return {"url": url, "http_status": None, "body": None, "reason": "%s: %s" % (type(exc).__name__, exc)}


def _https_handler(context):
    from urllib.request import HTTPSHandler  # noqa: PLC0415

    return HTTPSHandler(context=context)


def fetch_releases(url, timeout, proxy=None, no_proxy=None, ca_file=None, opener=None):
    """GitHub's release list (the parsed JSON list) through the integrasjonspunkt's proxy, or {reason}.

    The one place the status run fetches the release list: a `latest` resolver can share it.
    """
    if opener is None:
        host = re.sub(r"^https://([^/:]+).*$", r"\1", url)
        choice = noproxy.select_proxy("https", host, 443, proxy=proxy or "", no_proxy=no_proxy or "")
        proxies = {"https": choice["url"]} if choice["used"] else {}
        context = ssl.create_default_context(cafile=ca_file or None)
        opener = build_opener(ProxyHandler(proxies), _https_handler(context))
    request = Request(url, headers={"Accept": "application/vnd.github+json", "User-Agent": "eformidling-status"})
    try:
        with opener.open(request, timeout=timeout) as response:
            releases = _read_json(response)
    except (OSError, ValueError) as exc:
        return {"available": False, "reason": noproxy.redact_text("%s: %s" % (type(exc).__name__, exc), [proxy])}
    if not isinstance(releases, list):
        return {"available": False, "reason": "the release list is not a JSON list"}
    keep = ("tag_name", "draft", "prerelease", "published_at")
    return {"available": True, "releases": [{k: r.get(k) for k in keep} for r in releases if isinstance(r, dict)]}


def version_from_jar_link(link):
    """The release version the install's current link points at (releases/integrasjonspunkt-X.Y.Z.jar)."""
    try:
        target = os.readlink(link)
    except OSError as exc:
        return {"available": False, "reason": "cannot read the link %s: %s" % (link, exc.strerror)}
    match = _VERSION_IN_NAME.search(os.path.basename(target))
    if not match:
        return {"available": False, "reason": "%s points at %s, which names no version" % (link, target)}
    return {"available": True, "version": match.group(1), "source": "%s -> %s" % (link, target)}


def version_from_image(image, labels):
    """The version of the container's image: its vX.Y.Z tag, else its OCI version label."""
    tag = str(image or "").rsplit("/", 1)[-1]
    if ":" in tag and "@" not in tag:
        match = re.match(r"^v?(\d+\.\d+\.\d+)$", tag.split(":", 1)[1])
        if match:
            return {"available": True, "version": match.group(1), "source": "image tag %s" % image}
    label = (labels or {}).get("org.opencontainers.image.version")
    match = _VERSION_IN_NAME.search(str(label or ""))
    if match:
        return {"available": True, "version": match.group(1), "source": "image label org.opencontainers.image.version"}
    return {"available": False, "reason": "the image %s names no version (tag or label)" % image}


def read_file_bytes(path, limit):
    """(bytes, None) or (None, {reason, permission}): a file read whole, refusing anything above `limit`."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        return None, {"reason": "cannot read %s: %s" % (path, exc.strerror), "permission": exc.errno == 13}
    if len(data) > limit:
        return None, {"reason": "%s is larger than %d bytes" % (path, limit), "permission": False}
    return data, None


def keystore(path):
    """The installed keystore's bytes (base64) for the controller to open with its password; never parsed here."""
    data, problem = read_file_bytes(path, KEYSTORE_MAX_BYTES)
    if problem:
        return dict(problem, available=False, path=path)
    return {"available": True, "path": path, "data_b64": base64.b64encode(data).decode("ascii")}


def blocklist(install_dir):
    """The host's blocklist entries (lifecycle_records), [] without a file; {reason} when it cannot be read."""
    path = os.path.join(install_dir, lifecycle_records.DIRECTORY, lifecycle_records.BLOCKLIST_FILE)
    if not os.path.lexists(path):
        return {"available": True, "path": path, "present": False, "entries": []}
    data, problem = read_file_bytes(path, RESPONSE_MAX_BYTES)
    if problem:
        return dict(problem, available=False, path=path)
    entries = lifecycle_records.parse_blocklist(data.decode("utf-8"))
    return {"available": True, "path": path, "present": True, "entries": entries}


def parse_status_kib(text, key):
    """A `Key:   123 kB` value of /proc/<pid>/status, in bytes; None when absent."""
    for line in (text or "").splitlines():
        if line.startswith(key + ":"):
            words = line.split()
            return int(words[1]) * 1024 if len(words) >= 2 and words[1].isdigit() else None
    return None


def heap_limit_bytes(argv):
    """The last -Xmx of a JVM command line (the JVM takes the last one), in bytes; None without one."""
    found = None
    factors = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
    for word in argv or []:
        match = _XMX.match(word)
        if match:
            found = int(match.group(1)) * factors[match.group(2).lower()]
    return found


def process_memory(pid, proc_root="/proc"):
    """The process's resident memory and its JVM heap limit (-Xmx), from /proc (readable without root)."""
    if not pid:
        return {"available": False, "reason": "no main process (the service is not running)"}
    base = os.path.join(proc_root, str(pid))
    try:
        with open(os.path.join(base, "status")) as fh:
            status = fh.read(1 << 16)
        with open(os.path.join(base, "cmdline"), "rb") as fh:
            argv = [w.decode("utf-8", "replace") for w in fh.read(1 << 20).split(b"\0") if w]
    except OSError as exc:
        return {"available": False, "reason": "cannot read /proc/%s: %s" % (pid, exc.strerror)}
    return {
        "available": True,
        "pid": pid,
        "rss_bytes": parse_status_kib(status, "VmRSS"),
        "heap_limit_bytes": heap_limit_bytes(argv),
    }


def tree_size(path, max_entries=200000):
    """(bytes, complete) of the regular files under `path` (not following links), stopping after max_entries."""
    total, seen, problems = 0, 0, []
    for root, dirs, files in os.walk(path, onerror=problems.append):
        for name in files:
            seen += 1
            if seen > max_entries:
                return total, False
            try:
                st = os.lstat(os.path.join(root, name))
            except OSError:
                return total, False
            total += st.st_size
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(root, d))]
    return total, not problems  # a directory it could not list leaves the size incomplete


def data_disk(data_dir):
    """Free space on the data directory's filesystem, and the size of what grows there (H2, ActiveMQ, messages)."""
    try:
        st = os.statvfs(data_dir)
    except OSError as exc:
        return {"available": False, "path": data_dir, "reason": "cannot stat %s: %s" % (data_dir, exc.strerror)}
    if not os.access(data_dir, os.R_OK | os.X_OK):
        used, complete = None, False
    else:
        used, complete = tree_size(data_dir)
    return {
        "available": True,
        "path": data_dir,
        "free_bytes": st.f_bavail * st.f_frsize,
        "total_bytes": st.f_blocks * st.f_frsize,
        "data_bytes": used,
        "data_complete": complete,
    }
