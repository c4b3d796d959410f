# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A small TZif (RFC 8536) reader and POSIX TZ rule evaluator, for targets without ``zoneinfo`` (Python 3.8).

Pure functions over bytes and strings; nothing here raises on garbage input. ``parse_tzif`` returns
``(zone, None)`` or ``(None, reason)``; ``utc_offset_at(zone, t)`` returns ``(utc_offset_seconds, is_dst, abbr)``.
"""

import datetime
import re
import struct

# Europe/Oslo's rule since 1996 (the footer of its TZif file); used when the target lacks tzdata.
OSLO_TZ = "CET-1CEST,M3.5.0,M10.5.0/3"
TWO_YEARS = 2 * 366 * 86400
_EPOCH_ORDINAL = datetime.date(1970, 1, 1).toordinal()


def _counts(data, offset):
    if data[offset : offset + 4] != b"TZif":
        raise ValueError("not a TZif file (magic missing)")
    version = data[offset + 4 : offset + 5]
    counts = struct.unpack(">6l", data[offset + 20 : offset + 44])
    if any(c < 0 for c in counts):
        raise ValueError("negative count in TZif header")
    return version, counts


def _block(data, offset, counts, time_size):
    isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt = counts
    if typecnt == 0:
        raise ValueError("TZif file has no local time types")
    pos = offset + 44
    fmt = ">%d%s" % (timecnt, "q" if time_size == 8 else "l")
    end = pos + timecnt * time_size
    if end > len(data):
        raise ValueError("TZif file is truncated")
    times = struct.unpack(fmt, data[pos:end])
    pos = end
    indices = data[pos : pos + timecnt]
    pos += timecnt
    types = []
    for i in range(typecnt):
        utoff, isdst, desigidx = struct.unpack(">lBB", data[pos + 6 * i : pos + 6 * i + 6])
        types.append([utoff, bool(isdst), desigidx])
    pos += 6 * typecnt
    chars = data[pos : pos + charcnt]
    pos += charcnt + leapcnt * (time_size + 4) + isstdcnt + isutcnt
    if pos > len(data) or len(indices) != timecnt:
        raise ValueError("TZif file is truncated")
    if any(idx >= typecnt for idx in indices):
        raise ValueError("TZif transition refers to a missing type")
    for entry in types:
        raw = chars[entry[2] :].split(b"\0", 1)[0]
        entry[2] = raw.decode("ascii", "replace")
    return list(zip(times, indices)), [tuple(t) for t in types], pos


def parse_tzif(data):
    """Parse TZif bytes -> (zone, None) or (None, reason).

    ``zone`` = ``{"version", "transitions": [(utc_seconds, type_index)], "types": [(utoff, isdst, abbr)],
    "footer": POSIX TZ string or None, "rule": parsed footer or None}``.
    """
    try:
        if not isinstance(data, (bytes, bytearray)):
            return None, "no data"
        data = bytes(data)
        version, counts = _counts(data, 0)
        transitions, types, pos = _block(data, 0, counts, 4)
        footer = None
        if version >= b"2":
            version, counts2 = _counts(data, pos)
            transitions, types, pos = _block(data, pos, counts2, 8)
            tail = data[pos:]
            if tail.startswith(b"\n"):
                footer = tail[1:].split(b"\n", 1)[0].decode("ascii", "replace") or None
        rule = parse_posix_tz(footer) if footer else None
        return {
            "version": version.decode("ascii", "replace").strip("\0") or "1",
            "transitions": transitions,
            "types": types,
            "footer": footer,
            "rule": rule,
        }, None
    except (ValueError, struct.error, IndexError, TypeError) as exc:
        return None, str(exc) or exc.__class__.__name__


# --------------------------------------------------------------------------- POSIX TZ strings

_NAME = r"(<[^>]*>|[A-Za-z]{3,})"
_OFFSET = r"([+-]?\d{1,3}(?::\d{1,2}){0,2})"


def _hms(text):
    sign = -1 if text.startswith("-") else 1
    parts = [int(p) for p in text.lstrip("+-").split(":")]
    parts += [0] * (3 - len(parts))
    return sign * (parts[0] * 3600 + parts[1] * 60 + parts[2])


def _parse_rule_date(text):
    """'M3.5.0/3', 'J60', '59/2' -> (kind, values, seconds_after_local_midnight) or None."""
    date, _sep, at = text.partition("/")
    seconds = _hms(at) if at else 7200
    match = re.match(r"^M(\d{1,2})\.(\d)\.(\d)$", date)
    if match:
        month, week, day = (int(g) for g in match.groups())
        if not (1 <= month <= 12 and 1 <= week <= 5 and 0 <= day <= 6):
            return None
        return ("M", (month, week, day), seconds)
    match = re.match(r"^J(\d{1,3})$", date)
    if match and 1 <= int(match.group(1)) <= 365:
        return ("J", (int(match.group(1)),), seconds)
    if re.match(r"^\d{1,3}$", date) and int(date) <= 365:
        return ("N", (int(date),), seconds)
    return None


def parse_posix_tz(text):
    """Parse a POSIX TZ string (the TZif footer) -> dict or None.

    ``{"std_abbr", "std_offset", "dst_abbr", "dst_offset", "start", "end"}``; offsets are seconds east of UTC.
    """
    try:
        text = (text or "").strip()
        match = re.match(r"^%s%s(?:%s%s?(?:,([^,]+),([^,]+))?)?$" % (_NAME, _OFFSET, _NAME, _OFFSET), text)
        if not match:
            return None
        std_abbr, std_off, dst_abbr, dst_off, start, end = match.groups()
        rule = {
            "std_abbr": std_abbr.strip("<>"),
            "std_offset": -_hms(std_off),
            "dst_abbr": dst_abbr.strip("<>") if dst_abbr else None,
            "dst_offset": None,
            "start": None,
            "end": None,
        }
        if dst_abbr:
            rule["dst_offset"] = -_hms(dst_off) if dst_off else rule["std_offset"] + 3600
            start, end = start or "M3.2.0", end or "M11.1.0"
            rule["start"], rule["end"] = _parse_rule_date(start), _parse_rule_date(end)
            if rule["start"] is None or rule["end"] is None:
                return None
        return rule
    except (ValueError, TypeError):
        return None


def _day_of_year(rule_date, year):
    """Date of a rule in `year` as days since 1970-01-01."""
    kind, values, _seconds = rule_date
    jan1 = datetime.date(year, 1, 1).toordinal()
    if kind == "J":  # 1..365, February 29 never counted
        day = values[0] - 1
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        if leap and values[0] >= 60:
            day += 1
        return jan1 + day - _EPOCH_ORDINAL
    if kind == "N":  # 0..365, February 29 counted
        return jan1 + values[0] - _EPOCH_ORDINAL
    month, week, weekday = values
    first = datetime.date(year, month, 1)
    first_wd = (first.weekday() + 1) % 7  # POSIX: 0 = Sunday
    day = 1 + (weekday - first_wd) % 7 + (week - 1) * 7
    next_month = datetime.date(year + (month == 12), month % 12 + 1, 1)
    days_in_month = (next_month - first).days
    while day > days_in_month:
        day -= 7
    return first.toordinal() + day - 1 - _EPOCH_ORDINAL


def rule_transitions(rule, year):
    """(dst_start_utc, dst_end_utc) of a POSIX rule in `year`, or None if the rule has no DST."""
    if not rule or not rule.get("dst_abbr"):
        return None
    start = _day_of_year(rule["start"], year) * 86400 + rule["start"][2] - rule["std_offset"]
    end = _day_of_year(rule["end"], year) * 86400 + rule["end"][2] - rule["dst_offset"]
    return start, end


def _year_of(t):
    """UTC calendar year of Unix time `t`, or None outside the years 2..9998."""
    try:
        year = (datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=t)).year
    except (OverflowError, ValueError, TypeError):
        return None
    return year if 1 < year < 9999 else None


def _rule_offset(rule, t):
    std = (rule["std_offset"], False, rule["std_abbr"])
    year = _year_of(t)
    if not rule.get("dst_abbr") or year is None:
        return std
    dst = (rule["dst_offset"], True, rule["dst_abbr"])
    start, end = rule_transitions(rule, year)
    if start < end:
        return dst if start <= t < end else std
    return std if end <= t < start else dst


def utc_offset_at(zone, t):
    """(utc_offset_seconds, is_dst, abbreviation) of a parsed zone at UTC time `t` (seconds since the epoch)."""
    transitions, types = zone["transitions"], zone["types"]
    if transitions and t >= transitions[-1][0] and zone.get("rule"):
        return _rule_offset(zone["rule"], t)
    if not transitions or t < transitions[0][0]:
        if not transitions and zone.get("rule"):
            return _rule_offset(zone["rule"], t)
        return types[0]
    lo, hi = 0, len(transitions)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if transitions[mid][0] <= t:
            lo = mid
        else:
            hi = mid
    return types[transitions[lo][1]]


def transitions_between(zone, t0, t1):
    """All instants in [t0, t1] where the zone's rules say the offset may change (TZif data and footer rule)."""
    instants = [t for t, _idx in zone["transitions"] if t0 <= t <= t1]
    rule = zone.get("rule")
    first_year, last_year = _year_of(t0), _year_of(t1)
    if rule and rule.get("dst_abbr") and first_year and last_year:
        for year in range(first_year - 1, last_year + 2):
            for instant in rule_transitions(rule, year):
                if t0 <= instant <= t1:
                    instants.append(instant)
    return sorted(set(instants))


