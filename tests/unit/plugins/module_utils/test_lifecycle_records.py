# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lifecycle records: a blocklist or history that cannot be read is an error, never an empty list."""

import datetime
import json

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import lifecycle_records as lr

NOW = datetime.datetime(2026, 12, 7, 1, 0, 0, tzinfo=datetime.timezone.utc)


def test_no_file_means_no_entries():
    assert lr.parse_blocklist(None) == []
    assert lr.parse_blocklist("  \n") == []


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        "[]",
        '{"schema": 2, "entries": []}',
        '{"schema": 1}',
        '{"schema": 1, "entries": [{"blocked_at": "2026-12-07T01:00:00Z"}]}',
        '{"schema": 1, "entries": [{"version": "4.0.9", "blocked_at": "yesterday"}]}',
        '{"schema": 1, "entries": [{"version": "4.0.9", "blocked_at": "2026-12-07T01:00:00Z", "until": "soon"}]}',
        '{"schema": 1, "entries": ["4.0.9"]}',
    ],
)
def test_an_unreadable_blocklist_is_an_error(text):
    with pytest.raises(lr.RecordError):
        lr.parse_blocklist(text)


def test_block_round_trip_and_the_newest_entry_for_a_version_wins():
    entries = lr.block([], "4.0.9", NOW, "not healthy in 300 s", log_tail="x" * 5000, hold=datetime.timedelta(hours=2))
    entries = lr.block(entries, "4.0.9", NOW, "again")
    parsed = lr.parse_blocklist(lr.render_blocklist(entries))
    assert len(parsed) == 1
    assert parsed[0]["reason"] == "again"
    assert parsed[0]["until"] is None
    assert parsed[0]["blocked_at"] == "2026-12-07T01:00:00Z"
    held = lr.block([], "4.0.9", NOW, "r", log_tail="y" * 5000, hold=datetime.timedelta(hours=2))
    assert held[0]["until"] == "2026-12-07T03:00:00Z"
    assert len(held[0]["log_tail"]) == lr.LOG_TAIL_MAX_CHARS


def test_active_honours_until_and_unblock_clears():
    entries = lr.block([], "4.0.9", NOW, "r", hold=datetime.timedelta(hours=2))
    entries = lr.block(entries, "4.0.10", NOW, "r")
    assert set(lr.active(entries, NOW)) == {"4.0.9", "4.0.10"}
    later = NOW + datetime.timedelta(hours=2)
    assert set(lr.active(entries, later)) == {"4.0.10"}
    assert lr.active(lr.unblock(entries, ["4.0.10"]), later) == {}


def test_history_lines_parse_back_in_order():
    text = lr.history_line("upgrade", NOW, **{"from": "4.0.7", "to": "4.0.8", "result": "ok"})
    text += "\n" + lr.history_line("rollback", NOW, to="4.0.7", result="ok", log_tail="z" * 5000)
    records = lr.parse_history(text)
    assert [r["action"] for r in records] == ["upgrade", "rollback"]
    assert records[0]["from"] == "4.0.7"
    assert records[0]["time"] == "2026-12-07T01:00:00Z"
    assert len(records[1]["log_tail"]) == lr.LOG_TAIL_MAX_CHARS


@pytest.mark.parametrize(
    "line", ["not json", "[1]", json.dumps({"action": "dance", "time": "2026-12-07T01:00:00Z"}), '{"action": "backup"}']
)
def test_a_broken_history_line_is_an_error_naming_it(line):
    good = lr.history_line("backup", NOW, result="ok")
    with pytest.raises(lr.RecordError, match=r"line 2|time"):
        lr.parse_history(good + line + "\n")


def test_unknown_history_action_is_refused():
    with pytest.raises(lr.RecordError, match="allowed"):
        lr.history_line("dance", NOW)
