# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The container engine's Docker-compatible API on its unix socket, read-only: Docker and Podman alike.

The install role drives the engine through this API (community.docker), so preflight asks the same
socket (integrasjonspunkt_docker_host), with no docker or podman CLI needed: Podman's API service
(podman.socket) answers the same paths. Pure parsers, and one small GET over AF_UNIX.
"""

import json
import os
import socket

API_PREFIX = "/v1.40"  # Docker 19.03+, and Podman's compat API (4.x, 5.x) both serve it


def socket_path(docker_host):
    """'unix:///run/podman/podman.sock' -> '/run/podman/podman.sock'; None for tcp:// and the like."""
    text = str(docker_host or "")
    if text.startswith("unix://"):
        return text[len("unix://") :] or None
    return text if text.startswith("/") else None


def _group_name(gid):
    import grp  # noqa: PLC0415 (Unix only, like the socket)

    return grp.getgrgid(gid).gr_name


def socket_group(docker_host, stat=os.stat, group_name=_group_name):
    """The group that owns the engine's socket (its members may use it): the name, or the number when the group
    has no name; None when it cannot be told (no unix:// socket, or it cannot be stat'ed)."""
    where = socket_path(docker_host)
    if not where:
        return None
    try:
        gid = stat(where).st_gid
    except OSError:
        return None
    try:
        return group_name(gid)
    except (KeyError, ImportError):
        return str(gid)


def _connect(path, timeout):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(path)
    except Exception:
        sock.close()
        raise
    return sock


def _read_response(sock):
    chunks = []
    while True:
        data = sock.recv(65536)
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks)


def parse_response(raw):
    """(status, body bytes) of an HTTP/1.0 answer; chunked bodies are joined. ValueError when it is no HTTP."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    words = lines[0].split() if lines and lines[0] else []
    if not sep or len(words) < 2 or not words[0].startswith(b"HTTP/") or not words[1].isdigit():
        raise ValueError("not an HTTP answer: %r" % raw[:80])
    headers = {}
    for line in lines[1:]:
        key, _sep, value = line.partition(b":")
        headers[key.strip().lower()] = value.strip().lower()
    if headers.get(b"transfer-encoding") == b"chunked":
        body = _unchunk(body)
    return int(words[1]), body


def _unchunk(body):
    out = []
    while body:
        size_line, _crlf, rest = body.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out.append(rest[:size])
        body = rest[size + 2 :]
    return b"".join(out)


def get_json(docker_host, path, timeout=5.0, connect=_connect):
    """{'status', 'data'} of GET `path`, or {'reason', 'missing', 'denied'} when the engine cannot be asked.

    missing: the socket does not exist (no engine runs there); denied: this user may not use it.
    """
    where = socket_path(docker_host)
    if not where:
        return {"reason": "only a unix:// socket can be asked, not %r" % docker_host, "missing": False, "denied": False}
    try:
        sock = connect(where, timeout)
        try:
            sock.sendall(("GET %s%s HTTP/1.0\r\nHost: engine\r\n\r\n" % (API_PREFIX, path)).encode("ascii"))
            status, body = parse_response(_read_response(sock))
        finally:
            sock.close()
        data = json.loads(body.decode("utf-8")) if body.strip() else None
    except (FileNotFoundError, ConnectionRefusedError) as exc:
        reason = "no engine answers on %s: %s" % (where, exc.strerror or exc)
        return {"reason": reason, "missing": True, "denied": False}
    except PermissionError as exc:
        return {"reason": "%s: %s" % (where, exc.strerror or exc), "missing": False, "denied": True}
    except (OSError, ValueError) as exc:  # timeouts, resets, garbage (json's errors are ValueErrors)
        return {"reason": "GET %s on %s failed: %s" % (path, where, exc), "missing": False, "denied": False}
    return {"status": status, "data": data}


def engine_name(version):
    """'podman' or 'docker' from a /version answer (Podman lists a 'Podman Engine' component)."""
    components = (version or {}).get("Components") if isinstance(version, dict) else None
    for component in components or []:
        if isinstance(component, dict) and "podman" in str(component.get("Name", "")).lower():
            return "podman"
    return "docker"


def container_summary(inspect):
    """{id, ips} from /containers/NAME/json (the role's container as the engine names it)."""
    networks = ((inspect or {}).get("NetworkSettings") or {}).get("Networks") or {}
    ips = [n.get("IPAddress") for n in networks.values() if isinstance(n, dict) and n.get("IPAddress")]
    return {"id": (inspect or {}).get("Id"), "ips": ips}


def publishers(containers, port):
    """[{name, id, address}] of the running containers that publish host port `port` over TCP (/containers/json)."""
    found = []
    for container in containers or []:
        if not isinstance(container, dict):
            continue
        names = [str(n).lstrip("/") for n in container.get("Names") or []]
        for binding in container.get("Ports") or []:
            if not isinstance(binding, dict) or binding.get("PublicPort") != port:
                continue
            if str(binding.get("Type") or "tcp").lower() != "tcp":
                continue
            found.append(
                {
                    "name": names[0] if names else None,
                    "id": container.get("Id"),
                    "address": binding.get("IP") or "0.0.0.0",
                }
            )
    return found


def inspect_container(docker_host, name, timeout=5.0, get=get_json):
    """The role's container: {id, ips, name, exists}; {id: None, exists: False} when none; {reason} otherwise."""
    answer = get(docker_host, "/containers/%s/json" % name, timeout)
    if "reason" in answer:
        if answer.get("missing"):  # no engine: no container of ours either
            return {"id": None, "name": name, "exists": False, "engine": None}
        reason = "the engine cannot be asked about %r: %s" % (name, answer["reason"])
        return {"id": None, "name": name, "reason": reason}
    if answer["status"] == 404:
        return {"id": None, "name": name, "exists": False}
    summary = container_summary(answer["data"]) if answer["status"] == 200 else {}
    if not summary.get("id"):
        return {"id": None, "name": name, "reason": "the engine answered %s for %r" % (answer["status"], name)}
    summary.update(name=name, exists=True)
    return summary


def published(docker_host, port, timeout=5.0, get=get_json):
    """{'containers': publishers(...)} of the running containers, or {'reason'} when the engine cannot be asked.

    No socket at all is no engine, so nothing is published: an empty list, said so in 'note'.
    """
    answer = get(docker_host, "/containers/json", timeout)
    if "reason" in answer:
        if answer.get("missing"):
            return {"containers": [], "note": answer["reason"]}
        return {"reason": answer["reason"], "denied": bool(answer.get("denied"))}
    if answer["status"] != 200 or not isinstance(answer["data"], list):
        return {"reason": "the engine answered %s to GET /containers/json" % answer["status"], "denied": False}
    return {"containers": publishers(answer["data"], port)}
