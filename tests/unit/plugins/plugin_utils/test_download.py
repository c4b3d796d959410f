"""One URL builder for the release JAR: the install role's filter and preflight's probe use the same function."""

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.filter import download as download_filter
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import download

GITHUB = "https://github.com/felleslosninger/efm-integrasjonspunkt/releases/download"


@pytest.mark.parametrize(
    "base, version, url",
    [
        (GITHUB, "4.0.8", GITHUB + "/v4.0.8/integrasjonspunkt-v4.0.8.jar"),
        ("https://mirror.example/ip//", "4.0.10", "https://mirror.example/ip/v4.0.10/integrasjonspunkt-v4.0.10.jar"),
        ("http://127.0.0.1:18093", "4.0.8-rc1", "http://127.0.0.1:18093/v4.0.8-rc1/integrasjonspunkt-v4.0.8-rc1.jar"),
    ],
)
def test_jar_url(base, version, url):
    assert download.jar_url(base, version) == url
    assert download_filter.FilterModule().filters()["jar_url"](base, version) == url
    assert url.endswith("/" + download.jar_name(version))
