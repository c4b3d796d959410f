#!/usr/bin/env python
"""Simulated eFormidling endpoints on loopback, for molecule scenarios and benchmarks.

    simulated_endpoints.py start --state-dir DIR [--environment production] [--services DPO DPV ...]
                                 [--version 4.0.8] [--phase runtime install] [--skew SECONDS]
                                 [--ports ephemeral|catalogue] [--first-ip 127.0.0.10]
                                 [--time-service [--client-socket PATH] [--client-cmdport 323]]
                                 [--blackhole NAME ...]
    simulated_endpoints.py stop --state-dir DIR

`start` selects the endpoints of the catalogue (plugins/plugin_utils/catalogue.py) for the environment,
services, version and phases, and starts one real server per endpoint, each on its own 127.0.0.x address:

* https, tls, amqps: a TLS server (tests/integration/probe_server.py, HTTP behind TLS) with a certificate from a
  throwaway test CA made here (SAN = the loopback IP and the real host name);
* http, tcp: the same server without TLS;
* udp-ntp: a chronyd NTP server (`-x`, `local stratum 8`) on 127.0.0.1, under `faketime -f +Ns` with --skew.

With --time-service it also starts the host's own time service: a chronyd client (`-x`) of that NTP server
whose command socket answers chronyc's defaults (unix socket --client-socket and UDP 127.0.0.1:--client-cmdport),
and waits until chrony calls it synchronised.

--blackhole NAME adds an nftables (or iptables) DROP rule for that endpoint's address. It refuses to run unless
the current network namespace is a private one (only `lo`), so it can never touch the real machine's firewall.

Everything lives in DIR: the plan, the CA and certificates, chrony configurations, pid/drift files and sockets,
logs, `vars.yml` (preflight_endpoint_overrides/preflight_ca_file/preflight_ntp_servers for the role) and
`endpoints.json` (what runs where). Every process is tracked in DIR/pids; `stop` terminates them all. Start and
stop in the same PID namespace (for a namespace host: both through nsenter); stop refuses to signal processes of
another PID namespace. Nothing is ever sent beyond 127.0.0.0/8.
"""

import argparse
import contextlib
import datetime
import ipaddress
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, ".build", "collections"))
sys.path.insert(0, REPO)

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import catalogue
from tests.integration import probe_server
from tests.integration.chrony_fixtures import CHRONYD, FAKETIME, chronyc, free_udp_port

TLS_PROTOCOLS = ("https", "tls", "amqps")
PLAIN_PROTOCOLS = ("http", "tcp")
NFT_TABLE = "efm_simulated"


class SimError(RuntimeError):
    pass


# ------------------------------------------------------------------------------------------ helpers


def _write(path, text, mode=0o644):
    tmp = path + ".tmp"
    with open(tmp, "w") as fh:
        fh.write(text)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def _read_json(path, default=None):
    try:
        with open(path) as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return default


def _starttime(pid):
    """Field 22 of /proc/PID/stat (start time in clock ticks), or None when the process is gone."""
    try:
        with open("/proc/%d/stat" % pid) as fh:
            return fh.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _ns_inode(kind):
    return os.stat("/proc/self/ns/%s" % kind).st_ino


def _private_netns():
    """True when this network namespace has no interface but lo (a test namespace, not the real machine)."""
    with open("/proc/self/net/dev") as fh:
        names = [line.split(":", 1)[0].strip() for line in fh.readlines()[2:]]
    return names == ["lo"]


def track(state_dir, label, pid):
    """Remember a process in DIR/pids/LABEL.json so that `stop` can end it (and only it)."""
    os.makedirs(os.path.join(state_dir, "pids"), exist_ok=True)
    _write(
        os.path.join(state_dir, "pids", label + ".json"),
        json.dumps({"pid": pid, "starttime": _starttime(pid), "pidns": _ns_inode("pid")}),
    )


def _spawn(state_dir, label, argv, env=None):
    log = open(os.path.join(state_dir, "logs", label + ".log"), "w")  # noqa: SIM115 -- handed to the child
    proc = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        close_fds=True,
        env=env,
    )
    log.close()
    track(state_dir, label, proc.pid)
    return proc


def _log_tail(state_dir, label, lines=20):
    try:
        with open(os.path.join(state_dir, "logs", label + ".log")) as fh:
            return "".join(fh.readlines()[-lines:])
    except OSError:
        return ""


# ------------------------------------------------------------------------------------------ certificates


