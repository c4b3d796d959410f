"""resource_facts through real Ansible on this machine: real cgroups, real mounts, the installed Java.

Needs root (cgroups, mounts, loop devices); the conftest fails, never skips, without it. Every cgroup and
mount made here is removed by its fixture's finalizer.
"""

import os
import re
import shutil
import subprocess
import tempfile
import time
import uuid

import pytest

from tests.integration import harness

MIB = 1024**2
VOLATILE = {"mem_available_bytes", "swap_free_bytes", "free_bytes", "available_bytes", "inodes_free"}


def gather(run_module, args=None, **kwargs):
    """Run resource_facts. An empty `-a '{}'` is taken as raw params by `ansible`, so pass a default instead."""
    return run_module("resource_facts", args or {"command_timeout": 10}, **kwargs)


def facts_of(result):
    assert not (result.get("failed") or result.get("unreachable")), result.get("msg")
    assert result["changed"] is False, result
    assert "ansible_facts" in result, result
    return result["ansible_facts"]["eformidling_resources"]


def sh(*argv):
    proc = subprocess.run(list(argv), capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"{argv}: rc={proc.returncode} {proc.stdout} {proc.stderr}"
    return proc.stdout


def need_tool(name):
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    if not path:
        pytest.fail(f"{name} is not installed; run `make system-deps`")
    return path


def strip_volatile(value):
    if isinstance(value, dict):
        return {k: strip_volatile(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [strip_volatile(v) for v in value]
    return value


@pytest.fixture
def workdir():
    path = tempfile.mkdtemp(prefix="eform-rf-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


# ------------------------------------------------------------------ cgroups and mounts made for one test


def own_v1_cgroup(controller):
    """This process's cgroup directory for a v1 controller, e.g. /sys/fs/cgroup/memory/<path>."""
    with open("/proc/self/cgroup") as fh:
        for line in fh:
            _hier, controllers, path = line.rstrip("\n").split(":", 2)
            if controller in controllers.split(","):
                for base in (f"/sys/fs/cgroup/{controllers}", f"/sys/fs/cgroup/{controller}"):
                    if os.path.isdir(base + path):
                        return base + path.rstrip("/")
    pytest.fail(f"no cgroup v1 {controller} hierarchy on this machine (expected hybrid cgroups)")


@pytest.fixture
def cgroup_factory():
    """Make nested v1 cgroups below our own; return a prefix that runs a command inside the leaves."""
    made = []

    def make(controller, *levels):
        """levels: list of {file: value}; returns the leaf directory."""
        current = own_v1_cgroup(controller)
        for settings in levels:
            current = os.path.join(current, "eform-rf-" + uuid.uuid4().hex[:8])
            os.mkdir(current)
            made.append(current)
            for name, value in settings.items():
                with open(os.path.join(current, name), "w") as fh:
                    fh.write(str(value))
        return current

    yield make
    for path in reversed(made):
        for _attempt in range(50):
            try:
                os.rmdir(path)
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail(f"could not remove cgroup {path}")


def inside(*leaves):
    """argv prefix that moves the shell into every cgroup in `leaves`, then execs the command."""
    moves = " && ".join(f"echo $$ > '{leaf}/cgroup.procs'" for leaf in leaves)
    return ["sh", "-c", moves + ' && exec "$@"', "sh"]


@pytest.fixture
def mounted():
    """mount(...) helper; every mount is undone (lazily if busy) and loop devices are released."""
    points = []

    def mount(*args):
        sh(need_tool("mount"), *args)
        points.append(args[-1])
        return args[-1]

    yield mount
    for point in reversed(points):
        subprocess.run(["umount", point], check=False)
        if os.path.ismount(point):
            subprocess.run(["umount", "-l", point], check=False)
    assert not any(os.path.ismount(p) for p in points)


def df(path):
    out = sh("df", "-B1", "--output=source,fstype,size,avail,iavail,target", path).splitlines()[1].split(None, 5)
    return {"source": out[0], "fstype": out[1], "size": int(out[2]), "avail": int(out[3]), "ifree": int(out[4]),
            "target": out[5]}  # fmt: skip


# ------------------------------------------------------------------ host values


def test_cpu_equals_nproc(run_module):
    cpu = facts_of(gather(run_module))["cpu"]
    nproc = int(sh("nproc").strip())
    assert cpu["available"] is True
    assert cpu["online"] == int(sh("nproc", "--all").strip())
    assert cpu["affinity"] == nproc
    expected = min(float(nproc), cpu["cgroup_quota"] or float(nproc))
    assert cpu["effective"] == expected
    assert cpu["cgroup_version"] == 1  # this machine is hybrid: the cpu controller is on v1


def test_cpu_affinity_is_honoured(run_module):
    cpu = facts_of(gather(run_module, prefix=["taskset", "-c", "0"]))["cpu"]
    assert cpu["affinity"] == 1
    assert cpu["effective"] == 1.0


def test_memory_matches_proc_meminfo(run_module):
    mem = facts_of(gather(run_module))["memory"]
    with open("/proc/meminfo") as fh:
        info = {k: int(v.split()[0]) * 1024 for k, v in (line.split(":", 1) for line in fh)}
    assert mem["mem_total_bytes"] == info["MemTotal"]
    assert mem["swap_total_bytes"] == info["SwapTotal"]
    assert abs(mem["mem_available_bytes"] - info["MemAvailable"]) < 512 * MIB
    assert mem["cgroup_version"] == 1
    assert mem["cgroup_path"].startswith("/sys/fs/cgroup/memory")
    if mem["cgroup_limit_bytes"] is None:
        assert mem["effective_bytes"] == info["MemTotal"]


def test_disk_matches_df_for_a_path(run_module, workdir):
    disk = facts_of(gather(run_module, {"paths": [workdir]}))["disk"]
    ref = df(workdir)
    assert len(disk) == 1
    item = disk[0]
    assert item["available"] is True
    assert (item["path"], item["measured_path"], item["exists"]) == (workdir, workdir, True)
    assert item["mount_point"] == ref["target"]
    assert item["fstype"] == ref["fstype"]
    assert item["total_bytes"] == ref["size"]
    assert abs(item["available_bytes"] - ref["avail"]) < 64 * MIB
    assert abs(item["inodes_free"] - ref["ifree"]) < 1000
    assert item["read_only"] is False


def test_missing_path_measures_its_nearest_existing_ancestor(run_module, workdir):
    missing = os.path.join(workdir, "opt", "integrasjonspunkt", "data")
    item = facts_of(gather(run_module, {"paths": [missing, "/"]}))["disk"][0]
    assert item["path"] == missing
    assert item["exists"] is False
    assert item["measured_path"] == workdir
    assert item["total_bytes"] == df(workdir)["size"]
    assert any("does not exist yet" in note for note in item["notes"])


def test_default_path_is_the_install_directory(run_module):
    item = facts_of(gather(run_module))["disk"][0]
    assert item["path"] == "/opt/integrasjonspunkt"
    expected = "/opt/integrasjonspunkt" if os.path.exists("/opt/integrasjonspunkt") else "/opt"
    assert item["measured_path"] == expected


# ------------------------------------------------------------------ real cgroups


def test_memory_limit_of_a_real_cgroup_is_effective(run_module, cgroup_factory):
    leaf = cgroup_factory("memory", {"memory.limit_in_bytes": 512 * MIB})
    mem = facts_of(gather(run_module, prefix=inside(leaf)))["memory"]
    assert mem["cgroup_limit_bytes"] == 512 * MIB
    assert mem["effective_bytes"] == 512 * MIB
    assert mem["cgroup_path"] == leaf
    assert mem["mem_total_bytes"] > 512 * MIB


def test_limit_on_a_parent_cgroup_applies_to_the_nested_one(run_module, cgroup_factory):
    leaf = cgroup_factory("memory", {"memory.limit_in_bytes": 700 * MIB}, {"memory.limit_in_bytes": 900 * MIB}, {})
    parent = os.path.dirname(os.path.dirname(leaf))
    mem = facts_of(gather(run_module, prefix=inside(leaf)))["memory"]
    assert mem["effective_bytes"] == 700 * MIB
    assert mem["cgroup_path"] == parent


def test_memory_limit_above_host_ram_is_unlimited(run_module, cgroup_factory):
    with open("/proc/meminfo") as fh:
        total = int(fh.readline().split()[1]) * 1024
    leaf = cgroup_factory("memory", {"memory.limit_in_bytes": total * 4})
    mem = facts_of(gather(run_module, prefix=inside(leaf)))["memory"]
    assert mem["cgroup_raw_limit_bytes"] >= total
    assert mem["cgroup_limit_bytes"] is None
    assert mem["effective_bytes"] == total


def test_a_memory_limit_that_cannot_be_read_is_unknown_not_unlimited(run_module, cgroup_factory, workdir):
    """issue 18: a limit file that exists but holds no limit (here garbage bind-mounted over it, in a private
    mount namespace of the gathering process only) made the memory "unlimited"; it is unknown now."""
    leaf = cgroup_factory("memory", {"memory.limit_in_bytes": 512 * MIB}, {})
    limited = os.path.dirname(leaf)  # the level that really limits to 512 MiB
    garbage = os.path.join(workdir, "garbage")
    with open(garbage, "w") as fh:
        fh.write("12abc\n")
    target = os.path.join(limited, "memory.limit_in_bytes")
    prefix = [
        "unshare",
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-c",
        "mount --bind '%s' '%s' && echo $$ > '%s/cgroup.procs' && exec \"$@\"" % (garbage, target, leaf),
        "sh",
    ]
    mem = facts_of(gather(run_module, prefix=prefix))["memory"]
    assert mem["effective_bytes"] is None, mem
    assert any(target in line for line in mem["cgroup_unreadable"]), mem
    assert "memory.limit_in_bytes" in mem["reason"]


def test_cpu_quota_of_a_real_cgroup(run_module, cgroup_factory):
    leaf = cgroup_factory("cpu", {"cpu.cfs_period_us": 100000, "cpu.cfs_quota_us": 50000})
    cpu = facts_of(gather(run_module, prefix=inside(leaf)))["cpu"]
    assert cpu["cgroup_quota"] == 0.5
    assert cpu["effective"] == 0.5
    assert cpu["cgroup_path"] == leaf


# ------------------------------------------------------------------ real filesystems


def test_tmpfs_of_known_size_with_a_space_in_its_path(run_module, workdir, mounted):
    point = os.path.join(workdir, "ip data")
    os.mkdir(point)
    mounted("-t", "tmpfs", "-o", "size=64m", "tmpfs", point)
    target = os.path.join(point, "opt", "integrasjonspunkt")
    item = facts_of(gather(run_module, {"paths": [target]}))["disk"][0]
    assert item["mount_point"] == point  # mountinfo has "ip\040data"
    assert item["fstype"] == "tmpfs"
    assert item["measured_path"] == point
    assert item["total_bytes"] == 64 * MIB
    assert item["available_bytes"] == 64 * MIB
    assert any(note.startswith("on tmpfs") for note in item["notes"])


def test_loop_mounted_ext4_image(run_module, workdir, mounted):
    image = os.path.join(workdir, "fs.img")
    point = os.path.join(workdir, "mnt")
    os.mkdir(point)
    sh("truncate", "-s", "48M", image)
    sh(need_tool("mkfs.ext4"), "-q", "-F", image)
    mounted("-o", "loop", image, point)
    os.mkdir(os.path.join(point, "integrasjonspunkt"))
    ref = df(point)
    item = facts_of(gather(run_module, {"paths": [os.path.join(point, "integrasjonspunkt")]}))["disk"][0]
    assert item["exists"] is True
    assert (item["mount_point"], item["fstype"], item["source"]) == (point, "ext4", ref["source"])
    assert item["source"].startswith("/dev/loop")
    assert item["total_bytes"] == ref["size"]
    assert item["available_bytes"] == ref["avail"]
    assert 32 * MIB < item["total_bytes"] < 48 * MIB
    assert item["read_only"] is False

    sh("mount", "-o", "remount,ro", point)
    item = facts_of(gather(run_module, {"paths": [point]}))["disk"][0]
    assert item["read_only"] is True
    assert "mounted read-only" in item["notes"]


def test_bind_mount_is_noted(run_module, workdir, mounted):
    source = os.path.join(workdir, "src")
    point = os.path.join(workdir, "bound")
    os.mkdir(source)
    os.mkdir(point)
    mounted("--bind", source, point)
    item = facts_of(gather(run_module, {"paths": [point]}))["disk"][0]
    assert item["mount_point"] == point
    assert any(note.startswith("bind mount of ") and note.endswith(os.path.basename(source) + " from " + item["source"])
               for note in item["notes"]), item["notes"]  # fmt: skip


# ------------------------------------------------------------------ runtimes and platform


def test_installed_java_is_found_with_major_17(run_module):
    java = facts_of(gather(run_module))["runtimes"]["java"]
    java_bin = shutil.which("java")
    assert java_bin, "java must be installed (openjdk-17-jdk-headless)"
    out = subprocess.run([java_bin, "-version"], capture_output=True, text=True, check=True).stderr
    expected = int(re.search(r'version "(\d+)', out).group(1))
    assert expected == 17  # Debian 12's OpenJDK
    assert java["available"] is True
    assert java["path_major"] == 17
    on_path = next(r for r in java["runtimes"] if "path" in r["sources"])
    assert on_path["path"] == java_bin
    assert on_path["real_path"] == os.path.realpath(java_bin)
    assert on_path["major"] == 17
    assert on_path["version_string"] == out.strip()
    homes = {os.path.realpath(os.path.join("/usr/lib/jvm", d, "bin", "java")) for d in os.listdir("/usr/lib/jvm")}
    found = {r["real_path"] for r in java["runtimes"]}
    assert {h for h in homes if os.path.exists(h)} <= found
    assert java["best_major"] == max(r["major"] for r in java["runtimes"] if r["major"])


def test_java_home_and_java_paths(run_module, workdir):
    home = os.path.join(workdir, "jdk")
    os.makedirs(os.path.join(home, "bin"))
    os.symlink(os.path.realpath(shutil.which("java")), os.path.join(home, "bin", "java"))
    java = facts_of(gather(run_module, {"java_paths": [home]}, env={"JAVA_HOME": home}))["runtimes"]["java"]
    entry = next(r for r in java["runtimes"] if r["path"] == os.path.join(home, "bin", "java"))
    assert entry["sources"][:2] == ["java_paths", "path"] or "java_home" in entry["sources"]
    assert entry["major"] == 17


def test_container_engine_reports_binary_and_daemon_state(run_module):
    engine = facts_of(gather(run_module))["runtimes"]["container_engine"]
    binaries = [b for b in (shutil.which("docker"), shutil.which("podman")) if b]
    assert engine["available"] is bool(binaries)
    if binaries:
        assert engine["binary"] in binaries
        assert engine["version"]
        assert isinstance(engine["answers"], bool)
        if not engine["answers"]:
            assert engine["reason"]
    unprobed = facts_of(gather(run_module, {"probe_container_engine": False}))["runtimes"]
    assert unprobed["container_engine"]["answers"] is None


def test_platform_matches_ansible_setup(run_module):
    platform = facts_of(gather(run_module))["platform"]
    setup = run_module("ansible.builtin.setup", {"gather_subset": ["!all", "!min", "distribution", "platform"]})
    facts = setup["ansible_facts"]
    assert platform["system"] == facts["ansible_system"] == "Linux"
    assert platform["distribution"] == facts["ansible_distribution"]
    assert platform["os_family"] == facts["ansible_os_family"]
    assert platform["distribution_version"] == facts["ansible_distribution_version"]
    with open("/proc/1/comm") as fh:
        assert platform["systemd_pid1"] is (fh.read().strip() == "systemd")
    virt = platform["virtualization"]
    assert virt["role"] in ("host", "guest", "container", "none")
    if os.path.exists("/.dockerenv"):
        assert virt["role"] == "container"
        assert "/.dockerenv exists" in virt["evidence"]


# ------------------------------------------------------------------ modes of use


def test_check_mode_returns_the_same(run_module, workdir):
    args = {"paths": [workdir, os.path.join(workdir, "missing")]}
    normal = facts_of(gather(run_module, args))
    checked = facts_of(gather(run_module, args, check=True))
    assert strip_volatile(checked) == strip_volatile(normal)


def test_runs_inside_gather_facts(run_module):
    inventory = harness.local_inventory(
        hostvars={"ansible_facts_modules": ["eformidling.integrasjonspunkt.resource_facts"]}
    )
    try:
        result = run_module("ansible.builtin.gather_facts", {"parallel": False}, inventory=inventory)
    finally:
        os.unlink(inventory)
    facts = result["ansible_facts"]["eformidling_resources"]
    assert set(facts) == {"cpu", "memory", "disk", "platform", "runtimes"}
    assert facts["disk"][0]["path"] == "/opt/integrasjonspunkt"


def test_needs_no_root(run_module, workdir):
    """The module runs as `nobody` (pipelined into a python started through setpriv): every section comes back."""
    os.chmod(workdir, 0o755)
    private = os.path.join(workdir, "private")
    os.makedirs(os.path.join(private, "inner"))
    os.chmod(private, 0o700)
    wrapper = os.path.join(workdir, "python-as-nobody")
    setpriv = need_tool("setpriv")
    with open(wrapper, "w") as fh:
        fh.write(f'#!/bin/sh\nexec {setpriv} --reuid=65534 --regid=65534 --clear-groups -- /usr/bin/python3 "$@"\n')
    os.chmod(wrapper, 0o755)
    inventory = harness.local_inventory(interpreter=wrapper, hostvars={"ansible_pipelining": True})
    paths = [os.path.join(private, "inner"), "/opt/integrasjonspunkt"]
    try:
        facts = facts_of(gather(run_module, {"paths": paths}, inventory=inventory))
    finally:
        os.unlink(inventory)
    assert facts["cpu"]["available"] and facts["memory"]["available"] and facts["platform"]["available"]
    assert facts["runtimes"]["java"]["path_major"] == 17
    assert [d["available"] for d in facts["disk"]] == [True, True]
    hidden = facts["disk"][0]
    assert hidden["measured_path"] == private  # as root, "inner" would have been visible
    assert any(note.startswith("no permission to look inside") for note in hidden["notes"])
