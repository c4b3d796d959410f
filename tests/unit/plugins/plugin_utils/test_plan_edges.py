"""plan.py at its edges: each test here was written for mutants of plan.py that the suite let live.

Plain dicts stand in for the normalised settings (only the keys plan.py reads), so these stay valid whatever
shape the settings model takes.
"""

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import plan

MIB = 1024 * 1024
TABLE = {"Debian": {"min_version": "13", "package": "openjdk-21-jre-headless"}}


def jre(path, major, real_path=None, sources=("JVM dirs",)):
    return {"path": path, "real_path": real_path or path, "major": major, "sources": list(sources)}


def resources(runtimes=(), distribution="Debian", version="13", memory=None):
    return {
        "runtimes": {"java": {"runtimes": list(runtimes)}},
        "platform": {"distribution": distribution, "distribution_version": version},
        "memory": {"effective_bytes": memory},
    }


# --------------------------------------------------------------------------- versions


@pytest.mark.parametrize(
    ("text", "parts"),
    [("4.0.8", (4, 0, 8)), ("13", (13,)), ("22.04.3", (22, 4, 3)), ("12.x.1", (12,)), ("", ()), ("v3", (3,))],
)
def test_version_tuple_stops_at_the_first_piece_without_digits(text, parts):
    assert plan.version_tuple(text) == parts


@pytest.mark.parametrize(
    ("version", "major"),
    [("2.9.1", 8), ("3.0.0", 21), ("4.0.8", 21), ("v2.1", 8), ("v3.0", 21), ("2", 8), ("10.1", 21), ("latest", 21)],
)
def test_required_java_major(version, major):
    """v3 and later need Java 21, 2.x Java 8; a version that is no number (a tag) gets the newer need."""
    assert plan.required_java_major(version) == major


def test_java_package_without_a_minimum_accepts_any_release():
    table = {"Gentoo": {"package": "openjdk-bin-21"}}
    assert plan.java_package("Gentoo", "2.15", table) == "openjdk-bin-21"
    assert plan.java_package("Gentoo", "", table) is None  # no release known: no package promised


# --------------------------------------------------------------------------- choose_java


def test_given_java_path_matches_the_binary_or_its_home():
    runtime = jre("/opt/jdk-21/bin/java", 21, real_path="/opt/jdk-21/bin/java")
    for given in ("/opt/jdk-21", "/opt/jdk-21/", "/opt/jdk-21/bin/java"):
        chosen, reason = plan.choose_java([runtime], 21, given)
        assert (chosen, reason) == (runtime, "integrasjonspunkt_java_path"), given


def test_given_java_path_matches_the_resolved_path_too():
    runtime = jre("/usr/bin/java", 21, real_path="/usr/lib/jvm/java-21/bin/java")
    assert plan.choose_java([runtime], 21, "/usr/lib/jvm/java-21")[0] is runtime
    assert plan.choose_java([runtime], 21, "/usr/bin/java")[0] is runtime


def test_given_java_path_that_is_not_found_is_refused_by_name():
    other = jre("/usr/bin/java", 21)
    chosen, reason = plan.choose_java([other], 21, "/opt/missing")
    assert chosen is None
    assert reason == "integrasjonspunkt_java_path /opt/missing was not found or could not be run"


@pytest.mark.parametrize(("major", "ok"), [(21, True), (25, True), (17, False), (None, False)])
def test_given_java_path_must_be_new_enough(major, ok):
    runtime = jre("/opt/jdk/bin/java", major)
    chosen, reason = plan.choose_java([runtime], 21, "/opt/jdk")
    assert (chosen is runtime) is ok
    if not ok:
        assert reason == "integrasjonspunkt_java_path /opt/jdk is Java %s; Java 21+ is needed" % major


def test_without_a_path_java_on_path_wins_over_a_newer_one():
    on_path = jre("/usr/bin/java", 21, sources=("path",))
    newer = jre("/opt/jdk-25/bin/java", 25)
    assert plan.choose_java([newer, on_path], 21, "") == (on_path, "java on PATH")


