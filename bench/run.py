#!/usr/bin/env python
"""Preflight benchmarks: `make bench` (root; uses a private network namespace).

0. The floor: an empty playbook (the three plays of playbooks/preflight.yml with no tasks, same inventory and
   extra vars) plus one probe timeout added arithmetically; for reference also a playbook whose one task is one
   module round trip that waits one timeout (ansible.builtin.wait_for). Target: preflight on one host within
   floor + 0.5 s.
1. Baseline: preflight on one host against the full production catalogue (17 endpoints: 13 runtime for
   every service of 4.0.8, 4 install-time), simulated on loopback inside a test namespace with 3 of them
   blackholed, against bench/baseline.yml, which makes the same checks with stock modules only
   (setup, wait_for/uri per endpoint, chronyc, asserts). Alternating runs; medians and their ratio.
2. Scale: preflight, the empty playbook and the one-wait playbook over 1, 10 and 30 hosts (local inventory
   aliases, forks = hosts): wall time; CPU seconds per host of the controller and of the modules, counted apart
   by cgroup (ansible-playbook
   starts in a cgroup of its own, and the inventory's interpreter wrapper moves each module into a second one
   before it execs Python); the controller's peak memory (the sum of PSS over the processes in the controller's
   cgroup, so without the modules, sampled every 0.1 s) and, as in earlier tables, over the whole process tree.
   Target: preflight's controller CPU per host at the largest point within 2x the one-wait playbook's there
   (one stock module round trip per host, measured in the same rounds).
3. The connectivity_info module alone: 17 endpoints reachable, then 3 blackholed.
4. The status run (playbooks/status.yml, issue 22) over the same scale points, beside the floor (the empty
   playbook: the same three plays without tasks) measured in the same rounds. The bench hosts have no
   integrasjonspunkt installed, so every collector answers at once (nothing listens, no unit, no files); the
   release list is not fetched (status_releases_offline), the NTP host is the simulated one.
   `python bench/run.py --status-only` measures just this part and writes bench/results/<date>-status.md.

Every playbook runs once, untimed, before the measured runs, with Python's bytecode cache on (as for an
installed collection: the Makefile's PYTHONDONTWRITEBYTECODE would have the controller compile the
collection's plugins again on every run, a cost no user pays after the first).

Results: bench/results/<date>.md and bench/results/latest.md; the README's benchmark section is
replaced by the latest table. Nothing leaves 127.0.0.0/8 inside the namespace.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, ".build", "collections"))

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import catalogue

VENV_BIN = os.path.dirname(sys.executable)
HELPERS = os.path.join(REPO, "tests", "helpers")
SERVICES = ["DPO", "DPV", "DPI", "DPF", "DPE", "DPH"]
BLACKHOLED = ["dpe-servicebus-amqp", "crl-commfides", "adoptium"]
README_BEGIN = "<!-- bench:begin -->"
README_END = "<!-- bench:end -->"


def sh(*argv, **kwargs):
    return subprocess.run(list(argv), check=True, capture_output=True, text=True, **kwargs)


class CpuCgroup:
    """One cgroup whose CPU time we read: cgroup v1 cpuacct when the machine mounts it, else cgroup v2.
    A process enters it by writing its own pid to `procs` (before it execs); its children inherit it."""

    def __init__(self, name):
        v2_root = "/sys/fs/cgroup"
        if os.path.exists(os.path.join(v2_root, "cgroup.controllers")):  # pure cgroup v2
            base, self.kind = v2_root, "v2"
        elif os.path.exists("/sys/fs/cgroup/cpuacct/cpuacct.usage"):  # hybrid or v1: the cpuacct controller
            base, self.kind = "/sys/fs/cgroup/cpuacct", "v1 cpuacct"
        elif os.path.exists("/sys/fs/cgroup/unified/cgroup.procs"):  # hybrid without cpuacct: v2's cpu.stat
            base, self.kind = "/sys/fs/cgroup/unified", "v2"
        else:
            raise RuntimeError("no cgroup v1 cpuacct or cgroup v2 hierarchy under /sys/fs/cgroup")
        self.path = os.path.join(base, name)
        os.makedirs(self.path)
        self.procs = os.path.join(self.path, "cgroup.procs")

    def cpu_seconds(self):
        if self.kind.startswith("v1"):
            with open(os.path.join(self.path, "cpuacct.usage")) as fh:
                return int(fh.read()) / 1e9
        with open(os.path.join(self.path, "cpu.stat")) as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("usage_usec")) / 1e6

    def pids(self):
        with open(self.procs) as fh:
            return [int(line) for line in fh if line.strip()]

    def remove(self):
        # Every process has exited by now; rmdir fails (and is retried) only while the last ones are reaped.
        for _attempt in range(50):
            try:
                os.rmdir(self.path)
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.1)
        print("warning: could not remove cgroup %s" % self.path, file=sys.stderr)


class Lab:
    """A private network namespace with the simulated catalogue and a synced chronyd client."""

    def __init__(self, timeout):
        self.ns = "eftest-bench-%d" % os.getpid()
        self.dir = tempfile.mkdtemp(prefix="eftest-bench-")
        self.timeout = timeout
        self.python = os.path.join(self.dir, "python-in-ns")
        self.controller = self.modules = None

    def __enter__(self):
        self.controller = CpuCgroup(self.ns + "-controller")
        self.modules = CpuCgroup(self.ns + "-modules")
        sh("ip", "netns", "add", self.ns)
        sh("ip", "-n", self.ns, "link", "set", "lo", "up")
        # Modules run in the namespace and in a cgroup of their own: the interpreter itself is wrapped.
        # A wrapper that cannot enter the cgroup fails the module (and so the run) rather than miscount.
        with open(self.python, "w") as fh:
            fh.write(
                '#!/bin/sh\necho $$ > %s || exit 97\nexec ip netns exec %s %s "$@"\n'
                % (self.modules.procs, self.ns, sys.executable)
            )
        os.chmod(self.python, 0o755)
        sim = [
            "ip", "netns", "exec", self.ns, sys.executable, os.path.join(HELPERS, "simulated_endpoints.py"),
            "start", "--state-dir", os.path.join(self.dir, "sim"), "--environment", "production",
            "--version", "4.0.8", "--services", *SERVICES, "--ports", "catalogue", "--time-service",
            "--client-socket", os.path.join(self.dir, "chronyd.sock"),
        ]  # fmt: skip
        sh(*sim)
        with open(os.path.join(self.dir, "sim", "vars.yml")) as fh:
            self.vars = yaml.safe_load(fh)
        with open(os.path.join(self.dir, "sim", "endpoints.json")) as fh:
            self.endpoints = json.load(fh)
        return self

    def __exit__(self, *exc):
        subprocess.run(
            ["ip", "netns", "exec", self.ns, sys.executable, os.path.join(HELPERS, "simulated_endpoints.py"),
             "stop", "--state-dir", os.path.join(self.dir, "sim")],
            capture_output=True, check=False,
        )  # fmt: skip
        subprocess.run(["ip", "netns", "del", self.ns], capture_output=True, check=False)
        for group in (self.controller, self.modules):
            if group is not None:
                group.remove()
        shutil.rmtree(self.dir, ignore_errors=True)

    def address_of(self, name):
        for e in self.endpoints if isinstance(self.endpoints, list) else self.endpoints.get("endpoints", []):
            if e["name"] == name:
                return e.get("ip") or e.get("host")
        raise KeyError(name)

    def blackhole(self, on):
        """An nftables DROP rule inside the namespace for the 3 blackholed endpoints' addresses."""
        subprocess.run(
            ["ip", "netns", "exec", self.ns, "nft", "delete", "table", "inet", "bench"],
            capture_output=True,
            check=False,
        )
        if on:
            addrs = ", ".join(sorted({self.address_of(n) for n in BLACKHOLED}))
            rules = "\n".join(
                ["table inet bench {", " chain out {", "  type filter hook output priority 0;"]
                + ["  ip daddr { %s } drop" % addrs, " }", "}", ""]
            )
            sh("ip", "netns", "exec", self.ns, "nft", "-f", "-", input=rules)

    def inventory(self, hosts):
        path = os.path.join(self.dir, "inventory-%d.yml" % hosts)
        hv = {"ansible_connection": "local", "ansible_python_interpreter": self.python}
        doc = {"all": {"hosts": {"bench-%02d" % i: dict(hv) for i in range(1, hosts + 1)}}}
        with open(path, "w") as fh:
            yaml.safe_dump(doc, fh)
        return path

    def extravars(self):
        path = os.path.join(self.dir, "extravars.yml")
        doc = dict(self.vars)
        doc.update(
            {
                "integrasjonspunkt_services": SERVICES,
                "preflight_probe_timeout": self.timeout,
                "preflight_fail_hosts": False,
                "preflight_report_dir": os.path.join(self.dir, "reports"),
                "status_probe_timeout": self.timeout,
                "status_fail_hosts": False,
                "status_report_dir": os.path.join(self.dir, "status-reports"),
                "status_releases_offline": True,
                "status_ntp_port": self.vars.get("preflight_ntp_port", 123),
                "bench_timeout": self.timeout,
                "bench_endpoints": lab_selected(self),
            }
        )
        with open(path, "w") as fh:
            yaml.safe_dump(doc, fh)
        return path


