# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lifecycle.blocklist: the host's blocklist in every preflight report; a pinned blocklisted version warns."""

import datetime

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import checks

from .test_checks import by_id, ctx

NOW = datetime.datetime(2026, 12, 7, 1, tzinfo=datetime.timezone.utc)


def entry(version, until):
    return {"version": version, "blocked_at": "2026-12-07T00:00:00Z", "until": until, "reason": "not UP in 300 s"}


def run(**changes):
    return by_id(checks.run_checks(ctx(now=NOW, **changes)))["lifecycle.blocklist"]


def test_no_entries_pass():
    assert run()["status"] == "pass"


def test_a_pinned_blocklisted_version_warns_naming_the_way_out():
    r = run(settings__version="4.0.9", lifecycle__entries=[entry("4.0.9", None)])
    assert r["status"] == "warn" and "4.0.9" in r["message"] and "integrasjonspunkt_blocklist_clear" in r["fix"]


def test_other_active_entries_are_listed_as_info_and_expired_ones_left_out():
    r = run(lifecycle__entries=[entry("4.0.9", "2026-12-07T02:00:00Z"), entry("4.0.7", "2026-12-07T00:30:00Z")])
    assert r["status"] == "info" and r["measured"] == "4.0.9" and "4.0.7" not in r["message"]


def test_an_unread_blocklist_is_unknown_and_an_unreadable_one_an_error():
    assert run(lifecycle=None)["status"] == "unknown"
    errors = {"lifecycle": {"message": "blocklist.json is not JSON", "exception": None}}
    r = run(errors=errors)
    assert r["status"] == "error" and "blocklist.json is not JSON" in r["message"]