def make_pki(state_dir, endpoints):
    """A throwaway CA (DIR/ca.pem) and one leaf certificate per TLS endpoint (SAN: the IP and the host name)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "eformidling preflight test CA (throwaway)")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=90))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    certs_dir = os.path.join(state_dir, "certs")
    os.makedirs(certs_dir, mode=0o700, exist_ok=True)
    _write(os.path.join(state_dir, "ca.pem"), ca.public_bytes(serialization.Encoding.PEM).decode())
    for ep in endpoints:
        if ep["protocol"] not in TLS_PROTOCOLS:
            continue
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ep["host"])]))
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=60))
            .add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ep["ip"])), x509.DNSName(ep["host"])]),
                critical=False,
            )
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                critical=False,
            )
            .sign(ca_key, hashes.SHA256())
        )
        ep["cert"] = os.path.join(certs_dir, ep["name"] + ".pem")
        ep["key"] = os.path.join(certs_dir, ep["name"] + ".key")
        _write(ep["cert"], cert.public_bytes(serialization.Encoding.PEM).decode())
        _write(
            ep["key"],
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ).decode(),
            mode=0o600,
        )


# ------------------------------------------------------------------------------------------ servers


def serve(state_dir):
    """The server process: every TCP/TLS endpoint of the plan, one thread each. Writes DIR/bound.json."""
    plan = _read_json(os.path.join(state_dir, "plan.json"))
    servers, bound = [], {}
    for ep in plan["endpoints"]:
        if ep["kind"] == "ntp":
            continue
        server = probe_server.Server((ep["ip"], ep["bind_port"]), probe_server.Handler)
        if ep["kind"] == "tls":
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(ep["cert"], ep["key"])
            server.context = ctx
        servers.append(server)
        bound[ep["name"]] = server.server_address[1]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    _write(os.path.join(state_dir, "bound.json"), json.dumps(bound))
    print("READY", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    for server in servers:
        server.shutdown()
        server.server_close()


def _wait_listening(endpoints, timeout=15):
    deadline = time.monotonic() + timeout
    for ep in endpoints:
        while True:
            try:
                with socket.create_connection((ep["ip"], ep["port"]), timeout=1):
                    break
            except OSError as exc:
                if time.monotonic() > deadline:
                    raise SimError("%s did not listen on %s:%s: %s" % (ep["name"], ep["ip"], ep["port"], exc)) from exc
                time.sleep(0.05)


# ------------------------------------------------------------------------------------------ chrony


def _chronyd(state_dir, label, conf_lines, faketime_offset=None):
    home = os.path.join(state_dir, label)
    os.makedirs(home, exist_ok=True)
    os.chmod(home, 0o700)
    pidfile = os.path.join(home, "chronyd.pid")
    lines = [
        "pidfile %s" % pidfile,
        "driftfile %s" % os.path.join(home, "chrony.drift"),
        *conf_lines,
    ]
    conf = os.path.join(home, "chrony.conf")
    _write(conf, "\n".join(lines) + "\n")
    argv = [CHRONYD, "-x", "-d", "-u", "root", "-f", conf]
    if faketime_offset:
        if not FAKETIME:
            raise SimError("faketime is not installed (Makefile system-deps installs it)")
        argv = [FAKETIME, "-f", faketime_offset, *argv]
    proc = _spawn(state_dir, label, argv)
    return proc, pidfile


def _wait_chrony_socket(state_dir, label, proc, sock, pidfile, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SimError("%s exited with %s:\n%s" % (label, proc.returncode, _log_tail(state_dir, label)))
        if os.path.exists(sock) and chronyc(sock, "tracking")[0] == 0:
            # Under faketime the tracked pid is faketime's; chronyd writes its own pid too.
            try:
                with open(pidfile) as fh:
                    track(state_dir, label + "-daemon", int(fh.read().strip()))
            except (OSError, ValueError):
                pass
            return
        time.sleep(0.05)
    raise SimError("%s did not answer on %s within %ss:\n%s" % (label, sock, timeout, _log_tail(state_dir, label)))


def start_ntp_server(state_dir, port, skew):
    sock = os.path.join(state_dir, "chrony-server", "chronyd.sock")
    offset = None
    if skew:
        offset = "%+ds" % skew if float(skew).is_integer() else "%+fs" % skew
    proc, pidfile = _chronyd(
        state_dir,
        "chrony-server",
        [
            "port %d" % port,
            "bindaddress 127.0.0.1",
            "allow 127.0.0.1",
            "local stratum 8",
            "cmdport 0",
            "bindcmdaddress %s" % sock,
        ],
        faketime_offset=offset,
    )
    _wait_chrony_socket(state_dir, "chrony-server", proc, sock, pidfile)
    return sock


def _udp_free(host, port):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def client_synced(sock):
    rc, out, _err = chronyc(sock, "tracking")
    if rc != 0 or not out.strip():
        return False
    refid = out.split(",")[0]
    rc, out, _err = chronyc(sock, "sources")
    selected = [
        row
        for row in (line.split(",") for line in out.splitlines())
        if len(row) >= 6 and row[1] == "*" and int(row[5], 8) > 0
    ]
    return refid not in ("00000000", "7F7F0101") and bool(selected)


def start_time_service(state_dir, ntp_port, socket_path, cmdport, timeout=30):
    """The host's own chronyd (-x), following the simulated NTP server, reachable with chronyc's defaults."""
    if cmdport and not _udp_free("127.0.0.1", cmdport):
        raise SimError(
            "UDP 127.0.0.1:%d is taken: another chronyd answers chronyc's default address here. "
            "Stop it (the packaged chrony must be disabled on test machines) or run in a namespace." % cmdport
        )
    sock_dir = os.path.dirname(socket_path)
    os.makedirs(sock_dir, mode=0o750, exist_ok=True)
    os.chmod(sock_dir, 0o750)
    lines = [
        "server 127.0.0.1 port %d iburst minpoll 0 maxpoll 2" % ntp_port,
        "port 0",
        "bindcmdaddress %s" % socket_path,
    ]
    if cmdport:
        lines += ["cmdport %d" % cmdport, "bindcmdaddress 127.0.0.1"]
    else:
        lines.append("cmdport 0")
    proc, pidfile = _chronyd(state_dir, "chrony-client", lines)
    _wait_chrony_socket(state_dir, "chrony-client", proc, socket_path, pidfile)
    deadline = time.monotonic() + timeout
    while not client_synced(socket_path):
        if proc.poll() is not None:
            raise SimError("chrony-client died:\n%s" % _log_tail(state_dir, "chrony-client"))
        if time.monotonic() > deadline:
            raise SimError(
                "the time service did not synchronise within %ss: %s"
                % (timeout, chronyc(socket_path, "sources")[1].strip())
            )
        time.sleep(0.25)


# ------------------------------------------------------------------------------------------ firewall


def apply_blackholes(state_dir, endpoints):
    targets = [ep for ep in endpoints if ep.get("blackhole")]
    if not targets:
        return None
    if not _private_netns():
        raise SimError("--blackhole needs a private network namespace (only lo); refusing to touch this firewall")
    nft = shutil.which("nft", path="/usr/sbin:/sbin:/usr/bin:/bin")
    ipt = shutil.which("iptables", path="/usr/sbin:/sbin:/usr/bin:/bin")
    if nft:
        rules = ["table inet %s {" % NFT_TABLE, "  chain output {", "    type filter hook output priority 0;"]
        rules += ["    ip daddr %s drop" % ep["ip"] for ep in targets]
        rules += ["  }", "}"]
        subprocess.run([nft, "-f", "-"], input="\n".join(rules) + "\n", text=True, check=True)
        tool = "nft"
    elif ipt:
        for ep in targets:
            subprocess.run([ipt, "-A", "OUTPUT", "-d", ep["ip"], "-j", "DROP"], check=True)
        tool = "iptables"
    else:
        raise SimError("neither nft nor iptables is installed (Makefile system-deps installs nftables)")
    record = {"tool": tool, "netns": _ns_inode("net"), "ips": [ep["ip"] for ep in targets]}
    _write(os.path.join(state_dir, "firewall.json"), json.dumps(record))
    return record


def remove_blackholes(state_dir):
    record = _read_json(os.path.join(state_dir, "firewall.json"))
    if not record:
        return
    if record["netns"] != _ns_inode("net"):
        print("firewall rules live in another network namespace; left to it", file=sys.stderr)
        return
    if record["tool"] == "nft":
        subprocess.run(["nft", "delete", "table", "inet", NFT_TABLE], check=False, capture_output=True)
    else:
        for ip in record["ips"]:
            subprocess.run(["iptables", "-D", "OUTPUT", "-d", ip, "-j", "DROP"], check=False, capture_output=True)
    os.unlink(os.path.join(state_dir, "firewall.json"))


# ------------------------------------------------------------------------------------------ start/stop


def plan_endpoints(args):
    entries = catalogue.load()
    phases = args.phase or ["runtime", "install"]
    selected = []
    for phase in phases:
        selected += catalogue.endpoints_for(
            entries,
            environment=args.environment,
            services=args.services,
            version=args.version,
            phase=phase,
            run_mode=args.run_mode,
        )
    unknown = sorted(set(args.blackhole or []) - {e["name"] for e in selected})
    if unknown:
        raise SimError("--blackhole %s: not among the selected endpoints" % ", ".join(unknown))
    ip = ipaddress.ip_address(args.first_ip)
    ntp_port = 123 if args.ports == "catalogue" else free_udp_port("127.0.0.1")
    out = []
    for entry in selected:
        ep = {
            "name": entry["name"],
            "host": entry["host"],
            "protocol": entry["protocol"],
            "phase": entry.get("phase", "runtime"),
            "catalogue_port": entry["port"],
            "blackhole": entry["name"] in (args.blackhole or []),
        }
        if entry["protocol"] == "udp-ntp":
            ep.update(kind="ntp", ip="127.0.0.1", port=ntp_port)
        else:
            if ip not in ipaddress.ip_network("127.0.0.0/8") or ip == ipaddress.ip_address("127.0.0.1"):
                raise SimError("--first-ip must be a 127.0.0.0/8 address other than 127.0.0.1")
            ep.update(
                kind="tls" if entry["protocol"] in TLS_PROTOCOLS else "plain",
                ip=str(ip),
                bind_port=entry["port"] if args.ports == "catalogue" else 0,
            )
            ip += 1
        out.append(ep)
    return out


def write_vars(state_dir, endpoints):
    ntp = [ep for ep in endpoints if ep["kind"] == "ntp"]
    replace = [{"name": ep["name"], "host": ep["ip"], "ips": [ep["ip"]], "port": ep["port"]} for ep in endpoints]
    lines = ["---", "# Written by tests/helpers/simulated_endpoints.py: every endpoint points at its loopback server."]
    lines.append("preflight_endpoint_overrides:")
    lines.append("  replace:")
    for item in replace:
        lines.append("    - " + json.dumps(item))
    lines.append("preflight_ca_file: %s" % json.dumps(os.path.join(state_dir, "ca.pem")))
    servers = sorted({"%s:%d" % (ep["ip"], ep["port"]) for ep in ntp})
    lines.append("preflight_ntp_servers: %s" % json.dumps(servers))
    if ntp:  # the integrasjonspunkt's own NTP host is the simulated one: nothing is sent elsewhere
        lines.append("integrasjonspunkt_ntp_host: %s" % json.dumps(ntp[0]["ip"]))
        lines.append("preflight_ntp_port: %d" % ntp[0]["port"])
    _write(os.path.join(state_dir, "vars.yml"), "\n".join(lines) + "\n")


def start(args):
    state_dir = os.path.abspath(args.state_dir)
    if os.path.exists(os.path.join(state_dir, "pids")):
        stop(argparse.Namespace(state_dir=state_dir, quiet=True))
    os.makedirs(os.path.join(state_dir, "logs"), exist_ok=True)
    os.chmod(state_dir, 0o755)
    if not CHRONYD:
        raise SimError("chronyd is not installed (Makefile system-deps installs chrony)")
    endpoints = plan_endpoints(args)
    make_pki(state_dir, endpoints)
    _write(os.path.join(state_dir, "plan.json"), json.dumps({"endpoints": endpoints}, indent=2))
    with contextlib.suppress(FileNotFoundError):
        os.unlink(os.path.join(state_dir, "bound.json"))
    tcp = [ep for ep in endpoints if ep["kind"] != "ntp"]
    if tcp:
        proc = _spawn(
            state_dir, "servers", [sys.executable, os.path.abspath(__file__), "serve", "--state-dir", state_dir]
        )
        deadline = time.monotonic() + 20
        while not os.path.exists(os.path.join(state_dir, "bound.json")):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SimError("the server process did not start:\n%s" % _log_tail(state_dir, "servers"))
            time.sleep(0.05)
        bound = _read_json(os.path.join(state_dir, "bound.json"))
        for ep in tcp:
            ep["port"] = bound[ep["name"]]
        _wait_listening(tcp)
    ntp = [ep for ep in endpoints if ep["kind"] == "ntp"]
    if ntp:
        start_ntp_server(state_dir, ntp[0]["port"], args.skew)
    if args.time_service:
        if not ntp:
            raise SimError("--time-service needs an udp-ntp endpoint in the selection")
        start_time_service(
            state_dir,
            ntp[0]["port"],
            args.client_socket or os.path.join(state_dir, "chrony-client", "chronyd.sock"),
            args.client_cmdport,
        )
    firewall = apply_blackholes(state_dir, endpoints)
    _write(
        os.path.join(state_dir, "endpoints.json"),
        json.dumps(
            {
                "environment": args.environment,
                "services": args.services,
                "version": args.version,
                "skew": args.skew,
                "time_service": bool(args.time_service),
                "firewall": firewall,
                "endpoints": endpoints,
            },
            indent=2,
        ),
    )
    write_vars(state_dir, endpoints)
    print(
        "started %d endpoint(s) in %s: %s"
        % (len(endpoints), state_dir, ", ".join("%s=%s:%s" % (e["name"], e["ip"], e["port"]) for e in endpoints))
    )


def _signal_tracked(items, sig):
    for pid, _info in items:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def stop(args):
    state_dir = os.path.abspath(args.state_dir)
    pids_dir = os.path.join(state_dir, "pids")
    remove_blackholes(state_dir)
    if not os.path.isdir(pids_dir):
        return
    mine = _ns_inode("pid")
    alive = []
    for fname in sorted(os.listdir(pids_dir)):
        info = _read_json(os.path.join(pids_dir, fname))
        if not info:
            os.unlink(os.path.join(pids_dir, fname))
            continue
        if info.get("pidns") != mine:
            print("%s: started in another PID namespace; not signalled from here" % fname, file=sys.stderr)
            continue
        if info.get("starttime") and _starttime(info["pid"]) == info["starttime"]:
            alive.append((info["pid"], fname))
        else:
            os.unlink(os.path.join(pids_dir, fname))
    # The daemons first: a faketime wrapper then exits by itself and removes its semaphore and shared memory.
    _signal_tracked([a for a in alive if a[1].endswith("-daemon.json")], signal.SIGTERM)
    deadline = time.monotonic() + 3
    while any(f.endswith("-daemon.json") for _p, f in alive) and time.monotonic() < deadline:
        alive = [(pid, f) for pid, f in alive if _starttime(pid) is not None and not _zombie(pid)]
        time.sleep(0.05)
    _signal_tracked(alive, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while alive and time.monotonic() < deadline:
        alive = [(pid, f) for pid, f in alive if _starttime(pid) is not None and not _zombie(pid)]
        time.sleep(0.05)
    _signal_tracked(alive, signal.SIGKILL)
    for fname in os.listdir(pids_dir):
        info = _read_json(os.path.join(pids_dir, fname)) or {}
        if info.get("pidns") in (None, mine):
            os.unlink(os.path.join(pids_dir, fname))
    if not getattr(args, "quiet", False):
        print("stopped everything tracked in %s" % state_dir)


def _zombie(pid):
    try:
        with open("/proc/%d/stat" % pid) as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("start", help="start the servers, write DIR/vars.yml")
    p.add_argument("--state-dir", required=True)
    p.add_argument("--environment", default="production")
    p.add_argument("--services", nargs="*", default=[], help="enabled message services (default: none extra)")
    p.add_argument("--version", default="4.0.8")
    p.add_argument("--phase", nargs="*", choices=catalogue.PHASES, help="default: runtime and install")
    p.add_argument("--run-mode", choices=catalogue.RUN_MODES, default="java", help="the install method (default java)")
    p.add_argument("--skew", type=float, default=0, help="the NTP server's clock, seconds ahead (faketime)")
    p.add_argument(
        "--ports",
        choices=("ephemeral", "catalogue"),
        default="ephemeral",
        help="ephemeral ports (safe on a shared machine) or the catalogue's own ports (in a private namespace)",
    )
    p.add_argument("--first-ip", default="127.0.0.10", help="first loopback address for the TCP/TLS servers")
    p.add_argument("--time-service", action="store_true", help="also start the host's chronyd client")
    p.add_argument("--client-socket", help="its unix command socket (default DIR/chrony-client/chronyd.sock)")
    p.add_argument("--client-cmdport", type=int, default=323, help="its UDP command port on 127.0.0.1 (0: none)")
    p.add_argument("--blackhole", action="append", metavar="NAME", help="DROP traffic to this endpoint")
    p = sub.add_parser("stop", help="stop every process tracked in DIR")
    p.add_argument("--state-dir", required=True)
    p = sub.add_parser("serve", help=argparse.SUPPRESS)
    p.add_argument("--state-dir", required=True)
    args = parser.parse_args(argv)
    try:
        if args.command == "start":
            try:
                start(args)
            except BaseException:
                stop(argparse.Namespace(state_dir=args.state_dir, quiet=True))
                raise
        elif args.command == "stop":
            stop(args)
        else:
            serve(os.path.abspath(args.state_dir))
    except (SimError, catalogue.CatalogueError, subprocess.CalledProcessError) as exc:
        print("simulated_endpoints: %s" % exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
