# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run every preflight collector of one host concurrently, inside one monotonic time budget.

Each collector runs in its own daemon thread. A collector that raises, or is still running when the
budget is spent, is reported under ``errors`` with its reason (and traceback) instead of a section,
so the controller grades it ``error``: nothing that crashed or hung is ever judged as fine.
"""

import threading
import time
import traceback

MIN_PYTHON = (3, 8)
# The NTP host is probed once, here, and feeds both the connectivity and the time checks.
NTP_SAMPLES = 3
NTP_TIMEOUT_CAP = 1.0
# Seconds allowed beyond the probe budget for the host facts and for joining the threads.
SLACK_SECONDS = 2.0


def python_refusal(version_info, executable):
    """None on a supported interpreter, else the message that names it and the fix."""
    if tuple(version_info[:2]) >= MIN_PYTHON:
        return None
    return (
        "the managed host's Python %s (%s) is too old: eformidling.integrasjonspunkt needs Python %d.%d or newer "
        "on the managed host. Install python3.8+ (RHEL 8: dnf install python39 or python3.11) and set "
        "ansible_python_interpreter for this host to it."
        % (".".join(str(p) for p in version_info[:3]), executable, MIN_PYTHON[0], MIN_PYTHON[1])
    )


def budget_seconds(timeout, probe_budget):
    """The documented worst case of one gather call: the probe budget plus the slack for the host facts."""
    return float(probe_budget(timeout)) + SLACK_SECONDS


def _error(message, exc=None):
    out = {"message": message}
    if exc is not None:
        out["exception"] = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return out


class Collectors:
    """Start named collectors in threads; collect their answers or their errors by a deadline."""

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._threads = {}
        self._answers = {}
        self._errors = {}
        self._lock = threading.Lock()

    def start(self, name, func, *args, **kwargs):
        def work():
            try:
                answer = func(*args, **kwargs)
            except Exception as exc:  # kept with its traceback; graded `error` on the controller
                with self._lock:
                    self._errors[name] = _error("collecting %s failed: %s: %s" % (name, type(exc).__name__, exc), exc)
                return
            with self._lock:
                self._answers[name] = answer

        thread = threading.Thread(target=work, name="collect-" + name)
        thread.daemon = True  # a collector stuck in a syscall never delays the module's exit
        self._threads[name] = thread
        thread.start()

    def join(self, name, deadline):
        """The answer of one collector, waiting at most until `deadline`; raises KeyError when it has none."""
        self._threads[name].join(max(0.0, deadline - self._clock()))
        with self._lock:
            return self._answers[name]

    def finish(self, deadline, budget):
        """({name: answer}, {name: error}) once every collector is done or the deadline has passed."""
        for thread in self._threads.values():
            thread.join(max(0.0, deadline - self._clock()))
        with self._lock:
            answers, errors = dict(self._answers), dict(self._errors)
        for name in self._threads:
            if name not in answers and name not in errors:
                errors[name] = _error("collecting %s did not finish within the %.1f s budget" % (name, budget))
        return answers, errors


def ntp_spec(host, port=123):
    """The probe spec of the NTP host: the name alone on port 123, else host:port ([v6]:port)."""
    if not host or int(port or 123) == 123:
        return host
    return "[%s]:%d" % (host, port) if ":" in host else "%s:%d" % (host, port)


def is_ntp_host_entry(entry, ntp_host, ntp_port=123):
    """A catalogue NTP entry for the NTP host itself (not dropped): its result comes from the one probe."""
    return (
        bool(ntp_host)
        and isinstance(entry, dict)
        and entry.get("protocol") == "udp-ntp"
        and not entry.get("dropped")
        and str(entry.get("host") or "").rstrip(".").lower() == ntp_host.rstrip(".").lower()
        and int(entry.get("port") or 123) == int(ntp_port or 123)
    )


def fill_pending(probes, pending, probe):
    """The time collector's probe list with the placeholder for the NTP host replaced by its one probe."""
    out = []
    for item in probes or []:
        if item is pending or (isinstance(item, dict) and item.get("pending")):
            if probe is not None:
                out.append(probe)
        elif item is not None:
            out.append(item)
    return out