def env(forks):
    e = dict(os.environ)
    e.pop("PYTHONDONTWRITEBYTECODE", None)  # measure as users run it: the collection's bytecode cached
    e.update(
        {
            "ANSIBLE_CONFIG": os.path.join(REPO, "ansible.cfg"),
            "ANSIBLE_COLLECTIONS_PATH": os.path.join(REPO, ".build", "collections"),
            "ANSIBLE_FORKS": str(forks),
            "ANSIBLE_STDOUT_CALLBACK": "default",
            "PATH": VENV_BIN + os.pathsep + e.get("PATH", ""),
        }
    )
    return e


def descendants(root_pid):
    """A process and its descendants, from /proc."""
    children = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid) as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(pid))
    found, stack = [], [root_pid]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def pss_kib(pids):
    """Sum of PSS over processes: forks share the controller's pages, so RSS would count them once per fork;
    PSS divides shared pages among their users."""
    total = 0
    for pid in pids:
        try:
            with open("/proc/%d/smaps_rollup" % pid) as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            pass
    return total


class Measurement:
    """One command's wall time, CPU seconds of the controller's and the modules' cgroups, peak PSS."""

    def __init__(self, wall, controller_cpu, module_cpu, controller_mib, tree_mib):
        self.wall = wall
        self.controller_cpu = controller_cpu
        self.module_cpu = module_cpu
        self.controller_mib = controller_mib
        self.tree_mib = tree_mib


