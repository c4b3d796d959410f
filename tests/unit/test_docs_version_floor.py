"""docs/install-role.md states the version floor the role enforces, once, with a reason that holds for a mirror."""

import pathlib
import re

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import settings

REPO = pathlib.Path(__file__).resolve().parents[2]


def test_install_docs_give_the_floor_the_role_enforces():
    floor = settings.VERSION_FLOOR  # the one floor preflight and the install enforce (settings model)
    doc = (REPO / "docs" / "install-role.md").read_text(encoding="utf-8")
    stated = set(re.findall(r"(\d+\.\d+\.\d+) (?:and|or) newer", doc))
    assert stated == {floor}, "the docs state %s, the role enforces %s" % (sorted(stated), floor)
    # the reason that applies to every source, a mirror included
    assert "mirror" in doc and "Altinn test platform" in doc
