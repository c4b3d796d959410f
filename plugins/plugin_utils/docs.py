# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The docs.digdir.no pages this collection links to: one place, checked by a test against every link.

Each page is named by its path under https://docs.digdir.no/docs/eFormidling/ and the source file in
felleslosninger/docs that renders it (checked in that repository, December 2026).
"""

BASE = "https://docs.digdir.no/docs/eFormidling/"

PAGES = {
    "installasjon/forberede_installasjon": "_docs/eFormidling/installasjon/forberede_installasjon.md",
    "installasjon/installasjon": "_docs/eFormidling/installasjon/installasjon.md",
    "installasjon/virksomhetssertifikat": "_docs/eFormidling/installasjon/virksomhetssertifikat.md",
    "installasjon/sikkerhetskopi": "_docs/eFormidling/installasjon/sikkerhetskopi.md",
    "installasjon/automatisk_oppgradering": "_docs/eFormidling/installasjon/automatisk_oppgradering.md",
    "installasjon/bestille_tilganger": "_docs/eFormidling/installasjon/bestille_tilganger.md",
    "Selvhjelp/sporsmal_og_svar": "_docs/eFormidling/Selvhjelp/sporsmal_og_svar.md",
    "Miljo/produksjon": "_docs/eFormidling/Miljo/produksjon.md",
    "Miljo/test": "_docs/eFormidling/Miljo/test.md",
    "Introduksjon/last_ned": "_docs/eFormidling/Introduksjon/last_ned.md",
}


def url(page, anchor=None):
    """The URL of a known page; a page not in PAGES is a bug, caught here rather than by a reader."""
    if page not in PAGES:
        raise KeyError("unknown docs page %r; known: %s" % (page, ", ".join(sorted(PAGES))))
    return BASE + page + ("#" + anchor if anchor else "")