def ntp_endpoint_result(entry, probe):
    """The catalogue's NTP entry as connectivity_info would report it, from the one NTP probe of that host."""
    resolved = probe.get("resolved")
    if resolved is None:  # an older probe record: infer from its error text
        resolved = probe.get("reachable") or not str(probe.get("error") or "").startswith("cannot resolve")
    addresses = probe.get("addresses") or ([probe["address"]] if probe.get("address") else [])
    # Only a reply with an offset is an answer: an address, or a "reachable" without a measurement, is not.
    answered = probe.get("reachable") is True and probe.get("offset_seconds") is not None
    result = {
        "name": entry.get("name"),
        "host": entry.get("host"),
        "port": entry.get("port", 123),
        "protocol": "udp-ntp",
        "severity": entry.get("severity") or "fail",
        "ok": False,
        "partial": False,
        "dns": {"ok": bool(resolved), "addresses": addresses, "error": None if resolved else probe.get("error")},
        "tcp": [],
        "tls": None,
        "http": None,
        "proxy": {"used": False, "url": None, "reason": "NTP is UDP: a proxy cannot carry it"},
        "ntp": {
            "ok": answered,
            "address": probe.get("address"),
            "offset_seconds": probe.get("offset_seconds"),
            "delay_seconds": probe.get("delay_seconds"),
            "stratum": probe.get("stratum"),
            "error": probe.get("error"),
            "client": probe.get("client"),
        },
        "undocumented_addresses": [],
        "failed_addresses": [],
        "elapsed_ms": round((probe.get("duration_seconds") or 0.0) * 1000.0, 1),
    }
    kind = probe.get("error_kind")
    if kind == "error":
        result["status"] = "error"
        result["message"] = "internal error in the NTP probe of %s: %s" % (entry.get("host"), probe.get("error"))
    elif not resolved:
        result["status"] = "dns_error"
        result["message"] = "DNS lookup of %s failed: %s" % (entry.get("host"), probe.get("error"))
    elif answered:
        result["ok"], result["status"] = True, "ok"
        result["message"] = "NTP reply from %s: offset %+.3f s, stratum %s" % (
            probe.get("address") or entry.get("host"),
            probe.get("offset_seconds") or 0.0,
            probe.get("stratum"),
        )
    else:
        result["status"] = "ntp_error"
        result["failed_addresses"] = [
            {"address": a, "status": kind or "timeout", "error": probe.get("error")} for a in addresses
        ]
        result["message"] = "no usable NTP reply from %s port %s: %s" % (
            entry.get("host"),
            entry.get("port", 123),
            probe.get("error") or "the reply carried no offset measurement",
        )
    return result


def parse_resolv_conf(text):
    """{nameservers, search} from resolv.conf text (comments and unknown lines ignored)."""
    servers, search = [], []
    for line in (text or "").splitlines():
        words = line.split("#", 1)[0].split(";", 1)[0].split()
        if len(words) >= 2 and words[0] == "nameserver":
            servers.append(words[1])
        elif words and words[0] in ("search", "domain"):
            search = words[1:]
    return {"nameservers": servers, "search": search}


def read_resolver(path="/etc/resolv.conf"):
    try:
        with open(path) as fh:
            view = parse_resolv_conf(fh.read(1 << 16))
    except OSError as exc:
        return {"nameservers": [], "search": [], "source": path, "reason": "cannot read %s: %s" % (path, exc.strerror)}
    view["source"] = path
    return view


def is_registry_entry(entry):
    """An install endpoint only Docker mode needs (the image registry): the engine pulls it, not the JVM."""
    return isinstance(entry, dict) and entry.get("phase") == "install" and (entry.get("run_modes") or []) == ["docker"]


def parse_engine_proxy(text):
    """{https, http, no_proxy} from `docker info --format '{{.HTTPSProxy}}|{{.HTTPProxy}}|{{.NoProxy}}'`."""
    parts = (str(text or "").strip().split("|") + ["", "", ""])[:3]
    https, http, no_proxy = (p.strip() for p in parts)
    return {"https": https or None, "http": http or None, "no_proxy": no_proxy or None}


def engine_proxy(run, binary, docker_host):
    """The proxy the Docker engine itself pulls through (its daemon configuration), or an empty view."""
    if not binary:
        return parse_engine_proxy("")
    argv = [binary] + (["-H", docker_host] if docker_host else [])
    argv += ["info", "--format", "{{.HTTPSProxy}}|{{.HTTPProxy}}|{{.NoProxy}}"]
    rc, out, _err = run(argv)
    return parse_engine_proxy(out if rc == 0 else "")


def probe_registry(probe_all, run, binary, docker_host, entries, **kwargs):
    """Probe the registry endpoints through the engine's own proxy: that is the path a pull takes."""
    proxy = engine_proxy(run, binary, docker_host)
    results = probe_all(entries, proxy=proxy["https"] or proxy["http"], no_proxy=proxy["no_proxy"], **kwargs)
    for result in results:
        result["proxy_source"] = (
            "the Docker engine's own proxy setting"
            if (proxy["https"] or proxy["http"])
            else ("the Docker engine has no proxy set: probed directly")
        )
    return results
