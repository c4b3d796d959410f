"""resources.* and runtime.* outcomes pinned: measured, required and unit in full, and the key phrase of each
message and fix an operator reads (written for the mutants of the check family files that the suite let live)."""

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import checks, thresholds
from tests.unit.plugins.plugin_utils.test_checks import by_id, ctx

NO_JAVA = {"available": False, "best_major": None, "runtimes": []}
SOCKET = "unix:///var/run/docker.sock"


def result(check_id, **changes):
    return by_id(checks.run_checks(ctx(**changes)))[check_id]


def fields(res):
    return res["status"], res["measured"], res["required"], res["unit"]


# --------------------------------------------------------------------------- resources.memory


def test_memory_pass_and_unknown():
    res = result("resources.memory")
    assert fields(res) == ("pass", 4096, 2048, "MiB")
    assert res["message"] == "4096 MiB by MemTotal, 2048 MiB required"
    res = result("resources.memory", resources__memory__effective_bytes=None)
    assert fields(res) == ("unknown", None, 2048, "MiB")


def test_memory_warns_when_the_container_limit_exceeds_what_the_host_has():
    res = result("resources.memory", settings__run_mode="docker", settings__container_memory_mb=8192)
    assert fields(res) == ("warn", 4096, 2048, "MiB")
    assert res["message"].startswith("4096 MiB by MemTotal; the container's limit")
    assert "more than the host can give it, so it can be killed for memory" in res["message"]
    assert res["fix"] == (
        "Give the host at least 8192 MiB, or lower integrasjonspunkt_container_memory_mb (at least 2048)."
    )


# --------------------------------------------------------------------------- resources.disk

SUMMARY = (
    "/ (ext4): 50.00 GB available, 2.00 GB needed (data /var/lib/integrasjonspunkt 1.40 GB, logs"
    " /var/log/integrasjonspunkt 0.10 GB, temp /tmp 0.30 GB, install /opt/integrasjonspunkt 0.20 GB)"
    " [1000000 retained messages, embedded H2 database]"
)


def test_disk_pass_lists_each_directory_with_its_need():
    res = result("resources.disk")
    assert fields(res) == ("pass", 50.0, 2.0, "GB")
    assert res["message"] == SUMMARY


def test_a_read_only_filesystem_fails_naming_it():
    res = result("resources.disk", resources__disk__0__read_only=True)
    assert fields(res) == ("fail", 50.0, 2.0, "GB")
    assert res["message"] == "read-only filesystem: / (ext4). " + SUMMARY
    assert res["fix"] == "Put the data, log and temporary directories on a writable filesystem."


def test_a_volatile_filesystem_warns_naming_it():
    res = result("resources.disk", resources__disk__0__notes=["on tmpfs"])
    assert fields(res) == ("warn", 50.0, 2.0, "GB")
    assert res["message"] == "on a volatile filesystem (tmpfs/overlay): / (ext4). " + SUMMARY
    assert res["fix"].startswith("Use a persistent filesystem for the data and log directories")


@pytest.mark.parametrize(("available", "status"), [(1_400_000_000, "pass"), (1_390_000_000, "fail")])
def test_free_disk_equal_to_the_need_is_enough(available, status):
    on_var = {"resources__disk__0__available_bytes": available, "resources__disk__0__dev": "9:9"}
    res = result("resources.disk", resources__disk__0__mount_point="/var", **on_var)
    assert (res["status"], res["required"]) == (status, 1.4)


def test_short_disk_names_the_gap_and_the_filesystem():
    res = result(
        "resources.disk",
        resources__disk__0__available_bytes=500_000_000,
        resources__disk__0__dev="9:9",
        resources__disk__0__mount_point="/var",
    )
    assert fields(res) == ("fail", 0.5, 1.4, "GB")
    assert res["message"].startswith("not enough free disk: /var (ext4): 0.50 GB available, 1.40 GB needed")
    assert res["fix"].startswith("Free or add at least 0.90 GB on /var (ext4) (holds data), or point")


