# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Direct NTP probes from the target: ntplib when importable, else a minimal SNTP (RFC 4330) client of our own.

Offsets follow the collection's convention, ``offset_seconds = local clock - true time`` (positive: local clock
ahead). NTP itself reports server minus local, so every offset is negated once, here.

Bounds: every packet waits at most ``timeout`` seconds; a server that never answers costs exactly one timeout
(the rest of its burst is not sent); a server costs at most ``samples * timeout``; servers are probed in parallel
threads, and ``probe_servers`` returns after at most ``samples * timeout + 1`` seconds (or by its ``deadline``,
a time.monotonic() value) even if name resolution hangs.

Every probe record says whether the name resolved (``resolved``, ``addresses``) and what failed
(``error_kind``): None (a reply arrived), "dns" (the name does not resolve), "timeout" (no reply: UDP dropped),
"refused" (ICMP unreachable or a local firewall), "bad_reply" (a reply we refuse: stratum 0, leap 3, wrong mode),
"error" (our own code raised; the text is in ``error``). A record with ``error_kind`` "error" is never reachable.
"""

import errno
import os
import socket
import struct
import threading
import time

NTP_EPOCH_DELTA = 2208988800  # seconds from 1900-01-01 to 1970-01-01
NTP_PORT = 123
ERROR_KINDS = (None, "dns", "timeout", "refused", "bad_reply", "error")
_PACKET = struct.Struct(">BBbbII4sQQQQ")

try:
    import ntplib

    HAS_NTPLIB = True
except Exception:  # depends on the target; a broken ntplib counts as missing
    ntplib = None
    HAS_NTPLIB = False


def parse_server(spec):
    """'host', 'host:port', '[v6]:port', 'v6' -> (host, port) or None for garbage."""
    if not isinstance(spec, str):
        return None
    spec = spec.strip()
    if not spec or any(c.isspace() for c in spec):
        return None
    host, port = spec, NTP_PORT
    if spec.startswith("["):
        close = spec.find("]")
        if close < 0:
            return None
        host, rest = spec[1:close], spec[close + 1 :]
        if rest:
            if not rest.startswith(":"):
                return None
            port = _port(rest[1:])
    elif spec.count(":") == 1:
        host, port_text = spec.split(":")
        port = _port(port_text)
    if not host or port is None:
        return None
    return host, port


def _port(text):
    if not text.isdigit():
        return None
    port = int(text)
    return port if 0 < port < 65536 else None


def to_ntp(seconds):
    """Unix seconds -> 64-bit NTP timestamp."""
    value = seconds + NTP_EPOCH_DELTA
    return (int(value) << 32 | int((value % 1) * 2**32)) & 0xFFFFFFFFFFFFFFFF


def from_ntp(stamp):
    """64-bit NTP timestamp -> Unix seconds."""
    return (stamp >> 32) + (stamp & 0xFFFFFFFF) / 2**32 - NTP_EPOCH_DELTA


def build_request(transmit_ntp):
    """A 48-byte SNTP v4 client request (LI 0, VN 4, mode 3) carrying our transmit timestamp."""
    return _PACKET.pack(0x23, 0, 0, 0, 0, 0, b"\0\0\0\0", 0, 0, 0, transmit_ntp)


def parse_reply(data, sent_ntp, t1, t4):
    """Check and decode a server reply -> (sample, None) or (None, reason).

    ``sent_ntp`` is the transmit timestamp we sent (the reply must echo it as its origin); ``t1``/``t4`` are our
    send/receive times in Unix seconds. ``sample`` = {offset_seconds (our convention), delay_seconds, stratum,
    leap, root_delay_seconds, root_dispersion_seconds}. Stratum 0 (kiss-o'-death) and leap 3 replies are refused.
    """
    if not isinstance(data, (bytes, bytearray)) or len(data) < 48:
        return None, "short reply"
    first, stratum, _poll, _prec, root_delay, root_disp, _refid, _ref, origin, recv, xmit = _PACKET.unpack(
        bytes(data[:48])
    )
    leap, mode = first >> 6, first & 0x7
    if mode != 4:
        return None, "not a server reply (mode %d)" % mode
    if origin != sent_ntp:
        return None, "reply does not echo our timestamp"
    if stratum == 0:
        return None, "kiss-o'-death or unsynchronised server (stratum 0)"
    if leap == 3:
        return None, "server not synchronised (leap 3)"
    if not recv or not xmit:
        return None, "reply without timestamps"
    t2, t3 = from_ntp(recv), from_ntp(xmit)
    server_minus_local = ((t2 - t1) + (t3 - t4)) / 2.0
    return {
        "offset_seconds": -server_minus_local,
        "delay_seconds": max(0.0, (t4 - t1) - (t3 - t2)),
        "stratum": stratum,
        "leap": leap,
        "root_delay_seconds": root_delay / 65536.0,
        "root_dispersion_seconds": root_disp / 65536.0,
    }, None


def _resolve(host, port):
    infos = socket.getaddrinfo(host, port, 0, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    if not infos:
        raise OSError("no address for %s" % host)
    return infos[0]


def exchange(host, port, timeout):
    """One SNTP exchange with our own client -> (sample, None) or (None, protocol error).

    Socket errors (refused, unreachable, timeout, resolution) are raised, so that callers can classify
    them; connectivity_info does, per address.
    """
    family, socktype, proto, _canon, address = _resolve(host, port)
    sock = socket.socket(family, socktype, proto)
    try:
        sock.settimeout(timeout)
        sock.connect(address)
        t1 = time.time()
        sent = to_ntp(t1) ^ (int.from_bytes(os.urandom(2), "big"))  # random low bits: unpredictable origin
        sock.send(build_request(sent))
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise socket.timeout("timed out after %.3g s" % timeout)
            sock.settimeout(remaining)
            data = sock.recv(512)
            t4 = time.time()
            sample, error = parse_reply(data, sent, t1, t4)
            if error != "reply does not echo our timestamp":
                return sample, error
    finally:
        sock.close()


REFUSED_ERRNOS = (errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EACCES, errno.EPERM)


def classify(exc):
    """An exception from one exchange -> (error_kind, message); kinds as in ERROR_KINDS."""
    if isinstance(exc, (socket.gaierror, UnicodeError)):
        return "dns", "cannot resolve: %s" % (exc,)
    if isinstance(exc, socket.timeout):
        return "timeout", str(exc) or "timed out"
    if isinstance(exc, OSError) and exc.errno in REFUSED_ERRNOS:
        # ICMP port/host unreachable (a REJECT rule) or a local firewall: the packet was turned away
        return "refused", str(exc)
    return "error", "%s: %s" % (exc.__class__.__name__, exc)


def builtin_sample(host, port, timeout):
    """One SNTP exchange with our own client -> (sample, None, None) or (None, error, error_kind)."""
    try:
        sample, error = exchange(host, port, timeout)
    except socket.timeout:
        return None, "timed out after %.3g s" % timeout, "timeout"
    except (OSError, UnicodeError) as exc:
        kind, message = classify(exc)
        return None, message, kind
    return sample, error, None if error is None else "bad_reply"


def ntplib_sample(host, port, timeout):
    """One exchange through ntplib -> (sample, None, None) or (None, error, error_kind); same checks as ours."""
    try:
        stats = ntplib.NTPClient().request(host, version=4, port=port, timeout=timeout)
    except (OSError, UnicodeError) as exc:
        kind, message = classify(exc)
        return None, message, kind
    except Exception as exc:  # ntplib.NTPException: no response, or a reply it could not decode
        message = str(exc) or exc.__class__.__name__
        if "No response received" in message:
            return None, "timed out after %.3g s" % timeout, "timeout"
        if ntplib is not None and isinstance(exc, ntplib.NTPException):
            return None, message, "bad_reply"
        raise
    if stats.stratum == 0:
        return None, "kiss-o'-death or unsynchronised server (stratum 0)", "bad_reply"
    if stats.leap == 3:
        return None, "server not synchronised (leap 3)", "bad_reply"
    return (
        {
            "offset_seconds": -stats.offset,
            "delay_seconds": max(0.0, stats.delay),
            "stratum": stats.stratum,
            "leap": stats.leap,
            "root_delay_seconds": stats.root_delay,
            "root_dispersion_seconds": stats.root_dispersion,
        },
        None,
        None,
    )


def choose_client(requested="auto"):
    """'auto' -> ntplib when importable, else builtin. Asking for ntplib where it is missing gives builtin."""
    if requested == "builtin" or not HAS_NTPLIB:
        return "builtin"
    return "ntplib"


def empty_result(spec, client="auto", error=None, error_kind=None):
    """A probe result with nothing measured."""
    parsed = parse_server(spec) or (None, None)
    return {
        "server": spec,
        "host": parsed[0],
        "port": parsed[1],
        "resolved": False,
        "addresses": [],
        "reachable": False,
        "offset_seconds": None,
        "delay_seconds": None,
        "stratum": None,
        "leap": None,
        "root_delay_seconds": None,
        "root_dispersion_seconds": None,
        "client": choose_client(client),
        "samples_sent": 0,
        "samples_ok": 0,
        "duration_seconds": 0.0,
        "error": error,
        "error_kind": error_kind,
    }


def resolve_addresses(host, port):
    """Every address of `host` for UDP, in getaddrinfo order, without duplicates (raises gaierror)."""
    addresses = []
    for _family, _type, _proto, _canon, sockaddr in socket.getaddrinfo(
        host, port, 0, socket.SOCK_DGRAM, socket.IPPROTO_UDP
    ):
        if sockaddr[0] not in addresses:
            addresses.append(sockaddr[0])
    if not addresses:
        raise socket.gaierror("no address for %s" % host)
    return addresses


def _fail(result, kind, message):
    """Mark `result` failed; nothing measured counts (fail closed)."""
    for key in ("offset_seconds", "delay_seconds", "stratum", "leap", "root_delay_seconds", "root_dispersion_seconds"):
        result[key] = None
    result["reachable"] = False
    result["error"] = message
    result["error_kind"] = kind
    return result


def probe_server(spec, samples=4, timeout=1.0, client="auto", deadline=None, result=None):
    """Probe one server: resolve it once, then send up to `samples` packets one after another to its first
    address and keep the best reply by delay.

    `deadline` (a time.monotonic() value) cuts the burst short: no packet waits beyond it. `result` lets a
    caller pass the record to fill in, so that it can see how far a probe got if it has to stop waiting.
    An exception from our own code gives ``error_kind: "error"`` and ``reachable: False``.
    """
    started = time.monotonic()
    result = result if result is not None else {}
    result.update(empty_result(spec, client))
    try:
        return _probe(spec, samples, timeout, deadline, result, started)
    except Exception as exc:  # our own code failed: never a measurement
        return _fail(result, "error", "probe failed: %s: %s" % (exc.__class__.__name__, exc))
    finally:
        result.pop("stage", None)
        result["duration_seconds"] = round(time.monotonic() - started, 6)


def _probe(spec, samples, timeout, deadline, result, started):
    parsed = parse_server(spec)
    if parsed is None:
        return _fail(result, "error", "not a valid server (host, host:port or [ipv6]:port): %r" % (spec,))
    host, port = result["host"], result["port"] = parsed
    result["stage"] = "resolving"
    try:
        result["addresses"] = resolve_addresses(host, port)
    except (OSError, UnicodeError) as exc:
        return _fail(result, "dns", "cannot resolve %s: %s" % (host, exc))
    result["resolved"] = True
    result["stage"] = "exchanging"
    sample_fn = ntplib_sample if result["client"] == "ntplib" else builtin_sample
    best, errors, kinds = None, [], []
    for _attempt in range(max(1, int(samples))):
        wait = timeout if deadline is None else min(timeout, deadline - time.monotonic())
        if wait <= 0.001:
            errors.append("time budget used up after %.3g s" % (time.monotonic() - started))
            kinds.append("timeout")
            break
        result["samples_sent"] += 1
        sample, error, kind = sample_fn(result["addresses"][0], port, wait)
        if sample is None:
            errors.append(error)
            kinds.append(kind or "error")
            if kinds[-1] == "error" or (result["samples_ok"] == 0 and kinds[-1] in ("timeout", "refused")):
                break  # a dead server costs one timeout, not a whole burst
            if "stratum 0" in error:
                break  # kiss-o'-death: RFC 4330 says stop sending
            continue
        result["samples_ok"] += 1
        if best is None or sample["delay_seconds"] < best["delay_seconds"]:
            best = sample
    if "error" in kinds:
        return _fail(result, "error", errors[kinds.index("error")])
    if best is not None:
        result.update(best)
        result["reachable"] = True
    if errors:
        if best is None:
            result["error"], result["error_kind"] = errors[-1], kinds[-1]
        else:  # reachable: the failures of some packets are told, not graded
            result["error"] = "%d of %d packets failed: %s" % (len(errors), result["samples_sent"], errors[-1])
    return result


def probe_servers(specs, samples=4, timeout=1.0, client="auto", deadline=None):
    """Probe every server concurrently (one thread each); results in the order of `specs`.

    Returns after at most ``samples * timeout + 1`` seconds, and never after `deadline` (time.monotonic())
    plus thread overhead. A server whose thread is still blocked then (typically in name resolution) is
    reported as a failure: ``error_kind`` "dns" while resolving, "timeout" afterwards.
    """
    specs = list(specs or [])
    results = [None] * len(specs)
    records = [{} for _spec in specs]
    budget = max(1, int(samples)) * timeout + 1.0
    end = time.monotonic() + budget
    if deadline is not None:
        end = min(end, deadline)

    def work(i, spec):
        try:
            results[i] = probe_server(spec, samples, timeout, client, deadline=end, result=records[i])
        except Exception as exc:  # one broken probe must not break the facts
            results[i] = empty_result(spec, client, "probe failed: %s: %s" % (exc.__class__.__name__, exc), "error")

    started = time.monotonic()
    threads = []
    for i, spec in enumerate(specs):
        thread = threading.Thread(target=work, args=(i, spec), name="ntp-probe-%d" % i)
        thread.daemon = True
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join(max(0.0, end - time.monotonic()))
    waited = round(time.monotonic() - started, 6)
    for i, spec in enumerate(specs):
        if results[i] is None:
            results[i] = unfinished(spec, client, records[i], waited)
    return results


def unfinished(spec, client, record, waited):
    """The record of a probe whose thread did not finish within the budget (a copy: the thread may go on)."""
    stage = record.get("stage")
    result = empty_result(spec, client)
    if stage == "resolving" or not record:
        result = _fail(result, "dns", "name resolution did not finish within %.3g s" % waited)
    else:
        result["resolved"] = bool(record.get("resolved"))
        result["addresses"] = list(record.get("addresses") or [])
        result["samples_sent"] = record.get("samples_sent", 0)
        result = _fail(result, "timeout", "timed out (no answer within the %.3g s probe budget)" % waited)
    result["duration_seconds"] = waited
    return result
