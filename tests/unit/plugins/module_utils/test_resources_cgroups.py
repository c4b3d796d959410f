"""cgroup v1 / v2 / hybrid limits and the cpu and memory sections, against fixture trees."""

import os

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import cgroups, resources

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "fixtures", "resources")
GIB = 1024**3


def tree(name):
    path = os.path.join(FIXTURES, name)
    assert os.path.isdir(path), path
    return path


# ------------------------------------------------------------------ value parsers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("max\n", None),
        ("2147483648\n", 2147483648),
        ("9223372036854771712\n", None),  # v1 "no limit" (LONG_MAX rounded down to a page)
        ("0", None),
        ("-1", None),
        ("", None),
        ("12abc", None),
        (None, None),
    ],
)
def test_parse_memory_limit(text, expected):
    assert cgroups.parse_memory_limit(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("max 100000\n", None),
        ("50000 100000\n", 0.5),
        ("250000 100000", 2.5),
        ("200000", 2.0),  # period omitted: kernel default 100000
        ("0 100000", None),
        ("x y", None),
        ("", None),
    ],
)
def test_parse_cpu_max(text, expected):
    assert cgroups.parse_cpu_max(text) == expected


@pytest.mark.parametrize(
    ("quota", "period", "expected"),
    [("-1\n", "100000\n", None), ("150000", "100000", 1.5), ("50000", "0", None), (None, "100000", None)],
)
def test_parse_cfs(quota, period, expected):
    assert cgroups.parse_cfs(quota, period) == expected


def test_parse_proc_cgroup_hybrid():
    with open(os.path.join(tree("cgroup-hybrid"), "proc/self/cgroup")) as fh:
        entries = cgroups.parse_proc_cgroup(fh.read())
    assert {"hierarchy": "4", "controllers": ["memory"], "path": "/ci-runner/job-0001"} in entries
    assert {"hierarchy": "0", "controllers": [], "path": "/"} in entries
    assert {"hierarchy": "9", "controllers": ["name=systemd"], "path": "/"} in entries


# ------------------------------------------------------------------ limits on fixture trees


def test_v1_nested_takes_the_tightest_ancestor():
    root = tree("cgroup-v1-nested")
    mem = cgroups.cgroup_limit(root, "memory")
    assert mem["version"] == 1
    assert mem["limit"] == 3 * GIB
    assert mem["cgroup_path"] == "/sys/fs/cgroup/memory/system.slice"
    assert [lvl["dir"] for lvl in mem["levels"]] == [
        "/sys/fs/cgroup/memory/system.slice/integrasjonspunkt.service",
        "/sys/fs/cgroup/memory/system.slice",
        "/sys/fs/cgroup/memory",
    ]
    cpu = cgroups.cgroup_limit(root, "cpu")
    assert cpu["version"] == 1
    assert cpu["limit"] == 1.5
    assert cpu["cgroup_path"] == "/sys/fs/cgroup/cpu,cpuacct/system.slice"


def test_v2_nested_max_on_leaf_limit_on_parent():
    root = tree("cgroup-v2-nested")
    mem = cgroups.cgroup_limit(root, "memory")
    assert (mem["version"], mem["limit"], mem["cgroup_path"]) == (2, 2 * GIB, "/sys/fs/cgroup/system.slice")
    cpu = cgroups.cgroup_limit(root, "cpu")
    assert cpu["limit"] == 0.5
    assert cpu["cgroup_path"] == "/sys/fs/cgroup/system.slice/integrasjonspunkt.service"


def test_hybrid_uses_v1_controllers_and_sees_no_limit():
    root = tree("cgroup-hybrid")
    mem = cgroups.cgroup_limit(root, "memory")
    assert mem["version"] == 1
    assert mem["limit"] is None
    assert mem["cgroup_path"] == "/sys/fs/cgroup/memory/ci-runner/job-0001"
    cpu = cgroups.cgroup_limit(root, "cpu")
    assert (cpu["version"], cpu["limit"], cpu["cgroup_path"]) == (1, None, "/sys/fs/cgroup/cpu")


def test_v1_docker_mount_root_is_the_container_cgroup():
    root = tree("cgroup-v1-docker")
    mem = cgroups.cgroup_limit(root, "memory")
    assert (mem["limit"], mem["cgroup_path"]) == (2 * GIB, "/sys/fs/cgroup/memory")
    assert "note" not in mem
    assert cgroups.cgroup_limit(root, "cpu")["limit"] == 2.0


def test_v2_without_memory_controller_is_unavailable_with_reason():
    mem = cgroups.cgroup_limit(tree("cgroup-v2-no-memory-controller"), "memory")
    assert mem["available"] is False
    assert "not enabled" in mem["reason"]


def test_no_cgroup_files_at_all():
    mem = cgroups.cgroup_limit(tree("no-cgroup"), "memory")
    assert mem["available"] is False
    assert "/proc/self/cgroup" in mem["reason"]


def test_cgroup_not_visible_falls_back_to_the_mount_point():
    text_cgroup = "4:memory:/elsewhere/not/here\n"
    with open(os.path.join(tree("cgroup-hybrid"), "proc/self/mountinfo")) as fh:
        mountinfo = fh.read()
    mem = cgroups.cgroup_limit(tree("cgroup-hybrid"), "memory", text_cgroup, mountinfo)
    assert mem["available"] is True
    assert mem["cgroup_path"] == "/sys/fs/cgroup/memory"
    assert "not visible" in mem["note"]