def test_directories_without_disk_facts_are_unknown_with_the_reason():
    res = result("resources.disk", resources__disk=[])
    assert fields(res) == ("unknown", None, 2.0, "GB")
    assert "not measured: temp /tmp 0.30 GB: no disk facts for /tmp" in res["message"]
    assert res["fix"] == "Run preflight as a user that may stat these paths."


# --------------------------------------------------------------------------- runtime.java


def test_java_found_is_used():
    res = result("runtime.java")
    assert fields(res) == ("pass", 21, 21, "Java major")
    assert res["message"].startswith("Java 21 at /usr/lib/jvm/java-21/bin/java (java on PATH); the install role uses")
    assert res["message"].endswith("(the docs FAQ still says Java 8; that is for 2.x)")


def test_java_missing_is_installed_from_the_distribution():
    res = result("runtime.java", resources__runtimes__java=NO_JAVA)
    assert fields(res) == ("info", None, 21, "Java major")
    assert res["message"].endswith("; the install role installs openjdk-21-jre-headless")
    assert res["message"].startswith("no Java 21+ found; integrasjonspunkt 4.0.8 needs Java 21+")
    assert res["fix"].startswith("Nothing to do: the integrasjonspunkt role installs openjdk-21-jre-headless.")


def test_java_missing_without_a_package_adds_temurin():
    res = result("runtime.java", resources__runtimes__java=NO_JAVA, resources__platform__distribution_version="12")
    assert fields(res) == ("warn", None, 21, "Java major")
    assert res["message"].startswith("no Java 21+ found and this distribution has no Java 21 package")
    assert res["fix"].startswith("Make packages.adoptium.net reachable")


def test_java_missing_and_not_to_be_installed_fails():
    res = result("runtime.java", resources__runtimes__java=NO_JAVA, settings__java_install_method="none")
    assert fields(res) == ("fail", None, 21, "Java major")
    assert res["message"].endswith("; integrasjonspunkt 4.0.8 needs Java 21+")
    assert res["fix"].startswith("Install Java 21+ and set integrasjonspunkt_java_path to its java binary, or let")
    assert "(integrasjonspunkt_java_install_method: auto)" in res["fix"]


# --------------------------------------------------------------------------- runtime.container_engine


def engine(**facts):
    return result("runtime.container_engine", settings__run_mode="docker", resources__runtimes__container_engine=facts)


def test_an_engine_that_answers_passes():
    res = engine(available=True, answers=True, name="docker", version="26", server_version="26.1")
    assert fields(res) == ("pass", "docker 26 (server 26.1)", "an engine that answers", None)
    assert res["message"] == "docker answers at " + SOCKET


def test_a_missing_engine_fails():
    res = engine(available=False, reason="no docker or podman")
    assert fields(res) == ("fail", "missing", "docker that answers at " + SOCKET, None)
    assert res["message"] == "no docker or podman"
    assert res["fix"].startswith("Install Docker (Debian/Ubuntu: docker.io or Docker CE) and start it")
    assert engine(available=False)["message"] == "no container engine found"


def test_an_engine_the_user_may_not_use_fails():
    res = engine(available=True, answers=False, permission_denied=True, name="docker", reason="EACCES")
    assert fields(res) == ("fail", "permission denied", "this user may use " + SOCKET, None)
    assert res["message"] == "docker runs, but the connecting user may not use its socket: EACCES"
    assert res["fix"].startswith("Run the play with become")


def test_an_engine_that_does_not_answer_fails_with_its_reason():
    res = engine(available=True, answers=False, binary="/usr/bin/docker", reason="timed out")
    assert fields(res) == ("fail", "/usr/bin/docker does not answer", "docker that answers at " + SOCKET, None)
    assert res["message"] == "timed out"
    assert res["fix"].endswith("or point integrasjonspunkt_docker_host at its socket.")
    assert engine(available=True, answers=False, binary="docker")["message"] == "the engine does not answer"


