"""Real chronyd NTP servers and clients on loopback, for integration and molecule tests.

Every daemon runs with `-x` (it never touches the system clock), `-d` (foreground, in its own process group,
so `stop()` also ends the chronyd that `faketime` forks), `-u root` (no privilege drop into a temp dir it could
not read), `cmdport 0` and its own command socket, pidfile and driftfile in a private temp dir of mode 0700.
Nothing is ever sent beyond 127.0.0.1.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

CHRONYD = shutil.which("chronyd", path="/usr/sbin:/usr/bin:/sbin:/bin")
CHRONYC = shutil.which("chronyc", path="/usr/bin:/usr/sbin:/bin:/sbin")
FAKETIME = shutil.which("faketime", path="/usr/bin:/usr/local/bin")


def free_udp_port(host="127.0.0.1"):
    """A UDP port that was free a moment ago on `host`."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def chronyc(sock, *command, timeout=10):
    """Run `chronyc -h SOCK -c COMMAND...`; return (rc, stdout, stderr)."""
    if not CHRONYC:
        raise RuntimeError("chronyc is not installed (Makefile system-deps installs chrony)")
    proc = subprocess.run(
        [CHRONYC, "-h", sock, "-c", *command],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={"LC_ALL": "C", "PATH": "/usr/bin:/bin:/usr/sbin:/sbin"},
    )
    return proc.returncode, proc.stdout, proc.stderr


class _Chronyd:
    """One chronyd process with its own directory, configuration, pidfile, driftfile and command socket."""

    role = "chronyd"

    def __init__(self, conf_lines, faketime_offset=None, cmdport=None):
        if not CHRONYD:
            raise RuntimeError("chronyd is not installed (Makefile system-deps installs chrony)")
        if faketime_offset and not FAKETIME:
            raise RuntimeError("faketime is not installed (Makefile system-deps installs faketime)")
        self.dir = tempfile.mkdtemp(prefix="chrony-%s-" % self.role)
        os.chmod(self.dir, 0o700)
        self.socket = os.path.join(self.dir, "chronyd.sock")
        self.conf = os.path.join(self.dir, "chrony.conf")
        self.log = os.path.join(self.dir, "chronyd.log")
        self.cmdport = cmdport
        lines = [
            "cmdport %d" % (cmdport or 0),
            "bindcmdaddress %s" % self.socket,
            "pidfile %s" % os.path.join(self.dir, "chronyd.pid"),
            "driftfile %s" % os.path.join(self.dir, "chrony.drift"),
            *conf_lines,
        ]
        if cmdport:  # read-only monitoring over UDP from 127.0.0.1 needs no privileges
            lines.append("bindcmdaddress 127.0.0.1")
        with open(self.conf, "w") as fh:
            fh.write("\n".join(lines) + "\n")
        argv = [CHRONYD, "-x", "-d", "-u", "root", "-f", self.conf]
        if faketime_offset:
            argv = [FAKETIME, "-f", str(faketime_offset), *argv]
        self._logfh = open(self.log, "w")  # noqa: SIM115 -- lives as long as the daemon
        # Own process group: `faketime` forks chronyd as a child, and stop() must end both.
        self.proc = subprocess.Popen(
            argv, stdout=self._logfh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
        self._wait_socket()

    def _wait_socket(self, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("chronyd exited with %s:\n%s" % (self.proc.returncode, self.read_log()))
            if os.path.exists(self.socket):
                rc, _out, _err = chronyc(self.socket, "tracking")
                if rc == 0:
                    return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("chronyd did not open %s within %ss:\n%s" % (self.socket, timeout, self.read_log()))

    def _group_alive(self):
        try:
            os.killpg(self.proc.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def read_log(self):
        try:
            with open(self.log) as fh:
                return fh.read()
        except OSError:
            return ""

    @property
    def running(self):
        return self.proc.poll() is None

    def tracking(self):
        """The 14 CSV fields of `chronyc -c tracking`, as strings."""
        rc, out, err = chronyc(self.socket, "tracking")
        if rc != 0:
            raise RuntimeError("chronyc tracking failed (rc=%s): %s" % (rc, err or out))
        return out.strip().split(",")

    def sources(self):
        """`chronyc -c sources` rows, each a list of the 10 CSV fields."""
        rc, out, err = chronyc(self.socket, "sources")
        if rc != 0:
            raise RuntimeError("chronyc sources failed (rc=%s): %s" % (rc, err or out))
        return [line.split(",") for line in out.splitlines() if line.strip()]

    def wait_for(self, predicate, timeout, what="condition"):
        """Poll until predicate(self) is true; raise with the last tracking/sources after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            if not self.running:
                raise RuntimeError("chronyd died while waiting for %s:\n%s" % (what, self.read_log()))
            if predicate(self):
                return
            if time.monotonic() >= deadline:
                raise RuntimeError(
                    "%s not reached within %ss; tracking=%s sources=%s"
                    % (what, timeout, self.tracking(), self.sources())
                )
            time.sleep(0.25)

    def _signal_group(self, sig):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)

    def stop(self):
        # Signal the whole group even when the direct child is gone: a faketime-forked chronyd may remain.
        self._signal_group(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._signal_group(signal.SIGKILL)
            self.proc.wait(timeout=10)
        deadline = time.monotonic() + 5
        while self._group_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        if self._group_alive():
            self._signal_group(signal.SIGKILL)
        if not self._logfh.closed:
            self._logfh.close()

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()


class ChronyServer(_Chronyd):
    """A loopback NTP server: `local stratum N` so it serves time without any upstream."""

    role = "server"

    def __init__(self, port=None, bind="127.0.0.1", faketime_offset=None, stratum=8):
        self.bind = bind
        self.port = port or free_udp_port(bind)
        self.address = "%s:%d" % (bind, self.port)
        self.faketime_offset = faketime_offset
        super().__init__(
            [
                "port %d" % self.port,
                "bindaddress %s" % bind,
                "allow %s" % bind,
                "local stratum %d" % stratum,
            ],
            faketime_offset=faketime_offset,
        )


class ChronyClient(_Chronyd):
    """A chronyd that follows one loopback server and serves no one (`port 0`)."""

    role = "client"

    def __init__(
        self,
        server_port=None,
        *,
        server="127.0.0.1",
        iburst=True,
        minpoll=0,
        maxpoll=2,
        local_stratum=None,
        cmdport=None,
        makestep=None,
    ):
        lines = ["port 0"]
        if makestep:  # with -x the step always fails: "Could not step system clock"
            lines.append("makestep %s" % makestep)
        if server_port:
            lines.append(
                "server %s port %d%s minpoll %d maxpoll %d"
                % (server, server_port, " iburst" if iburst else "", minpoll, maxpoll)
            )
        if local_stratum:
            lines.append("local stratum %d" % local_stratum)
        super().__init__(lines, cmdport=cmdport)

    def is_synced(self):
        """Chrony's own view: a real reference and a selected source with reach > 0."""
        refid = self.tracking()[0]
        selected = [s for s in self.sources() if len(s) >= 6 and s[1] == "*" and int(s[5], 8) > 0]
        return refid not in ("00000000", "7F7F0101") and bool(selected)

    def wait_synced(self, timeout=20):
        self.wait_for(lambda c: c.is_synced(), timeout, "synchronisation")

    def wait_unreachable(self, timeout=60):
        """Wait until every source has reach 0 (after its server stopped)."""
        self.wait_for(
            lambda c: all(len(s) >= 6 and int(s[5], 8) == 0 for s in c.sources()), timeout, "reach 0 on all sources"
        )
