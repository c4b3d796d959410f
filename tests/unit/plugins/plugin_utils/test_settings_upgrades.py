"""The upgrade settings (issue 21): refused before anything changes, naming the variable and what is allowed."""

import pytest

from .test_settings_rules import GOOD, refused


def test_the_defaults_are_accepted():
    assert not [v for v in refused() if "notify" in v or "blocklist" in v or "release" in v or "promotion" in v]


@pytest.mark.parametrize(
    ("changes", "var", "allowed"),
    [
        ({"integrasjonspunkt_release_lookup": "both"}, "integrasjonspunkt_release_lookup", "host"),
        ({"integrasjonspunkt_releases_url": "ftp://m/x"}, "integrasjonspunkt_releases_url", "http(s) URL"),
        ({"integrasjonspunkt_notify_webhook_url": "hooks.example"}, "integrasjonspunkt_notify_webhook_url", "http(s)"),
        ({"integrasjonspunkt_blocklist_hours": -1}, "integrasjonspunkt_blocklist_hours", "from 0 to 8760"),
        ({"integrasjonspunkt_blocklist_clear": "4.0.9"}, "integrasjonspunkt_blocklist_clear", "a list of release"),
        ({"integrasjonspunkt_blocklist_clear": ["latest"]}, "integrasjonspunkt_blocklist_clear", "a list of release"),
        ({"integrasjonspunkt_notify_mail_to": ["ops"]}, "integrasjonspunkt_notify_mail_to", "mail addresses"),
        ({"integrasjonspunkt_notify_mail_to": ["ops@x.no"]}, "integrasjonspunkt_notify_mail_from", "sender"),
        ({"integrasjonspunkt_notify_mail_port": 0}, "integrasjonspunkt_notify_mail_port", "from 1 to 65535"),
        ({"integrasjonspunkt_notify_mail_secure": "tls"}, "integrasjonspunkt_notify_mail_secure", "starttls"),
        ({"integrasjonspunkt_promotion_min_days": 7}, "integrasjonspunkt_promotion_group", "inventory group"),
        ({"integrasjonspunkt_version": "latest"}, "integrasjonspunkt_version", "latest only through the install"),
    ],
)
def test_bad_upgrade_settings_are_refused(changes, var, allowed):
    found = refused(**changes)
    assert var in found and allowed in found[var]["allowed"], found


def test_good_upgrade_settings_pass():
    good = dict(
        GOOD,
        integrasjonspunkt_release_lookup="controller",
        integrasjonspunkt_releases_url="https://mirror.example/ip/releases.json",
        integrasjonspunkt_blocklist_hours=0,
        integrasjonspunkt_blocklist_clear=["4.0.9"],
        integrasjonspunkt_notify_mail_to=["ops@example.no"],
        integrasjonspunkt_notify_mail_from="ansible@example.no",
        integrasjonspunkt_promotion_min_days=7,
        integrasjonspunkt_promotion_group="ip_test",
    )
    assert refused(**{k: v for k, v in good.items() if k not in GOOD}) == {}