def timed(lab, argv, forks):
    """Measure one command run in the controller's cgroup; raises with its output when it fails."""
    cpu0, mod0 = lab.controller.cpu_seconds(), lab.modules.cpu_seconds()
    start = time.monotonic()
    # The command enters the controller's cgroup before it execs (same pid), so its forks are born there.
    enter = ["/bin/sh", "-c", 'echo $$ > "$0" && exec "$@"', lab.controller.procs]
    proc = subprocess.Popen(
        enter + argv, env=env(forks), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO
    )
    peak = [0, 0]

    def sample():
        while proc.poll() is None:
            peak[0] = max(peak[0], pss_kib(lab.controller.pids()))
            peak[1] = max(peak[1], pss_kib(descendants(proc.pid)))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _stderr = proc.communicate()
    elapsed = time.monotonic() - start
    sampler.join()
    if proc.returncode != 0:
        raise RuntimeError("%s failed (rc %s):\n%s" % (" ".join(argv[:3]), proc.returncode, out[-4000:]))
    for _attempt in range(20):
        leftover = lab.modules.pids() + lab.controller.pids()
        if not leftover:
            break
        time.sleep(0.1)
    if leftover:  # a module still running would be counted in the next measurement
        raise RuntimeError("processes left in the bench cgroups after %s: %s" % (argv[0], leftover))
    return Measurement(
        elapsed,
        lab.controller.cpu_seconds() - cpu0,
        lab.modules.cpu_seconds() - mod0,
        peak[0] / 1024.0,
        peak[1] / 1024.0,
    )


