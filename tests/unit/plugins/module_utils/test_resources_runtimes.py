"""Java version parsing and discovery, container engines, platform and virtualisation hints.

Discovery tests run real executables: small shell scripts in a temporary JVM directory that print a
fixture's `java -version` output, found and run the way the module finds and runs them.
"""

import os
import shutil
import stat
import subprocess

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import java, resources

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "fixtures", "resources")


def fixture_text(name):
    with open(os.path.join(FIXTURES, "java", name), encoding="utf-8", errors="replace") as fh:
        return fh.read()


def run(argv):
    proc = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=30)
    return proc.returncode, proc.stdout, proc.stderr


def executable(path, body):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as fh:
        fh.write("#!/bin/sh\n" + body)
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def fake_java(home, fixture, rc=0):
    """A real executable at <home>/bin/java printing the fixture to stderr, like `java -version`."""
    return executable(
        os.path.join(home, "bin", "java"), f"cat '{os.path.join(FIXTURES, 'java', fixture)}' >&2\nexit {rc}\n"
    )


# ------------------------------------------------------------------ java -version parsing


@pytest.mark.parametrize(
    ("fixture", "version", "major", "vendor"),
    [
        ("openjdk-8.txt", "1.8.0_412", 8, None),
        ("oracle-8.txt", "1.8.0_202", 8, "Oracle"),
        ("temurin-8.txt", "1.8.0_432", 8, "Eclipse Temurin"),
        ("openjdk-17-debian.txt", "17.0.15", 17, "Debian"),
        ("openjdk-17-tool-options.txt", "17.0.15", 17, "Debian"),
        ("openjdk-21-ubuntu.txt", "21.0.5", 21, "Ubuntu"),
        ("temurin-21.txt", "21.0.5", 21, "Eclipse Temurin"),
        ("openjdk-25-ga.txt", "25", 25, None),
        ("temurin-25.txt", "25.0.3", 25, "Eclipse Temurin"),
        ("openjdk-26-ea.txt", "26-ea", 26, None),
    ],
)
def test_parse_java_version(fixture, version, major, vendor):
    parsed = java.parse_java_version(fixture_text(fixture))
    assert parsed["version"] == version
    assert parsed["major"] == major
    assert parsed["vendor"] == vendor
    assert parsed["version_string"] == fixture_text(fixture).strip()
    assert "Runtime Environment" in parsed["runtime"]


@pytest.mark.parametrize("fixture", ["garbage-broken-install.txt", "garbage-vm-error.txt", "garbage-binary.bin"])
def test_parse_java_version_garbage(fixture):
    parsed = java.parse_java_version(fixture_text(fixture))
    assert parsed["major"] is None
    assert parsed["runtime"] is None


@pytest.mark.parametrize(
    ("text", "major"),
    [("1.8.0_392", 8), ("1.7.0", 7), ("11", 11), ("17.0.15", 17), ("21-ea", 21), ("0.1", None), ("abc", None)],
)
def test_parse_major(text, major):
    assert java.parse_major(text) == major


# ------------------------------------------------------------------ discovery with real executables


def test_collect_java_finds_path_java_home_jvm_dirs_and_dedupes(tmp_path):
    jvm = tmp_path / "jvm"
    fake_java(str(jvm / "java-17-openjdk-amd64"), "openjdk-17-debian.txt")
    fake_java(str(jvm / "temurin-25-jdk-amd64"), "temurin-25.txt")
    fake_java(str(jvm / "jdk8u432" / "jre"), "temurin-8.txt")
    (jvm / "java-1.17.0-openjdk-amd64").symlink_to(jvm / "java-17-openjdk-amd64")
    broken = fake_java(str(tmp_path / "broken"), "garbage-broken-install.txt", rc=1)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "java").symlink_to(jvm / "java-17-openjdk-amd64" / "bin" / "java")

    def which(name):
        return shutil.which(name, path=str(bindir))

    section = resources.collect_java(
        run, which, java_home=str(jvm / "temurin-25-jdk-amd64"), extra=[broken], jvm_dirs=[str(jvm)]
    )
    by_major = {r["major"]: r for r in section["runtimes"] if r["major"]}
    assert section["available"] is True
    assert sorted(by_major) == [8, 17, 25]
    assert section["best_major"] == 25
    assert section["path_major"] == 17
    assert by_major[17]["path"] == str(bindir / "java")
    assert by_major[17]["sources"] == ["path", "jvm_dir"]  # the symlinked jvm dir is the same binary
    assert by_major[25]["sources"] == ["java_home", "jvm_dir"]
    assert by_major[8]["path"].endswith("jdk8u432/jre/bin/java")
    failed = next(r for r in section["runtimes"] if r["path"] == broken)
    assert failed["source"] == "java_paths"
    assert failed["major"] is None
    assert "exited 1" in failed["error"]
    assert len(section["runtimes"]) == 4


def test_java_paths_accepts_a_home_directory(tmp_path):
    home = tmp_path / "jdk-21"
    fake_java(str(home), "temurin-21.txt")
    section = resources.collect_java(run, lambda name: None, extra=[str(home)], jvm_dirs=[])
    assert section["runtimes"][0]["path"] == str(home / "bin" / "java")
    assert section["best_major"] == 21
    assert section["path_major"] is None


def test_collect_java_none_found(tmp_path):
    section = resources.collect_java(run, lambda name: None, java_home=str(tmp_path), jvm_dirs=[str(tmp_path)])
    assert section["available"] is False
    assert section["runtimes"] == []
    assert section["best_major"] is None
    assert "no working java" in section["reason"]


# ------------------------------------------------------------------ container engines


