"""The Galaxy page and ansible-doc describe every playbook and role: each playbook opens with a comment that says
what it does, each role has galaxy_info.description in meta/main.yml, and each entry point in
meta/argument_specs.yml has a short_description and a description."""

import pathlib

import pytest
import yaml

REPO = pathlib.Path(__file__).resolve().parents[2]
# A description says something: at least this many words (a bare "# playbook" is none).
MIN_WORDS = 4


def playbook_description(text):
    """The comment lines a playbook opens with (after an optional ---), joined; '' when it opens otherwise."""
    lines = text.splitlines()
    if lines and lines[0].strip() == "---":
        lines = lines[1:]
    comment = []
    for line in lines:
        if not line.startswith("#"):
            break
        comment.append(line.lstrip("#").strip())
    return " ".join(c for c in comment if c)


def playbook_problems(playbooks_dir):
    return [
        "%s opens with no description comment (at least %d words before the first play)" % (path.name, MIN_WORDS)
        for path in sorted(pathlib.Path(playbooks_dir).glob("*.yml"))
        if len(playbook_description(path.read_text(encoding="utf-8")).split()) < MIN_WORDS
    ]


def _text(value):
    return value if isinstance(value, str) else " ".join(value) if isinstance(value, list) else ""


def role_problems(role_dir):
    role_dir = pathlib.Path(role_dir)
    problems = []
    meta = yaml.safe_load((role_dir / "meta" / "main.yml").read_text(encoding="utf-8")) or {}
    if len(_text((meta.get("galaxy_info") or {}).get("description")).split()) < MIN_WORDS:
        problems.append("%s: meta/main.yml has no galaxy_info.description" % role_dir.name)
    specs_path = role_dir / "meta" / "argument_specs.yml"
    if not specs_path.is_file():
        return [*problems, "%s: no meta/argument_specs.yml" % role_dir.name]
    specs = (yaml.safe_load(specs_path.read_text(encoding="utf-8")) or {}).get("argument_specs") or {}
    if not specs:
        problems.append("%s: meta/argument_specs.yml declares no entry point" % role_dir.name)
    for entry, spec in specs.items():
        for key in ("short_description", "description"):
            if len(_text((spec or {}).get(key)).split()) < MIN_WORDS:
                problems.append("%s: entry point %s has no %s in meta/argument_specs.yml" % (role_dir.name, entry, key))
    return problems


def test_every_playbook_opens_with_a_description():
    assert sorted(REPO.glob("playbooks/*.yml")), "no playbooks found"
    assert playbook_problems(REPO / "playbooks") == []


@pytest.mark.parametrize("role", sorted(p.name for p in (REPO / "roles").iterdir() if p.is_dir()))
def test_every_role_and_entry_point_has_a_description(role):
    assert role_problems(REPO / "roles" / role) == []


@pytest.mark.parametrize(
    "text",
    [
        "---\n- name: No comment\n  hosts: all\n",
        "- name: No comment\n  hosts: all\n# a comment after the play\n",
        "---\n#\n# Two\n- name: Too short\n  hosts: all\n",
    ],
)
def test_a_playbook_without_a_description_is_named(tmp_path, text):
    (tmp_path / "described.yml").write_text("---\n# Back up the integrasjonspunkt on every host.\n- hosts: all\n")
    (tmp_path / "bare.yml").write_text(text)
    problems = playbook_problems(tmp_path)
    assert len(problems) == 1 and problems[0].startswith("bare.yml opens with no description")


def _role(tmp_path, meta, specs):
    (tmp_path / "r" / "meta").mkdir(parents=True)
    (tmp_path / "r" / "meta" / "main.yml").write_text(yaml.safe_dump(meta))
    if specs is not None:
        (tmp_path / "r" / "meta" / "argument_specs.yml").write_text(yaml.safe_dump({"argument_specs": specs}))
    return tmp_path / "r"


GOOD_META = {"galaxy_info": {"description": "Back up and restore the integrasjonspunkt"}}
GOOD_ENTRY = {"short_description": "Back up the integrasjonspunkt now", "description": ["Stops it, copies, starts it."]}


def test_a_described_role_passes(tmp_path):
    assert role_problems(_role(tmp_path, GOOD_META, {"main": GOOD_ENTRY})) == []


@pytest.mark.parametrize(
    ("meta", "specs", "expected"),
    [
        ({"galaxy_info": {"author": "x"}}, {"main": GOOD_ENTRY}, "r: meta/main.yml has no galaxy_info.description"),
        ({}, {"main": GOOD_ENTRY}, "r: meta/main.yml has no galaxy_info.description"),
        (GOOD_META, None, "r: no meta/argument_specs.yml"),
        (GOOD_META, {}, "r: meta/argument_specs.yml declares no entry point"),
        (
            GOOD_META,
            {"main": GOOD_ENTRY, "restore": {"description": GOOD_ENTRY["description"]}},
            "r: entry point restore has no short_description in meta/argument_specs.yml",
        ),
        (
            GOOD_META,
            {"main": {"short_description": GOOD_ENTRY["short_description"]}},
            "r: entry point main has no description in meta/argument_specs.yml",
        ),
    ],
)
def test_a_role_without_a_description_is_named(tmp_path, meta, specs, expected):
    assert role_problems(_role(tmp_path, meta, specs)) == [expected]
