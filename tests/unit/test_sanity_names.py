"""ansible-test sanity's pylint refuses the name `_` (disallowed-name) on every ansible-core line CI runs; it found
such names twice only after the sanity layer's minutes in CI. This finds them in seconds, in `make unit`."""

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
CHECKED = ("plugins", "tests", "bench", "extensions", "playbooks", "roles")


def bound_underscores(source):
    """Line numbers where `_` is bound: an assignment or loop target, a named argument, an import alias
    (pylint lets `*_` and `**_` pass)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name) and node.id == "_" and isinstance(node.ctx, ast.Store):
            found.append(node.lineno)
        elif isinstance(node, ast.arguments):
            found += [a.lineno for a in node.posonlyargs + node.args + node.kwonlyargs if a.arg == "_"]
        elif isinstance(node, ast.alias) and node.asname == "_":
            found.append(node.lineno)
    return sorted(found)


def test_the_finder_sees_each_way_of_binding_the_name():
    code = "a, _ = 1, 2\nfor _ in x:\n    pass\ndef f(_, *_x):\n    pass\nimport os as _\nb = _\ng = lambda *_: 0\n"
    assert bound_underscores(code) == [1, 2, 4, 6]


def test_no_python_file_binds_the_name_pylint_refuses():
    offenders = []
    for top in CHECKED:
        for path in sorted((ROOT / top).rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            for line in bound_underscores(path.read_text(encoding="utf-8")):
                offenders.append("%s:%d" % (path.relative_to(ROOT), line))
    assert offenders == [], "rename these `_` (ansible-test sanity's pylint: disallowed-name): %s" % offenders
