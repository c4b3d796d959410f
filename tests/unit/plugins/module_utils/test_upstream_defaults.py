# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The upstream NTP host is written once (module_utils/upstream_defaults.py); every copy a document must spell out
(the catalogue entry, a module's documented default) is tested against it."""

import pathlib

import yaml

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import timesync_collect, upstream_defaults
from ansible_collections.eformidling.integrasjonspunkt.plugins.modules import timesync_facts
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import settings

ROOT = pathlib.Path(__file__).resolve().parents[4]


def test_settings_and_the_time_collector_take_the_upstream_ntp_host():
    assert settings.DEFAULTS["integrasjonspunkt_ntp_host"] == upstream_defaults.NTP_HOST
    assert timesync_collect.DEFAULT_CHECK_HOST == upstream_defaults.NTP_HOST


def test_documented_copies_match_the_upstream_ntp_host():
    doc = yaml.safe_load(timesync_facts.DOCUMENTATION)
    assert doc["options"]["check_host"]["default"] == upstream_defaults.NTP_HOST
    catalogue = yaml.safe_load((ROOT / "data" / "endpoints.yml").read_text())
    entries = catalogue["endpoints"] if isinstance(catalogue, dict) else catalogue
    ntp = [e for e in entries if e.get("name") == "ntp"]
    assert [e["host"] for e in ntp] == [upstream_defaults.NTP_HOST]
    role_defaults = yaml.safe_load((ROOT / "roles" / "integrasjonspunkt" / "defaults" / "main.yml").read_text())
    assert role_defaults["integrasjonspunkt_ntp_host"] == upstream_defaults.NTP_HOST
