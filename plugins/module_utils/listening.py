# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Who listens on a TCP port: pure parsers for /proc/net/tcp{,6} and a socket-inode owner lookup.

No root is needed to see that a port is taken; naming the process that holds it needs
root unless the process is our own user's (the /proc/<pid>/fd links are private).

The integrasjonspunkt is recognised by the process the install role made, never by what it answers
or by its command line: the socket's owner runs in the cgroup of the role's systemd unit (Java mode)
or of the role's container (Docker mode; its docker-proxy counts when it forwards to that container).
In Docker mode the engine is also asked which containers publish the port (its API, Docker or Podman):
with NAT-only publishing (the userland proxy off) nothing listens on the host at all, and an engine
process (dockerd, conmon, rootlessport) that holds the port for a container is ours only when the
engine says the role's container, and no other, publishes it.
"""

import os
import socket
import struct

TCP_LISTEN = "0A"


def _decode_address(hex_addr):
    """'0100007F:2385' -> ('127.0.0.1', 9093); IPv6 as 32 hex digits in host-order words."""
    host_hex, port_hex = hex_addr.split(":")
    port = int(port_hex, 16)
    raw = bytes.fromhex(host_hex)
    if len(raw) == 4:
        return socket.inet_ntop(socket.AF_INET, struct.pack("<I", struct.unpack(">I", raw)[0])), port
    if len(raw) == 16:
        words = struct.unpack(">4I", raw)
        packed = b"".join(struct.pack("<I", w) for w in words)
        return socket.inet_ntop(socket.AF_INET6, packed), port
    raise ValueError("bad address %r" % hex_addr)


def parse_proc_net_tcp(text):
    """Return the listening sockets of a /proc/net/tcp or tcp6 text as dicts.

    Lines that do not parse are ignored: the kernel's format is stable, and a partial
    answer is better than none.
    """
    sockets = []
    for line in (text or "").splitlines()[1:]:
        fields = line.split()
        if len(fields) < 10 or fields[3] != TCP_LISTEN:
            continue
        try:
            address, port = _decode_address(fields[1])
            sockets.append({"address": address, "port": port, "uid": int(fields[7]), "inode": int(fields[9])})
        except (ValueError, OSError, struct.error):
            continue
    return sockets


# The unit the integrasjonspunkt role installs (roles/integrasjonspunkt/vars/main.yml, __integrasjonspunkt_unit_name).
UNIT = "integrasjonspunkt.service"
BECOME_FIX = (
    "Run preflight with become (root) for this check: only root may see which process holds another user's socket."
)


def listeners_on(port, proc_root="/proc"):
    """(listening sockets on `port`, problem): problem says why the kernel's socket tables could not be read.

    /proc/net/tcp6 is missing when the kernel has no IPv6: that is no problem. Anything else unreadable is.
    """
    found, problems = [], []
    for name in ("tcp", "tcp6"):
        path = os.path.join(proc_root, "net", name)
        try:
            with open(path) as fh:
                text = fh.read()
        except FileNotFoundError:
            if name == "tcp":
                problems.append("%s does not exist" % path)
            continue
        except OSError as exc:
            problems.append("cannot read %s: %s" % (path, exc.strerror or exc))
            continue
        found.extend(s for s in parse_proc_net_tcp(text) if s["port"] == port)
    return found, ("; ".join(problems) or None)


def socket_owners(inodes, proc_root="/proc"):
    """Map socket inodes to the list of {pid, cmdline} holding them (forked children share sockets);
    returns (owners, complete) where complete is False when some /proc/<pid>/fd directories could not
    be read (not root)."""
    wanted = {"socket:[%d]" % i: i for i in inodes}
    owners = {}
    complete = True
    try:
        pids = [p for p in os.listdir(proc_root) if p.isdigit()]
    except OSError:
        return owners, False
    for pid in pids:
        fd_dir = os.path.join(proc_root, pid, "fd")
        try:
            fds = os.listdir(fd_dir)
        except FileNotFoundError:
            continue  # the process ended while we looked
        except OSError:
            complete = False
            continue
        for fd in fds:
            try:
                target = os.readlink(os.path.join(fd_dir, fd))
            except OSError:
                continue
            if target in wanted:
                holders = owners.setdefault(wanted[target], [])
                if all(h["pid"] != int(pid) for h in holders):
                    holders.append({"pid": int(pid), "cmdline": read_cmdline(pid, proc_root)})
    return owners, complete


def read_cmdline(pid, proc_root="/proc"):
    try:
        with open(os.path.join(proc_root, str(pid), "cmdline"), "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
    except OSError:
        return None


def read_cgroup_paths(pid, proc_root="/proc"):
    """The cgroup paths of a process from /proc/<pid>/cgroup (v1 and v2 lines), or None when unreadable."""
    try:
        with open(os.path.join(proc_root, str(pid), "cgroup")) as fh:
            text = fh.read()
    except OSError:
        return None
    paths = []
    for line in text.splitlines():
        parts = line.strip().split(":", 2)
        if len(parts) == 3 and parts[2].startswith("/") and parts[2] not in paths:
            paths.append(parts[2])
    return paths


def in_unit(paths, unit=UNIT):
    """Whether a cgroup path lies in the systemd unit's cgroup (…/integrasjonspunkt.service[/…])."""
    return any(unit in path.split("/") for path in paths or [])


