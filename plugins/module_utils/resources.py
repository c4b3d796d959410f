# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Collect the CPU, memory, disk, platform and runtime facts behind `resource_facts`.

Parsers are pure functions of text. Collectors take a filesystem `root` (so tests can point them at a
fixture tree) and, where they must run a program, `run(argv) -> (rc, stdout, stderr)` and
`which(name) -> path or None`. Every collector returns a dict with `available` and, when false, `reason`;
none of them raises.
"""

import os
import platform
import re

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import cgroups, java, mounts

read_text = cgroups.read_text


# ---------------------------------------------------------------- parsers


def parse_meminfo(text):
    """/proc/meminfo -> {field: bytes}. Values given in kB are converted to bytes."""
    values = {}
    if not isinstance(text, str):
        return values
    for line in text.splitlines():
        name, sep, rest = line.partition(":")
        fields = rest.split()
        if not sep or not fields:
            continue
        try:
            number = int(fields[0])
        except ValueError:
            continue
        if len(fields) > 1 and fields[1].lower() == "kb":
            number *= 1024
        values[name.strip()] = number
    return values


def parse_cpu_list(text):
    """A kernel CPU list such as '0-3,8,10-11' -> sorted list of ints; garbage -> []."""
    cpus = set()
    if not isinstance(text, str):
        return []
    for raw in text.strip().split(","):
        part = raw.strip()
        if not part:
            continue
        low, sep, high = part.partition("-")
        try:
            first = int(low)
            last = int(high) if sep else first
        except ValueError:
            return []
        if first < 0 or last < first or last - first > 65536:
            return []
        cpus.update(range(first, last + 1))
    return sorted(cpus)


def parse_status_cpus(text):
    """`Cpus_allowed_list` from /proc/<pid>/status -> list of CPUs (affinity)."""
    if not isinstance(text, str):
        return []
    for line in text.splitlines():
        if line.startswith("Cpus_allowed_list:"):
            return parse_cpu_list(line.split(":", 1)[1])
    return []


def parse_os_release(text):
    """/etc/os-release (shell-style KEY=value, optionally quoted) -> dict."""
    values = {}
    if not isinstance(text, str):
        return values
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key.strip()] = value.replace('\\"', '"').replace("\\$", "$").replace("\\\\", "\\")
    return values


# os-release ID -> (ansible_distribution, ansible_os_family) for the common cases.
_DISTROS = {
    "debian": ("Debian", "Debian"),
    "ubuntu": ("Ubuntu", "Debian"),
    "raspbian": ("Debian", "Debian"),
    "linuxmint": ("Linux Mint", "Debian"),
    "rhel": ("RedHat", "RedHat"),
    "centos": ("CentOS", "RedHat"),
    "rocky": ("Rocky", "RedHat"),
    "almalinux": ("AlmaLinux", "RedHat"),
    "ol": ("OracleLinux", "RedHat"),
    "fedora": ("Fedora", "RedHat"),
    "amzn": ("Amazon", "RedHat"),
    "sles": ("SLES", "Suse"),
    "opensuse-leap": ("openSUSE Leap", "Suse"),
    "opensuse-tumbleweed": ("openSUSE Tumbleweed", "Suse"),
    "arch": ("Archlinux", "Archlinux"),
    "alpine": ("Alpine", "Alpine"),
    "gentoo": ("Gentoo", "Gentoo"),
}
_FAMILY_BY_LIKE = {"debian": "Debian", "rhel": "RedHat", "fedora": "RedHat", "suse": "Suse", "arch": "Archlinux"}


def distribution_from_os_release(values):
    """(distribution, os_family, version) from parsed os-release, named the way Ansible's facts name them."""
    if not isinstance(values, dict):
        return None, None, None
    ident = str(values.get("ID", "")).lower()
    name, family = _DISTROS.get(ident, (values.get("NAME") or None, None))
    if family is None:
        for like in str(values.get("ID_LIKE", "")).lower().split():
            if like in _FAMILY_BY_LIKE:
                family = _FAMILY_BY_LIKE[like]
                break
    return name, family or name, values.get("VERSION_ID") or None


# ------------------------------------------------------------ virtualization

