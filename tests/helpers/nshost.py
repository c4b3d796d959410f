#!/usr/bin/env python
"""Light isolated test hosts: one long-lived `unshare --net --uts --ipc --mount --pid --fork --mount-proc` per host.

    nshost.py up NAME --state-dir DIR [--config JSON]     start (after cleaning any leftover of NAME)
    nshost.py down NAME --state-dir DIR                   stop it and remove what it used
    nshost.py exec NAME --state-dir DIR -- COMMAND...     run a command inside it (nsenter)

The host's PID 1 is this script (`_init`), which reaps orphans and holds optional listening sockets. Ansible reaches
it with `ansible_connection: community.docker.nsenter`, `ansible_nsenter_pid` = the content of DIR/NAME.pid (the
host-side pid of that init), and `ansible_python_interpreter: DIR/NAME-python`, a wrapper that moves the module
process into the host's v1 memory cgroup before it execs /usr/bin/python3 (nsenter does not change cgroups).

--config (a JSON object; every key optional):
  timezone          IANA name: /etc/timezone and an /etc/localtime symlink in a private overlay of /etc
  memory_limit_mb   memory.limit_in_bytes of the host's cgroup /sys/fs/cgroup/memory/efm-NAME (none: no limit)
  data_dir          a directory to create for the host (absolute; keep it under DIR)
  data_dir_size_mb  put data_dir on a loop-mounted ext4 filesystem of this size, mounted inside the host only
  hide              directories to hide behind an empty read-only tmpfs, e.g. [/usr/lib/jvm] for "no Java here"
  listen            TCP ports the host's init listens on (0.0.0.0), e.g. [9093] for "the port is taken"

Inside: `lo` up, hostname NAME, a private /dev/shm, a private tmpfs on /run with /run/chrony (mode 0750) for the
time service's command socket, the private /etc overlay, the data directory. `down` kills the namespace (PID 1
first, so the kernel ends every process in it), detaches the loop device, removes the cgroup and DIR/NAME. It also
cleans leftovers of a failed run: init processes found by their command line (this script, `_init`, NAME, DIR), loop
devices backed by files in DIR/NAME, the cgroup. Needs root and the v1 memory controller (hybrid cgroups).
"""

import argparse
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time

CGROUP_ROOT = "/sys/fs/cgroup/memory"
SCRIPT = os.path.abspath(__file__)


def _run(*argv, check=True):
    return subprocess.run(list(argv), check=check, capture_output=True, text=True)


def _paths(name, state_dir):
    state_dir = os.path.abspath(state_dir)
    home = os.path.join(state_dir, name)
    return {
        "state": state_dir,
        "home": home,
        "pid": os.path.join(state_dir, name + ".pid"),
        "unshare_pid": os.path.join(home, "unshare.pid"),
        "python": os.path.join(state_dir, name + "-python"),
        "ready": os.path.join(home, "ready"),
        "config": os.path.join(home, "config.json"),
        "image": os.path.join(home, "data.img"),
        "log": os.path.join(state_dir, name + ".log"),
        "cgroup": os.path.join(CGROUP_ROOT, "efm-" + name),
    }


def _cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as fh:
            return [a.decode(errors="replace") for a in fh.read().split(b"\0") if a]
    except OSError:
        return None


def _is_our_init(pid, name, state_dir):
    argv = _cmdline(pid) or []
    return SCRIPT in argv and "_init" in argv and name in argv and os.path.abspath(state_dir) in argv


def _find_inits(name, state_dir):
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and _is_our_init(int(entry), name, state_dir):
            out.append(int(entry))
    return out


def _children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as fh:
            return [int(x) for x in fh.read().split()]
    except OSError:
        return []


def _alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


# ------------------------------------------------------------------------------------------ inside