def same_rules(zone_a, zone_b, start, span=TWO_YEARS):
    """True when both zones give the same UTC offset at `start` and around every transition of either zone
    in [start, start + span]."""
    instants = {start, start + span}
    for zone in (zone_a, zone_b):
        for t in transitions_between(zone, start, start + span):
            instants.update((t - 1, t, t + 1))
    return all(utc_offset_at(zone_a, t)[0] == utc_offset_at(zone_b, t)[0] for t in sorted(instants))


def zone_from_posix(tz_string):
    """A zone built from a POSIX TZ string alone (no transitions), e.g. the built-in Europe/Oslo rule."""
    rule = parse_posix_tz(tz_string)
    if rule is None:
        return None
    return {"version": "posix", "transitions": [], "types": [(rule["std_offset"], False, rule["std_abbr"])],
            "footer": tz_string, "rule": rule}  # fmt: skip


def zone_name_from_link(target):
    """'/usr/share/zoneinfo/Europe/Oslo' (or '../usr/share/zoneinfo/posix/Europe/Oslo') -> 'Europe/Oslo'."""
    if not isinstance(target, str) or "zoneinfo/" not in target:
        return None
    name = target.split("zoneinfo/", 1)[1]
    for prefix in ("posix/", "right/"):
        if name.startswith(prefix):
            name = name[len(prefix) :]
    return name or None