def test_without_a_path_the_newest_good_java_is_taken():
    old, j21, j25 = jre("/a/java", 17), jre("/b/java", 21), jre("/c/java", 25)
    assert plan.choose_java([old, j25, j21], 21, "") == (j25, "newest Java found")
    assert plan.choose_java([j21, j25], 21) == (j25, "newest Java found")  # java_path defaults to none


def test_no_good_java_says_which_major_is_needed():
    assert plan.choose_java([jre("/a/java", 17), jre("/b/java", None), "garbage"], 21, "") == (
        None,
        "no Java 21+ found",
    )
    assert plan.choose_java(None, 8, "") == (None, "no Java 8+ found")


# --------------------------------------------------------------------------- java_plan


def test_plan_uses_the_resolved_path_of_the_chosen_java():
    runtime = jre("/usr/bin/java", 21, real_path="/usr/lib/jvm/java-21/bin/java", sources=("path",))
    result = plan.java_plan({"version": "4.0.8"}, resources([runtime]), TABLE)
    assert result == {
        "need": 21,
        "path": "/usr/lib/jvm/java-21/bin/java",
        "major": 21,
        "method": None,
        "package": None,
        "reason": "java on PATH",
        "action": "use",
    }


def test_plan_refuses_a_bad_java_path_instead_of_installing_another():
    result = plan.java_plan(
        {"version": "4.0.8", "java_path": "/opt/jdk"}, resources([jre("/opt/jdk/bin/java", 17)]), TABLE
    )
    assert (result["action"], result["method"], result["package"]) == ("refuse", None, None)
    assert "Java 21+ is needed" in result["reason"]


@pytest.mark.parametrize(
    ("version", "method", "expected"),
    [
        ("13", "auto", ("install", "distribution", "openjdk-21-jre-headless")),
        ("12", "auto", ("install", "temurin", None)),
        ("13", "temurin", ("install", "temurin", None)),
        ("13", "distribution", ("install", "distribution", "openjdk-21-jre-headless")),
        ("12", "distribution", ("refuse", "distribution", None)),
        ("13", "none", ("refuse", "none", None)),
    ],
)
def test_plan_install_method(version, method, expected):
    result = plan.java_plan({"version": "4.0.8"}, resources(version=version), TABLE, install_method=method)
    assert (result["action"], result["method"], result["package"]) == expected
    if expected[0] == "refuse":
        assert result["reason"] == (
            "no Java 21+ found; integrasjonspunkt_java_install_method=%s cannot install one on Debian %s"
            % (method, version)
        )
    else:
        assert result["reason"] == "no Java 21+ found"


# --------------------------------------------------------------------------- heap_mb


@pytest.mark.parametrize(
    ("memory_mb", "heap"),
    [(1024, 614), (100, plan.HEAP_MIN_MB), (426, 255 + 1), (427, 256), (6826, 4095), (6827, 4096), (65536, 4096)],
)
def test_heap_is_sixty_percent_within_its_bounds(memory_mb, heap):
    size, reason = plan.heap_mb({}, resources(memory=memory_mb * MIB))
    assert size == heap
    assert reason == "60 %% of %d MiB available to the service" % memory_mb


def test_heap_given_wins_and_unknown_memory_gets_the_default():
    assert plan.heap_mb({"jvm_max_heap_mb": 3000}, resources(memory=1024 * MIB)) == (
        3000,
        "integrasjonspunkt_jvm_max_heap_mb",
    )
    assert plan.heap_mb({"jvm_max_heap_mb": 0}, resources()) == (1024, "memory unknown: default 1024 MiB")
    assert plan.heap_mb({}, {"memory": "garbage"}) == (1024, "memory unknown: default 1024 MiB")


def test_install_plan_carries_the_proxy_options():
    result = plan.install_plan({"version": "4.0.8", "jvm_proxy_options": ["-Dhttps.proxyHost=p"]}, resources(), TABLE)
    assert result["jvm_options"] == ["-Dhttps.proxyHost=p"]
    assert (result["heap_mb"], result["java"]["action"]) == (1024, "install")
    assert plan.install_plan({}, resources(), TABLE)["jvm_options"] == []
