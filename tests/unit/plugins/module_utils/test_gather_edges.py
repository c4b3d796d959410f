"""gather.py at its edges: each test here was written for mutants of gather.py that the suite let live.

The NTP host's connectivity record is compared whole, key by key, for each of its four outcomes: the report and
the checks read those keys, so a renamed or dropped one is a bug even when no check looks at it today.
"""

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import gather

NTP = {"name": "ntp", "host": "ntp.intern", "port": 123, "protocol": "udp-ntp", "severity": "warn"}


def base(**changes):
    """The record every outcome shares (what ntp_endpoint_result builds before it grades)."""
    record = {
        "name": "ntp",
        "host": "ntp.intern",
        "port": 123,
        "protocol": "udp-ntp",
        "severity": "warn",
        "ok": False,
        "partial": False,
        "dns": {"ok": True, "addresses": ["192.0.2.7"], "error": None},
        "tcp": [],
        "tls": None,
        "http": None,
        "proxy": {"used": False, "url": None, "reason": "NTP is UDP: a proxy cannot carry it"},
        "ntp": {
            "ok": False,
            "address": None,
            "offset_seconds": None,
            "delay_seconds": None,
            "stratum": None,
            "error": None,
            "client": "builtin",
        },
        "undocumented_addresses": [],
        "failed_addresses": [],
        "elapsed_ms": 1234.6,
    }
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(record.get(key), dict):
            record[key] = dict(record[key], **value)
        else:
            record[key] = value
    return record


def probe(**changes):
    record = {"server": "ntp.intern", "resolved": True, "addresses": ["192.0.2.7"], "reachable": False,
              "address": None, "offset_seconds": None, "delay_seconds": None, "stratum": None, "error": None,
              "error_kind": None, "client": "builtin", "duration_seconds": 1.23456}  # fmt: skip
    record.update(changes)
    return record


def test_ntp_record_of_a_reply():
    answer = probe(reachable=True, address="192.0.2.7", offset_seconds=-0.0123, delay_seconds=0.004, stratum=2)
    assert gather.ntp_endpoint_result(NTP, answer) == base(
        ok=True,
        status="ok",
        message="NTP reply from 192.0.2.7: offset -0.012 s, stratum 2",
        ntp={"ok": True, "address": "192.0.2.7", "offset_seconds": -0.0123, "delay_seconds": 0.004, "stratum": 2},
    )


def test_ntp_record_of_a_reply_without_an_offset_is_no_answer():
    """Fail closed: 'reachable' without a measured offset is not an answer the integrasjonspunkt could use."""
    answer = probe(reachable=True, offset_seconds=None, stratum=3)
    got = gather.ntp_endpoint_result(NTP, answer)
    assert (got["ok"], got["status"]) == (False, "ntp_error")
    assert got["message"] == "no usable NTP reply from ntp.intern port 123: the reply carried no offset measurement"


def test_ntp_record_of_a_silent_server():
    silent = probe(error="timed out after 1 s", error_kind="timeout")
    assert gather.ntp_endpoint_result(NTP, silent) == base(
        status="ntp_error",
        message="no usable NTP reply from ntp.intern port 123: timed out after 1 s",
        ntp={"error": "timed out after 1 s"},
        failed_addresses=[{"address": "192.0.2.7", "status": "timeout", "error": "timed out after 1 s"}],
    )
    unclassified = gather.ntp_endpoint_result(NTP, probe(error="odd", error_kind=None))
    assert unclassified["failed_addresses"] == [{"address": "192.0.2.7", "status": "timeout", "error": "odd"}]


def test_ntp_record_of_a_name_that_does_not_resolve():
    unresolved = probe(resolved=False, addresses=[], error="cannot resolve ntp.intern: no such name", error_kind="dns")
    assert gather.ntp_endpoint_result(NTP, unresolved) == base(
        status="dns_error",
        message="DNS lookup of ntp.intern failed: cannot resolve ntp.intern: no such name",
        dns={"ok": False, "addresses": [], "error": "cannot resolve ntp.intern: no such name"},
        ntp={"error": "cannot resolve ntp.intern: no such name"},
    )


def test_ntp_record_of_a_probe_that_crashed():
    crashed = probe(reachable=True, error="ValueError: boom", error_kind="error")
    assert gather.ntp_endpoint_result(NTP, crashed) == base(
        status="error",
        message="internal error in the NTP probe of ntp.intern: ValueError: boom",
        ntp={"ok": False, "error": "ValueError: boom"},
    )


def test_ntp_record_defaults_for_a_bare_entry_and_an_older_probe():
    """An entry without port or severity: port 123, severity fail. A record without `resolved`: inferred."""
    bare = {"name": "ntp", "host": "ntp.intern"}
    old_ok = gather.ntp_endpoint_result(bare, {"reachable": True, "address": "192.0.2.7", "error": None})
    assert (old_ok["port"], old_ok["severity"], old_ok["dns"], old_ok["elapsed_ms"]) == (
        123,
        "fail",
        {"ok": True, "addresses": ["192.0.2.7"], "error": None},
        0.0,
    )
    old_dns = gather.ntp_endpoint_result(bare, {"reachable": False, "error": "cannot resolve ntp.intern: x"})
    assert (old_dns["status"], old_dns["dns"]["ok"]) == ("dns_error", False)
    old_timeout = gather.ntp_endpoint_result(bare, {"reachable": False, "error": "timed out", "address": "192.0.2.8"})
    assert (old_timeout["status"], old_timeout["dns"]["ok"]) == ("ntp_error", True)
    assert old_timeout["failed_addresses"] == [{"address": "192.0.2.8", "status": "timeout", "error": "timed out"}]
    # a new record that says it did not resolve is believed, even when it was reachable before
    assert gather.ntp_endpoint_result(bare, {"resolved": False, "reachable": True, "error": "x"})["dns"]["ok"] is False


