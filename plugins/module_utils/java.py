# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Find Java runtimes and parse `java -version` output. Pure functions; nothing here raises on garbage."""

import os
import re

# `openjdk version "17.0.15" 2025-04-15`, `java version "1.8.0_392"`, `openjdk version "25" 2025-09-16 LTS`
_VERSION_LINE = re.compile(r'^\s*(?:openjdk|java)\s+version\s+"([^"]+)"', re.IGNORECASE | re.MULTILINE)
_RUNTIME_LINE = re.compile(r"^\s*(.*Runtime Environment.*\(build .*)$", re.MULTILINE)
_VENDORS = (
    ("Temurin", "Eclipse Temurin"),
    ("AdoptOpenJDK", "AdoptOpenJDK"),
    ("Zulu", "Azul Zulu"),
    ("Corretto", "Amazon Corretto"),
    ("Red_Hat", "Red Hat"),
    ("Microsoft", "Microsoft"),
    ("SapMachine", "SAP SapMachine"),
    ("GraalVM", "GraalVM"),
    ("Semeru", "IBM Semeru"),
    ("Debian", "Debian"),
    ("Ubuntu", "Ubuntu"),
    ("Java(TM)", "Oracle"),
)

# Where runtimes live besides PATH and JAVA_HOME: distro packages and the Temurin/Paketo image layouts.
JVM_DIRS = ("/usr/lib/jvm", "/usr/java", "/opt/java", "/usr/local/java")


def parse_major(version):
    """Major version from a Java version string: '1.8.0_392' -> 8, '17.0.15' -> 17, '25' -> 25, else None."""
    if not isinstance(version, str):
        return None
    match = re.match(r"^\s*(\d+)(?:\.(\d+))?", version)
    if not match:
        return None
    try:
        first = int(match.group(1))
        if first == 1 and match.group(2) is not None:
            return int(match.group(2))
        return first if first > 0 else None
    except Exception:
        return None


def parse_java_version(text):
    """Parse `java -version` output (stderr). Returns {version, major, vendor, runtime, version_string}.

    Lines such as 'Picked up JAVA_TOOL_OPTIONS: ...' before the version line are ignored.
    Unknown pieces are None; `version_string` is the whole output, stripped.
    """
    result = {"version": None, "major": None, "vendor": None, "runtime": None, "version_string": ""}
    if not isinstance(text, str):
        return result
    result["version_string"] = text.strip()
    match = _VERSION_LINE.search(text)
    if match:
        result["version"] = match.group(1)
        result["major"] = parse_major(match.group(1))
    runtime = _RUNTIME_LINE.search(text)
    if runtime:
        result["runtime"] = runtime.group(1).strip()
        for marker, vendor in _VENDORS:
            if marker in result["runtime"]:
                result["vendor"] = vendor
                break
    return result


def candidates(path_java=None, java_home=None, jvm_dirs=JVM_DIRS, extra=None, *, listdir=os.listdir, isfile=None):
    """Candidate java binaries as (path, source) pairs, in order: java_paths, PATH, JAVA_HOME, JVM dirs."""
    if isfile is None:

        def isfile(p):
            return os.path.isfile(p) and os.access(p, os.X_OK)

    found = []

    def add(path, source):
        if isinstance(path, str) and path and isfile(path):
            found.append((path, source))

    for path in extra or []:
        if isinstance(path, str) and not path.endswith("/java"):
            add(os.path.join(path, "bin", "java"), "java_paths")
        else:
            add(path, "java_paths")
    add(path_java, "path")
    if isinstance(java_home, str) and java_home:
        add(os.path.join(java_home, "bin", "java"), "java_home")
    for base in jvm_dirs or []:
        try:
            names = sorted(listdir(base))
        except Exception:
            continue
        for name in names:
            if name.startswith("."):
                continue
            add(os.path.join(base, name, "bin", "java"), "jvm_dir")
            add(os.path.join(base, name, "jre", "bin", "java"), "jvm_dir")
    return found


def dedupe(pairs, realpath=os.path.realpath):
    """Merge candidates that resolve to the same binary; keep the first path, collect every source."""
    merged = []
    index = {}
    for path, source in pairs:
        try:
            key = realpath(path)
        except Exception:
            key = path
        if key in index:
            entry = index[key]
            if source not in entry["sources"]:
                entry["sources"].append(source)
            continue
        entry = {"path": path, "real_path": key, "source": source, "sources": [source]}
        index[key] = entry
        merged.append(entry)
    return merged
