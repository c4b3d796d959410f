"""The actuator probe (security.actuator): what it asks, how, and that every failing step is an error."""

import http.client
import socket

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import actuator_probe as ap

TARGET = {"host": "127.0.0.1", "port": 9093, "scheme": "https"}
OURS = {"port": 9093, "readable": True, "in_use": True, "holders": [{"pid": 7, "ours": True}], "holders_complete": True}


def recorder(status=404):
    asked = []

    def request(scheme, host, port, method, path, timeout):
        asked.append((method, path))
        return status(method, path) if callable(status) else status

    return asked, request


def test_it_never_asks_in_a_way_that_dumps_the_heap_or_shuts_down():
    asked, request = recorder()
    ap.probe([TARGET], request=request)
    assert ("POST", "/manage/heapdump") in asked and ("GET", "/manage/shutdown") in asked
    assert ("GET", "/manage/heapdump") not in asked
    assert ("POST", "/manage/shutdown") not in asked
    assert all(method in ("GET", "POST") for method, _path in asked)


@pytest.mark.parametrize(
    ("exc", "words"),
    [
        (socket.timeout("timed out"), "timed out"),
        (ConnectionRefusedError(111, "Connection refused"), "ConnectionRefusedError"),
        (http.client.RemoteDisconnected("closed"), "RemoteDisconnected"),
        (ValueError("bad status"), "ValueError"),
    ],
)
def test_a_failing_request_is_an_error_never_a_status(exc, words):
    def request(*_args):
        raise exc

    answers = ap.probe([TARGET], request=request)[0]["answers"]
    assert len(answers) == len(ap.PROBES)
    assert all("status" not in a and words in a["error"] for a in answers)


def test_past_the_deadline_the_rest_are_not_asked_and_say_so():
    clock = iter([0.0, 0.5, 2.0] + [3.0] * 20)
    asked, request = recorder(404)
    answers = ap.probe([TARGET], deadline=1.0, request=request, clock=lambda: next(clock))[0]["answers"]
    assert len(asked) == 2
    assert all("budget ran out" in a["error"] for a in answers[2:])


@pytest.mark.parametrize(
    ("info", "ours"),
    [
        (OURS, True),
        ({"readable": True, "in_use": False, "holders": []}, False),
        ({"readable": True, "in_use": True, "holders": [{"ours": False}], "holders_complete": True}, False),
        ({"readable": True, "in_use": True, "holders": [{"ours": False}], "holders_complete": False}, None),
        ({"readable": True, "in_use": True, "holders": [{"ours": None}], "holders_complete": True}, None),
        ({"readable": False, "in_use": False, "holders": [], "reason": "no /proc"}, None),
        ({}, None),
        (None, None),
    ],
)
def test_whether_the_integrasjonspunkt_holds_the_port(info, ours):
    assert ap.ours_on_port(info) is ours


def test_another_programs_port_is_never_asked():
    asked, request = recorder(405)
    foreign = {"port": 9093, "readable": True, "in_use": True, "holders": [{"ours": False}], "holders_complete": True}
    result = ap.collect(lambda: foreign, [TARGET], request=request)
    assert asked == [] and result["running"] is False and result["targets"] == []
    assert "another program" in result["reason"]


def test_an_unreadable_port_table_is_not_asked_and_not_told_free():
    asked, request = recorder(405)
    result = ap.collect(lambda: {"readable": False, "in_use": False, "reason": "hidepid"}, [TARGET], request=request)
    assert asked == [] and result["running"] is None and "hidepid" in result["reason"]


def test_our_port_is_asked_on_every_target():
    asked, request = recorder(404)
    second = dict(TARGET, port=9094)
    result = ap.collect(lambda: OURS, [TARGET, second], request=request)
    assert result["running"] is True
    assert [t["port"] for t in result["targets"]] == [9093, 9094]
    assert len(asked) == 2 * len(ap.PROBES)


def test_a_port_lookup_that_crashes_is_raised_for_the_gather_to_report():
    def broken():
        raise OSError("proc gone")

    with pytest.raises(OSError):
        ap.collect(broken, [TARGET])