def _init(name, state_dir):
    """PID 1 of the host: set up the private mounts and the network, then reap orphans until SIGTERM."""
    p = _paths(name, state_dir)
    with open(p["config"]) as fh:
        cfg = json.load(fh)
    _run("ip", "link", "set", "lo", "up")
    _run("hostname", name)
    # Private /etc view: /etc/timezone and /etc/localtime come from the overlay's upper directory.
    _run(
        "mount",
        "-t",
        "overlay",
        "overlay",
        "-o",
        "lowerdir=/etc,upperdir=%s,workdir=%s" % (os.path.join(p["home"], "etc"), os.path.join(p["home"], "etc-work")),
        "/etc",
    )
    _run("mount", "-t", "tmpfs", "-o", "mode=0755,size=16m", "tmpfs", "/run")
    # Private /dev/shm: PIDs repeat across PID namespaces, and faketime names its semaphore by PID.
    _run("mount", "-t", "tmpfs", "-o", "mode=1777,size=16m", "tmpfs", "/dev/shm")
    os.makedirs("/run/chrony", mode=0o750)
    os.chmod("/run/chrony", 0o750)
    for path in cfg.get("hide") or []:
        if os.path.isdir(path):
            _run("mount", "-t", "tmpfs", "-o", "ro,mode=0755,size=1m", "tmpfs", path)
    if cfg.get("data_dir_size_mb"):
        _run("mount", "-t", "ext4", cfg["loop_device"], cfg["data_dir"])
    listeners = []
    for port in cfg.get("listen") or []:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("0.0.0.0", int(port)))
        sock.listen(16)
        listeners.append(sock)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    with open(p["ready"], "w") as fh:
        fh.write("ready\n")
    while True:
        try:
            os.wait()
        except ChildProcessError:
            time.sleep(0.5)


# ------------------------------------------------------------------------------------------ outside


def _kill(pids, timeout=10):
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + timeout
        while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        if not any(_alive(pid) for pid in pids):
            return


def down(name, state_dir, quiet=False):
    p = _paths(name, state_dir)
    inits = set(_find_inits(name, state_dir))
    for path in (p["pid"], p["unshare_pid"]):
        try:
            with open(path) as fh:
                pid = int(fh.read().strip())
        except (OSError, ValueError):
            continue
        argv = _cmdline(pid) or []
        if _is_our_init(pid, name, state_dir) or (argv[:1] == ["unshare"] and SCRIPT in argv and name in argv):
            inits.add(pid)
    # Killing PID 1 of the namespace makes the kernel kill everything else in it.
    _kill(sorted(inits))
    # Loop devices backed by our image (also when the file is already gone).
    listing = _run("losetup", "-l", "-J", check=False)
    if listing.returncode == 0 and listing.stdout.strip():
        for dev in json.loads(listing.stdout).get("loopdevices", []):
            back = (dev.get("back-file") or "").replace(" (deleted)", "")
            if back.startswith(p["home"] + os.sep):
                _run("losetup", "-d", dev["name"], check=False)
    if os.path.isdir(p["cgroup"]):
        for _attempt in range(100):
            with open(os.path.join(p["cgroup"], "cgroup.procs")) as fh:
                left = [int(x) for x in fh.read().split()]
            if left:
                _kill(left, timeout=2)  # only module processes of this test host can be in this cgroup
            try:
                os.rmdir(p["cgroup"])
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("cannot remove the cgroup %s" % p["cgroup"])
    _run("rm", "-rf", "--one-file-system", p["home"], check=False)
    for path in (p["pid"], p["python"]):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
    if not quiet:
        print("%s is down" % name)