# ------------------------------------------------------------------ cpu and memory sections


def test_memory_section_v1_nested():
    mem = resources.collect_memory(tree("cgroup-v1-nested"))
    assert mem["available"] is True
    assert mem["mem_total_bytes"] == 8 * GIB
    assert mem["mem_available_bytes"] == 6 * GIB
    assert (mem["swap_total_bytes"], mem["swap_free_bytes"]) == (2 * GIB, 2 * GIB)
    assert mem["cgroup_limit_bytes"] == 3 * GIB
    assert mem["effective_bytes"] == 3 * GIB
    assert mem["cgroup_path"] == "/sys/fs/cgroup/memory/system.slice"


def test_memory_limit_above_host_ram_is_unlimited():
    mem = resources.collect_memory(tree("cgroup-v2-above-ram"))
    assert mem["cgroup_raw_limit_bytes"] == 64 * GIB
    assert mem["cgroup_limit_bytes"] is None
    assert mem["effective_bytes"] == 8 * GIB
    assert "treated as unlimited" in mem["cgroup_reason"]


def test_memory_section_without_cgroup():
    mem = resources.collect_memory(tree("no-cgroup"))
    assert mem["available"] is True
    assert mem["cgroup_available"] is False
    assert mem["cgroup_limit_bytes"] is None
    assert mem["effective_bytes"] == 2 * GIB
    assert mem["swap_total_bytes"] is None


def test_memory_section_unavailable_without_meminfo(tmp_path):
    mem = resources.collect_memory(str(tmp_path))
    assert mem == {"available": False, "reason": "/proc/meminfo is missing or has no MemTotal"}


@pytest.mark.parametrize(
    ("name", "online", "affinity", "quota", "effective"),
    [
        ("cgroup-v1-nested", 4, 4, 1.5, 1.5),
        ("cgroup-v2-nested", 8, 4, 0.5, 0.5),
        ("cgroup-v2-above-ram", 4, 4, None, 4.0),
        ("cgroup-v1-docker", 16, 16, 2.0, 2.0),
        ("cgroup-hybrid", 2, 2, None, 2.0),
    ],
)
def test_cpu_section(name, online, affinity, quota, effective):
    cpu = resources.collect_cpu(tree(name))
    assert cpu["available"] is True
    assert (cpu["online"], cpu["affinity"], cpu["cgroup_quota"]) == (online, affinity, quota)
    assert cpu["effective"] == effective
    assert isinstance(cpu["effective"], float)


def test_cpu_section_affinity_below_online():
    cpu = resources.collect_cpu(tree("cgroup-v2-no-memory-controller"))
    assert (cpu["online"], cpu["affinity"], cpu["effective"]) == (1, 1, 1.0)
    assert cpu["cgroup_available"] is False


def test_cpu_section_unavailable_on_empty_root(tmp_path):
    cpu = resources.collect_cpu(str(tmp_path))
    assert cpu["available"] is False
    assert cpu["reason"]


# ------------------------------------------------------------------ an unreadable limit is unknown (issue 18)


def _copy_with(tmp_path, name, relpath, content):
    """The fixture tree `name` with `relpath` replaced: text, or a directory (open() then fails as unreadable)."""
    import shutil  # noqa: PLC0415

    root = str(tmp_path / name)
    shutil.copytree(tree(name), root)
    target = os.path.join(root, relpath)
    os.remove(target)
    if content is None:
        os.mkdir(target)
    else:
        with open(target, "w") as fh:
            fh.write(content)
    return root


@pytest.mark.parametrize("content", [None, "12abc\n", ""])
def test_an_unreadable_memory_max_is_unknown_not_no_limit(tmp_path, content):
    root = _copy_with(tmp_path, "cgroup-v2-nested", "sys/fs/cgroup/system.slice/memory.max", content)
    mem = resources.collect_memory(root)
    assert mem["effective_bytes"] is None, mem
    assert "system.slice/memory.max" in mem["reason"]
    assert mem["cgroup_unreadable"]
    from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import checks, thresholds  # noqa: PLC0415

    verdict = checks.MemoryCheck().run(
        {"resources": {"memory": mem}, "settings": {}, "thresholds": thresholds.defaults(), "errors": {}}
    )
    assert verdict["status"] == "unknown" and "memory.max" in verdict["message"]


def test_an_unreadable_cpu_max_is_unknown_not_no_limit(tmp_path):
    root = _copy_with(tmp_path, "cgroup-v2-nested", "sys/fs/cgroup/system.slice/cpu.max", None)
    cpu = resources.collect_cpu(root)
    assert cpu["effective"] is None and "cpu.max" in cpu["reason"]


def test_a_missing_limit_file_is_still_no_limit_at_that_level():
    """The v2 root cgroup has no memory.max at all: that is not an unreadable limit."""
    mem = cgroups.cgroup_limit(tree("cgroup-v2-nested"), "memory")
    assert mem["limit"] == 2 * GIB and not mem.get("unreadable")
