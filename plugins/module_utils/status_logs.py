# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ERROR lines of the integrasjonspunkt's application log since a time, counted without their text.

The file is Spring Boot's logback file appender (upstream logback-spring.xml includes Boot's file-appender.xml;
logging.file.name, felleslosninger/efm-integrasjonspunkt v4.0.8, 6ff9667d): each entry starts

    2026-12-07T01:02:03.456+01:00 ERROR 4242 --- [main] n.d.m.SomeLogger : the message

(Spring Boot 3.5 adds ``[application name]`` before the thread when one is set). Entries are grouped by logger
and by a fingerprint of the message's shape (a hash, never the words: a message may carry a password, a token
or a national ID number), plus the exception class of the stack trace that follows, when there is one.
Python 3.8 compatible; standard library only.
"""

import datetime
import hashlib
import os
import re

# Only the tail of a large file is read: Boot rolls the file at 10 MB (logging.logback.rollingpolicy.max-file-size).
TAIL_BYTES = 16 << 20
MAX_GROUPS = 50
_ENTRY = re.compile(
    r"^(?P<when>\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?)\s+"
    r"(?P<level>TRACE|DEBUG|INFO|WARN|ERROR|FATAL)\s+\S*\s*---\s+(?:\[[^\]]*\]\s*)*"
    r"(?P<logger>[\w$.\[\]-]+)\s*:\s?(?P<message>.*)$"
)
_EXCEPTION = re.compile(r"^(?:Caused by: )?(?P<cls>(?:[a-zA-Z_$][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error|Throwable))\b")
_VARIABLE = re.compile(r"\d+|'[^']*'|\"[^\"]*\"|\S{24,}")


def parse_time(text):
    """An aware datetime of a log timestamp; a timestamp without an offset is taken as UTC."""
    text = text.replace(" ", "T", 1).replace(",", ".")
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    match = re.match(r"^(.*[T]\d\d:\d\d:\d\d(?:\.\d+)?)([+-]\d\d):?(\d\d)$", text)
    if match:
        text = "%s%s:%s" % match.groups()
    head, _dot, frac = text.partition(".")
    if frac:  # fromisoformat on 3.8 wants 3 or 6 fraction digits
        digits = re.match(r"^\d+", frac).group(0)
        text = head + "." + (digits + "000000")[:6] + frac[len(digits) :]
    moment = datetime.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)


def fingerprint(message):
    """A short hash of the message with its variable parts (numbers, quoted text, long tokens) taken out."""
    shape = _VARIABLE.sub("#", message.strip())
    return hashlib.sha256(shape.encode("utf-8", "replace")).hexdigest()[:12]


def count_errors(lines, since):
    """{total, groups: [{logger, fingerprint, exception, count, first, last}], oldest} of ERROR entries >= since."""
    groups, order, current, oldest, total = {}, [], None, None, 0
    for line in lines:
        match = _ENTRY.match(line)
        if match is None:
            exc = _EXCEPTION.match(line.strip())
            if current is not None and exc and current["exception"] is None:
                current["exception"] = exc.group("cls")
            continue
        current = None
        try:
            when = parse_time(match.group("when"))
        except ValueError:
            continue
        oldest = when if oldest is None else min(oldest, when)
        if match.group("level") not in ("ERROR", "FATAL") or when < since:
            continue
        total += 1
        key = (match.group("logger"), fingerprint(match.group("message")))
        if key not in groups:
            groups[key] = {"logger": key[0], "fingerprint": key[1], "exception": None, "count": 0, "first": None}
            order.append(key)
        group = groups[key]
        group["count"] += 1
        group["first"] = group["first"] or when.isoformat()
        group["last"] = when.isoformat()
        current = group
    ranked = sorted((groups[k] for k in order), key=lambda g: -g["count"])
    return {"total": total, "groups": ranked[:MAX_GROUPS], "oldest": oldest.isoformat() if oldest else None}


def read_tail(path, limit=TAIL_BYTES):
    """(lines, truncated) of the file's last `limit` bytes, decoded leniently; OSError when it cannot be read."""
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        truncated = size > limit
        if truncated:
            fh.seek(size - limit)
        data = fh.read(limit)
    lines = data.decode("utf-8", "replace").splitlines()
    return (lines[1:] if truncated else lines), truncated


def log_errors(path, since_epoch):
    """The ERROR count of the application log since `since_epoch` (seconds), or {reason[, permission]}."""
    since = datetime.datetime.fromtimestamp(since_epoch, datetime.timezone.utc)
    try:
        lines, truncated = read_tail(path)
    except OSError as exc:
        return {
            "available": False,
            "path": path,
            "reason": "cannot read %s: %s" % (path, exc.strerror),
            "permission": exc.errno == 13,
        }
    found = count_errors(lines, since)
    found.update(available=True, path=path, since=since.isoformat(), truncated=truncated)
    return found
