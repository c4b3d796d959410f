"""Every docs.digdir.no/docs/eFormidling link in the collection is a page that exists (plugin_utils/docs.py)."""

import os
import re
import subprocess

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import checks, docs, identity_checks

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
LINK = re.compile(
    r"https://docs\.digdir\.no/docs/eFormidling/([A-Za-z0-9_/.-]+?)(?:#[A-Za-z0-9_%-]+)?(?=[\s\"'<>)\]`|,;]|$)"
)
# Any docs.digdir.no page (Maskinporten's too), checked against the snapshot of the docs repository.
ANY_LINK = re.compile(r"https://docs\.digdir\.no/docs/([A-Za-z0-9_/.-]+?)(?:#[A-Za-z0-9_%-]+)?(?=[\s\"'<>)\]`|,;]|$)")
SNAPSHOT = os.path.join(REPO, "data", "docs_pages.txt")


def snapshot():
    """(header, set of page sources) of data/docs_pages.txt."""
    with open(SNAPSHOT, encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    return lines[0], {line for line in lines if line and not line.startswith("#")}


def source_exists(page, pages):
    return "_docs/%s.md" % page in pages or "_docs/%s/index.md" % page in pages


def tracked_text_files():
    out = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    skip = ("docs/examples/", "changelogs/")  # generated reports quote what they were given
    for rel in out:
        if rel.startswith(skip) or rel.endswith((".png", ".bin", ".p12", ".jks")):
            continue
        path = os.path.join(REPO, rel)
        if os.path.isfile(path):
            yield rel, path


def links(pattern):
    """(file, match) of every match of `pattern` in the tracked text files."""
    for rel, path in tracked_text_files():
        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
        except UnicodeDecodeError:
            continue
        for match in pattern.finditer(text):
            yield rel, match


def test_every_link_in_the_code_and_docs_is_a_known_page():
    bad = []
    seen = 0
    for rel, match in links(LINK):
        seen += 1
        page = match.group(1).rstrip("/.")
        if page not in docs.PAGES:
            bad.append("%s: %s" % (rel, match.group(0)))
    assert seen > 5, "the scan found no links at all: the pattern is broken"
    assert bad == [], bad


def test_the_checks_link_only_known_pages():
    for key, url in checks.DOCS.items():
        assert url.startswith(docs.BASE), key
        assert url[len(docs.BASE) :].split("#", maxsplit=1)[0] in docs.PAGES, key


def test_an_unknown_page_is_refused():
    with pytest.raises(KeyError, match="unknown docs page"):
        docs.url("installasjon/installasjon_docker")


def test_the_snapshot_names_the_docs_repository_and_its_commit():
    header, pages = snapshot()
    assert re.match(r"^# felleslosninger/docs \S+ @ [0-9a-f]{40} \(\d{4}-\d{2}-\d{2}\)", header), header
    assert len(pages) > 100 and "_docs/eFormidling/installasjon/forberede_installasjon.md" in pages


def test_every_known_page_exists_in_the_docs_repository():
    """docs.PAGES against the snapshot: a page deleted upstream (virksomhetssertifikat, 2022) fails here."""
    _header, pages = snapshot()
    missing = sorted(page for page, source in docs.PAGES.items() if source not in pages)
    assert missing == [], "pages gone from felleslosninger/docs: %s" % missing
    for page, source in docs.PAGES.items():
        assert source == "_docs/eFormidling/%s.md" % page, page


def test_every_docs_digdir_link_exists_in_the_docs_repository():
    _header, pages = snapshot()
    bad, seen = [], 0
    for rel, match in links(ANY_LINK):
        seen += 1
        if not source_exists(match.group(1).rstrip("/."), pages):
            bad.append("%s: %s" % (rel, match.group(0)))
    assert seen > 5 and bad == [], bad


def test_the_virksert_check_links_the_section_that_replaced_the_deleted_page():
    doc = identity_checks.VirksertCheck.doc
    assert doc == docs.BASE + "installasjon/forberede_installasjon#" + docs.VIRKSERT_ANCHOR
    with open(SNAPSHOT, encoding="utf-8") as fh:
        assert "_docs/eFormidling/installasjon/forberede_installasjon.md" in fh.read()
