# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the install will do on a host, derived from the facts preflight measured.

Both the preflight engine (runtime.java, the report) and the install role (through the
``install_plan`` action) call these functions, so the Java, heap and JVM options that preflight
judged are the ones the install uses, by construction.
"""

MIB = 1024 * 1024
# The heap takes this share of the memory available to the service (cgroup-aware), within bounds.
HEAP_SHARE = 0.6
HEAP_MIN_MB = 256
HEAP_MAX_MB = 4096
INSTALL_METHODS = ("auto", "distribution", "temurin", "none")
# Java 21 from the distribution, where the distribution has it (the packages' names in each archive).
JAVA_DISTRIBUTION_PACKAGES = {
    "Debian": {"min_version": "13", "package": "openjdk-21-jre-headless"},
    "Ubuntu": {"min_version": "22.04", "package": "openjdk-21-jre-headless"},
    "RedHat": {"min_version": "9", "package": "java-21-openjdk-headless"},
    "Rocky": {"min_version": "9", "package": "java-21-openjdk-headless"},
    "AlmaLinux": {"min_version": "9", "package": "java-21-openjdk-headless"},
    "CentOS": {"min_version": "9", "package": "java-21-openjdk-headless"},
    "OracleLinux": {"min_version": "9", "package": "java-21-openjdk-headless"},
}


def version_tuple(text):
    parts = []
    for piece in str(text).split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def required_java_major(version):
    """integrasjonspunkt v3 and v4 need Java 21 (CHANGELOG 'Java 21+ oppgradering'); 2.x ran on Java 8."""
    try:
        return 21 if int(str(version).lstrip("v").split(".", 1)[0]) >= 3 else 8
    except ValueError:
        return 21


def java_package(distribution, version, table):
    """The distribution package that provides Java 21, or None when a Temurin repository is needed.

    `table` is JAVA_DISTRIBUTION_PACKAGES ({distribution: {min_version, package}}).
    """
    entry = (table or {}).get(distribution) or {}
    if not entry.get("package") or not version_tuple(version):
        return None
    return entry["package"] if version_tuple(version) >= version_tuple(entry.get("min_version", "0")) else None


def _section(facts, name):
    section = (facts or {}).get(name) or {}
    return section if isinstance(section, dict) else {}


def choose_java(runtimes, need, java_path=""):
    """(runtime or None, reason). A given path must itself be good; else PATH's java, else the newest."""
    runtimes = [r for r in runtimes or [] if isinstance(r, dict)]
    if java_path:
        wanted = {java_path, java_path.rstrip("/") + "/bin/java"}
        given = [r for r in runtimes if wanted & {r.get("path"), r.get("real_path")}]
        if not given:
            return None, "integrasjonspunkt_java_path %s was not found or could not be run" % java_path
        major = given[0].get("major")
        if major is None or major < need:
            return None, "integrasjonspunkt_java_path %s is Java %s; Java %d+ is needed" % (java_path, major, need)
        return given[0], "integrasjonspunkt_java_path"
    good = [r for r in runtimes if (r.get("major") or 0) >= need]
    if not good:
        return None, "no Java %d+ found" % need
    on_path = [r for r in good if "path" in (r.get("sources") or [])]
    if on_path:
        return on_path[0], "java on PATH"
    return max(good, key=lambda r: r.get("major") or 0), "newest Java found"


def java_plan(settings, resources, packages_table, install_method="auto"):
    """{action: use|install|refuse, path, major, need, method, package, reason} for this host."""
    need = required_java_major(settings.get("version"))
    java = _section(_section(resources, "runtimes"), "java")
    chosen, reason = choose_java(java.get("runtimes"), need, settings.get("java_path") or "")
    plan = {"need": need, "path": None, "major": None, "method": None, "package": None, "reason": reason}
    if chosen is not None:
        plan.update(action="use", path=chosen.get("real_path") or chosen.get("path"), major=chosen.get("major"))
        return plan
    if settings.get("java_path"):
        plan["action"] = "refuse"
        return plan
    platform = _section(resources, "platform")
    package = java_package(platform.get("distribution"), platform.get("distribution_version"), packages_table)
    method = install_method
    if method == "auto":
        method = "distribution" if package else "temurin"
    if method == "none" or (method == "distribution" and not package):
        plan.update(
            action="refuse",
            method=method,
            reason="%s; integrasjonspunkt_java_install_method=%s cannot install one on %s %s"
            % (reason, install_method, platform.get("distribution"), platform.get("distribution_version")),
        )
        return plan
    plan.update(action="install", method=method, package=package if method == "distribution" else None)
    return plan


def heap_mb(settings, resources):
    """-Xmx in MiB: the given value, else 60 % of the memory available to the service (cgroup-aware)."""
    given = int(settings.get("jvm_max_heap_mb") or 0)
    if given > 0:
        return given, "integrasjonspunkt_jvm_max_heap_mb"
    memory = _section(resources, "memory")
    effective = memory.get("effective_bytes")
    if not effective:
        return HEAP_MIN_MB * 4, "memory unknown: default %d MiB" % (HEAP_MIN_MB * 4)
    available = int(effective // MIB)
    size = max(min(int(available * HEAP_SHARE), HEAP_MAX_MB), HEAP_MIN_MB)
    return size, "%d %% of %d MiB available to the service" % (int(HEAP_SHARE * 100), available)


def install_plan(settings, resources, packages_table, install_method="auto"):
    """The plan the install role follows: Java, heap and JVM options."""
    heap, heap_reason = heap_mb(settings, resources)
    return {
        "java": java_plan(settings, resources, packages_table, install_method),
        "heap_mb": heap,
        "heap_reason": heap_reason,
        "jvm_options": list(settings.get("jvm_proxy_options") or []),
    }
