# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every module's DOCUMENTATION, EXAMPLES and RETURN is valid YAML (ansible-doc, antsibull-changelog and the
docs site read them; a ': ' inside a plain scalar breaks all three)."""

import ast
import pathlib

import pytest
import yaml

MODULES = sorted((pathlib.Path(__file__).resolve().parents[2] / "plugins" / "modules").glob("*.py"))


def blocks(path):
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") in (
            "DOCUMENTATION",
            "EXAMPLES",
            "RETURN",
        ):
            yield node.targets[0].id, node.value.value


@pytest.mark.parametrize("path", MODULES, ids=[p.stem for p in MODULES])
def test_module_docs_are_yaml(path):
    found = dict(blocks(path))
    assert set(found) == {"DOCUMENTATION", "EXAMPLES", "RETURN"}
    for name, text in found.items():
        assert yaml.safe_load(text) is not None, name