def playbook(lab, path, hosts):
    return [os.path.join(VENV_BIN, "ansible-playbook"), "-i", lab.inventory(hosts), path, "-e", "@" + lab.extravars()]


def module_alone(lab):
    args = {"endpoints": lab_selected(lab), "timeout": lab.timeout, "ca_file": lab.vars.get("preflight_ca_file")}
    argv = [os.path.join(VENV_BIN, "ansible"), "bench-01", "-i", lab.inventory(1), "-m",
            "eformidling.integrasjonspunkt.connectivity_info", "-a", json.dumps(args)]  # fmt: skip
    return argv


def lab_selected(lab):
    entries = catalogue.load()
    overrides = lab.vars["preflight_endpoint_overrides"]
    return catalogue.endpoints_for(
        entries, environment="production", services=SERVICES, version="4.0.8", phase="all", overrides=overrides
    )


def median(xs):
    return statistics.median(xs)


def machine():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    with open("/proc/meminfo") as fh:
        mem = int(fh.readline().split()[1]) // 1024 // 1024
    core = subprocess.run([os.path.join(VENV_BIN, "ansible"), "--version"], check=False, capture_output=True, text=True)
    core = core.stdout
    return "%s, %d CPUs, %d GiB RAM, %s %s, Python %s, %s" % (
        cpu,
        os.cpu_count(),
        mem,
        platform.system(),
        platform.release(),
        platform.python_version(),
        core.splitlines()[0].replace("ansible [", "").rstrip("]"),
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=5.0, help="probe timeout (preflight) and stock timeouts")
    parser.add_argument("--scale", default="1,10,30")
    parser.add_argument("--scale-runs", type=int, default=3, help="rounds over the scale points")
    parser.add_argument("--status-only", action="store_true", help="only the status run's scale points (4.)")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("make bench needs root (network namespace, nftables)")
    if args.status_only:
        with Lab(args.timeout) as lab:
            lab.blackhole(True)
            status = status_scale(lab, args)
        write_status_results(status, args)
        return

    rows = {"load_start": loadavg(), "cgroup": None}
    with Lab(args.timeout) as lab:
        rows["cgroup"] = lab.controller.kind
        lab.blackhole(True)
        playbooks = {
            "preflight": os.path.join(REPO, "playbooks", "preflight.yml"),
            "baseline": os.path.join(REPO, "bench", "baseline.yml"),
            "empty": os.path.join(REPO, "bench", "empty.yml"),
            "one_wait": os.path.join(REPO, "bench", "one_wait.yml"),
        }
        runs = {name: [] for name in playbooks}
        for path in playbooks.values():  # untimed: writes the bytecode cache, warms the page cache
            timed(lab, playbook(lab, path, 1), 1)
        for i in range(args.runs):
            for name, path in playbooks.items():
                m = timed(lab, playbook(lab, path, 1), 1)
                runs[name].append(m)
                print("run %d %-9s %.2f s" % (i + 1, name, m.wall), flush=True)
        rows["runs"] = runs

        # Rounds over every scale point, so that each point sees the same mix of load; medians per point.
        sizes = [int(x) for x in args.scale.split(",")]
        samples = {n: ([], [], []) for n in sizes}
        for r in range(args.scale_runs):
            for n in sizes:
                empty = timed(lab, playbook(lab, playbooks["empty"], n), n)
                pre = timed(lab, playbook(lab, playbooks["preflight"], n), n)
                wait = timed(lab, playbook(lab, playbooks["one_wait"], n), n)
                samples[n][0].append(pre)
                samples[n][1].append(empty)
                samples[n][2].append(wait)
                print(
                    "scale round %d %2d hosts %.2f s, controller %.2f CPU-s/host, modules %.2f CPU-s/host,"
                    " peak %.0f MiB (tree %.0f MiB); empty playbook %.2f s, %.2f CPU-s/host;"
                    " one-wait %.2f s, %.2f CPU-s/host"
                    % (r + 1, n, pre.wall, pre.controller_cpu / n, pre.module_cpu / n, pre.controller_mib,
                       pre.tree_mib, empty.wall, empty.controller_cpu / n, wait.wall, wait.controller_cpu / n),
                    flush=True,
                )  # fmt: skip
        scale = [
            (n, median_measurement(samples[n][0]), median_measurement(samples[n][1]),
             median_measurement(samples[n][2]))
            for n in sizes
        ]  # fmt: skip
        rows["scale_walls"] = {n: [m.wall for m in samples[n][0]] for n in sizes}
        rows["gather_elapsed"] = gather_elapsed(lab, playbooks["preflight"])
        print("module's own elapsed_seconds in one -v run: %s" % rows["gather_elapsed"], flush=True)
        rows["scale"] = scale
        rows["status"] = status_scale(lab, args)

        alone = []
        for label, on in (("17 reachable", False), ("17, 3 blackholed", True)):
            lab.blackhole(on)
            times = [timed(lab, module_alone(lab), 1).wall for _run in range(args.runs)]
            alone.append((label, times))
            print("module %-18s median %.2f s" % (label, median(times)), flush=True)
        rows["alone"] = alone
    rows["load_end"] = loadavg()

    write_results(rows, args)


