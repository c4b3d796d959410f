# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The docs.digdir.no pages this collection links to: one place, checked by a test against every link.

Each page is named by its path under https://docs.digdir.no/docs/eFormidling/ and the source file in
felleslosninger/docs that renders it. tests/unit/plugins/plugin_utils/test_docs_links.py checks every source file
against data/docs_pages.txt, a snapshot of that repository's page paths with its commit (refresh it with
`make docs-pages DOCS_GIT=<clone>`). installasjon/virksomhetssertifikat and installasjon/bestille_tilganger were
deleted upstream in 2dab4c01 (2022-08-24) without a redirect; their content is now in forberede_installasjon.
"""

BASE = "https://docs.digdir.no/docs/eFormidling/"

PAGES = {
    "installasjon/forberede_installasjon": "_docs/eFormidling/installasjon/forberede_installasjon.md",
    "installasjon/installasjon": "_docs/eFormidling/installasjon/installasjon.md",
    "installasjon/sikkerhetskopi": "_docs/eFormidling/installasjon/sikkerhetskopi.md",
    "installasjon/automatisk_oppgradering": "_docs/eFormidling/installasjon/automatisk_oppgradering.md",
    "Selvhjelp/sporsmal_og_svar": "_docs/eFormidling/Selvhjelp/sporsmal_og_svar.md",
    "Miljo/produksjon": "_docs/eFormidling/Miljo/produksjon.md",
    "Miljo/test": "_docs/eFormidling/Miljo/test.md",
    "Introduksjon/last_ned": "_docs/eFormidling/Introduksjon/last_ned.md",
}


# Section anchors of forberede_installasjon (Jekyll ids of its "##" headings, percent-encoded).
VIRKSERT_ANCHOR = "tilgjengeliggj%C3%B8re-virksomhetssertifikatet-i-eformidlings-sertifikatkatalog"
ACCESS_ANCHOR = "bestille-tilganger"


def url(page, anchor=None):
    """The URL of a known page; a page not in PAGES is a bug, caught here rather than by a reader."""
    if page not in PAGES:
        raise KeyError("unknown docs page %r; known: %s" % (page, ", ".join(sorted(PAGES))))
    return BASE + page + ("#" + anchor if anchor else "")
