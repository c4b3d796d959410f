"""Every docs.digdir.no/docs/eFormidling link in the collection is a page that exists (plugin_utils/docs.py)."""

import os
import re
import subprocess

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import checks, docs

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
LINK = re.compile(
    r"https://docs\.digdir\.no/docs/eFormidling/([A-Za-z0-9_/.-]+?)(?:#[A-Za-z0-9_-]+)?(?=[\s\"'<>)\]`|,;]|$)"
)


def tracked_text_files():
    out = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    skip = ("docs/examples/", "changelogs/")  # generated reports quote what they were given
    for rel in out:
        if rel.startswith(skip) or rel.endswith((".png", ".bin", ".p12", ".jks")):
            continue
        path = os.path.join(REPO, rel)
        if os.path.isfile(path):
            yield rel, path


def test_every_link_in_the_code_and_docs_is_a_known_page():
    bad = []
    seen = 0
    for rel, path in tracked_text_files():
        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
        except UnicodeDecodeError:
            continue
        for match in LINK.finditer(text):
            seen += 1
            page = match.group(1).rstrip("/.")
            if page not in docs.PAGES:
                bad.append("%s: %s" % (rel, match.group(0)))
    assert seen > 5, "the scan found no links at all: the pattern is broken"
    assert bad == [], bad


def test_the_checks_link_only_known_pages():
    for key, url in checks.DOCS.items():
        assert url.startswith(docs.BASE), key
        assert url[len(docs.BASE) :].split("#")[0] in docs.PAGES, key


def test_an_unknown_page_is_refused():
    with pytest.raises(KeyError, match="unknown docs page"):
        docs.url("installasjon/installasjon_docker")
