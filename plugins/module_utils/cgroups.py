# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Find the CPU and memory limits of this process's own cgroup (v1, v2 or hybrid), walking its ancestors.

Readers take a filesystem `root` ("/" on a real host, a fixture tree in tests) and the already parsed
mountinfo. Nothing here raises on malformed input. A limit file that does not exist is "no limit at this
level" (the v2 root cgroup has none); one that exists but cannot be read, or holds no limit the kernel
writes, is reported under `unreadable`, and the limit is then unknown, never "no limit".
"""

import os

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils.mounts import parse_mountinfo

# Anything at or above this is "no limit" even when host RAM is unknown (v1 writes LONG_MAX rounded to a page).
UNLIMITED_FLOOR = 1 << 62


def read_text(root, relpath):
    """Read a small text file below `root`; return None if it cannot be read."""
    try:
        with open(os.path.join(root, relpath.lstrip("/")), encoding="utf-8", errors="replace") as fh:
            return fh.read()
    except Exception:
        return None


def parse_proc_cgroup(text):
    """Parse /proc/<pid>/cgroup: a list of {'hierarchy': str, 'controllers': [..], 'path': str}."""
    entries = []
    if not isinstance(text, str):
        return entries
    for line in text.splitlines():
        parts = line.strip().split(":", 2)
        if len(parts) != 3 or not parts[2].startswith("/"):
            continue
        controllers = [c for c in parts[1].split(",") if c]
        entries.append({"hierarchy": parts[0], "controllers": controllers, "path": parts[2]})
    return entries


def parse_int(text):
    """An int from a cgroup file, or None."""
    try:
        return int(str(text).strip())
    except Exception:
        return None


def parse_memory_limit(text):
    """v2 memory.max or v1 memory.limit_in_bytes: bytes, or None for 'max' / unreadable / non-positive."""
    if not isinstance(text, str):
        return None
    value = text.strip()
    if value == "max":
        return None
    number = parse_int(value)
    if number is None or number <= 0 or number >= UNLIMITED_FLOOR:
        return None
    return number


def parse_cpu_max(text):
    """v2 cpu.max ('<quota|max> <period>'): the quota as a number of CPUs, or None for unlimited/garbage."""
    if not isinstance(text, str):
        return None
    fields = text.split()
    if not fields or fields[0] == "max":
        return None
    quota = parse_int(fields[0])
    period = parse_int(fields[1]) if len(fields) > 1 else 100000
    return _ratio(quota, period)


def parse_cfs(quota_text, period_text):
    """v1 cpu.cfs_quota_us / cpu.cfs_period_us as a number of CPUs, or None (-1 means unlimited)."""
    return _ratio(parse_int(quota_text), parse_int(period_text))


def _ratio(quota, period):
    if quota is None or period is None or quota <= 0 or period <= 0:
        return None
    return float(quota) / float(period)


def _mount_for(mounts, version, controller, cg_path):
    """The cgroup mount serving `controller` (v1) or the unified hierarchy (v2) whose root best fits cg_path."""
    best = None
    for mount in mounts:
        if version == 2:
            if mount.get("fstype") != "cgroup2":
                continue
        elif mount.get("fstype") != "cgroup" or controller not in mount.get("super_options", []):
            continue
        root = mount.get("root") or "/"
        fits = root in ("/", cg_path) or cg_path.startswith(root.rstrip("/") + "/")
        score = (1 if fits else 0, len(root) if fits else 0)
        if best is None or score > best[0]:
            best = (score, mount)
    return best[1] if best else None


def cgroup_chain(root, mount, cg_path):
    """Directories (relative to `root`) from the process's cgroup up to the mount point of its hierarchy.

    Returns (dirs, note). If the leaf cannot be mapped (e.g. a foreign cgroup namespace) the chain is just
    the mount point, and the note says so.
    """
    mroot = mount.get("root") or "/"
    mpoint = mount["mount_point"]
    if mroot != "/" and (cg_path == mroot or cg_path.startswith(mroot.rstrip("/") + "/")):
        rel = cg_path[len(mroot.rstrip("/")) :]
    else:
        rel = cg_path
    parts = [p for p in rel.split("/") if p and p not in (".", "..")]
    leaf = os.path.join(mpoint, *parts) if parts else mpoint
    note = None
    if not os.path.isdir(os.path.join(root, leaf.lstrip("/"))):
        note = f"cgroup {cg_path} not visible under {mpoint}; read the mount point only"
        parts = []
    dirs = []
    while True:
        dirs.append(os.path.join(mpoint, *parts) if parts else mpoint)
        if not parts:
            break
        parts = parts[:-1]
    return dirs, note


def locate(root, controller, proc_cgroup_text=None, mountinfo_text=None):
    """Find the cgroup of this process for `controller` ('cpu' or 'memory').

    Returns a dict: version (1|2|None), path (cgroup path), dirs (leaf first), reason/note.
    v1 wins when the controller is bound to a v1 hierarchy (hybrid systems); otherwise the unified hierarchy.
    """
    if proc_cgroup_text is None:
        proc_cgroup_text = read_text(root, "proc/self/cgroup")
    if mountinfo_text is None:
        mountinfo_text = read_text(root, "proc/self/mountinfo")
    entries = parse_proc_cgroup(proc_cgroup_text)
    mounts = parse_mountinfo(mountinfo_text)
    if not entries:
        return {"version": None, "path": None, "dirs": [], "reason": "/proc/self/cgroup is missing or empty"}
    for entry in entries:
        if controller in entry["controllers"]:
            mount = _mount_for(mounts, 1, controller, entry["path"])
            if mount is None:
                continue
            dirs, note = cgroup_chain(root, mount, entry["path"])
            return {"version": 1, "path": entry["path"], "dirs": dirs, "note": note}
    for entry in entries:
        if entry["hierarchy"] == "0" and not entry["controllers"]:
            mount = _mount_for(mounts, 2, controller, entry["path"])
            if mount is None:
                break
            enabled = (read_text(root, os.path.join(mount["mount_point"], "cgroup.controllers")) or "").split()
            if controller not in enabled:
                return {
                    "version": None,
                    "path": entry["path"],
                    "dirs": [],
                    "reason": f"the {controller} controller is not enabled in the unified hierarchy",
                }
            dirs, note = cgroup_chain(root, mount, entry["path"])
            return {"version": 2, "path": entry["path"], "dirs": dirs, "note": note}
    return {"version": None, "path": None, "dirs": [], "reason": f"no mounted cgroup hierarchy has {controller}"}


def read_limit_file(root, relpath):
    """(text, problem): the text of a limit file; (None, None) when it does not exist; (None, why) when unreadable."""
    try:
        with open(os.path.join(root, relpath.lstrip("/")), encoding="utf-8", errors="replace") as fh:
            return fh.read(), None
    except FileNotFoundError:
        return None, None
    except Exception as exc:
        return None, "%s cannot be read: %s" % (relpath, getattr(exc, "strerror", None) or exc)


def _unlimited_text(text):
    """What the kernel writes for "no limit": v2 'max' (cpu.max: 'max <period>'), v1 -1 or LONG_MAX."""
    words = str(text).split()
    if words and words[0] == "max":
        return True
    number = parse_int(words[0]) if words else None
    return number is not None and (number == -1 or number >= UNLIMITED_FLOOR)


def _numeric_or_unlimited(text):
    words = str(text).split()
    return bool(words) and (parse_int(words[0]) is not None or _unlimited_text(text))


def _limit_from(root, files, parse):
    """(value, problems) from the limit files: a value, None for no limit, and why a file is unreadable or odd."""
    texts, problems = [], []
    for name in files:
        text, problem = read_limit_file(root, name)
        texts.append(text)
        if problem:
            problems.append(problem)
        elif text is not None and not _numeric_or_unlimited(text):
            problems.append("%s holds %r, not a limit" % (name, text.strip()[:40]))
    if problems:
        return None, problems
    return parse(*texts), []


def _walk(root, dirs, read_limit):
    """Smallest limit along `dirs`; returns (limit or None, dir that set it, [per-level evidence], [problems])."""
    best = None
    source = None
    levels = []
    unreadable = []
    for directory in dirs:
        value, problems, files = read_limit(root, directory)
        levels.append({"dir": directory, "limit": value, "files": files})
        unreadable.extend(problems)
        if value is not None and (best is None or value < best):
            best, source = value, directory
    return best, source, levels, unreadable


def _v1_memory(root, directory):
    name = os.path.join(directory, "memory.limit_in_bytes")
    return _limit_from(root, [name], parse_memory_limit) + ([name],)


def _v2_memory(root, directory):
    name = os.path.join(directory, "memory.max")
    return _limit_from(root, [name], parse_memory_limit) + ([name],)


def _v1_cpu(root, directory):
    quota = os.path.join(directory, "cpu.cfs_quota_us")
    period = os.path.join(directory, "cpu.cfs_period_us")
    return _limit_from(root, [quota, period], parse_cfs) + ([quota, period],)


def _v2_cpu(root, directory):
    name = os.path.join(directory, "cpu.max")
    return _limit_from(root, [name], parse_cpu_max) + ([name],)


_READERS = {("memory", 1): _v1_memory, ("memory", 2): _v2_memory, ("cpu", 1): _v1_cpu, ("cpu", 2): _v2_cpu}


def cgroup_limit(root, controller, proc_cgroup_text=None, mountinfo_text=None):
    """The tightest cgroup limit for `controller` on this process's path and its ancestors.

    Returns {available, version, path, cgroup_path, limit, levels, unreadable?, reason?, note?}: `limit` is
    bytes (memory) or CPUs (cpu), None when unlimited; `cgroup_path` is the directory that sets it (or the leaf).
    `unreadable` lists the limit files that exist but could not be read: the limit is then unknown.
    """
    try:
        where = locate(root, controller, proc_cgroup_text, mountinfo_text)
        result = {"available": where["version"] is not None, "version": where["version"], "path": where["path"]}
        if not result["available"]:
            result.update({"limit": None, "cgroup_path": None, "levels": [], "reason": where.get("reason")})
            return result
        limit, source, levels, unreadable = _walk(root, where["dirs"], _READERS[(controller, where["version"])])
        result.update({"limit": limit, "cgroup_path": source or where["dirs"][0], "levels": levels})
        if unreadable:  # a limit we could not read may be the tightest one: the limit is unknown
            result.update(limit=None, unreadable=unreadable, reason="; ".join(unreadable))
        if where.get("note"):
            result["note"] = where["note"]
        return result
    except Exception as exc:  # a safety net: parsers above do not raise, but a fixture tree might be odd
        return {"available": False, "version": None, "path": None, "limit": None, "cgroup_path": None,
                "levels": [], "reason": f"cgroup lookup failed: {exc}"}  # fmt: skip
