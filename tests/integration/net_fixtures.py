"""Real network fixtures for connectivity tests: a test CA, a network namespace, servers and tinyproxy inside it.

Everything listens on 127.0.0.0/8 or ::1 inside a namespace created for the test (`eftest-conn-<pid>`):
no traffic ever leaves the machine, and no real DNS server is ever asked (the namespace's resolv.conf names
127.0.0.1, where nothing answers). Missing tools fail loudly, never skip.
"""

import contextlib
import datetime
import ipaddress
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "probe_server.py")


def free_tcp_port(host="127.0.0.1"):
    """A TCP port that was free a moment ago on `host`."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def need(tool):
    path = shutil.which(tool, path="/usr/sbin:/usr/bin:/sbin:/bin")
    if not path:
        raise RuntimeError("%s is not installed (Makefile system-deps installs it)" % tool)
    return path


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _write_pair(directory, stem, cert, key):
    cert_path = os.path.join(directory, stem + ".crt")
    key_path = os.path.join(directory, stem + ".key")
    with open(cert_path, "wb") as fh:
        fh.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as fh:
        fh.write(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    return cert_path, key_path


class CertAuthority:
    """A throw-away CA; issue() writes leaf certificates signed by it."""

    def __init__(self, directory):
        self.dir = directory
        self.key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.timezone.utc)
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(_name("eftest CA"))
            .issuer_name(_name("eftest CA"))
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            # Key identifiers, as every real CA sets them: Python 3.13's default context verifies with
            # VERIFY_X509_STRICT and refuses a chain without them ("Missing Subject Key Identifier").
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        self.ca_file, _ca_key_file = _write_pair(directory, "ca", self.cert, self.key)

    def issue(self, stem, names, ips=(), days=(-1, 90), self_signed=False):
        """Leaf for `names` (SAN DNS) and `ips` (SAN IP), valid from now+days[0] to now+days[1]."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.timezone.utc)
        sans = [x509.DNSName(n) for n in names] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
        issuer_name, signer = (_name(names[0]), key) if self_signed else (self.cert.subject, self.key)
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(names[0]))
            .issuer_name(issuer_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now + datetime.timedelta(days=days[0]))
            .not_valid_after(now + datetime.timedelta(days=days[1]))
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()), critical=False)
            .sign(signer, hashes.SHA256())
        )
        return _write_pair(self.dir, stem, cert, key)