@pytest.mark.parametrize(
    ("text", "version"),
    [
        ("Docker version 28.2.2, build e6534b4", "28.2.2"),
        ("podman version 4.3.1", "4.3.1"),
        ("Docker version v20.10.5+dfsg1, build 55c4c88", "20.10.5+dfsg1"),
        ("nonsense", None),
        (None, None),
    ],
)
def test_parse_engine_version(text, version):
    assert resources.parse_engine_version(text) == version


def test_container_engine_binary_without_daemon_and_podman_that_answers(tmp_path):
    executable(
        str(tmp_path / "docker"),
        'case "$1" in --version) echo "Docker version 28.2.2, build e6534b4";;\n'
        '*) echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock." >&2; exit 1;; esac\n',
    )
    executable(
        str(tmp_path / "podman"),
        'case "$1" in --version) echo "podman version 4.3.1";; info) echo "4.3.1";; esac\n',
    )

    def which(name):
        return shutil.which(name, path=str(tmp_path))

    engine = resources.collect_container_engine(run, which)
    assert (engine["available"], engine["name"], engine["answers"], engine["server_version"]) == (
        True,
        "podman",
        True,
        "4.3.1",
    )
    docker = engine["engines"][0]
    assert (docker["name"], docker["version"], docker["answers"]) == ("docker", "28.2.2", False)
    assert "Cannot connect" in docker["reason"]
    unprobed = resources.collect_container_engine(run, which, probe=False)
    assert (unprobed["name"], unprobed["answers"]) == ("docker", None)


def test_container_engine_missing():
    engine = resources.collect_container_engine(run, lambda name: None)
    assert engine["available"] is False
    assert engine["binary"] is None
    assert "neither docker nor podman" in engine["reason"]


def test_runtimes_section_nothing_found(tmp_path):
    section = resources.collect_runtimes(run, lambda name: None, java_home=str(tmp_path), jvm_dirs=[str(tmp_path)])
    assert section["available"] is False
    assert section["reason"]


# ------------------------------------------------------------------ platform


def test_parse_os_release_and_distribution():
    values = resources.parse_os_release(
        'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n# x\n'
    )
    assert values["VERSION_ID"] == "12"
    assert resources.distribution_from_os_release(values) == ("Debian", "Debian", "12")
    rocky = resources.parse_os_release("ID='rocky'\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=9.4\n")
    assert resources.distribution_from_os_release(rocky) == ("Rocky", "RedHat", "9.4")
    other = resources.parse_os_release('ID=wolfi\nNAME="Wolfi"\nID_LIKE="debian"\n')
    assert resources.distribution_from_os_release(other) == ("Wolfi", "Debian", None)
    assert resources.distribution_from_os_release({}) == (None, None, None)


def write(root, rel, text):
    path = os.path.join(str(root), rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as fh:
        fh.write(text)


def test_virtualization_container_evidence(tmp_path):
    write(tmp_path, ".dockerenv", "")
    write(tmp_path, "proc/1/cgroup", "0::/kubepods/burstable/pod1/abc\n")
    write(tmp_path, "proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu vme hypervisor lahf_lm\n")
    virt = resources.detect_virtualization(str(tmp_path))
    assert (virt["role"], virt["type"], virt["vm_type"]) == ("container", "docker", "unknown")
    assert virt["evidence"] == ["/.dockerenv exists", "/proc/1/cgroup names kubernetes", "CPU flag 'hypervisor' is set"]


def test_virtualization_guest_host_none(tmp_path):
    guest = tmp_path / "guest"
    write(guest, "sys/class/dmi/id/product_name", "VMware Virtual Platform\n")
    assert resources.detect_virtualization(str(guest))["role"] == "guest"
    assert resources.detect_virtualization(str(guest))["type"] == "vmware"
    podman = tmp_path / "podman"
    write(podman, "run/.containerenv", "engine=podman\n")
    assert resources.detect_virtualization(str(podman))["type"] == "podman"
    host = tmp_path / "host"
    write(host, "dev/kvm", "")
    assert resources.detect_virtualization(str(host))["role"] == "host"
    bare = tmp_path / "bare"
    bare.mkdir()
    assert resources.detect_virtualization(str(bare)) == {
        "type": "none",
        "role": "none",
        "container_type": None,
        "vm_type": None,
        "evidence": [],
    }


def test_virtualization_uses_systemd_detect_virt(tmp_path):
    tool = executable(
        str(tmp_path / "bin" / "systemd-detect-virt"),
        'case "$1" in --container) echo lxc;; --vm) echo none; exit 1;; esac\n',
    )
    virt = resources.detect_virtualization(str(tmp_path), run, lambda name: tool)
    assert (virt["role"], virt["type"]) == ("container", "lxc")
    assert virt["evidence"] == ["systemd-detect-virt --container: lxc"]


def test_platform_section_from_fixture_root(tmp_path):
    write(tmp_path, "etc/os-release", 'ID=ubuntu\nVERSION_ID="24.04"\n')
    write(tmp_path, "proc/1/comm", "systemd\n")
    (tmp_path / "run" / "systemd" / "system").mkdir(parents=True)
    section = resources.collect_platform(str(tmp_path), system="Linux")
    assert section["distribution"] == "Ubuntu"
    assert section["os_family"] == "Debian"
    assert section["distribution_version"] == "24.04"
    assert section["systemd_pid1"] is True
    assert section["systemd_booted"] is True
    assert section["virtualization"]["role"] == "none"
    given = resources.collect_platform(str(tmp_path), system="Linux", distribution=("Debian", "Debian", "12.11"))
    assert given["distribution_version"] == "12.11"


def test_guarded_turns_exceptions_into_unavailable():
    def boom():
        raise ValueError("bad")

    assert resources.guarded("cpu", boom) == {"available": False, "reason": "collecting cpu failed: ValueError: bad"}