_DMI_VM = (
    ("KVM", "kvm"),
    ("QEMU", "qemu"),
    ("VMware", "vmware"),
    ("VirtualBox", "oracle"),
    ("innotek", "oracle"),
    ("Xen", "xen"),
    ("Microsoft Corporation", "microsoft"),
    ("Amazon EC2", "amazon"),
    ("Google Compute Engine", "google"),
    ("OpenStack", "openstack"),
    ("Parallels", "parallels"),
    ("Bochs", "bochs"),
)
_CGROUP_HINTS = (
    ("kubepods", "kubernetes"),
    ("/docker", "docker"),
    ("docker-", "docker"),
    ("libpod", "podman"),
    ("/lxc", "lxc"),
    ("machine.slice/systemd-nspawn", "systemd-nspawn"),
)


def container_hint_from_cgroup(text):
    """Container type suggested by cgroup paths in /proc/1/cgroup (or None)."""
    for entry in cgroups.parse_proc_cgroup(text):
        for needle, kind in _CGROUP_HINTS:
            if needle in entry["path"]:
                return kind
    return None


def vm_hint_from_dmi(*texts):
    """Hypervisor suggested by DMI strings (sys_vendor, product_name, ...), or None."""
    for text in texts:
        if not isinstance(text, str):
            continue
        for needle, kind in _DMI_VM:
            if needle.lower() in text.lower():
                return kind
    return None


def detect_virtualization(root="/", run=None, which=None):
    """{type, role, container_type, vm_type, evidence}. role: container > guest > host > none."""
    evidence = []
    container = None
    vm = None
    tool = which("systemd-detect-virt") if which else None
    if tool and run:
        for flag, slot in (("--container", "container"), ("--vm", "vm")):
            rc, out, _err = run([tool, flag])
            value = (out or "").strip()
            if rc == 0 and value and value != "none":
                evidence.append(f"systemd-detect-virt {flag}: {value}")
                if slot == "container":
                    container = container or value
                else:
                    vm = vm or value
    if os.path.exists(os.path.join(root, ".dockerenv")):
        evidence.append("/.dockerenv exists")
        container = container or "docker"
    if os.path.exists(os.path.join(root, "run/.containerenv")):
        evidence.append("/run/.containerenv exists")
        container = container or "podman"
    marker = (read_text(root, "run/systemd/container") or "").strip()
    if marker:
        evidence.append(f"/run/systemd/container: {marker}")
        container = container or marker
    hint = container_hint_from_cgroup(read_text(root, "proc/1/cgroup"))
    if hint:
        evidence.append(f"/proc/1/cgroup names {hint}")
        container = container or hint
    dmi = vm_hint_from_dmi(
        read_text(root, "sys/class/dmi/id/sys_vendor"),
        read_text(root, "sys/class/dmi/id/product_name"),
    )
    if dmi:
        evidence.append(f"DMI names {dmi}")
        vm = vm or dmi
    cpuinfo = read_text(root, "proc/cpuinfo") or ""
    if re.search(r"^flags\s*:.*\bhypervisor\b", cpuinfo, re.MULTILINE):
        evidence.append("CPU flag 'hypervisor' is set")
        vm = vm or "unknown"
    if container:
        role, kind = "container", container
    elif vm:
        role, kind = "guest", vm
    elif os.path.exists(os.path.join(root, "dev/kvm")):
        role, kind = "host", "kvm"
        evidence.append("/dev/kvm exists")
    else:
        role, kind = "none", "none"
    return {"type": kind, "role": role, "container_type": container, "vm_type": vm, "evidence": evidence}


# ---------------------------------------------------------------- sections


def unavailable(reason, **extra):
    section = {"available": False, "reason": reason}
    section.update(extra)
    return section


def collect_cpu(root="/"):
    """cpu section: online CPUs, affinity, cgroup quota (CPUs or None) and the effective minimum."""
    online = len(parse_cpu_list(read_text(root, "sys/devices/system/cpu/online")))
    online_source = "/sys/devices/system/cpu/online"
    if not online and root == "/":
        online, online_source = os.cpu_count() or 0, "os.cpu_count()"
    affinity = len(parse_status_cpus(read_text(root, "proc/self/status")))
    if not affinity and root == "/" and hasattr(os, "sched_getaffinity"):
        try:
            affinity = len(os.sched_getaffinity(0))
        except Exception:
            affinity = 0
    if not online and not affinity:
        return unavailable("neither /sys/devices/system/cpu/online nor the process affinity could be read")
    cg = cgroups.cgroup_limit(root, "cpu")
    candidates = [float(v) for v in (online, affinity) if v] + ([cg["limit"]] if cg["limit"] else [])
    section = {
        "available": True,
        "online": online or None,
        "online_source": online_source,
        "affinity": affinity or None,
        "cgroup_quota": cg["limit"],
        "cgroup_path": cg["cgroup_path"],
        "cgroup_version": cg["version"],
        "cgroup_available": cg["available"],
        "effective": min(candidates),
    }
    if cg.get("reason") or cg.get("note"):
        section["cgroup_reason"] = cg.get("reason") or cg.get("note")
    _unknown_limit(section, cg, "effective", "CPU quota")
    return section


