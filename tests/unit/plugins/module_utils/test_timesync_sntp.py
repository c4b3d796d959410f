"""SNTP packet encoding/decoding and server parsing (the network side is covered against real chronyd)."""

import struct

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import sntp


def reply(sent, t2, t3, stratum=2, leap=0, mode=4, root_delay=0x00010000, root_disp=0x00008000):
    first = (leap << 6) | (4 << 3) | mode
    return struct.pack(
        ">BBbbII4sQQQQ",
        first,
        stratum,
        6,
        -20,
        root_delay,
        root_disp,
        b"GPS\0",
        0,
        sent,
        sntp.to_ntp(t2),
        sntp.to_ntp(t3),
    )


def test_request_layout():
    packet = sntp.build_request(sntp.to_ntp(1_800_000_000.25))
    assert len(packet) == 48
    assert packet[0] == 0x23  # LI 0, version 4, mode 3 (client)
    assert sntp.from_ntp(struct.unpack(">Q", packet[40:48])[0]) == pytest.approx(1_800_000_000.25, abs=1e-6)


def test_offset_sign_and_delay():
    # Server clock 30 s ahead; 10 ms each way; 1 ms server processing.
    t1 = 1_800_000_000.0
    t2, t3, t4 = t1 + 30.010, t1 + 30.011, t1 + 0.021
    sent = sntp.to_ntp(t1)
    sample, error = sntp.parse_reply(reply(sent, t2, t3), sent, t1, t4)
    assert error is None
    assert sample["offset_seconds"] == pytest.approx(-30.0, abs=1e-6)  # local minus true: local is behind
    assert sample["delay_seconds"] == pytest.approx(0.020, abs=1e-6)
    assert sample["stratum"] == 2
    assert sample["root_delay_seconds"] == 1.0
    assert sample["root_dispersion_seconds"] == 0.5


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"stratum": 0}, "stratum 0"), ({"leap": 3}, "leap 3"), ({"mode": 3}, "mode 3")],
)
def test_refused_replies(kwargs, message):
    t1 = 1_800_000_000.0
    sent = sntp.to_ntp(t1)
    sample, error = sntp.parse_reply(reply(sent, t1, t1, **kwargs), sent, t1, t1)
    assert sample is None
    assert message in error


def test_reply_must_echo_our_timestamp_and_be_long_enough():
    t1 = 1_800_000_000.0
    sent = sntp.to_ntp(t1)
    assert sntp.parse_reply(reply(sent + 1, t1, t1), sent, t1, t1)[1] == "reply does not echo our timestamp"
    assert sntp.parse_reply(b"\x24" * 47, sent, t1, t1) == (None, "short reply")


@pytest.mark.parametrize(
    ("spec", "parsed"),
    [
        ("time.google.com", ("time.google.com", 123)),
        ("127.0.0.1:11123", ("127.0.0.1", 11123)),
        ("[::1]:1123", ("::1", 1123)),
        ("[::1]", ("::1", 123)),
        ("2001:db8::1", ("2001:db8::1", 123)),
        ("host:0", None),
        ("host:99999", None),
        ("host:abc", None),
        ("", None),
        ("a b", None),
        ("[::1", None),
        (None, None),
    ],
)
def test_parse_server(spec, parsed):
    assert sntp.parse_server(spec) == parsed


def test_invalid_server_is_reported_not_raised():
    (result,) = sntp.probe_servers(["bad host"], samples=2, timeout=0.1)
    assert result["reachable"] is False
    assert result["samples_sent"] == 0
    assert "not a valid server" in result["error"]


def test_client_choice():
    assert sntp.choose_client("builtin") == "builtin"
    assert sntp.choose_client("auto") == ("ntplib" if sntp.HAS_NTPLIB else "builtin")
