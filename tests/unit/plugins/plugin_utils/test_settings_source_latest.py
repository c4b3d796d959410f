# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""integrasjonspunkt_version=latest given as an extra variable: set_fact cannot replace it, so the settings take
the release the resolve step chose (integrasjonspunkt_version_choice) for this host."""

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import settings_source


def plain(value):
    return value


def test_latest_reads_as_the_chosen_release():
    raw, problems, _unknown = settings_source.read(
        {
            "integrasjonspunkt_version": "latest",
            "integrasjonspunkt_version_choice": {"version": "4.0.9", "reason": "r"},
        },
        plain,
    )
    assert (raw["integrasjonspunkt_version"], problems) == ("4.0.9", [])


def test_latest_not_resolved_yet_stays_latest_for_the_model_to_refuse():
    raw, _problems, _unknown = settings_source.read({"integrasjonspunkt_version": "latest"}, plain)
    assert raw["integrasjonspunkt_version"] == "latest"


def test_a_pinned_version_ignores_a_stale_choice():
    raw, _problems, _unknown = settings_source.read(
        {"integrasjonspunkt_version": "4.0.8", "integrasjonspunkt_version_choice": {"version": "4.0.9"}}, plain
    )
    assert raw["integrasjonspunkt_version"] == "4.0.8"


def test_a_choice_without_a_version_resolves_nothing():
    assert settings_source.resolved_version("latest", {"reason": "x"}) is None
    assert settings_source.resolved_version("latest", None) is None
    assert settings_source.resolved_version(" latest ", {"version": "4.0.10"}) == "4.0.10"
