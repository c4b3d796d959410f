# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Who listens on a TCP port: pure parsers for /proc/net/tcp{,6} and a socket-inode owner lookup.

No root is needed to see that a port is taken; naming the process that holds it needs
root unless the process is our own user's (the /proc/<pid>/fd links are private).
"""

import json
import os
import socket
import struct

from ansible.module_utils.urls import open_url

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


def listeners_on(port, proc_root="/proc"):
    found = []
    for name in ("tcp", "tcp6"):
        try:
            with open(os.path.join(proc_root, "net", name)) as fh:
                text = fh.read()
        except OSError:
            continue
        found.extend(s for s in parse_proc_net_tcp(text) if s["port"] == port)
    return found


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


def looks_like_integrasjonspunkt(cmdline):
    return bool(cmdline) and "integrasjonspunkt" in cmdline.lower()


def ask_actuator(port, timeout):
    """Try http then https on loopback; a JSON body with a `status` key is a Spring Boot actuator."""
    for scheme in ("http", "https"):
        url = "%s://127.0.0.1:%d/manage/health" % (scheme, port)
        try:
            resp = open_url(url, timeout=timeout, validate_certs=False, use_proxy=False)
            body = resp.read(65536)
        except Exception as exc:
            body = getattr(exc, "read", lambda: b"")() if hasattr(exc, "code") else b""
            if not body:
                continue
        try:
            doc = json.loads(body.decode("utf-8", "replace"))
        except ValueError:
            continue
        if isinstance(doc, dict) and "status" in doc:
            return {"answered": True, "scheme": scheme, "status": doc.get("status")}
    return {"answered": False, "scheme": None, "status": None}


def collect(port, identify_timeout=2.0, proc_root="/proc", ask=ask_actuator):
    """Whether `port` is taken, by whom, and whether the holder is the integrasjonspunkt itself."""
    listeners = listeners_on(port, proc_root)
    holders, complete = [], True
    actuator = {"answered": False, "scheme": None, "status": None}
    if listeners:
        owners, complete = socket_owners([s["inode"] for s in listeners], proc_root)
        holders = sorted((h for found in owners.values() for h in found), key=lambda h: h["pid"])
        actuator = ask(port, identify_timeout)
    held = any(looks_like_integrasjonspunkt(h["cmdline"]) for h in holders) or actuator["answered"]
    return {
        "port": port,
        "in_use": bool(listeners),
        "listeners": listeners,
        "holders": holders,
        "holders_complete": complete,
        "actuator": actuator,
        "held_by_integrasjonspunkt": bool(listeners) and held,
    }
