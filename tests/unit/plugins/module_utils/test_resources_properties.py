"""Property tests: the parsers never raise on garbage, invent nothing, and a few round trips hold."""

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import cgroups, java, mounts, resources

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "fixtures", "resources")

# Text that looks a little like the real files: their separators and keywords mixed with anything.
TOKENS = st.sampled_from(
    [" ", "-", ":", "/", ",", "\n", "\\040", "\\", "0", "1", "max", "memory", "cpu", "cgroup", "cgroup2", "tmpfs",
     "rw", "ro", "kB", "MemTotal", "=", '"', "version", "openjdk", "1.8.0_", "-1", "99999999999999999999"]
)  # fmt: skip
GARBAGE = st.one_of(st.text(), st.lists(st.one_of(TOKENS, st.text(max_size=3)), max_size=60).map("".join))
ANYTHING = st.one_of(GARBAGE, st.none(), st.integers(), st.binary(), st.lists(st.text(), max_size=3))

TEXT_PARSERS = [
    mounts.unescape,
    mounts.parse_mountinfo,
    cgroups.parse_proc_cgroup,
    cgroups.parse_int,
    cgroups.parse_memory_limit,
    cgroups.parse_cpu_max,
    resources.parse_meminfo,
    resources.parse_cpu_list,
    resources.parse_status_cpus,
    resources.parse_os_release,
    resources.parse_engine_version,
    resources.container_hint_from_cgroup,
    resources.vm_hint_from_dmi,
    java.parse_java_version,
    java.parse_major,
]


@settings(max_examples=300)
@given(text=ANYTHING)
def test_text_parsers_never_raise(text):
    """Garbage in: the parsers answer "nothing known", never invent a value that is not in the text."""
    results = {parser: parser(text) for parser in TEXT_PARSERS}
    if not isinstance(text, str):  # not text at all: nothing is read from it
        for parser, value in results.items():
            if parser not in (mounts.unescape, cgroups.parse_int):
                assert value in (None, [], {}) or parser is java.parse_java_version, (parser.__name__, value)
        assert java.parse_java_version(text)["version"] is None
        return
    cpus = results[resources.parse_cpu_list]
    assert cpus == sorted(set(cpus)) and all(c >= 0 for c in cpus)
    if cpus:  # the canonical spelling reads back the same
        assert resources.parse_cpu_list(",".join(map(str, cpus))) == cpus
    for name, value in results[resources.parse_meminfo].items():
        assert isinstance(value, int) and name + ":" in text
    for key in results[resources.parse_os_release]:
        assert key in text and key == key.strip()
    engine = results[resources.parse_engine_version]
    assert engine is None or (engine and engine in text)
    limit = results[cgroups.parse_memory_limit]
    assert limit is None or 0 < limit < cgroups.UNLIMITED_FLOOR
    for quota in (results[cgroups.parse_cpu_max], cgroups.parse_cfs(text, text)):
        assert quota is None or quota > 0
    assert cgroups.parse_cfs(text, text) in (None, 1.0)  # quota == period: one CPU
    for entry in results[cgroups.parse_proc_cgroup]:
        assert entry["path"].startswith("/") and entry["path"] in text
    version = results[java.parse_java_version]
    assert version["version_string"] == text.strip()
    assert version["major"] == (None if version["version"] is None else java.parse_major(version["version"]))
    major = results[java.parse_major]
    assert major is None or major > 0
    assert len(results[mounts.unescape]) <= len(text)  # an escape only ever shortens the text
    name, family, release = resources.distribution_from_os_release(resources.parse_os_release(text))
    assert family is None or name is not None
    assert release is None or release in text
    assert resources.distribution_from_os_release(text) == (None, None, None)  # not a parsed dict


@settings(max_examples=200)
@given(mountinfo=GARBAGE, path=ANYTHING)
def test_mount_lookup_never_raises(mountinfo, path):
    table = mounts.parse_mountinfo(mountinfo)
    found = mounts.find_mount(table, path)
    assert found is None or found in table
    mounts.mount_notes(found)
    mounts.nearest_existing(path, exists=lambda p: False)
    report = mounts.disk_report(path, table, exists=lambda p: False, statvfs=os.statvfs)
    assert set(report) >= {"available", "path", "measured_path", "exists", "notes"}


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(proc_cgroup=GARBAGE, mountinfo=GARBAGE, controller=st.sampled_from(["cpu", "memory", "cpuset", ""]))
def test_cgroup_limit_never_raises_on_garbage(proc_cgroup, mountinfo, controller):
    result = cgroups.cgroup_limit(os.path.join(FIXTURES, "cgroup-v1-nested"), controller, proc_cgroup, mountinfo)
    assert set(result) >= {"available", "limit", "cgroup_path"}


@settings(max_examples=100)
@given(lines=st.lists(GARBAGE, max_size=8))
def test_cgroup_limit_with_garbage_mount_lines_around_a_real_cgroup(lines):
    """Real cgroup entries plus garbage mountinfo lines: still a result, never an exception."""
    with open(os.path.join(FIXTURES, "cgroup-v1-nested", "proc", "self", "mountinfo")) as fh:
        mountinfo = fh.read()
    noisy = "\n".join(lines + mountinfo.splitlines() + lines)
    result = cgroups.cgroup_limit(os.path.join(FIXTURES, "cgroup-v1-nested"), "memory", None, noisy)
    assert result["limit"] in (3 * 1024**3, None)


@given(cpus=st.sets(st.integers(min_value=0, max_value=4095), min_size=1, max_size=64))
def test_cpu_list_round_trip(cpus):
    ordered = sorted(cpus)
    ranges = []
    for cpu in ordered:
        if ranges and ranges[-1][1] == cpu - 1:
            ranges[-1][1] = cpu
        else:
            ranges.append([cpu, cpu])
    text = ",".join(str(a) if a == b else f"{a}-{b}" for a, b in ranges)
    assert resources.parse_cpu_list(text) == ordered


@given(name=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30))
def test_mountinfo_escape_round_trip(name):
    escaped = "".join("\\%03o" % ord(c) if c in " \t\n\\" else c for c in "/mnt/" + name)
    line = f"40 22 8:1 / {escaped} rw,relatime - ext4 /dev/sda1 rw"
    table = mounts.parse_mountinfo(line)
    assert [m["mount_point"] for m in table] == ["/mnt/" + name]