def in_container(paths, container_id):
    """Whether a cgroup path is the container's, or its Podman conmon's.

    Docker: docker-<id>.scope (systemd driver) or …/<id> (cgroupfs). Podman: libpod-<id>.scope or …/libpod-<id>
    for the container, libpod-conmon-<id>.scope or …/conmon for its monitor (which holds published ports).
    """
    if not container_id or len(container_id) < 12:
        return False
    names = (
        container_id,
        "docker-%s.scope" % container_id,
        "libpod-%s.scope" % container_id,
        "libpod-%s" % container_id,
        "libpod-conmon-%s.scope" % container_id,
    )
    return any(segment in names for path in paths or [] for segment in path.split("/"))


def proxied_to(cmdline, container, port):
    """Whether a docker-proxy forwards to the container's IP and `port` (userland proxy of a published port)."""
    words = (cmdline or "").split()
    if not words or os.path.basename(words[0]) != "docker-proxy":
        return False
    args = {}  # the flags come in pairs after the binary: "-container-ip 172.17.0.2 -container-port 9093"
    for i, word in enumerate(words[:-1]):
        args[word] = words[i + 1]
    return args.get("-container-ip") in (container.get("ips") or []) and args.get("-container-port") == str(port)


INSPECT_FORMAT = "{{.Id}} {{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}"


def parse_inspect(text):
    """{'id', 'ips'} from `docker inspect --format INSPECT_FORMAT`: the container's id, then its addresses."""
    words = (text or "").split()
    if not words:
        return None
    return {"id": words[0], "ips": [w for w in words[1:] if w]}


def inspect_container(run, binary, docker_host, name):
    """The role's container as the engine sees it: {id, ips} ({id: None} when there is none), or {reason}."""
    if not binary:
        return {"id": None, "reason": "docker is not on PATH, so the role's container %r cannot be identified" % name}
    argv = [binary] + (["-H", docker_host] if docker_host else [])
    argv += ["inspect", "--type", "container", "--format", INSPECT_FORMAT, name]
    rc, out, err = run(argv)
    found = parse_inspect(out) if rc == 0 else None
    if found:
        found.update(name=name, exists=True)
        return found
    text = ((err or "") + " " + (out or "")).strip()
    if rc != 0 and "no such" in text.lower():
        return {"id": None, "name": name, "exists": False}
    return {
        "id": None,
        "name": name,
        "reason": "`docker inspect %s` exited %s: %s" % (name, rc, text[-300:] or "no output"),
    }


# Engine processes that hold a published host port for a container instead of the container itself:
# dockerd without the userland proxy (libnetwork's "dummy proxy" reserves the port; seen with 20.10),
# rootful Podman (conmon), rootless Podman (rootlessport).
ENGINE_HOLDERS = ("dockerd", "conmon", "rootlessport", "rootlessport-child", "docker-proxy")


def _engine_process(cmdline):
    words = (cmdline or "").split()
    return bool(words) and os.path.basename(words[0]) in ENGINE_HOLDERS


def published_by_ours_only(owner):
    """Whether the engine says the role's container, and no other container, publishes the port."""
    published = owner.get("published") or {}
    name = (owner.get("container") or {}).get("name") or owner.get("container_name")
    found = published.get("containers")
    if "reason" in published or not found:
        return False
    return all(c.get("name") == name for c in found)


