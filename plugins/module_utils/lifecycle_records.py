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
import os
import re
import stat
import tempfile

SCHEMA = 1
DIRECTORY = "lifecycle"
BLOCKLIST_FILE = "blocklist.json"
HISTORY_FILE = "history.jsonl"
DIR_MODE = 0o750
FILE_MODE = 0o640
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


# --- Redaction of a log tail before it is recorded, mailed or printed (issue 21) -------------------------------
REDACTED = "********"
# key=value / key: value where the key names a secret (Spring properties, environment, JSON), Authorization
# headers, and user:password in URLs. The known secret values are replaced first, whatever surrounds them.
_SECRET_ASSIGNMENT = re.compile(
    r"""(?P<key>[\w.\-]*(?:passw(?:or)?d|secret|token|private[_.\-]?key|credential|api[_.\-]?key)[\w.\-]*"?\s*[=:]\s*"?)"""
    r"""(?P<value>[^\s"',;]+)""",
    re.IGNORECASE,
)
_AUTHORIZATION = re.compile(r"(?P<key>\b(?:Bearer|Basic)\s+)(?P<value>[A-Za-z0-9+/=._~-]{6,})")
_URL_USERINFO = re.compile(r"(?P<key>[a-z][a-z0-9+.-]*://)(?P<value>[^\s/@]+)@", re.IGNORECASE)


def redact(text, secrets=()):
    """text with every known secret value and every secret-looking assignment replaced by ********."""
    out = str(text or "")
    for secret in sorted({str(s) for s in secrets if s and len(str(s)) >= 3}, key=len, reverse=True):
        out = out.replace(secret, REDACTED)
    out = _SECRET_ASSIGNMENT.sub(lambda m: m.group("key") + REDACTED, out)
    out = _AUTHORIZATION.sub(lambda m: m.group("key") + REDACTED, out)
    return _URL_USERINFO.sub(lambda m: m.group("key") + REDACTED + "@", out)


# --- Reading and writing the files on the host (the only writer; lifecycle_record and release_choice use it) ----
def directory(install_dir):
    """<install_dir>/lifecycle."""
    return os.path.join(str(install_dir), DIRECTORY)


def read_text(path):
    """The file's text, or None when it does not exist (any other OSError propagates: fail closed)."""
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def ensure_directory(install_dir, gid):
    """<install_dir>/lifecycle as root:gid 0750 (created when missing, mode and group corrected). Returns
    (path, changed)."""
    path = directory(install_dir)
    changed = False
    if not os.path.isdir(path):
        os.makedirs(path, DIR_MODE)
        changed = True
    info = os.stat(path)
    if stat.S_IMODE(info.st_mode) != DIR_MODE:
        os.chmod(path, DIR_MODE)
        changed = True
    if gid is not None and info.st_gid != gid:
        os.chown(path, 0 if os.geteuid() == 0 else -1, gid)
        changed = True
    return path, changed


def write_atomic(path, text, gid):
    """Replace path with text atomically (a temporary file in the same directory, fsync, rename), mode 0640,
    group gid. Returns True when the content changed."""
    if read_text(path) == text:
        return False
    handle, temporary = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), dir=os.path.dirname(path))
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, FILE_MODE)
        if gid is not None:
            os.chown(temporary, 0 if os.geteuid() == 0 else -1, gid)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    return True


def collect(install_dir):
    """What preflight gathers of the records: the blocklist entries (log tails left out) and the file's path.
    An unreadable blocklist raises (RecordError, OSError): the gather reports an error, never "no entries"."""
    path = os.path.join(directory(install_dir), BLOCKLIST_FILE)
    entries = parse_blocklist(read_text(path))
    return {"path": path, "entries": [dict((k, v) for k, v in e.items() if k != "log_tail") for e in entries]}