STATUS_PLAYBOOK = os.path.join(REPO, "playbooks", "status.yml")
EMPTY_PLAYBOOK = os.path.join(REPO, "bench", "empty.yml")


def status_scale(lab, args):
    """[(hosts, status run, empty playbook)] medians over rounds of the scale points (4.)."""
    sizes = [int(x) for x in args.scale.split(",")]
    timed(lab, playbook(lab, STATUS_PLAYBOOK, 1), 1)  # untimed: bytecode and page cache
    samples = {n: ([], []) for n in sizes}
    for r in range(args.scale_runs):
        for n in sizes:
            empty = timed(lab, playbook(lab, EMPTY_PLAYBOOK, n), n)
            status = timed(lab, playbook(lab, STATUS_PLAYBOOK, n), n)
            samples[n][0].append(status)
            samples[n][1].append(empty)
            print(
                "status round %d %2d hosts %.2f s, controller %.2f CPU-s/host, modules %.2f CPU-s/host;"
                " empty playbook %.2f s" % (r + 1, n, status.wall, status.controller_cpu / n, status.module_cpu / n,
                                            empty.wall),
                flush=True,
            )  # fmt: skip
    return [(n, median_measurement(samples[n][0]), median_measurement(samples[n][1])) for n in sizes]


def status_lines(status, args):
    """The status run's table: wall time beside the floor (the empty playbook) per scale point."""
    lines = [
        "",
        "Status run (playbooks/status.yml), %d rounds over the scale points (medians); the floor is the empty"
        " playbook (the same three plays, no tasks) in the same rounds. The gather call's budget is one probe"
        " timeout (%g s) + 2 s; on these hosts nothing waits for it." % (args.scale_runs, args.timeout),
        "",
        "| Hosts (forks) | Status run | Floor (empty playbook) | Status - floor | Controller CPU per host"
        " | Modules' CPU per host | Controller peak PSS |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for n, m, e in status:
        lines.append(
            "| %d (%d) | %.2f s | %.2f s | %.2f s | %.2f s | %.2f s | %.0f MiB |"
            % (n, n, m.wall, e.wall, m.wall - e.wall, m.controller_cpu / n, m.module_cpu / n, m.controller_mib)
        )
    return lines


def write_status_results(status, args):
    now = datetime.datetime.now(datetime.timezone.utc)
    lines = [
        "### Status run benchmark %s" % now.strftime("%Y-%m-%d %H:%M UTC"),
        "",
        "Machine: %s. Load average (1, 5, 15 min) %s at the end: other work shared the CPUs." % (machine(), loadavg()),
    ] + status_lines(status, args)
    table = "\n".join(lines) + "\n"
    results = os.path.join(REPO, "bench", "results")
    os.makedirs(results, exist_ok=True)
    with open(os.path.join(results, now.strftime("%Y-%m-%d-%H%M-status.md")), "w") as fh:
        fh.write(table)
    print(table)


def median_measurement(ms):
    """A Measurement of the per-field medians."""
    fields = ("wall", "controller_cpu", "module_cpu", "controller_mib", "tree_mib")
    return Measurement(*[median([getattr(m, f) for m in ms]) for f in fields])


def gather_elapsed(lab, path):
    """The module's own `elapsed_seconds` (preflight_gather, as the action returns it) from one verbose,
    untimed preflight run on one host, or None when the output does not show it."""
    proc = subprocess.run(
        playbook(lab, path, 1) + ["-v"], env=env(1), capture_output=True, text=True, cwd=REPO, check=False
    )
    found = re.findall(r"[\"']?elapsed_seconds[\"']?:\s*([0-9.]+)", proc.stdout)
    return float(found[0]) if proc.returncode == 0 and found else None


def loadavg():
    with open("/proc/loadavg") as fh:
        return " ".join(fh.read().split()[:3])


# The figures this table is compared with: the previous table (bench/results/2026-12-01-2157.md, issue 18's
# starting point) and the one before the floor existed (bench/results/2026-11-27-1755.md).
PREVIOUS_LABEL = "2026-12-01 (previous table)"
OLDER_LABEL = "2026-11-27"
PREVIOUS = {
    "empty": "0.56 s",
    "floor": "5.56 s",
    "one_wait": "6.04 s",
    "one": "6.85 s",
    "excess": "1.33 s",
    "gather": "5.04 s",
    "baseline": "24.32 s",
    "speedup": "3.6x",
    "ratio": "2.4x",
    "cpu_ratio": "-",
    "alone": {"17 reachable": "1.07 s", "17, 3 blackholed": "6.06 s"},
    "scale": {1: "6.67 s", 10: "9.27 s", 30: "15.91 s"},
    "per_host": {1: "1.49 s, 0.47 s, 95 MiB", 10: "0.34 s, 0.50 s, 254 MiB", 30: "0.26 s, 0.52 s, 623 MiB"},
}
OLDER = {"one": "7.41 s", "baseline": "23.88 s", "speedup": "3.2x", "ratio": "6.7x",
         "alone": {"17 reachable": "0.97 s", "17, 3 blackholed": "6.01 s"},
         "scale": {1: "7.09 s", 10: "16.14 s", 30: "47.23 s"}}  # fmt: skip
DASH = "-"


ONE_HOST_LABELS = [
    ("empty", "empty playbook"),
    ("one_wait", "one task waiting one timeout"),
    ("preflight", "preflight"),
    ("baseline", "stock-module baseline"),
]


def verdict(met, detail=""):
    return ("met" if met else "missed") + detail


def row(label, now, key, target=""):
    """One line of the main table: the figure now, then the previous tables' figures for `key`."""
    return "| %s | %s | %s | %s | %s |" % (label, now, PREVIOUS.get(key, DASH), OLDER.get(key, DASH), target)


def cpu_target(scale):
    """(hosts, preflight's and one wait_for task's controller CPU per host, ratio) at the largest scale point."""
    n, pre, _empty, wait = scale[-1]
    per_pre, per_wait = pre.controller_cpu / n, wait.controller_cpu / n
    return n, per_pre, per_wait, (per_pre / per_wait if per_wait > 0 else float("inf"))


def write_results(rows, args):
    runs = rows["runs"]
    walls = {name: [m.wall for m in ms] for name, ms in runs.items()}
    pre, base = median(walls["preflight"]), median(walls["baseline"])
    empty, one_wait = median(walls["empty"]), median(walls["one_wait"])
    floor = empty + args.timeout
    # Paired: each run's preflight against the floor measured next to it (the four playbooks alternate).
    excess = [p - e - args.timeout for p, e in zip(walls["preflight"], walls["empty"])]
    # What one stock module round trip costs beyond the timeout, and preflight beyond that one round trip.
    stock_excess = [w - e - args.timeout for w, e in zip(walls["one_wait"], walls["empty"])]
    over_stock = [p - w for p, w in zip(walls["preflight"], walls["one_wait"])]
    one_scale = next(m for n, m, _e, _w in rows["scale"] if n == 1)
    many_n, many, _many_empty, _many_wait = rows["scale"][-1]
    cpu_n, cpu_pre, cpu_wait, cpu_ratio = cpu_target(rows["scale"])
    now = datetime.datetime.now(datetime.timezone.utc)
    gather = "%.2f s" % rows["gather_elapsed"] if rows["gather_elapsed"] is not None else "not shown"
    lines = [
        "### Benchmark %s" % now.strftime("%Y-%m-%d %H:%M UTC"),
        "",
        "Machine: %s. Load average (1, 5, 15 min) %s at the start, %s at the end: other work shared the CPUs."
        % (machine(), rows["load_start"], rows["load_end"]),
        "Probe timeout %g s; 17 endpoints (13 runtime, 4 install) on loopback in a test network namespace,"
        " 3 blackholed (%s). `make bench`, %d alternating runs of preflight, the stock baseline, the empty"
        " playbook and the one-wait playbook on one host, after one untimed run of each (Python's bytecode"
        " cache on, as for an installed collection); %d rounds over the scale points (medians)."
        " CPU counted by cgroup (%s):"
        " the controller is ansible-playbook and everything it starts except the module interpreters, which"
        " the inventory's interpreter wrapper moves into a cgroup of their own."
        % (args.timeout, ", ".join(BLACKHOLED), args.runs, args.scale_runs, rows["cgroup"]),
        "",
        "| Measurement | Now | %s | %s | Target |" % (PREVIOUS_LABEL, OLDER_LABEL),
        "|---|---:|---:|---:|---|",
        row("empty playbook (three plays, no tasks), 1 host", "%.2f s" % empty, "empty"),
        row("floor = empty playbook + one probe timeout", "%.2f s" % floor, "floor"),
        row("one task waiting one timeout (wait_for), 1 host", "%.2f s" % one_wait, "one_wait", "(reference)"),
        row("preflight, 1 host", "%.2f s" % pre, "one", "<= floor + 0.5 s = %.2f s: %s" % (floor + 0.5, verdict(
            pre <= floor + 0.5, "" if pre <= floor + 0.5 else " by %.2f s" % (pre - floor - 0.5)))),
        row("preflight - floor, paired per run (median)", "%.2f s" % median(excess), "excess",
            "<= 0.5 s: %s" % verdict(median(excess) <= 0.5)),
        row("one wait_for task - floor, paired per run (median): one stock module round trip",
            "%.2f s" % median(stock_excess), "stock_excess", "(reference)"),
        row("preflight - one wait_for task, paired per run (median)", "%.2f s" % median(over_stock), "over_stock"),
        row("module's own elapsed_seconds (one -v run)", gather, "gather"),
        row("stock-module baseline, 1 host", "%.2f s" % base, "baseline"),
        row("speed-up (baseline / preflight)", "%.1fx" % (base / pre), "speedup",
            ">= 5x (earlier target): %s" % verdict(base / pre >= 5)),
    ]  # fmt: skip
    for n, m, _empty, _wait in rows["scale"]:
        lines.append(
            "| preflight, %d hosts (forks %d), median of %d rounds | %.2f s | %s | %s | |"
            % (n, n, args.scale_runs, m.wall, PREVIOUS["scale"].get(n, DASH), OLDER["scale"].get(n, DASH))
        )
    ratio = many.wall / one_scale.wall
    lines.append(
        row("%d hosts / 1 host (same rounds)" % many_n, "%.1fx" % ratio, "ratio", "<= 3x: %s" % verdict(ratio <= 3))
    )
    lines.append(
        row(
            "controller CPU per host at %d hosts: preflight %.2f s / one wait_for task %.2f s (same rounds)"
            % (cpu_n, cpu_pre, cpu_wait),
            "%.1fx" % cpu_ratio,
            "cpu_ratio",
            "<= 2x: %s" % verdict(
                cpu_ratio <= 2, "" if cpu_ratio <= 2 else " by %.2f s per host" % (cpu_pre - 2 * cpu_wait)),
        )
    )  # fmt: skip
    for label, times in rows["alone"]:
        lines.append(
            "| connectivity_info alone, %s | %.2f s | %s | %s | |"
            % (label, median(times), PREVIOUS["alone"].get(label, DASH), OLDER["alone"].get(label, DASH))
        )
    lines += [
        "",
        "| Hosts (forks) | Controller CPU per host | Modules' CPU per host | One wait_for task: wall, controller CPU"
        " per host | Empty playbook: wall, controller CPU per host | Controller peak PSS | Whole tree peak PSS"
        " | %s: controller CPU, modules' CPU per host, controller PSS |" % PREVIOUS_LABEL,
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n, m, e, w in rows["scale"]:
        lines.append(
            "| %d (%d) | %.2f s | %.2f s | %.2f s, %.2f s | %.2f s, %.2f s | %.0f MiB | %.0f MiB | %s |"
            % (n, n, m.controller_cpu / n, m.module_cpu / n, w.wall, w.controller_cpu / n, e.wall,
               e.controller_cpu / n, m.controller_mib, m.tree_mib, PREVIOUS["per_host"].get(n, DASH))
        )  # fmt: skip
    lines += [
        "",
        "| One host, median of the %d runs | Wall | Controller CPU | Modules' CPU | Controller peak PSS |" % args.runs,
        "|---|---:|---:|---:|---:|",
    ]
    for name, label in ONE_HOST_LABELS:
        ms = runs[name]
        lines.append(
            "| %s | %.2f s | %.2f s | %.2f s | %.0f MiB |"
            % (label, median(walls[name]), median([m.controller_cpu for m in ms]),
               median([m.module_cpu for m in ms]), median([m.controller_mib for m in ms]))
        )  # fmt: skip
    lines += status_lines(rows["status"], args)
    lines += ["", "Raw runs (s): %s; scale rounds (preflight) %s; preflight - floor per run %s." % (
        "; ".join("%s %s" % (name, ", ".join("%.2f" % t for t in ts)) for name, ts in walls.items()),
        "; ".join("%d hosts %s" % (n, ", ".join("%.2f" % t for t in ts)) for n, ts in rows["scale_walls"].items()),
        ", ".join("%.2f" % x for x in excess))]  # fmt: skip
    lines[-1] = lines[-1].rstrip(".") + "; one wait_for - floor per run %s." % ", ".join(
        "%.2f" % x for x in stock_excess
    )
    table = "\n".join(lines) + "\n"
    results = os.path.join(REPO, "bench", "results")
    os.makedirs(results, exist_ok=True)
    for name in (now.strftime("%Y-%m-%d-%H%M.md"), "latest.md"):
        with open(os.path.join(results, name), "w") as fh:
            fh.write(table)
    readme = os.path.join(REPO, "README.md")
    with open(readme) as fh:
        text = fh.read()
    if README_BEGIN in text and README_END in text:
        head, rest = text.split(README_BEGIN, 1)
        _old, tail = rest.split(README_END, 1)
        with open(readme, "w") as fh:
            fh.write(head + README_BEGIN + "\n" + table + README_END + tail)
    print(table)


if __name__ == "__main__":
    main()
