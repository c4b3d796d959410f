# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Pure parsers and judgements for the time-synchronisation views of timesync_facts.

Sign convention, used for every ``offset_seconds`` this collection returns::

    offset_seconds = local clock - true time

A positive offset means the local clock is ahead (fast); a negative one means it is behind (slow).
The tools disagree, so each parser converts:

* ``chronyc -c tracking`` field 5 "System time" is positive when the local clock is slow: offset = -field.
* ``chronyc -c tracking`` field 6 "Last offset" and the ``chronyc -c sources`` offsets are positive when the
  local clock is ahead: used as they are. (Under ``chronyd -x`` the sources offsets are relative to chronyd's
  own corrected timescale; the uncorrected remainder is in "System time".)
* When chronyd cannot step the clock (``-x``, or no CAP_SYS_TIME) and a ``makestep`` line applies, the step is
  lost: "System time" stays about 0 while "Last offset" and the selected source's sample keep the real offset.
  ``chrony_measured_offset`` then reports what chrony measured (``offset_basis``), see there.
* ``ntpq`` offsets (peers and ``rv``) are the server's offset from the local clock, in milliseconds: offset = -ms/1000.
* ntplib and SNTP (RFC 4330) offsets are server minus local: offset = -value.
* The kernel ``adjtimex`` offset is the phase correction still to apply: offset = -value.

Everything here except ``read_adjtimex`` is a pure function over text (or numbers) and never raises on garbage
input: it returns ``None``/empty values and a reason instead. Python 3.8 compatible.
"""

import math
import re
import time

try:
    import ctypes
    import ctypes.util
except ImportError:  # a Python built without ctypes: the kernel view is then unavailable
    ctypes = None

OFFSET_CONVENTION = "offset_seconds = local clock - true time (positive: local clock ahead)"

REFID_NONE = "00000000"
REFID_LOCAL = "7F7F0101"
LASTRX_NEVER = 4294967295
DEFAULT_REFERENCE_TIME_MAX_AGE = 3600.0
# Offsets that differ by less than this are the same measurement; a lost step is at least makestep's
# threshold (Debian: 1 s), far above it.
OFFSET_AGREEMENT_SECONDS = 0.05

CHRONY_MODES = {"^": "server", "=": "peer", "#": "refclock"}
CHRONY_STATES = {
    "*": "selected",
    "+": "combined",
    "-": "not_combined",
    "x": "falseticker",
    "~": "too_variable",
    "?": "unusable",
}
NTPQ_TALLY = {
    "*": "sys_peer",
    "o": "pps_peer",
    "+": "candidate",
    "-": "outlier",
    "x": "falseticker",
    "#": "backup",
    ".": "excess",
    " ": "reject",
}
LEAP_NAMES = {0: "normal", 1: "insert_second", 2: "delete_second", 3: "not_synchronised"}


def to_float(value):
    """float(value) or None; never raises. Rejects NaN and infinities."""
    try:
        result = float(str(value).strip())
    except (TypeError, ValueError, OverflowError):
        return None
    if math.isnan(result) or math.isinf(result):
        return None
    return result


def to_int(value, base=10):
    """int(value, base) or None; never raises."""
    try:
        return int(str(value).strip(), base)
    except (TypeError, ValueError):
        return None


def neg(value):
    return None if value is None else 0.0 - value


def max_error(offset_seconds, root_dispersion_seconds, root_delay_seconds):
    """chrony's documented accuracy bound: |offset| + root dispersion + root delay / 2 (None if any is unknown)."""
    if offset_seconds is None or root_dispersion_seconds is None or root_delay_seconds is None:
        return None
    return abs(offset_seconds) + root_dispersion_seconds + root_delay_seconds / 2.0


