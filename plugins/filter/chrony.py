# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters that check chrony time sources and turn them into chrony.conf lines (controller side)."""

import re

from ansible.errors import AnsibleFilterError

# A host name, an IPv4 address or a bare IPv6 address: nothing that could end a chrony.conf line.
HOST_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.:_-]*$")
OPTION_RE = re.compile(r"^[A-Za-z0-9 ._:-]+$")
ALLOWED_KEYS = {"host", "type", "iburst", "nts", "options"}
ALLOWED = (
    "allowed: a host name or address, or {host, type: server|pool, iburst: bool, nts: bool, options: [chrony"
    " source options such as 'minpoll 4']}"
)


def _entry(raw):
    """One source entry as a dict with every key, or raise ValueError saying what is wrong."""
    entry = {"host": raw} if isinstance(raw, str) else raw
    if not isinstance(entry, dict):
        raise ValueError(f"{raw!r} is neither a string nor a dict")
    unknown = sorted(set(entry) - ALLOWED_KEYS)
    if unknown:
        raise ValueError(f"{raw!r} has unknown keys {unknown}")
    host = entry.get("host")
    if not isinstance(host, str) or not HOST_RE.match(host):
        raise ValueError(f"{raw!r} has no usable host (letters, digits, . : _ -)")
    kind = entry.get("type", "server")
    if kind not in ("server", "pool"):
        raise ValueError(f"{raw!r} has type {kind!r}, not server or pool")
    for key in ("iburst", "nts"):
        if key in entry and not isinstance(entry[key], bool):
            raise ValueError(f"{raw!r}: {key} must be true or false")
    options = entry.get("options", [])
    if not isinstance(options, list) or not all(isinstance(o, str) and OPTION_RE.match(o) for o in options):
        raise ValueError(f"{raw!r}: options must be a list of chrony source options (letters, digits, . _ : -)")
    return {
        "host": host,
        "type": kind,
        "iburst": entry.get("iburst", True),
        "nts": entry.get("nts"),
        "options": options,
    }


def chrony_source_problems(sources, variable="prepare_ntp_servers"):
    """Every problem with a list of chrony sources, as sentences; empty when the list is usable."""
    if not isinstance(sources, list):
        return [f"{variable} must be a list, got {type(sources).__name__} {sources!r}; {ALLOWED}"]
    if not sources:
        return [
            f"{variable} is empty: prepare_time_sync needs the time sources you choose (Digdir: preferably inside"
            " your data centre), for example ['ntp1.example.org'] or [{host: ntp.example.org, nts: true}];"
            " there is no public default"
        ]
    problems = []
    for raw in sources:
        try:
            _entry(raw)
        except ValueError as exc:
            problems.append(f"{variable} entry {exc}; {ALLOWED}")
    return problems


def chrony_source_lines(sources, nts=False):
    """The chrony.conf `server`/`pool` lines for the sources, `iburst` unless turned off, `nts` where asked."""
    lines = []
    for raw in sources:
        try:
            entry = _entry(raw)
        except ValueError as exc:
            raise AnsibleFilterError(f"chrony_source_lines: {exc}") from exc
        words = [entry["type"], entry["host"]]
        if entry["iburst"]:
            words.append("iburst")
        if entry["nts"] if entry["nts"] is not None else nts:
            words.append("nts")
        words.extend(entry["options"])
        lines.append(" ".join(words))
    return lines


class FilterModule:
    """chrony source filters."""

    def filters(self):
        return {
            "chrony_source_problems": chrony_source_problems,
            "chrony_source_lines": chrony_source_lines,
        }
