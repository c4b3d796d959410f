# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which integrasjonspunkt release to take: release versions, and the newest one within a major version.

Releases are tagged ``vX.Y.Z`` (felleslosninger/efm-integrasjonspunkt); a pre-release or draft is never taken.
The newest release is chosen within the installed major version only: a move from one major to the next (v3 to v4)
stays a deliberate step, as in Digdir's KOSMOS (upstream-audit-2026-12-06.md, section 5). Blocklisted versions
(lifecycle_records.active) are skipped.

Pure functions; the caller fetches the release list (GitHub's releases API, the operator's mirror or a lookup on
the controller). Python 3.8 compatible; standard library only.
"""

import re

_VERSION = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)$")


def version_key(text):
    """(major, minor, patch) of 'X.Y.Z' or 'vX.Y.Z'; None for anything else (pre-releases included)."""
    match = _VERSION.match(str(text or "").strip())
    return tuple(int(part) for part in match.groups()) if match else None


def plain(text):
    """'X.Y.Z' of a release version text ('vX.Y.Z' or 'X.Y.Z'); None if it is not one."""
    key = version_key(text)
    return "%d.%d.%d" % key if key else None


def from_github(releases):
    """The release versions in a GitHub releases API answer (a list of objects): drafts and pre-releases left out."""
    out = []
    for release in releases if isinstance(releases, list) else []:
        if not isinstance(release, dict) or release.get("draft") or release.get("prerelease"):
            continue
        version = plain(release.get("tag_name"))
        if version:
            out.append(version)
    return out


def newest_within_major(versions, current, blocked=()):
    """The version to run, and why, for the versions on offer, the running version and the blocked versions.

    Returns (version, reason): the newest offered version with the current one's major that is not blocked, or
    the current version when nothing newer qualifies; (None, reason) when the current version cannot be read.
    """
    current_key = version_key(current)
    if current_key is None:
        return None, "the installed version %r is not a release version X.Y.Z" % (current,)
    blocked = {plain(v) for v in blocked}
    offered = sorted({plain(v) for v in versions if version_key(v)}, key=version_key)
    same_major = [v for v in offered if version_key(v)[0] == current_key[0]]
    newer_majors = sorted({version_key(v)[0] for v in offered if version_key(v)[0] > current_key[0]})
    candidates = [v for v in same_major if v not in blocked and version_key(v) > current_key]
    skipped = [v for v in same_major if v in blocked and version_key(v) > current_key]
    notes = []
    if skipped:
        notes.append("blocklisted: %s" % ", ".join(skipped))
    if newer_majors:
        notes.append("major version %s not taken (a deliberate step)" % ", ".join(str(m) for m in newer_majors))
    tail = " (%s)" % "; ".join(notes) if notes else ""
    if candidates:
        chosen = candidates[-1]
        return chosen, "%s is the newest release of major version %d%s" % (chosen, current_key[0], tail)
    return plain(current), "no release of major version %d newer than %s%s" % (current_key[0], plain(current), tail)
