# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which integrasjonspunkt release to take: release versions, and the newest one within a major version.

Releases are tagged ``vX.Y.Z`` (felleslosninger/efm-integrasjonspunkt); a pre-release or draft is never taken.
The newest release is chosen within the installed major version only: a move from one major to the next (v3 to v4)
stays a deliberate step, as in Digdir's KOSMOS (upstream-audit-2026-12-06.md, section 5). Blocklisted versions
(lifecycle_records.active) are skipped.

The choice is pure; fetch_github() fetches the release list (GitHub's releases API, the operator's mirror's
releases.json or its directory index) through the configured proxy, on the managed host or, for hosts that reach
neither, on the controller. Python 3.8 compatible; standard library only.
"""

import datetime
import json
import re
import ssl
from urllib import error as urllib_error
from urllib import request as urllib_request
from urllib.parse import urlsplit

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import noproxy

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


# --- Where the release list comes from (issue 21: upgrades that pick the version) ---------------------------
# GitHub's releases API for Digdir's repository; the default integrasjonspunkt_download_base_url is this
# repository's release download URL, so a base URL other than that one is the operator's mirror.
GITHUB_DOWNLOAD_BASE = "https://github.com/felleslosninger/efm-integrasjonspunkt/releases/download"
GITHUB_RELEASES_API = "https://api.github.com/repos/felleslosninger/efm-integrasjonspunkt/releases?per_page=100"
# A mirror lists its releases in this file at its root, in the GitHub releases API's format (a list of
# {"tag_name": "vX.Y.Z", "draft": false, "prerelease": false}); a plain directory index of vX.Y.Z/ works too.
MIRROR_LIST_FILE = "releases.json"
# A release list larger than this is not a release list (a wrong URL answering with something else).
LIST_MAX_BYTES = 4 * 1024 * 1024
_HEADERS = {
    "Accept": "application/vnd.github+json, application/json, text/html",
    "User-Agent": "eformidling.integrasjonspunkt",
}
_INDEX_HREF = re.compile(r"""href=["']?(?:\./)?(v\d+\.\d+\.\d+)/?["'>\s]""")


def list_url(download_base_url, releases_url=""):
    """The URL that lists the releases: releases_url when set, GitHub's API for GitHub's download URL, else
    <mirror>/releases.json."""
    if releases_url:
        return releases_url
    base = str(download_base_url or GITHUB_DOWNLOAD_BASE).rstrip("/")
    if base == GITHUB_DOWNLOAD_BASE:
        return GITHUB_RELEASES_API
    return "%s/%s" % (base, MIRROR_LIST_FILE)


def from_index(html):
    """The release versions linked from a directory index page (hrefs vX.Y.Z/)."""
    return sorted({plain(m) for m in _INDEX_HREF.findall(str(html or ""))}, key=version_key)


def parse_list(body):
    """(versions, error) of a release list body: GitHub-format JSON, or a directory index page."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")
    stripped = text.lstrip()
    if stripped.startswith("[") or stripped.startswith("{"):
        try:
            doc = json.loads(text)
        except ValueError as err:
            return None, "the release list is not valid JSON: %s" % err
        if not isinstance(doc, list):
            return None, "the release list is JSON but not a list of releases (GitHub's releases API format)"
        versions = from_github(doc)
    else:
        versions = from_index(text)
    if not versions:
        return None, "the release list names no release vX.Y.Z"
    return versions, None


def _proxy_for(url, proxy, no_proxy):
    """The proxy URL a request to url goes through (the explicit settings only, never the environment), or None."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    choice = noproxy.select_proxy(parts.scheme, parts.hostname or "", port, proxy=proxy or "", no_proxy=no_proxy or [])
    return choice["url"] if choice["used"] else None


def _opener(url, via, ca_file, validate_certs):
    handlers = [urllib_request.ProxyHandler({urlsplit(url).scheme: via} if via else {})]
    if url.startswith("https:"):
        context = ssl.create_default_context(cafile=ca_file or None)
        if not validate_certs:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        handlers.append(urllib_request.HTTPSHandler(context=context))
    return urllib_request.build_opener(*handlers)


def fetch_github(url, proxy="", timeout=30, no_proxy=None, ca_file=None, validate_certs=True):
    """(versions, error) of the release list at url (GitHub's releases API, a mirror's releases.json or its
    directory index), through proxy unless no_proxy matches. Exactly one of the two is None; the error is one
    line naming the URL and never a proxy credential. A network or format problem is an error, never raised."""
    via = None
    try:
        via = _proxy_for(url, proxy, no_proxy)
        request = urllib_request.Request(url, headers=_HEADERS)
        with _opener(url, via, ca_file, validate_certs).open(request, timeout=timeout) as answer:
            body = answer.read(LIST_MAX_BYTES + 1)
    except (urllib_error.URLError, OSError, ValueError) as err:
        how = " through the proxy %s" % noproxy.redact_url(via) if via else ""
        reason = getattr(err, "reason", None) or err
        return None, noproxy.redact_text("cannot list the releases at %s%s: %s" % (url, how, reason), [proxy])
    if len(body) > LIST_MAX_BYTES:
        return None, "the release list at %s is larger than %d bytes" % (url, LIST_MAX_BYTES)
    versions, error = parse_list(body)
    return versions, (None if error is None else "%s (%s)" % (error, url))


_JAR_NAME = re.compile(r"^integrasjonspunkt-v(\d+\.\d+\.\d+)\.jar$")


def installed_from_jar(path):
    """The version of an installed release JAR path (…/integrasjonspunkt-vX.Y.Z.jar); None for anything else."""
    match = _JAR_NAME.match(str(path or "").rstrip("/").rsplit("/", 1)[-1])
    return match.group(1) if match else None


def promoted(records, now, min_days):
    """The versions that ran healthy for at least min_days by now on the promotion group's hosts, from their
    history records: an install or upgrade to the version with result healthy at least min_days ago, and no
    blocklist record of that version since. The records of several hosts may be mixed; unreadable ones are
    ignored (they promote nothing)."""
    first_healthy, blocked_at = {}, {}
    for record in records or []:
        if not isinstance(record, dict):
            continue
        try:
            when = datetime.datetime.strptime(str(record.get("time")), "%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            continue
        when = when.replace(tzinfo=datetime.timezone.utc)
        action = record.get("action")
        if action in ("install", "upgrade") and record.get("result") == "healthy" and plain(record.get("to")):
            version = plain(record.get("to"))
            first_healthy[version] = min(when, first_healthy.get(version, when))
        elif action == "blocklist" and plain(record.get("version")):
            version = plain(record.get("version"))
            blocked_at[version] = max(when, blocked_at.get(version, when))
    cutoff = now - datetime.timedelta(days=min_days)
    return sorted(
        (v for v, t in first_healthy.items() if t <= cutoff and not (v in blocked_at and blocked_at[v] >= t)),
        key=version_key,
    )
