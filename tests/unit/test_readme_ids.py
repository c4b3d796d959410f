"""Every check ID a report can show is in the README's table of checks ("What it checks")."""

import pathlib
import re

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import checks

REPO = pathlib.Path(__file__).resolve().parents[2]


def readme_ids():
    """The IDs of the table's first column; `.x` after `a.b` is `a.x`, `a.<endpoint>` a pattern."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    table = text[text.index("| ID | Requirement") :]
    table = table[: table.index("\n\n")]
    ids = []
    for row in table.splitlines()[2:]:
        first = row.split("|")[1]
        for token in re.findall(r"`([^`]+)`", first):
            ids.append(ids[-1].split(".")[0] + token if token.startswith(".") and ids else token)
    return ids


def covered(cid, ids):
    return any(cid == i or (i.endswith(".<endpoint>") and cid.startswith(i[: -len("<endpoint>")])) for i in ids)


def test_every_check_id_is_in_the_readme_table():
    ids = readme_ids()
    emitted = {c.id for c in checks.registry()} | {checks.GATHER_ID, "connectivity.eformidling", "install.github"}
    emitted |= {"preflight.result", "preflight.unnamed"}  # plugins/plugin_utils/report.py, unreadable results
    missing = sorted(cid for cid in emitted if not covered(cid, ids))
    assert missing == [], "IDs a report can show but the README's table does not list: %s" % missing