def zone_name_from_etc_timezone(text):
    """First non-comment line of /etc/timezone."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    for raw in (text or "").splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            return line
    return None


def timezone_view(name, name_source, localtime_bytes, oslo_zone, now, *, localtime_error=None):
    """Build the ``timezone`` fact.

    ``localtime_bytes`` is the content of /etc/localtime (the rules the C library really uses) or None with
    ``localtime_error``; ``oslo_zone`` is the parsed Europe/Oslo zone. Never raises.
    """
    view = {
        "name": name,
        "source": name_source,
        "utc_offset_seconds": None,
        "abbreviation": None,
        "is_dst": None,
        "oslo_equivalent": None,
        "reason": None,
    }
    if localtime_bytes is None:
        view["reason"] = "cannot read /etc/localtime: %s" % (localtime_error or "missing")
        return view
    zone, error = parse_tzif(localtime_bytes)
    if zone is None:
        view["reason"] = "/etc/localtime is not a valid TZif file: %s" % error
        return view
    try:
        utoff, is_dst, abbr = utc_offset_at(zone, now)
        view["utc_offset_seconds"], view["is_dst"], view["abbreviation"] = utoff, is_dst, abbr
        if oslo_zone is None:
            view["reason"] = "no Europe/Oslo rules to compare with"
        else:
            view["oslo_equivalent"] = same_rules(zone, oslo_zone, int(now))
    except (ValueError, TypeError, IndexError, KeyError, OverflowError) as exc:
        view["reason"] = "cannot evaluate /etc/localtime: %s" % exc
    return view
