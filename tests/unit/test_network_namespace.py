"""The unit suite runs in a network namespace that has only loopback (`make unit`: unshare --net).

A unit test that tried to reach the network would then fail instead of depending on it. These tests prove the
namespace is in effect; they read the kernel's view of this process's network first and send nothing anywhere:
run outside the namespace (plain `pytest tests/unit`), they fail on the interface list before any socket is made.
"""

import errno
import socket


def interfaces():
    """The network interfaces of this process's namespace (/proc/self/net/dev: two header lines, then one each)."""
    with open("/proc/self/net/dev") as fh:
        lines = fh.read().splitlines()[2:]
    return sorted(line.split(":", 1)[0].strip() for line in lines)


def ipv4_routes():
    """The main IPv4 routing table (/proc/self/net/route: a header line, then one line per route)."""
    with open("/proc/self/net/route") as fh:
        return fh.read().splitlines()[1:]


def test_only_loopback_exists():
    assert interfaces() == ["lo"], (
        "the unit tests run outside their network namespace (interfaces %s): run them with `make unit`" % interfaces()
    )
    assert ipv4_routes() == []


def test_loopback_is_up_and_anything_else_is_unreachable():
    assert interfaces() == ["lo"], "not in the unit tests' network namespace: run `make unit`"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.connect(("127.0.0.1", 9))  # loopback is up (the Makefile brings `lo` up inside)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        # A UDP connect only looks up the route, it sends no packet: 192.0.2.1 (TEST-NET-1) has none here.
        try:
            sock.connect(("192.0.2.1", 123))
        except OSError as exc:
            assert exc.errno == errno.ENETUNREACH, exc
        else:
            raise AssertionError("192.0.2.1 has a route: the namespace has more than loopback")