# --------------------------------------------------------------------------- small helpers


def test_python_refusal_text():
    assert gather.python_refusal((3, 6, 15, "final", 0), "/usr/libexec/platform-python") == (
        "the managed host's Python 3.6.15 (/usr/libexec/platform-python) is too old: eformidling.integrasjonspunkt"
        " needs Python 3.8 or newer on the managed host. Install python3.8+ (RHEL 8: dnf install python39 or"
        " python3.11) and set ansible_python_interpreter for this host to it."
    )


def test_collector_error_keeps_the_traceback_of_the_exception():
    jobs = gather.Collectors(clock=lambda: 0.0)
    jobs.start("broken", lambda: {}["missing"])
    _answers, errors = jobs.finish(10.0, 10.0)
    assert errors["broken"]["message"] == "collecting broken failed: KeyError: 'missing'"
    assert errors["broken"]["exception"].startswith("Traceback (most recent call last):\n")
    assert errors["broken"]["exception"].endswith("KeyError: 'missing'\n")


@pytest.mark.parametrize(
    ("host", "port", "spec"),
    [("ntp.intern", 123, "ntp.intern"), ("ntp.intern", None, "ntp.intern"), ("ntp.intern", 1123, "ntp.intern:1123"),
     ("2001:db8::1", 1123, "[2001:db8::1]:1123"), ("", 1123, "")],
)  # fmt: skip
def test_ntp_spec(host, port, spec):
    assert gather.ntp_spec(host, port) == spec


def test_ntp_host_entry_matches_name_and_port():
    assert gather.is_ntp_host_entry(dict(NTP, host="NTP.intern."), "ntp.intern")
    assert gather.is_ntp_host_entry(dict(NTP, port=None), "ntp.intern")  # no port: 123
    assert gather.is_ntp_host_entry(dict(NTP, port=1123), "ntp.intern", 1123)
    assert not gather.is_ntp_host_entry(dict(NTP, port=1123), "ntp.intern")
    assert not gather.is_ntp_host_entry(NTP, "ntp.intern", 1123)
    assert gather.is_ntp_host_entry(NTP, "ntp.intern", None)  # the NTP host without a port: 123
    assert not gather.is_ntp_host_entry(dict(NTP, protocol="tcp"), "ntp.intern")


def test_fill_pending_replaces_a_record_marked_pending():
    marked = {"server": "ntp.intern", "pending": True}
    real = {"server": "ntp.intern", "reachable": True}
    assert gather.fill_pending([marked, {"server": "other"}], object(), real) == [real, {"server": "other"}]


def test_resolv_conf_comments_and_read_limit(tmp_path):
    text = "nameserver 10.0.0.1 # office\n# nameserver 10.9.9.9\nnameserver 10.0.0.2 ; lab\nsearch a.example b\n"
    assert gather.parse_resolv_conf(text) == {"nameservers": ["10.0.0.1", "10.0.0.2"], "search": ["a.example", "b"]}
    path = tmp_path / "resolv.conf"
    path.write_text("nameserver 10.0.0.1\n" + "#" * 70000 + "\nnameserver 10.0.0.3\n")
    assert gather.read_resolver(str(path)) == {"nameservers": ["10.0.0.1"], "search": [], "source": str(path)}
    missing = str(tmp_path / "none")
    assert gather.read_resolver(missing) == {
        "nameservers": [],
        "search": [],
        "source": missing,
        "reason": "cannot read %s: No such file or directory" % missing,
    }


def test_engine_proxy_asks_the_engine_with_its_go_template():
    seen = []

    def run(argv):
        seen.append(argv)
        return 0, "|http://p:3128|localhost\n", ""

    assert gather.engine_proxy(run, "/usr/bin/docker", "tcp://10.0.0.5:2376") == {
        "https": None,
        "http": "http://p:3128",
        "no_proxy": "localhost",
    }
    assert seen == [
        [
            "/usr/bin/docker",
            "-H",
            "tcp://10.0.0.5:2376",
            "info",
            "--format",
            "{{.HTTPSProxy}}|{{.HTTPProxy}}|{{.NoProxy}}",
        ]
    ]


def test_registry_probe_with_an_http_only_engine_proxy():
    got = {}

    def probe_all(entries, **kwargs):
        got.update(kwargs)
        return [{"name": e["name"]} for e in entries]

    out = gather.probe_registry(
        probe_all, lambda argv: (0, "|http://p:3128|", ""), "/usr/bin/docker", None, [{"name": "ghcr"}], timeout=1
    )
    assert got == {"proxy": "http://p:3128", "no_proxy": None, "timeout": 1}
    assert out == [{"name": "ghcr", "proxy_source": "the Docker engine's own proxy setting"}]
