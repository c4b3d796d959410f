#!/usr/bin/env python
"""Preflight benchmarks: `make bench` (root; uses a private network namespace).

1. Baseline: preflight on one host against the full production catalogue (17 endpoints: 13 runtime for
   every service of 4.0.8, 4 install-time), simulated on loopback inside a test namespace with 3 of them
   blackholed, against bench/baseline.yml, which makes the same checks with stock modules only
   (setup, wait_for/uri per endpoint, chronyc, asserts). Alternating runs; medians and their ratio.
2. Scale: preflight over 1, 10 and 30 hosts (local inventory aliases, forks = hosts), with the
   controller's peak memory (the sum of PSS over ansible-playbook and its forks, sampled every 0.1 s).
3. The connectivity_info module alone: 17 endpoints reachable, then 3 blackholed.

Results: bench/results/<date>.md and bench/results/latest.md; the README's benchmark section is
replaced by the latest table. Nothing leaves 127.0.0.0/8 inside the namespace.
"""

import argparse
import datetime
import json
import os
import platform
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
BLACKHOLED = ["dpe-servicebus-amqp", "crl-commfides", "ghcr"]
README_BEGIN = "<!-- bench:begin -->"
README_END = "<!-- bench:end -->"


def sh(*argv, **kwargs):
    return subprocess.run(list(argv), check=True, capture_output=True, text=True, **kwargs)


class Lab:
    """A private network namespace with the simulated catalogue and a synced chronyd client."""

    def __init__(self, timeout):
        self.ns = "eftest-bench-%d" % os.getpid()
        self.dir = tempfile.mkdtemp(prefix="eftest-bench-")
        self.timeout = timeout
        self.python = os.path.join(self.dir, "python-in-ns")

    def __enter__(self):
        sh("ip", "netns", "add", self.ns)
        sh("ip", "-n", self.ns, "link", "set", "lo", "up")
        # Modules run in the namespace: the interpreter itself is wrapped.
        with open(self.python, "w") as fh:
            fh.write('#!/bin/sh\nexec ip netns exec %s %s "$@"\n' % (self.ns, sys.executable))
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
                "bench_timeout": self.timeout,
                "bench_endpoints": lab_selected(self),
            }
        )
        with open(path, "w") as fh:
            yaml.safe_dump(doc, fh)
        return path


def env(forks):
    e = dict(os.environ)
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


def tree_pss_kib(root_pid):
    """Sum of PSS over a process and its descendants: forks share the controller's pages, so RSS would
    count them once per fork; PSS divides shared pages among their users."""
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
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        try:
            with open("/proc/%d/smaps_rollup" % pid) as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            pass
    return total


def timed(argv, forks):
    """(seconds, peak tree PSS in MiB) of one command; raises with its output when it fails."""
    start = time.monotonic()
    proc = subprocess.Popen(argv, env=env(forks), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO)
    peak = [0]

    def sample():
        while proc.poll() is None:
            peak[0] = max(peak[0], tree_pss_kib(proc.pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _stderr = proc.communicate()
    elapsed = time.monotonic() - start
    sampler.join()
    if proc.returncode != 0:
        raise RuntimeError("%s failed (rc %s):\n%s" % (" ".join(argv[:3]), proc.returncode, out[-4000:]))
    return elapsed, peak[0] / 1024.0


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
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("make bench needs root (network namespace, nftables)")

    rows = {}
    with Lab(args.timeout) as lab:
        lab.blackhole(True)
        pre, base = [], []
        preflight_yml = os.path.join(REPO, "playbooks", "preflight.yml")
        baseline_yml = os.path.join(REPO, "bench", "baseline.yml")
        for i in range(args.runs):
            for name, path, sink in (("preflight", preflight_yml, pre), ("baseline", baseline_yml, base)):
                t, _mem = timed(playbook(lab, path, 1), 1)
                sink.append(t)
                print("run %d %-9s %.2f s" % (i + 1, name, t), flush=True)
        rows["baseline"] = (pre, base)

        scale = []
        for n in [int(x) for x in args.scale.split(",")]:
            t, mem = timed(playbook(lab, preflight_yml, n), n)
            scale.append((n, t, mem))
            print("scale %2d hosts %.2f s, peak %.0f MiB" % (n, t, mem), flush=True)
        rows["scale"] = scale

        alone = []
        for label, on in (("17 reachable", False), ("17, 3 blackholed", True)):
            lab.blackhole(on)
            times = [timed(module_alone(lab), 1)[0] for _run in range(args.runs)]
            alone.append((label, times))
            print("module %-18s median %.2f s" % (label, median(times)), flush=True)
        rows["alone"] = alone

    write_results(rows, args)


def write_results(rows, args):
    pre, base = rows["baseline"]
    one_host = next(t for n, t, _mem in rows["scale"] if n == 1)
    many = rows["scale"][-1]
    now = datetime.datetime.now(datetime.timezone.utc)
    lines = [
        "### Benchmark %s" % now.strftime("%Y-%m-%d %H:%M UTC"),
        "",
        "Machine: %s. Probe timeout %.0f s; 17 endpoints (13 runtime, 4 install) on loopback in a test network"
        " namespace, 3 blackholed (%s). `make bench`, %d alternating runs."
        % (machine(), args.timeout, ", ".join(BLACKHOLED), args.runs),
        "",
        "| Measurement | Median wall time | Target |",
        "|---|---:|---|",
        "| preflight, 1 host | %.2f s | <= one timeout + 3 s = %.0f s: %s |"
        % (median(pre), args.timeout + 3, "met" if median(pre) <= args.timeout + 3 else "missed"),
        "| stock-module baseline, 1 host | %.2f s | |" % median(base),
        "| speed-up (baseline / preflight) | %.1fx | >= 5x: %s |"
        % (median(base) / median(pre), "met" if median(base) / median(pre) >= 5 else "missed"),
    ]
    for n, t, mem in rows["scale"]:
        lines.append("| preflight, %d hosts (forks %d) | %.2f s, controller peak %.0f MiB PSS | |" % (n, n, t, mem))
    lines.append(
        "| %d hosts / 1 host | %.1fx | <= 3x: %s |"
        % (many[0], many[1] / one_host, "met" if many[1] / one_host <= 3 else "missed")
    )
    for label, times in rows["alone"]:
        lines.append("| connectivity_info alone, %s | %.2f s | |" % (label, median(times)))
    lines += ["", "Raw runs (s): preflight %s; baseline %s." % (
        ", ".join("%.2f" % t for t in pre), ", ".join("%.2f" % t for t in base))]  # fmt: skip
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