def _unknown_limit(section, cg, key, what):
    """A cgroup limit file that exists but cannot be read: the effective value is unknown, never "no limit"."""
    if cg.get("unreadable"):
        section[key] = None
        section["cgroup_unreadable"] = list(cg["unreadable"])
        section["reason"] = "the cgroup %s could not be read (%s), so the limit may be lower than measured" % (
            what,
            "; ".join(cg["unreadable"]),
        )


def collect_memory(root="/"):
    """memory section: /proc/meminfo totals, the cgroup limit (None = unlimited) and the effective minimum."""
    info = parse_meminfo(read_text(root, "proc/meminfo"))
    total = info.get("MemTotal")
    if not total:
        return unavailable("/proc/meminfo is missing or has no MemTotal")
    cg = cgroups.cgroup_limit(root, "memory")
    limit = cg["limit"]
    section = {
        "available": True,
        "mem_total_bytes": total,
        "mem_available_bytes": info.get("MemAvailable", info.get("MemFree")),
        "swap_total_bytes": info.get("SwapTotal"),
        "swap_free_bytes": info.get("SwapFree"),
        "cgroup_raw_limit_bytes": limit,
        "cgroup_limit_bytes": limit if limit is not None and limit < total else None,
        "cgroup_path": cg["cgroup_path"],
        "cgroup_version": cg["version"],
        "cgroup_available": cg["available"],
    }
    section["effective_bytes"] = min(total, section["cgroup_limit_bytes"] or total)
    if limit is not None and limit >= total:
        section["cgroup_reason"] = f"cgroup limit {limit} is not below host RAM {total}: treated as unlimited"
    elif cg.get("reason") or cg.get("note"):
        section["cgroup_reason"] = cg.get("reason") or cg.get("note")
    _unknown_limit(section, cg, "effective_bytes", "memory limit")
    return section


def collect_disk(paths, root="/"):
    """disk section: one report per path (see mounts.disk_report)."""
    table = mounts.parse_mountinfo(read_text(root, "proc/self/mountinfo"))
    reports = []
    for path in paths or []:
        try:
            reports.append(mounts.disk_report(path, table))
        except Exception as exc:
            reports.append(unavailable(f"measuring {path} failed: {exc}", path=path, notes=[]))
    return reports


def debian_point_release(text, version):
    """Debian's point release from /etc/debian_version ('12.11'), as Ansible's facts give it; else `version`."""
    line = (text or "").strip()
    major = str(version).split(".", maxsplit=1)[0] if version else None
    if re.match(r"^\d+(\.\d+)*$", line) and (major is None or line.split(".", maxsplit=1)[0] == major):
        return line
    return version


def collect_platform(root="/", run=None, which=None, system=None, distribution=None):
    """platform section. `distribution` may be a (name, family, version) tuple from Ansible's own collector."""
    values = parse_os_release(read_text(root, "etc/os-release") or read_text(root, "usr/lib/os-release"))
    name, family, version = distribution or distribution_from_os_release(values)
    if not distribution and name == "Debian":
        version = debian_point_release(read_text(root, "etc/debian_version"), version)
    pid1 = (read_text(root, "proc/1/comm") or "").strip()
    return {
        "available": True,
        "system": system,
        "os_family": family,
        "distribution": name,
        "distribution_version": version,
        "pid1": pid1 or None,
        "systemd_pid1": pid1 == "systemd",
        "systemd_booted": os.path.isdir(os.path.join(root, "run/systemd/system")),
        "virtualization": detect_virtualization(root, run, which),
    }