class NetNS:
    """A network namespace with lo up, its own /etc/hosts and a resolver that never answers."""

    def __init__(self, hosts):
        need("ip")
        self.name = "eftest-conn-%d" % os.getpid()
        self.etc = os.path.join("/etc/netns", self.name)
        self.procs = []
        self.tmp = tempfile.mkdtemp(prefix="eftest-conn-")
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True, check=False)
        subprocess.run(["ip", "netns", "add", self.name], check=True)
        subprocess.run(["ip", "-n", self.name, "link", "set", "lo", "up"], check=True)
        os.makedirs(self.etc, exist_ok=True)
        with open(os.path.join(self.etc, "hosts"), "w") as fh:
            fh.write("127.0.0.1 localhost\n::1 localhost ip6-localhost\n")
            for name, addrs in hosts.items():
                for addr in addrs:
                    fh.write("%s %s\n" % (addr, name))
        with open(os.path.join(self.etc, "resolv.conf"), "w") as fh:
            # Nothing listens on 127.0.0.1:53 inside the namespace: every lookup fails at once, offline.
            fh.write("nameserver 127.0.0.1\noptions timeout:1 attempts:1\n")

    @property
    def prefix(self):
        return ["ip", "netns", "exec", self.name]

    def run(self, argv, **kwargs):
        return subprocess.run(self.prefix + list(argv), capture_output=True, text=True, check=False, **kwargs)

    def start(self, argv, ready=None, timeout=15):
        """Start a process in the namespace; wait for a line containing `ready` on its stdout, if given."""
        proc = subprocess.Popen(self.prefix + list(argv), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.procs.append(proc)
        if ready:
            deadline = time.time() + timeout
            while time.time() < deadline:
                line = proc.stdout.readline()
                if ready in line:
                    return proc
                if not line and proc.poll() is not None:
                    break
            raise RuntimeError("%s did not become ready (rc=%s)" % (argv, proc.poll()))
        return proc

    def wait_port(self, address, port, timeout=15):
        code = (
            "import socket,sys,time\n"
            "d=time.time()+%d\n"
            "while time.time()<d:\n"
            "  s=socket.socket(); s.settimeout(1)\n"
            "  try: s.connect((%r,%d)); sys.exit(0)\n"
            "  except OSError: time.sleep(0.1)\n"
            "  finally: s.close()\n"
            "sys.exit(1)\n" % (timeout, address, port)
        )
        if self.run([sys.executable, "-c", code]).returncode != 0:
            raise RuntimeError("nothing listens on %s:%s in %s" % (address, port, self.name))

    def serve(self, bind, port, cert=None, key=None, only=None):
        """probe_server.py on bind:port (TLS with cert and key); with `only`, other paths answer 404."""
        argv = [sys.executable, SERVER] + (["--only", ",".join(only)] if only else []) + [bind, str(port)]
        argv += [cert, key] if cert else []
        return self.start(argv, ready="READY")

    def drop(self, addresses, port):
        """Blackhole TCP to address:port with an nftables DROP rule inside this namespace only."""
        need("nft")
        rules = (
            "table inet eftest {\n chain input {\n  type filter hook input priority 0; policy accept;\n"
            + "".join("  ip daddr %s tcp dport %d drop\n" % (a, port) for a in addresses)
            + " }\n}\n"
        )
        path = os.path.join(self.tmp, "drop.nft")
        with open(path, "w") as fh:
            fh.write(rules)
        result = self.run(["nft", "-f", path])
        if result.returncode != 0:
            raise RuntimeError("nft failed: %s" % result.stderr)

    def tinyproxy(self, port, connect_ports, basic_auth=None):
        """tinyproxy on 127.0.0.1:port in the namespace, CONNECT allowed only to `connect_ports`."""
        binary = need("tinyproxy")
        directory = tempfile.mkdtemp(prefix="tinyproxy-", dir=self.tmp)
        os.chmod(self.tmp, 0o755)
        os.chmod(directory, 0o777)
        conf = os.path.join(directory, "tinyproxy.conf")
        lines = [
            "User nobody",
            "Group nogroup",
            "Port %d" % port,
            "Listen 127.0.0.1",
            "Timeout 30",
            "MaxClients 50",
            "Allow 127.0.0.1",
            "LogLevel Info",
            'LogFile "%s/tinyproxy.log"' % directory,
            'PidFile "%s/tinyproxy.pid"' % directory,
            "DisableViaHeader Yes",
        ] + ["ConnectPort %d" % p for p in connect_ports]
        if basic_auth:
            lines.append("BasicAuth %s %s" % basic_auth)
        with open(conf, "w") as fh:
            fh.write("\n".join(lines) + "\n")
        self.start([binary, "-d", "-c", conf])
        self.wait_port("127.0.0.1", port)
        return "http://127.0.0.1:%d" % port

    def close(self):
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            if proc.stdout:
                proc.stdout.close()
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True, check=False)
        shutil.rmtree(self.etc, ignore_errors=True)
        shutil.rmtree(self.tmp, ignore_errors=True)


class Loopback(NetNS):
    """The same servers and tinyproxy as NetNS, but in this process's own namespace, on 127.0.0.1 only.

    For tests that call netprobe in-process (to inject faults with monkeypatch): no namespace, no
    /etc/hosts entries (use IP literals), ports picked free.
    """

    def __init__(self):  # pylint: disable=super-init-not-called
        self.name = None
        self.procs = []
        self.tmp = tempfile.mkdtemp(prefix="eftest-loop-")

    @property
    def prefix(self):
        return []

    def close(self):
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            if proc.stdout:
                proc.stdout.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


class _Holder:
    """A loopback TCP listener on a thread; `handle(conn)` runs per connection on its own thread."""

    def __init__(self, host="127.0.0.1"):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.stopped = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopped.is_set():
            try:
                conn, _peer = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            threading.Thread(target=self._guarded, args=(conn,), daemon=True).start()

    def _guarded(self, conn):
        with contextlib.suppress(OSError):  # the client went away: nothing to serve
            self.handle(conn)

    def handle(self, conn):
        """Hold the connection open, read and drop whatever comes, never answer."""
        while not self.stopped.is_set() and conn.recv(4096):
            pass

    def close(self):
        self.stopped.set()
        self.sock.close()
        for conn in self.conns:
            conn.close()


class StallServer(_Holder):
    """Accepts TCP connections and then stalls: a TLS handshake or HTTP request never gets an answer."""


class SlowProxy(_Holder):
    """A CONNECT proxy that is slow but answers: it reads the CONNECT request, waits `delay` seconds,
    answers 200, and then the tunnel stalls (it carries nothing)."""

    def __init__(self, delay, host="127.0.0.1"):
        self.delay = delay
        self.requests = 0
        super().__init__(host)

    def handle(self, conn):
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(1024)
            if not chunk:
                return
            data += chunk
        self.requests += 1
        if self.stopped.wait(self.delay):
            return
        conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        super().handle(conn)

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port