def identify(holder, owner, port, proc_root="/proc"):
    """Mark a holder as the role's integrasjonspunkt (ours True), another process (False) or not known (None)."""
    paths = read_cgroup_paths(holder["pid"], proc_root)
    holder["cgroups"] = paths
    if paths is None:
        holder.update(ours=None, why="its /proc/%d/cgroup cannot be read" % holder["pid"])
    elif owner.get("mode") == "docker":
        container = owner.get("container") or {}
        if container.get("reason"):
            holder.update(ours=None, why=container["reason"])
        elif in_container(paths, container.get("id")):
            holder.update(ours=True, why="runs in the role's container %s" % container.get("name"))
        elif proxied_to(holder.get("cmdline"), container, port):
            holder.update(ours=True, why="docker-proxy forwarding to the role's container %s" % container.get("name"))
        elif _engine_process(holder.get("cmdline")) and published_by_ours_only(owner):
            holder.update(
                ours=True,
                why="the engine's %s holds it for the role's container %s, the only one publishing it"
                % (os.path.basename(holder["cmdline"].split()[0]), container.get("name")),
            )
        elif _engine_process(holder.get("cmdline")):
            others = [c.get("name") for c in (owner.get("published") or {}).get("containers") or []]
            holder.update(
                ours=False,
                why="the engine holds it for %s, not only for the role's container %s"
                % (", ".join(str(o) for o in others) or "a container the engine did not name", container.get("name")),
            )
        else:
            holder.update(ours=False, why="not in the role's container %s" % (container.get("name") or ""))
    elif in_unit(paths, owner.get("unit") or UNIT):
        holder.update(ours=True, why="runs in the systemd unit %s" % (owner.get("unit") or UNIT))
    else:
        holder.update(ours=False, why="not in the systemd unit %s" % (owner.get("unit") or UNIT))
    return holder


def owner_for(run_mode, container_name, docker_host, run, which, port=None, api=None):
    """What counts as the integrasjonspunkt: the role's unit (java), or its container (docker, looked up lazily).

    With a unix:// docker_host the engine's API is asked (Docker and Podman alike, no CLI needed), and also
    which containers publish `port`; otherwise the docker CLI inspects the container.
    """
    if run_mode != "docker":
        return {"mode": "java", "unit": UNIT}
    name = container_name or "integrasjonspunkt"
    owner = {"mode": "docker", "container_name": name}
    if api is not None and api.socket_path(docker_host):
        owner["lookup"] = lambda: api.inspect_container(docker_host, name)
        if port is not None:
            owner["publishers"] = lambda: api.published(docker_host, port)
    else:
        owner["lookup"] = lambda: inspect_container(run, which("docker"), docker_host, name)
    return owner


def collect(port, proc_root="/proc", owner=None):
    """Whether `port` is taken, by whom, and whether every holder is the role's integrasjonspunkt.

    owner: {"mode": "java", "unit": ...} (default) or {"mode": "docker", "lookup": callable returning
    inspect_container()'s answer, "publishers": callable returning engine_api.published()'s}; the lookup runs
    only when something listens, the publishers always (NAT-only publishing has no listener).
    """
    owner = dict(owner or {"mode": "java", "unit": UNIT})
    listeners, problem = listeners_on(port, proc_root)
    publishers = owner.pop("publishers", None)
    if publishers is not None:
        try:
            owner["published"] = publishers()
        except Exception as exc:  # our code failed: not known, never "nothing published"
            owner["published"] = {"reason": "asking the engine what publishes port %d failed: %r" % (port, exc)}
    holders, complete = [], True
    if listeners:
        if owner.get("mode") == "docker":
            lookup = owner.pop("lookup", None)
            owner["container"] = lookup() if lookup else {"id": None, "reason": "the container was not looked up"}
        owners, complete = socket_owners([s["inode"] for s in listeners], proc_root)
        for sock in listeners:
            sock["pids"] = sorted(h["pid"] for h in owners.get(sock["inode"], []))
        seen = {}
        for found in owners.values():
            for h in found:
                seen.setdefault(h["pid"], h)
        holders = [identify(seen[pid], owner, port, proc_root) for pid in sorted(seen)]
    owner.pop("lookup", None)
    held = bool(listeners) and all(
        sock["pids"] and all(h["ours"] is True for h in holders if h["pid"] in sock["pids"]) for sock in listeners
    )
    return {
        "port": port,
        "readable": problem is None,
        "reason": problem,
        "in_use": bool(listeners),
        "listeners": listeners,
        "holders": holders,
        "holders_complete": complete,
        "owner": owner,
        "held_by_integrasjonspunkt": held,
    }