def collect_java(run, which, java_home=None, extra=None, jvm_dirs=java.JVM_DIRS):
    """runtimes.java: every runtime found with its version; best_major is the highest major found."""
    found = java.dedupe(java.candidates(which("java"), java_home, jvm_dirs, extra))
    runtimes = []
    for entry in found:
        rc, out, err = run([entry["path"], "-version"])
        parsed = java.parse_java_version((err or "") + (out or ""))
        entry.update(parsed)
        if rc != 0 or parsed["major"] is None:
            entry["error"] = f"`{entry['path']} -version` exited {rc} without a readable version"
        runtimes.append(entry)
    majors = [r["major"] for r in runtimes if r.get("major")]
    path_majors = [r["major"] for r in runtimes if "path" in r["sources"] and r.get("major")]
    section = {
        "available": bool(majors),
        "runtimes": runtimes,
        "best_major": max(majors) if majors else None,
        "path_major": path_majors[0] if path_majors else None,
    }
    if not majors:
        section["reason"] = "no working java found on PATH, in JAVA_HOME or in " + ", ".join(jvm_dirs or [])
    return section


def parse_engine_version(text):
    """'Docker version 24.0.7, build afdd53b' / 'podman version 4.3.1' -> '24.0.7' / '4.3.1' (or None)."""
    if not isinstance(text, str):
        return None
    match = re.search(r"version\s+v?([0-9][0-9A-Za-z.+~-]*)", text)
    return match.group(1).rstrip(",") if match else None


def probe_engine(name, binary, run, docker_host=None):
    """Client version and whether the engine answers (docker: its daemon; podman: `podman info`).

    docker_host: the engine the install role will use (integrasjonspunkt_docker_host), asked with -H.
    """
    rc, out, err = run([binary, "--version"])
    engine = {
        "available": True,
        "name": name,
        "binary": binary,
        "version": parse_engine_version(out) if rc == 0 else None,
        "answers": False,
        "server_version": None,
    }
    # docker needs its daemon for the server part; podman has no daemon, `info` reads its storage.
    if name == "docker":
        argv = [binary] + (["-H", docker_host] if docker_host else []) + ["version", "--format", "{{.Server.Version}}"]
    else:
        argv = [binary, "info", "--format", "{{.Version.Version}}"]
    rc, out, err = run(argv)
    server = (out or "").strip()
    if rc == 0 and server:
        engine["answers"] = True
        engine["server_version"] = server.splitlines()[0].strip()
    else:
        lines = [line for line in ((err or "") + "\n" + (out or "")).splitlines() if line.strip()]
        engine["reason"] = f"`{name} {' '.join(argv[1:-2])}` exited {rc}: " + (
            lines[-1].strip() if lines else "no output"
        )
        # The CLI says so when the socket exists but this user may not use it.
        engine["permission_denied"] = "permission denied" in ((err or "") + (out or "")).lower()
    return engine


def ask_engine_api(api, docker_host):
    """runtimes.container_engine from the engine's own API at docker_host (Docker or Podman, no CLI needed).

    Returns (section or None, problem): the section when it answers, else the API's reason for the CLI path.
    """
    answer = api.get_json(docker_host, "/version")
    if "reason" in answer:
        return None, answer
    data = answer["data"] if isinstance(answer.get("data"), dict) else {}
    if answer["status"] != 200 or not data.get("Version"):
        return None, {"reason": "the engine at %s answered %s to GET /version" % (docker_host, answer["status"])}
    name = api.engine_name(data)
    section = {"available": True, "name": name, "binary": None, "version": data.get("Version"), "answers": True,
               "server_version": data.get("Version"), "api_version": data.get("ApiVersion"), "via": "api",
               "engines": []}  # fmt: skip
    return section, None


def collect_container_engine(run, which, probe=True, docker_host=None, api=None):
    """runtimes.container_engine: docker or podman; prefers an engine that answers.

    With `api` (module_utils.engine_api) and a unix:// docker_host the socket the role will use is asked first:
    that is what the install needs, and it works without any CLI (a RHEL host with podman.socket).
    """
    api_problem = None
    if probe and api is not None and api.socket_path(docker_host):
        section, api_problem = ask_engine_api(api, docker_host)
        if section:
            return section
    found = [(name, which(name)) for name in ("docker", "podman")]
    found = [(name, binary) for name, binary in found if binary]
    if api_problem and (api_problem.get("denied") or not found):
        # The socket is what the role uses: its refusal decides, whatever a CLI might say.
        names = [name for name, _binary in found] or ["docker or podman"]
        section = unavailable(api_problem["reason"], name=names[0], binary=found[0][1] if found else None)
        section.update(
            available=bool(found) or not api_problem.get("missing"),  # an engine refused us: it is there
            version=None,
            answers=False,
            server_version=None,
            permission_denied=bool(api_problem.get("denied")),
            socket_missing=bool(api_problem.get("missing")),
            via="api",
            engines=[],
        )
        return section
    if not found:
        return unavailable("neither docker nor podman is on PATH", binary=None, name=None, version=None, answers=False)
    if not probe:
        name, binary = found[0]
        return {"available": True, "name": name, "binary": binary, "version": None, "answers": None,
                "reason": "not probed (probe_container_engine=false)", "engines": []}  # fmt: skip
    engines = [probe_engine(name, binary, run, docker_host) for name, binary in found]
    best = next((e for e in engines if e["answers"]), engines[0])
    section = dict(best)
    section["engines"] = engines
    if api_problem:
        section["socket_missing"] = bool(api_problem.get("missing"))
        section["api_reason"] = api_problem["reason"]
    return section


