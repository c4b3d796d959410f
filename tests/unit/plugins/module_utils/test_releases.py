# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Picking the release: newest within the major, never across it, blocklisted versions skipped."""

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import releases


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("v4.0.8", (4, 0, 8)),
        ("4.0.10", (4, 0, 10)),
        (" 3.1.0 ", (3, 1, 0)),
        ("4.0.9-rc1", None),
        ("latest", None),
        (None, None),
    ],
)
def test_version_key(text, key):
    assert releases.version_key(text) == key


def test_from_github_leaves_out_drafts_prereleases_and_odd_tags():
    answer = [
        {"tag_name": "v4.0.9", "draft": False, "prerelease": False},
        {"tag_name": "v4.1.0", "draft": False, "prerelease": True},
        {"tag_name": "v4.2.0", "draft": True, "prerelease": False},
        {"tag_name": "nightly"},
        "junk",
    ]
    assert releases.from_github(answer) == ["4.0.9"]
    assert releases.from_github({"message": "rate limited"}) == []


def test_newest_within_major_is_numeric_not_lexical():
    version, why = releases.newest_within_major(["v4.0.9", "v4.0.10", "v4.0.2"], "4.0.8")
    assert version == "4.0.10"
    assert "newest release of major version 4" in why


def test_a_newer_major_is_never_taken_and_said():
    version, why = releases.newest_within_major(["3.9.9", "4.0.8", "5.0.0"], "3.2.1")
    assert version == "3.9.9"
    assert "major version 4, 5 not taken" in why


def test_blocklisted_versions_are_skipped_and_named():
    version, why = releases.newest_within_major(["4.0.9", "4.0.10"], "4.0.8", blocked=["4.0.10"])
    assert version == "4.0.9"
    assert "blocklisted: 4.0.10" in why


def test_nothing_newer_keeps_the_current_version():
    version, why = releases.newest_within_major(["4.0.7", "4.0.8"], "v4.0.8")
    assert version == "4.0.8"
    assert why.startswith("no release of major version 4 newer than 4.0.8")


def test_an_unreadable_current_version_chooses_nothing():
    version, why = releases.newest_within_major(["4.0.9"], "latest")
    assert version is None
    assert "not a release version" in why
