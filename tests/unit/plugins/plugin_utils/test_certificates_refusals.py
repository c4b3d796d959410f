"""docs/startup-refusals.md against the check registry: every predicting ID exists, every certificate check is named."""

import os
import re

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import catalogue, checks
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import certificate_checks as cc
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import identity_checks as ic

DOC = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "docs", "startup-refusals.md"))
CHECK_ID = re.compile(r"`([a-z_]+\.[a-z0-9_-]+)`")


def rows(path=DOC):
    """(number, predicted-by cell, reason cell) of every table row with a number."""
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) == 5 and cells[0].isdigit():
                yield int(cells[0]), cells[3], cells[4]


def registry():
    """Every ID the engine can report: the fixed checks and one per catalogue endpoint."""
    entries = catalogue.load()
    runtime = [e["name"] for e in entries if e.get("phase", "runtime") == "runtime"]
    install = [e["name"] for e in entries if e.get("phase") == "install"]
    # The external database and queue are probed as connectivity.database / .queue (settings.external_endpoints).
    return checks.known_ids(runtime + ["database", "queue"], install)


def test_the_table_has_every_row_numbered_once():
    numbers = [row[0] for row in rows()]
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 18


def test_every_predicting_id_is_a_registered_check():
    unknown = {(n, i) for n, cell, _why in rows() for i in CHECK_ID.findall(cell) if i not in registry()}
    assert unknown == set()


def test_every_row_names_a_check_or_says_why_none_can():
    for number, cell, why in rows():
        assert CHECK_ID.findall(cell) or (cell == "—" and len(why) > 20), number


def test_every_certificate_check_is_in_the_table():
    named = {i for _n, cell, _why in rows() for i in CHECK_ID.findall(cell)}
    with open(DOC, encoding="utf-8") as fh:
        text = fh.read()
    for check in cc.CERTIFICATE_CHECKS + ic.IDENTITY_CHECKS:
        assert check.id in named or "`%s`" % check.id in text, check.id


def test_the_parser_sees_an_unknown_id(tmp_path):
    # The registry test must be able to fail: a row with an ID nobody registered is reported.
    fake = tmp_path / "doc.md"
    fake.write_text("| 1 | x | y | `certificate.nonexistent` | z |\n")
    assert [i for _n, cell, _why in rows(str(fake)) for i in CHECK_ID.findall(cell) if i not in registry()] == [
        "certificate.nonexistent"
    ]


def _full_rows():
    with open(DOC, encoding="utf-8") as fh:
        return {
            int(c[0]): " | ".join(c)
            for c in ([x.strip() for x in line.strip().strip("|").split("|")] for line in fh)
            if len(c) == 5 and c[0].isdigit()
        }


def test_the_refusals_found_by_the_2026_12_06_audit_are_in_the_table():
    """M1-M4 of the audit (database/Liquibase, SAS key, Vault, data directories) and the corrected rows 5, 11, 12."""
    text = "\n".join(_full_rows().values())
    for needle in ("spring.liquibase.enabled", "SasKeyException", "VaultProtocolResolver", "not writable"):
        assert needle in text, needle
    rows_by_number = _full_rows()
    assert "silent" in rows_by_number[5] and "no timeout" in rows_by_number[5]
    assert "only when `difi.move.fiks.inn.username` is set" in rows_by_number[11]
    assert "only when `difi.move.fiks.ut.username` is set" in rows_by_number[12]