def _socket_group(docker_host):
    from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import engine_api  # noqa: PLC0415

    return engine_api.socket_group(docker_host)


def collect_runtimes(
    run,
    which,
    java_home=None,
    java_paths=None,
    probe_container_engine=True,
    jvm_dirs=java.JVM_DIRS,
    docker_host=None,
    api=None,
):
    """runtimes section: Java runtimes and the container engine."""
    section = {
        "java": collect_java(run, which, java_home, java_paths, jvm_dirs),
        "container_engine": collect_container_engine(run, which, probe_container_engine, docker_host, api),
    }
    if docker_host and api is not None:  # Docker mode: the resolvers the role's container will get
        from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import container_dns  # noqa: PLC0415

        engine = "podman" if section["container_engine"].get("name") == "podman" else "docker"
        section["container_engine"]["dns"] = guarded("the container's resolvers", container_dns.collect, engine)
    if docker_host and section["container_engine"].get("permission_denied"):  # the fix names who may use it
        section["container_engine"]["socket_group"] = _socket_group(docker_host)
    section["available"] = section["java"]["available"] or section["container_engine"]["available"]
    if not section["available"]:
        section["reason"] = "no Java runtime and no container engine found"
    return section


def guarded(name, func, *args, **kwargs):
    """Run a collector; turn an unexpected exception into `available: false` for that section."""
    try:
        return func(*args, **kwargs)
    except Exception as exc:
        return unavailable(f"collecting {name} failed: {type(exc).__name__}: {exc}")


def collect_all(
    paths,
    run,
    which,
    system,
    distribution=None,
    java_home=None,
    java_paths=None,
    probe_container_engine=True,
    docker_host=None,
    api=None,
):
    """The whole eformidling_resources fact: cpu, memory, disk per path, platform and runtimes."""
    linux_only = None if system == "Linux" else f"not supported on {system}: needs Linux /proc and /sys"
    return {
        "cpu": unavailable(linux_only) if linux_only else guarded("cpu", collect_cpu),
        "memory": unavailable(linux_only) if linux_only else guarded("memory", collect_memory),
        "disk": collect_disk(paths),
        "platform": guarded("platform", collect_platform, "/", run, which, system, distribution),
        "runtimes": guarded(
            "runtimes",
            collect_runtimes,
            run,
            which,
            java_home,
            java_paths or [],
            probe_container_engine,
            docker_host=docker_host,
            api=api,
        ),
    }


def module_tools(module, command_timeout):
    """(run, which) for the collectors: every command bounded by timeout(1), never raising."""
    timeout_bin = module.get_bin_path("timeout")

    def which(name):
        return module.get_bin_path(name, opt_dirs=["/usr/sbin", "/sbin"])

    def run(argv):
        if timeout_bin and command_timeout > 0:
            argv = [timeout_bin, "-k", "2", "%g" % command_timeout, *argv]
        try:
            return module.run_command(argv, environ_update={"LC_ALL": "C", "LANG": "C"}, handle_exceptions=False)
        except Exception as exc:
            return 127, "", str(exc)

    return run, which


def collect_for_module(module, paths, java_paths, probe_container_engine, command_timeout, docker_host=None):
    """collect_all() with an AnsibleModule's runner, distribution and environment."""
    from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import engine_api  # noqa: PLC0415

    run, which = module_tools(module, command_timeout)
    return collect_all(
        paths,
        run,
        which,
        platform.system(),
        None,  # named from /etc/os-release the way Ansible's facts name it (no facts module_utils in the payload)
        os.environ.get("JAVA_HOME"),
        java_paths,
        probe_container_engine,
        docker_host,
        api=engine_api,
    )
