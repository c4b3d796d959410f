# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lifecycle records the collection keeps on a managed host: the blocklist and the history.

Both live in ``<integrasjonspunkt_install_dir>/lifecycle/`` (a directory the collection owns; the backup,
upgrade, certificate renewal, status run and support bundle all read or write them through this module):

- ``blocklist.json``: versions that did not become healthy, ``{"schema": 1, "entries": [entry, ...]}`` with
  entry = ``{"version", "blocked_at", "until", "reason", "log_tail"}`` (times ISO 8601 UTC, ``until`` null for
  "until cleared"). The newest entry for a version wins.
- ``history.jsonl``: one JSON object a line, appended: ``{"time", "action", "from", "to", "result", ...}``.

Pure functions over text and injected times, so callers decide where and how the files are written (atomic
replace, owner, mode). A record that cannot be parsed is reported as a problem, never silently read as "empty":
a blocklist that cannot be read must not let a blocked version through.

Python 3.8 compatible; standard library only.
"""

import datetime
import json

SCHEMA = 1
DIRECTORY = "lifecycle"
BLOCKLIST_FILE = "blocklist.json"
HISTORY_FILE = "history.jsonl"
# What one history line or blocklist entry may hold of a log tail (the start-up log's last part).
LOG_TAIL_MAX_CHARS = 4000
HISTORY_ACTIONS = ("install", "upgrade", "rollback", "blocklist", "unblock", "backup", "restore", "renew")


class RecordError(ValueError):
    """A record file that exists but cannot be read as this schema."""


def utc_text(moment):
    """ISO 8601 UTC text of an aware datetime, second precision, 'Z' suffix."""
    return moment.astimezone(datetime.timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_utc(text):
    """An aware UTC datetime from utc_text()'s form; RecordError for anything else."""
    try:
        return datetime.datetime.strptime(str(text), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        raise RecordError("not an ISO 8601 UTC time (YYYY-MM-DDTHH:MM:SSZ): %r" % (text,)) from None


def _entry(raw, where):
    if not isinstance(raw, dict):
        raise RecordError("%s: an entry is not an object" % where)
    version = raw.get("version")
    if not isinstance(version, str) or not version:
        raise RecordError("%s: an entry has no version" % where)
    blocked_at = parse_utc(raw.get("blocked_at"))
    until = raw.get("until")
    if until is not None:
        parse_utc(until)
    return {
        "version": version,
        "blocked_at": utc_text(blocked_at),
        "until": until,
        "reason": str(raw.get("reason") or ""),
        "log_tail": str(raw.get("log_tail") or "")[-LOG_TAIL_MAX_CHARS:],
    }


def parse_blocklist(text):
    """The entries of a blocklist.json text (None or empty text: no file, no entries). RecordError if unreadable."""
    if text is None or not text.strip():
        return []
    try:
        doc = json.loads(text)
    except ValueError as err:
        raise RecordError("%s is not JSON: %s" % (BLOCKLIST_FILE, err)) from None
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA or not isinstance(doc.get("entries"), list):
        raise RecordError('%s: expected {"schema": %d, "entries": [...]}' % (BLOCKLIST_FILE, SCHEMA))
    return [_entry(raw, BLOCKLIST_FILE) for raw in doc["entries"]]


def render_blocklist(entries):
    """blocklist.json text for entries (validated the same way as parse_blocklist reads them)."""
    clean = [_entry(raw, "entries") for raw in entries]
    return json.dumps({"schema": SCHEMA, "entries": clean}, indent=2, sort_keys=True) + "\n"


def block(entries, version, now, reason, log_tail="", hold=None):
    """Entries with version blocked from now: for hold (a timedelta), or until cleared when hold is None."""
    until = utc_text(now + hold) if hold is not None else None
    new = {"version": version, "blocked_at": utc_text(now), "until": until, "reason": reason, "log_tail": log_tail}
    return [e for e in entries if e["version"] != version] + [_entry(new, "block")]


def unblock(entries, versions):
    """Entries without the given versions (the operator's documented clearing)."""
    drop = set(versions)
    return [e for e in entries if e["version"] not in drop]


def active(entries, now):
    """{version: entry} of the entries still in force at now (until is null or later than now)."""
    out = {}
    for entry in entries:
        until = entry.get("until")
        if until is None or parse_utc(until) > now:
            out[entry["version"]] = entry
    return out


def history_line(action, now, **fields):
    """One history.jsonl line (with its newline) for an action at now; fields must be JSON-serialisable."""
    if action not in HISTORY_ACTIONS:
        raise RecordError("unknown history action %r (allowed: %s)" % (action, ", ".join(HISTORY_ACTIONS)))
    record = dict(fields, action=action, time=utc_text(now))
    if "log_tail" in record:
        record["log_tail"] = str(record["log_tail"] or "")[-LOG_TAIL_MAX_CHARS:]
    return json.dumps(record, sort_keys=True) + "\n"


def parse_history(text):
    """The records of a history.jsonl text, oldest first. RecordError names the first line that is not a record."""
    records = []
    for number, line in enumerate((text or "").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            raise RecordError("%s line %d is not JSON" % (HISTORY_FILE, number)) from None
        if not isinstance(record, dict) or record.get("action") not in HISTORY_ACTIONS:
            raise RecordError("%s line %d is not a history record" % (HISTORY_FILE, number))
        parse_utc(record.get("time"))
        records.append(record)
    return records
