# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The endpoint record of the network probes (module_utils netprobe_*).

What a caller may ask for (protocols, default ports, severities), the validation of one endpoint dict, the blank
result every probe fills in, and the small unit formatting shared by every netprobe_* file. Pure; never raises.

Python 3.8 compatible; standard library only.
"""

import math

PROTOCOLS = ("https", "tls", "tcp", "http", "amqps", "udp-ntp")
TLS_PROTOCOLS = ("https", "tls", "amqps")
HTTP_PROTOCOLS = ("https", "http")
DEFAULT_PORTS = {"https": 443, "http": 80, "amqps": 5671, "udp-ntp": 123}
SEVERITIES = ("fail", "warn")


# Keys of each endpoint result. Input keys with these names are not copied through.
RESULT_KEYS = (
    "name",
    "host",
    "port",
    "protocol",
    "ok",
    "status",
    "message",
    "severity",
    "partial",
    "dns",
    "tcp",
    "tls",
    "http",
    "ntp",
    "proxy",
    "undocumented_addresses",
    "failed_addresses",
    "elapsed_ms",
    "exception",
)


def _ms(seconds):
    return round(seconds * 1000.0, 1)


def _one_line(text, limit=300):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _as_int(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = value.strip() if isinstance(value, str) else ""
    # isdigit() accepts superscripts such as '²' that int() refuses: only ASCII digits are a port.
    if text and text.isascii() and text.isdigit():
        return int(text)
    return None


def _as_seconds(value):
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if math.isnan(number) or number <= 0 or math.isinf(number):
        return None
    return number


def normalize_endpoint(raw, default_timeout):
    """Validate one endpoint dict. Return (endpoint, error); error is a one-line string or None.

    The returned endpoint always has name/host/port/protocol keys (possibly None) so that an invalid
    entry can still be reported by name.
    """
    if not isinstance(raw, dict):
        return {"name": str(raw), "host": None, "port": None, "protocol": None}, "the endpoint is not a dict"
    ep = {
        "name": raw.get("name"),
        "host": raw.get("host"),
        "port": None,
        "protocol": raw.get("protocol") or "tcp",
        "ips": raw.get("ips") or [],
        "timeout": default_timeout,
        "server_name": raw.get("server_name"),
        "http_path": raw.get("http_path") or "/",
        "severity": raw.get("severity") or "fail",
        "use_proxy": raw.get("use_proxy", True),
        "proxy_reason": raw.get("proxy_reason"),
        "dropped": raw.get("dropped"),
    }
    protocol = str(ep["protocol"]).lower()
    ep["protocol"] = protocol
    port = raw.get("port")
    if port is None:
        port = DEFAULT_PORTS.get(protocol)
    ep["port"] = _as_int(port)
    if ep["name"] is None:
        ep["name"] = "%s:%s" % (ep["host"], port)
    ep["name"] = str(ep["name"])
    if not isinstance(ep["host"], str) or not ep["host"].strip():
        return ep, "host is missing or not a string"
    ep["host"] = ep["host"].strip()
    if ep["host"].startswith("[") and ep["host"].endswith("]"):
        ep["host"] = ep["host"][1:-1]
    if protocol not in PROTOCOLS:
        return ep, "protocol %r is not one of %s" % (raw.get("protocol"), ", ".join(PROTOCOLS))
    if ep["port"] is None or not 1 <= ep["port"] <= 65535:
        return ep, "port %r is not an integer 1-65535" % (port,)
    if "timeout" in raw and raw["timeout"] is not None:
        seconds = _as_seconds(raw["timeout"])
        if seconds is None:
            return ep, "timeout %r is not a positive number of seconds" % (raw["timeout"],)
        ep["timeout"] = seconds
    if isinstance(ep["ips"], str):
        ep["ips"] = [ep["ips"]]
    if not isinstance(ep["ips"], list):
        return ep, "ips must be a list of addresses or CIDR ranges"
    ep["ips"] = [str(i) for i in ep["ips"]]
    if ep["severity"] not in SEVERITIES:
        return ep, "severity %r is not one of fail, warn" % (ep["severity"],)
    if ep["server_name"] is not None and not isinstance(ep["server_name"], str):
        return ep, "server_name must be a string"
    if not isinstance(ep["http_path"], str) or not ep["http_path"].startswith("/"):
        return ep, "http_path must be a string starting with /"
    if not isinstance(ep["use_proxy"], bool):
        return ep, "use_proxy must be a boolean"
    if ep["proxy_reason"] is not None and not isinstance(ep["proxy_reason"], str):
        return ep, "proxy_reason must be a string"
    return ep, None


def _seconds(value):
    """Seconds for a message: 15, 2.5, 0.25."""
    return "%g" % round(float(value), 2)


def _blank_result(raw, ep):
    result = {}
    if isinstance(raw, dict):
        for key, value in raw.items():
            if key not in RESULT_KEYS and not str(key).startswith("_"):
                result[key] = value
    result.update(
        {
            "name": ep.get("name"),
            "host": ep.get("host"),
            "port": ep.get("port"),
            "protocol": ep.get("protocol"),
            "severity": ep.get("severity") or "fail",
            "ok": False,
            "status": None,
            "message": None,
            "partial": False,
            "dns": None,
            "tcp": [],
            "tls": None,
            "http": None,
            "ntp": None,
            "proxy": None,
            "undocumented_addresses": [],
            "failed_addresses": [],
            "elapsed_ms": 0.0,
        }
    )
    return result