def up(name, state_dir, cfg):
    p = _paths(name, state_dir)
    down(name, state_dir, quiet=True)
    os.makedirs(p["home"])
    os.makedirs(os.path.join(p["home"], "etc-work"))
    etc = os.path.join(p["home"], "etc")
    os.makedirs(etc)
    if cfg.get("timezone"):
        zone = "/usr/share/zoneinfo/" + cfg["timezone"]
        if not os.path.isfile(zone):
            raise RuntimeError("unknown timezone %s (no %s)" % (cfg["timezone"], zone))
        with open(os.path.join(etc, "timezone"), "w") as fh:
            fh.write(cfg["timezone"] + "\n")
        os.symlink(zone, os.path.join(etc, "localtime"))
    if cfg.get("data_dir"):
        os.makedirs(cfg["data_dir"], exist_ok=True)
    if cfg.get("data_dir_size_mb"):
        if not cfg.get("data_dir"):
            raise RuntimeError("data_dir_size_mb needs data_dir")
        with open(p["image"], "wb") as fh:
            fh.truncate(int(cfg["data_dir_size_mb"]) * 1024 * 1024)
        _run("mkfs.ext4", "-q", "-F", "-L", "efm-" + name, p["image"])
        cfg["loop_device"] = _run("losetup", "--find", "--show", p["image"]).stdout.strip()
    os.makedirs(p["cgroup"])
    if cfg.get("memory_limit_mb"):
        with open(os.path.join(p["cgroup"], "memory.limit_in_bytes"), "w") as fh:
            fh.write(str(int(cfg["memory_limit_mb"]) * 1024 * 1024))
    with open(p["config"], "w") as fh:
        json.dump(cfg, fh)
    log = open(p["log"], "w")  # noqa: SIM115 -- handed to the child
    proc = subprocess.Popen(
        [
            "unshare",
            "--net",
            "--uts",
            "--ipc",
            "--mount",
            "--pid",
            "--fork",
            "--mount-proc",
            "--propagation",
            "private",
            "--",
            sys.executable,
            SCRIPT,
            "_init",
            name,
            "--state-dir",
            p["state"],
        ],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()
    with open(p["unshare_pid"], "w") as fh:
        fh.write("%d\n" % proc.pid)
    deadline = time.monotonic() + 20
    while not os.path.exists(p["ready"]):
        if proc.poll() is not None or time.monotonic() > deadline:
            with open(p["log"]) as fh:
                detail = fh.read()
            down(name, state_dir, quiet=True)
            raise RuntimeError("host %s did not come up:\n%s" % (name, detail))
        time.sleep(0.05)
    init = _children(proc.pid)
    if len(init) != 1:
        raise RuntimeError("expected one child of unshare %d, found %s" % (proc.pid, init))
    init = init[0]
    # The init (and so every process started in the host) lives in the host's memory cgroup.
    with open(os.path.join(p["cgroup"], "cgroup.procs"), "w") as fh:
        fh.write(str(init))
    with open(p["pid"], "w") as fh:
        fh.write("%d\n" % init)
    with open(p["python"], "w") as fh:
        fh.write(
            "#!/bin/sh\n"
            "# Interpreter for test host %s: join its memory cgroup, then run the system Python.\n"
            'echo $$ > %s/cgroup.procs || { echo "cannot join cgroup %s" >&2; exit 97; }\n'
            'exec /usr/bin/python3 "$@"\n' % (name, p["cgroup"], p["cgroup"])
        )
    os.chmod(p["python"], 0o755)
    print("%s is up: pid %d, cgroup %s" % (name, init, p["cgroup"]))


def nsexec(name, state_dir, command):
    p = _paths(name, state_dir)
    with open(p["pid"]) as fh:
        pid = fh.read().strip()
    # Like the interpreter wrapper: whatever runs in the host is accounted to the host's memory cgroup.
    with open(os.path.join(p["cgroup"], "cgroup.procs"), "w") as fh:
        fh.write(str(os.getpid()))
    argv = ["nsenter", "--target", pid, "--net", "--mount", "--pid", "--uts", "--ipc", "--", *command]
    os.execvp("nsenter", argv)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for cmd in ("up", "down", "exec", "_init"):
        sp = sub.add_parser(cmd)
        sp.add_argument("name")
        sp.add_argument("--state-dir", required=True)
        if cmd == "up":
            sp.add_argument("--config", default="{}", help="JSON object (see the module docstring)")
    argv = list(sys.argv[1:] if argv is None else argv)
    command = []
    if "--" in argv:
        command = argv[argv.index("--") + 1 :]
        argv = argv[: argv.index("--")]
    args = parser.parse_args(argv)
    try:
        if args.command == "up":
            up(args.name, args.state_dir, json.loads(args.config))
        elif args.command == "down":
            down(args.name, args.state_dir)
        elif args.command == "exec":
            nsexec(args.name, args.state_dir, command or ["sh"])
        else:
            _init(args.name, args.state_dir)
    except (RuntimeError, subprocess.CalledProcessError, OSError, ValueError) as exc:
        detail = getattr(exc, "stderr", None)
        print("nshost %s %s: %s%s" % (args.command, args.name, exc, "\n" + detail if detail else ""), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