# --------------------------------------------------------------------------- resources.cpu


def test_cpus_pass_naming_online_affinity_and_quota():
    res = result("resources.cpu")
    assert fields(res) == ("pass", 2.0, 1.0, "CPUs")
    assert res["message"] == "2.0 effective CPUs (online 2, affinity 2, cgroup quota none)"
    res = result("resources.cpu", resources__cpu__effective=1.0, resources__cpu__cgroup_quota=1.0)
    assert res["message"] == "1.0 effective CPUs (online 2, affinity 2, cgroup quota 1.0)"


def test_too_few_cpus_fail_with_the_fix():
    res = result("resources.cpu", resources__cpu__effective=0.5, resources__cpu__cgroup_quota=0.5)
    assert fields(res) == ("fail", 0.5, 1.0, "CPUs")
    assert res["message"] == "only 0.5 effective CPUs (online 2, affinity 2, cgroup quota 0.5)"
    assert res["fix"] == "Give the host or its cgroup at least 1.0 CPU (raise the VM's vCPUs or the CPUQuota/cpu.max)."


def test_cpus_not_measured_are_unknown():
    res = result("resources.cpu", resources__cpu__effective=None)
    assert fields(res) == ("unknown", None, 1.0, "CPUs")
    assert result("resources.cpu", resources__cpu={"available": False, "reason": "boom"})["message"] == "boom"


def test_a_directory_role_without_a_path_is_skipped_not_the_end_of_the_list():
    groups = checks.disk_by_filesystem({"data": None, "logs": "/var/log/ip"}, [], {"logs": 0.1})
    assert groups == [
        ({"path": "/var/log/ip", "reason": "no disk facts for /var/log/ip"}, [("logs", "/var/log/ip", 0.1)])
    ]


def test_memory_for_einnsyn_is_named_and_a_shortfall_says_how_much_to_give():
    res = result("resources.memory", settings__einnsyn_same_host=True)
    assert res["message"].endswith(" (includes 1024 MiB for the eInnsyn client on the same host)")
    res = result("resources.memory", resources__memory__effective_bytes=1024 * 1024**2)
    assert res["fix"] == "Give the host at least 2048 MiB of memory."


def test_disk_needs_scale_with_millions_of_messages():
    needs = checks.disk_needs_gb({"retained_messages": 10**7}, thresholds.defaults())
    assert needs["logs"] == 10 * thresholds.defaults()["disk_logs_gb_per_million"]


def own_fs(role_index, **facts):
    """The directory at role_index (0 data, 1 logs, 2 temp, 3 install) on a filesystem of its own."""
    changes = {"resources__disk__%d__dev" % role_index: "9:%d" % role_index}
    changes["resources__disk__%d__mount_point" % role_index] = "/own%d" % role_index
    changes.update({"resources__disk__%d__%s" % (role_index, k): v for k, v in facts.items()})
    return changes


def test_a_read_only_install_directory_alone_is_fine():
    assert result("resources.disk", **own_fs(3, read_only=True))["status"] == "pass"
    assert result("resources.disk", **own_fs(1, read_only=True))["status"] == "fail"


@pytest.mark.parametrize(
    ("index", "note", "status"),
    [
        (1, "on overlay (container layer): data is lost", "warn"),
        (1, "on tmpfs: contents are lost at reboot", "warn"),
        (0, "a bind mount", "pass"),
        (2, "on tmpfs: contents are lost at reboot", "pass"),
    ],
)
def test_volatile_filesystems_matter_for_data_and_logs(index, note, status):
    res = result("resources.disk", **own_fs(index, notes=[note]))
    assert res["status"] == status
    if status == "warn":
        assert res["fix"].endswith("the H2 database and queue must survive a reboot.")