def _text(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value if isinstance(value, str) else ""


# --------------------------------------------------------------------------- chrony


def parse_chrony_tracking(text):
    """Parse ``chronyc -c tracking`` (14 CSV fields); return a dict or None when the layout is not met."""
    lines = [line for line in _text(text).splitlines() if line.strip()]
    if not lines:
        return None
    fields = lines[0].strip().split(",")
    if len(fields) != 14:
        return None
    refid = fields[0].strip().upper()
    if not re.match(r"^[0-9A-F]{8}$", refid):
        return None
    system_time = to_float(fields[4])
    ref_time = to_float(fields[3])
    root_delay = to_float(fields[10])
    root_dispersion = to_float(fields[11])
    offset = neg(system_time)
    leap = fields[13].strip()
    return {
        "reference_id": refid,
        "reference_name": fields[1].strip() or None,
        "stratum": to_int(fields[2]),
        "ref_time": ref_time,
        "ref_age_seconds": None,
        "offset_seconds": offset,
        "last_offset_seconds": to_float(fields[5]),
        "rms_offset_seconds": to_float(fields[6]),
        "frequency_ppm": to_float(fields[7]),
        "residual_frequency_ppm": to_float(fields[8]),
        "skew_ppm": to_float(fields[9]),
        "root_delay_seconds": root_delay,
        "root_dispersion_seconds": root_dispersion,
        "update_interval_seconds": to_float(fields[12]),
        "leap_status": leap,
        "max_error_seconds": max_error(offset, root_dispersion, root_delay),
    }


def parse_chrony_sources(text):
    """Parse ``chronyc -c sources`` (10 CSV fields a line); lines with another layout are dropped."""
    sources = []
    for line in _text(text).splitlines():
        fields = line.strip().split(",")
        if len(fields) != 10 or fields[0] not in CHRONY_MODES:
            continue
        reach = to_int(fields[5], 8)
        last_rx = to_int(fields[6])
        poll = to_int(fields[4])
        sources.append(
            {
                "mode": CHRONY_MODES[fields[0]],
                "mode_symbol": fields[0],
                "state": CHRONY_STATES.get(fields[1], "unknown"),
                "state_symbol": fields[1],
                "name": fields[2],
                "stratum": to_int(fields[3]),
                "poll": poll,
                "poll_seconds": (2.0**poll) if poll is not None and -32 < poll < 32 else None,
                "reach": reach,
                "reach_octal": fields[5],
                "last_rx_seconds": None if last_rx is None or last_rx == LASTRX_NEVER else last_rx,
                "offset_seconds": to_float(fields[7]),
                "measured_offset_seconds": to_float(fields[8]),
                "error_seconds": to_float(fields[9]),
            }
        )
    return sources


def chrony_unsync_reasons(tracking, sources, now=None, max_age=DEFAULT_REFERENCE_TIME_MAX_AGE):
    """Why chronyd is not synchronised (empty list = synchronised), by chrony's own criteria.

    Synchronised needs: leap status not "Not synchronised"; a real reference (neither 00000000 nor the local
    reference 7F7F0101); a selected (``*``) source with reach above 0; a reference time younger than ``max_age``.
    With ``max_age`` None the age is left to the caller (the controller judges ``reference_time_age_seconds``).
    """
    reasons = []
    leap = tracking.get("leap_status")
    if not leap or leap.lower().startswith("not sync"):
        reasons.append("leap status is %r" % (leap or "unknown"))
    refid = tracking.get("reference_id")
    if refid == REFID_NONE:
        reasons.append("no reference (reference id 00000000)")
    elif refid == REFID_LOCAL:
        reasons.append("reference is the local clock (7F7F0101, 'local' directive), not a real time source")
    selected = [s for s in sources if s.get("state_symbol") == "*" and (s.get("reach") or 0) > 0]
    if not selected:
        reasons.append("no selected (*) source with reach above 0")
    age = tracking.get("ref_age_seconds")
    if max_age is None:
        pass
    elif age is None:
        reasons.append("reference time unknown")
    elif age > max_age:
        reasons.append("reference time is %.0f s old (limit %.0f s)" % (age, max_age))
    return reasons


def selected_source(sources):
    """The selected (``*``) source with reach above 0, or None."""
    for source in sources or []:
        if source.get("state_symbol") == "*" and (source.get("reach") or 0) > 0:
            return source
    return None


def chrony_measured_offset(tracking, sources):
    """The offset chrony actually measured -> ``(offset_seconds, basis, note)``; local minus true.

    "System time" is the correction chronyd still holds (it slews, or ``-x`` keeps it virtual), and the
    selected source's sample (adjusted for slews since) is relative to the clock *after* that correction. So
    local minus true = system-time offset + sample. Normally the sample is close to 0 and System time is the
    answer. When a step was lost (``makestep`` without the right to step), System time is about 0 and the
    sample holds the real offset: that is reported, with a note. Without a usable selected sample, "Last
    offset" is used when it is larger than System time by more than OFFSET_AGREEMENT_SECONDS (larger only:
    a slewing clock has a large System time and a small Last offset, and System time is then right).
    """
    system = tracking.get("offset_seconds")
    source = selected_source(sources)
    sample = source.get("offset_seconds") if source else None
    last = tracking.get("last_offset_seconds")
    if system is not None and sample is not None and abs(sample) > OFFSET_AGREEMENT_SECONDS:
        offset = system + sample
        return (
            offset,
            "selected source sample",
            (
                "chrony's selected source %s measured %+.6f s against chrony's corrected time while System time "
                "holds only %+.6f s: the clock was not corrected (chronyd may not step or slew it: -x, no "
                "CAP_SYS_TIME, or a makestep that failed), so the offset is %+.6f s"
                % (source.get("name"), sample, system, offset)
            ),
        )
    if (
        system is not None
        and sample is None
        and last is not None
        and abs(last) > abs(system) + OFFSET_AGREEMENT_SECONDS
    ):
        return (
            last,
            "last offset",
            (
                "Last offset %+.6f s is larger than System time %+.6f s and no selected source sample could be "
                "read: the last correction was not applied (a makestep chronyd was not allowed to make)"
                % (last, system)
            ),
        )
    if system is None and last is not None:
        return last, "last offset", "System time could not be read; Last offset is used"
    return system, "system time", None


def empty_view(reason=None, **fields):
    """The keys every daemon view shares, before anything is known, plus the view's own ``fields``."""
    view = {
        "available": False,
        "reason": reason,
        "synchronised": None,
        "unsync_reasons": [],
        "offset_seconds": None,
        "max_error_seconds": None,
    }
    view.update(fields)
    return view


def chrony_view(tracking_cmd, sources_cmd, now=None, max_age=DEFAULT_REFERENCE_TIME_MAX_AGE):
    """Build the ``chrony`` fact from two command results.

    Each ``*_cmd`` is ``(rc, stdout, stderr)``, or None when chronyc is not installed. A daemon that does not
    answer gives ``synchronised: None`` (unknown), never False.
    """
    view = empty_view(
        tracking=None,
        sources=[],
        offset_basis=None,
        offset_note=None,
        reference_time_age_seconds=None,
    )
    if tracking_cmd is None:
        view["reason"] = "chronyc is not installed"
        return view
    rc, out, err = _cmd(tracking_cmd)
    if rc != 0:
        view["reason"] = "chronyd did not answer (chronyc rc=%s): %s" % (rc, _first_line(err or out))
        return view
    tracking = parse_chrony_tracking(out)
    if tracking is None:
        view["reason"] = "unexpected 'chronyc -c tracking' output: %s" % _first_line(out)
        return view
    now = time.time() if now is None else now
    if tracking["ref_time"] and tracking["offset_seconds"] is not None:
        # ref_time is on chronyd's (true) timescale: compare with true now = local now - offset.
        tracking["ref_age_seconds"] = round(now - tracking["offset_seconds"] - tracking["ref_time"], 6)
    view["available"] = True
    view["tracking"] = tracking
    if sources_cmd is not None:
        src_rc, src_out, src_err = _cmd(sources_cmd)
        if src_rc == 0:
            view["sources"] = parse_chrony_sources(src_out)
        else:
            view["reason"] = "chronyc sources failed (rc=%s): %s" % (src_rc, _first_line(src_err or src_out))
    view["reference_time_age_seconds"] = tracking["ref_age_seconds"]
    view["unsync_reasons"] = chrony_unsync_reasons(tracking, view["sources"], now, max_age)
    view["synchronised"] = not view["unsync_reasons"]
    offset, basis, note = chrony_measured_offset(tracking, view["sources"])
    view["offset_seconds"] = offset
    view["offset_basis"] = basis
    view["offset_note"] = note
    view["max_error_seconds"] = max_error(offset, tracking["root_dispersion_seconds"], tracking["root_delay_seconds"])
    return view


def _cmd(result):
    try:
        rc, out, err = result
    except (TypeError, ValueError):
        return -1, "", "no result"
    return rc, _text(out), _text(err)


def _first_line(text):
    for line in _text(text).splitlines():
        if line.strip():
            return line.strip()[:300]
    return ""


# --------------------------------------------------------------------------- ntpd

_NTPQ_SUFFIX = {"m": 60, "h": 3600, "d": 86400}


def _ntpq_when(value):
    """ntpq 'when' column: '-', '12', '5m', '3h', '2d' -> seconds or None."""
    value = (value or "").strip()
    if value and value[-1] in _NTPQ_SUFFIX:
        number = to_int(value[:-1])
        return None if number is None else number * _NTPQ_SUFFIX[value[-1]]
    return to_int(value)


def parse_ntpq_peers(text):
    """Parse ``ntpq -pn``; ms are converted to seconds and offsets to our sign convention."""
    peers = []
    for raw in _text(text).splitlines():
        if not raw.strip() or raw.lstrip().startswith(("remote", "=")):
            continue
        tally = raw[0]
        if tally not in NTPQ_TALLY:
            continue
        fields = raw[1:].split()
        if len(fields) != 10:
            continue
        delay_ms, offset_ms, jitter_ms = to_float(fields[7]), to_float(fields[8]), to_float(fields[9])
        peers.append(
            {
                "tally": tally,
                "state": NTPQ_TALLY[tally],
                "remote": fields[0],
                "refid": fields[1],
                "stratum": to_int(fields[2]),
                "type": fields[3],
                "when_seconds": _ntpq_when(fields[4]),
                "poll_seconds": _ntpq_when(fields[5]),
                "reach": to_int(fields[6], 8),
                "reach_octal": fields[6],
                "delay_seconds": None if delay_ms is None else delay_ms / 1000.0,
                "offset_seconds": None if offset_ms is None else -offset_ms / 1000.0,
                "jitter_seconds": None if jitter_ms is None else jitter_ms / 1000.0,
            }
        )
    return peers


def parse_ntpq_readvar(text):
    """Parse ``ntpq -c rv`` (``key=value, key="value"`` lists over several lines) into a dict of strings."""
    result = {}
    for match in re.finditer(r'([A-Za-z_][\w.]*)=("[^"]*"|[^,\s]*)', _text(text)):
        result[match.group(1)] = match.group(2).strip('"')
    return result


def ntpd_view(peers_cmd, readvar_cmd=None):
    """Build the ``ntpd`` fact from ``ntpq -pn`` and (optionally) ``ntpq -c rv`` results."""
    view = empty_view(peers=[], system=None)
    if peers_cmd is None:
        view["reason"] = "ntpq is not installed"
        return view
    rc, out, err = _cmd(peers_cmd)
    if rc != 0 or "=====" not in out:
        view["reason"] = "ntpd did not answer (ntpq rc=%s): %s" % (rc, _first_line(err or out))
        return view
    view["available"] = True
    view["peers"] = parse_ntpq_peers(out)
    system = None
    if readvar_cmd is not None:
        rv_rc, rv_out, _rv_err = _cmd(readvar_cmd)
        if rv_rc == 0:
            rv = parse_ntpq_readvar(rv_out)
            leap = rv.get("leap")
            leap_num = to_int(leap, 2) if leap and len(leap) == 2 else to_int(leap)
            system = {
                "leap": leap_num,
                "leap_status": LEAP_NAMES.get(leap_num) if leap_num is not None else None,
                "stratum": to_int(rv.get("stratum")),
                "refid": rv.get("refid"),
                "offset_seconds": _ms_to_s(rv.get("offset"), negate=True),
                "root_delay_seconds": _ms_to_s(rv.get("rootdelay")),
                "root_dispersion_seconds": _ms_to_s(rv.get("rootdisp")),
                "sys_jitter_seconds": _ms_to_s(rv.get("sys_jitter")),
            }
    view["system"] = system
    reasons = []
    sys_peers = [p for p in view["peers"] if p["tally"] in "*o" and (p["reach"] or 0) > 0]
    if not sys_peers:
        reasons.append("no system peer (*) with reach above 0")
    else:
        peer = sys_peers[0]
        if peer["refid"].upper() == ".LOCL." or peer["remote"].startswith("127.127.1."):
            reasons.append("system peer is the local clock (%s), not a real time source" % peer["remote"])
        view["offset_seconds"] = peer["offset_seconds"]
    if system is not None:
        if system["leap"] == 3:
            reasons.append("leap indicator is 11 (not synchronised)")
        if system["offset_seconds"] is not None:
            view["offset_seconds"] = system["offset_seconds"]
        view["max_error_seconds"] = max_error(
            view["offset_seconds"], system["root_dispersion_seconds"], system["root_delay_seconds"]
        )
    view["unsync_reasons"] = reasons
    view["synchronised"] = not reasons
    return view


def _ms_to_s(value, negate=False):
    number = to_float(value)
    if number is None:
        return None
    return (-number if negate else number) / 1000.0


# --------------------------------------------------------------------------- systemd-timesyncd

_TIMESPAN_UNITS = {
    "us": 1e-6,
    "usec": 1e-6,
    "ms": 1e-3,
    "msec": 1e-3,
    "s": 1.0,
    "sec": 1.0,
    "min": 60.0,
    "m": 60.0,
    "h": 3600.0,
    "hr": 3600.0,
    "d": 86400.0,
    "w": 604800.0,
    "month": 2629800.0,
    "y": 31557600.0,
}


def parse_timespan(text):
    """systemd timespan ('34min 8s', '500ms', '0', '1.5s') -> seconds, or None."""
    text = _text(text).strip()
    if not text or text in ("infinity", "n/a"):
        return None
    if re.match(r"^\d+$", text):  # a bare number in a *USec property is microseconds
        return int(text) / 1e6
    total = 0.0
    matched = False
    for number, unit in re.findall(r"(\d+(?:\.\d+)?)\s*([a-z]+)", text):
        if unit not in _TIMESPAN_UNITS:
            return None
        total += float(number) * _TIMESPAN_UNITS[unit]
        matched = True
    return total if matched else None


def parse_keyvalue(text):
    """``timedatectl show``-style ``Key=Value`` lines -> dict."""
    result = {}
    for line in _text(text).splitlines():
        key, sep, value = line.partition("=")
        if sep and re.match(r"^[A-Za-z][A-Za-z0-9_]*$", key):
            result[key] = value
    return result


def parse_ntp_message(text):
    """timesyncd's ``NTPMessage={ Leap=0, Version=4, ... }`` -> dict of strings."""
    text = _text(text).strip()
    if text.startswith("{"):
        text = text[1:]
    if text.endswith("}"):
        text = text[:-1]
    result = {}
    for part in text.split(","):
        key, sep, value = part.strip().partition("=")
        if sep and key:
            result[key.strip()] = value.strip()
    return result


def _yes(value):
    if value is None:
        return None
    value = value.strip().lower()
    if value in ("yes", "true", "1"):
        return True
    if value in ("no", "false", "0"):
        return False
    return None


def timesyncd_view(show_cmd, timesync_cmd):
    """Build the ``timesyncd`` fact from ``timedatectl show`` and ``timedatectl show-timesync`` results.

    ``NTPSynchronized`` is the kernel's view (adjtimex), whatever daemon disciplines the clock.
    timesyncd exposes no usable offset (its NTPMessage timestamps are rounded to seconds), so
    ``offset_seconds`` stays None.
    """
    view = empty_view(
        ntp_enabled=None,
        can_ntp=None,
        ntp_synchronized=None,
        timezone=None,
        local_rtc=None,
        server_name=None,
        server_address=None,
        poll_interval_seconds=None,
        root_distance_max_seconds=None,
        ntp_message=None,
    )
    if show_cmd is None:
        view["reason"] = "timedatectl is not installed"
        return view
    rc, out, err = _cmd(show_cmd)
    if rc != 0:
        view["reason"] = "timedatectl show failed (rc=%s): %s" % (rc, _first_line(err or out))
        return view
    show = parse_keyvalue(out)
    view["ntp_enabled"] = _yes(show.get("NTP"))
    view["can_ntp"] = _yes(show.get("CanNTP"))
    view["ntp_synchronized"] = _yes(show.get("NTPSynchronized"))
    view["timezone"] = show.get("Timezone") or None
    view["local_rtc"] = _yes(show.get("LocalRTC"))
    if timesync_cmd is None:
        view["reason"] = "timedatectl show-timesync was not run"
        return view
    ts_rc, ts_out, ts_err = _cmd(timesync_cmd)
    if ts_rc != 0:
        view["reason"] = "systemd-timesyncd did not answer (rc=%s): %s" % (ts_rc, _first_line(ts_err or ts_out))
        return view
    ts = parse_keyvalue(ts_out)
    view["available"] = True
    view["server_name"] = ts.get("ServerName") or None
    view["server_address"] = ts.get("ServerAddress") or None
    view["poll_interval_seconds"] = parse_timespan(ts.get("PollIntervalUSec"))
    view["root_distance_max_seconds"] = parse_timespan(ts.get("RootDistanceMaxUSec"))
    if ts.get("NTPMessage"):
        msg = parse_ntp_message(ts["NTPMessage"])
        leap = to_int(msg.get("Leap"))
        view["ntp_message"] = {
            "leap": leap,
            "leap_status": LEAP_NAMES.get(leap) if leap is not None else None,
            "version": to_int(msg.get("Version")),
            "stratum": to_int(msg.get("Stratum")),
            "precision": to_int(msg.get("Precision")),
            "root_delay_seconds": parse_timespan(msg.get("RootDelay")),
            "root_dispersion_seconds": parse_timespan(msg.get("RootDispersion")),
            "reference": msg.get("Reference"),
            "jitter_seconds": parse_timespan(msg.get("Jitter")),
            "packet_count": to_int(msg.get("PacketCount")),
        }
    reasons = []
    if view["ntp_enabled"] is False:
        reasons.append("NTP is disabled (timedatectl NTP=no)")
    if not view["server_address"]:
        reasons.append("timesyncd has not contacted a server yet")
    if view["ntp_message"] and view["ntp_message"]["leap"] == 3:
        reasons.append("last NTP message has leap indicator 3 (server not synchronised)")
    if view["ntp_synchronized"] is not True:
        reasons.append("kernel reports not synchronised (NTPSynchronized=%s)" % show.get("NTPSynchronized"))
    view["unsync_reasons"] = reasons
    view["synchronised"] = not reasons
    return view


# --------------------------------------------------------------------------- kernel (adjtimex)

STA_FLAGS = [
    (0x0001, "PLL"),
    (0x0002, "PPSFREQ"),
    (0x0004, "PPSTIME"),
    (0x0008, "FLL"),
    (0x0010, "INS"),
    (0x0020, "DEL"),
    (0x0040, "UNSYNC"),
    (0x0080, "FREQHOLD"),
    (0x0100, "PPSSIGNAL"),
    (0x0200, "PPSJITTER"),
    (0x0400, "PPSWANDER"),
    (0x0800, "PPSERROR"),
    (0x1000, "CLOCKERR"),
    (0x2000, "NANO"),
    (0x4000, "MODE"),
    (0x8000, "CLK"),
]
STA_UNSYNC = 0x0040
STA_NANO = 0x2000
TIME_STATES = {0: "TIME_OK", 1: "TIME_INS", 2: "TIME_DEL", 3: "TIME_OOP", 4: "TIME_WAIT", 5: "TIME_ERROR"}
KERNEL_MAXERROR_LIMIT = 16.0  # seconds; systemd's NTPSynchronized uses maxerror < 16 s


def kernel_view(timex, reason=None):
    """Build the ``kernel`` fact from adjtimex values.

    ``timex`` is a dict with ``state`` (adjtimex return value), ``status``, ``offset``, ``maxerror``, ``esterror``,
    ``freq`` (raw kernel units) or None when adjtimex could not be read (``reason`` then says why).
    Synchronised: STA_UNSYNC clear, state not TIME_ERROR and maxerror below 16 s.
    """
    view = empty_view(
        reason,
        state=None,
        status=None,
        status_flags=[],
        maxerror_seconds=None,
        esterror_seconds=None,
        frequency_ppm=None,
    )
    if not isinstance(timex, dict):
        view["reason"] = reason or "adjtimex not available"
        return view
    status = to_int(timex.get("status"))
    state = to_int(timex.get("state"))
    if status is None or state is None:
        view["reason"] = "adjtimex returned no status"
        return view
    view["available"] = True
    view["status"] = status
    view["state"] = TIME_STATES.get(state, str(state))
    view["status_flags"] = [name for bit, name in STA_FLAGS if status & bit]
    offset = to_float(timex.get("offset"))
    if offset is not None:
        view["offset_seconds"] = 0.0 - offset / (1e9 if status & STA_NANO else 1e6)
    maxerror, esterror = to_float(timex.get("maxerror")), to_float(timex.get("esterror"))
    view["maxerror_seconds"] = None if maxerror is None else maxerror / 1e6
    view["esterror_seconds"] = None if esterror is None else esterror / 1e6
    freq = to_float(timex.get("freq"))
    view["frequency_ppm"] = None if freq is None else freq / 65536.0
    view["max_error_seconds"] = view["maxerror_seconds"]
    reasons = []
    if status & STA_UNSYNC:
        reasons.append("kernel status has STA_UNSYNC set")
    if state == 5:
        reasons.append("kernel clock state is TIME_ERROR")
    if view["maxerror_seconds"] is None or view["maxerror_seconds"] >= KERNEL_MAXERROR_LIMIT:
        reasons.append(
            "kernel maxerror is %s s (limit below %.0f s)" % (view["maxerror_seconds"], KERNEL_MAXERROR_LIMIT)
        )
    view["unsync_reasons"] = reasons
    view["synchronised"] = not reasons
    return view


def read_adjtimex():
    """Read the kernel clock state with adjtimex(modes=0) through ctypes; no root needed, nothing is changed.

    Returns ``(timex_dict, None)`` or ``(None, reason)``. The only function in this file that is not pure.
    """
    if ctypes is None:
        return None, "ctypes is not available on this Python"
    try:

        class Timeval(ctypes.Structure):
            _fields_ = (("tv_sec", ctypes.c_long), ("tv_usec", ctypes.c_long))

        class Timex(ctypes.Structure):
            _fields_ = (
                ("modes", ctypes.c_uint),
                ("offset", ctypes.c_long),
                ("freq", ctypes.c_long),
                ("maxerror", ctypes.c_long),
                ("esterror", ctypes.c_long),
                ("status", ctypes.c_int),
                ("constant", ctypes.c_long),
                ("precision", ctypes.c_long),
                ("tolerance", ctypes.c_long),
                ("time", Timeval),
                ("tick", ctypes.c_long),
                ("ppsfreq", ctypes.c_long),
                ("jitter", ctypes.c_long),
                ("shift", ctypes.c_int),
                ("stabil", ctypes.c_long),
                ("jitcnt", ctypes.c_long),
                ("calcnt", ctypes.c_long),
                ("errcnt", ctypes.c_long),
                ("stbcnt", ctypes.c_long),
                ("tai", ctypes.c_int),
                ("_reserved", ctypes.c_int * 11),
            )

        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        if not hasattr(libc, "adjtimex"):
            return None, "the C library has no adjtimex (not Linux)"
        timex = Timex()
        timex.modes = 0  # read only
        state = libc.adjtimex(ctypes.byref(timex))
        if state < 0:
            return None, "adjtimex failed: errno %d" % ctypes.get_errno()
        return {
            "state": state,
            "status": timex.status,
            "offset": timex.offset,
            "freq": timex.freq,
            "maxerror": timex.maxerror,
            "esterror": timex.esterror,
        }, None
    except (OSError, AttributeError, ImportError, ValueError) as exc:
        return None, "adjtimex not readable: %s" % exc


# --------------------------------------------------------------------------- services and configuration

SERVICES = ("chrony", "ntpd", "timesyncd")
# /proc/PID/comm is cut at 15 characters.
SERVICE_COMMS = {"chronyd": "chrony", "ntpd": "ntpd", "systemd-timesyn": "timesyncd", "systemd-timesyncd": "timesyncd"}


def service_summary(present, active):
    """``service`` fact from the services installed (``present``) and running (``active``)."""
    present = [s for s in SERVICES if s in set(present or [])]
    active = [s for s in SERVICES if s in set(active or [])]
    return {"present": present, "active": active, "conflict": len(active) > 1, "name": active[0] if active else "none"}


def services_from_comms(comms):
    """Process names (``/proc/*/comm``) -> the time services running, in SERVICES order."""
    found = {SERVICE_COMMS[c.strip()] for c in comms or [] if isinstance(c, str) and c.strip() in SERVICE_COMMS}
    return [s for s in SERVICES if s in found]


def _strip_comment(line, chars="#;!"):
    for char in chars:
        idx = line.find(char)
        if idx >= 0:
            line = line[:idx]
    return line.strip()


def parse_chrony_conf(text):
    """chrony.conf -> (servers, includes).

    ``servers`` are ``host`` or ``host:port`` strings from ``server``/``pool``/``peer`` lines; ``includes`` are
    ``(directive, argument)`` pairs for ``include``, ``confdir`` and ``sourcedir`` to follow.
    """
    servers, includes = [], []
    for raw in _text(text).splitlines():
        words = _strip_comment(raw).split()
        if len(words) < 2:
            continue
        directive = words[0].lower()
        if directive in ("server", "pool", "peer"):
            port = None
            if "port" in words[2:]:
                idx = words.index("port", 2)
                port = to_int(words[idx + 1]) if idx + 1 < len(words) else None
            servers.append(join_server(words[1], port))
        elif directive in ("include", "confdir", "sourcedir"):
            includes.extend((directive, arg) for arg in words[1:])
    return servers, includes


def parse_ntp_conf(text):
    """ntp.conf / ntpsec.conf -> server strings (``server``/``pool``/``peer``; 127.127.x.x refclocks skipped)."""
    servers = []
    for raw in _text(text).splitlines():
        words = _strip_comment(raw, "#").split()
        if len(words) >= 2 and words[0].lower() in ("server", "pool", "peer"):
            if words[1].startswith("127.127."):
                continue
            servers.append(words[1])
    return servers


def parse_timesyncd_conf(text):
    """timesyncd.conf -> servers from ``NTP=`` in the ``[Time]`` section (the last assignment wins)."""
    servers = []
    section = None
    for raw in _text(text).splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            section = line.strip("[] ")
            continue
        key, sep, value = line.partition("=")
        if sep and section == "Time" and key.strip() == "NTP":
            servers = value.split()
    return servers


def join_server(host, port=None):
    if port is None:
        return host
    if ":" in host:
        return "[%s]:%d" % (host, port)
    return "%s:%d" % (host, port)


def unique(items):
    seen, result = set(), []
    for item in items:
        if item and item not in seen:
            seen.add(item)
            result.append(item)
    return result


# --------------------------------------------------------------------------- overall judgement


def overall(service_name, chrony, ntpd, timesyncd, kernel):
    """Pick the view that decides the top-level facts: the active service's view if it answered, else any daemon
    that answered (chrony, ntpd, timesyncd), else the kernel's. Returns
    ``(source, synchronised, offset_seconds, max_error_seconds)``.
    """
    views = {"chrony": chrony, "ntpd": ntpd, "timesyncd": timesyncd}
    order = [service_name] if service_name in views else []
    order += [name for name in ("chrony", "ntpd", "timesyncd") if name not in order]
    for name in order:
        view = views[name] or {}
        if view.get("available") and view.get("synchronised") is not None:
            max_err = view.get("max_error_seconds")
            if name == "timesyncd" and max_err is None and kernel:
                max_err = kernel.get("max_error_seconds")
            return name, view["synchronised"], view.get("offset_seconds"), max_err
    kernel = kernel or {}
    return "kernel", kernel.get("synchronised"), kernel.get("offset_seconds"), kernel.get("max_error_seconds")
