"""What the published collection declares: its dependencies (one set, everywhere it is listed, and every collection
the roles and playbooks name), its licence (LICENSE, galaxy.yml, the roles, every plugin's SPDX header), and the
ansible-core lines (meta/runtime.yml against requirements.txt, the sanity lines, tests/config.yml)."""

import pathlib
import re

import yaml

REPO = pathlib.Path(__file__).resolve().parents[2]
THIS = "eformidling.integrasjonspunkt"
FQCN = re.compile(r"\b([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]+)\b")
COLLECTION_NAMESPACES = ("ansible", "community", "containers")


def load(path):
    return yaml.safe_load((REPO / path).read_text(encoding="utf-8"))


def galaxy_dependencies():
    return load("galaxy.yml")["dependencies"] or {}


def named_collections(paths):
    """Every collection other than ansible.builtin and this one that these files call by FQCN."""
    found = set()
    for path in paths:
        for ns, coll, _name in FQCN.findall(path.read_text(encoding="utf-8")):
            if ns in COLLECTION_NAMESPACES and (ns, coll) != ("ansible", "builtin"):
                found.add("%s.%s" % (ns, coll))
    return found


def shipped_files():
    """The roles' and playbooks' YAML and templates (what the tarball ships and a controller runs)."""
    return [*REPO.glob("roles/**/*.yml"), *REPO.glob("roles/**/*.j2"), *REPO.glob("playbooks/*.yml")]


def test_galaxy_yml_declares_every_collection_the_roles_and_playbooks_call():
    declared = set(galaxy_dependencies())
    used = named_collections(shipped_files())
    assert used, "the scan found no collection at all: the pattern is broken"
    assert used == declared, "called %s, declared in galaxy.yml %s" % (sorted(used), sorted(declared))


def test_the_scan_sees_a_collection_the_roles_would_call_without_declaring(tmp_path):
    task = tmp_path / "main.yml"
    task.write_text("- name: A Podman container\n  containers.podman.podman_container:\n    name: x\n")
    assert named_collections([task]) == {"containers.podman"}
    assert "containers.podman" not in galaxy_dependencies()


def test_every_dependency_has_a_bounded_range():
    for name, spec in galaxy_dependencies().items():
        assert re.fullmatch(r">=\d+\.\d+\.\d+,<\d+\.0\.0", spec), "%s: %r is no '>=X.Y.Z,<N.0.0' range" % (name, spec)


def test_requirements_yml_lists_the_same_set_and_ranges():
    listed = {c["name"]: c["version"] for c in load("requirements.yml")["collections"]}
    assert listed == galaxy_dependencies()


def test_the_execution_environment_pulls_the_same_set_and_this_tarball():
    collections = load("execution-environment.yml")["dependencies"]["galaxy"]["collections"]
    files = [c for c in collections if c.get("type") == "file"]
    named = {c["name"]: c["version"] for c in collections if c.get("type") != "file"}
    assert [c["name"] for c in files] == ["/tmp/collections/eformidling-integrasjonspunkt.tar.gz"]
    assert named == galaxy_dependencies()


def test_requires_ansible_matches_requirements_txt():
    runtime = load("meta/runtime.yml")["requires_ansible"]
    lines = (REPO / "requirements.txt").read_text(encoding="utf-8").splitlines()
    core = [line.split("ansible-core", 1)[1].strip() for line in lines if line.startswith("ansible-core")]
    assert core == [runtime]


def test_sanity_runs_the_three_current_lines_and_they_are_claimed():
    script = (REPO / "tests" / "helpers" / "sanity_lines.sh").read_text(encoding="utf-8")
    lines = re.search(r"lines=\$\{SANITY_LINES:-([0-9. ]+)\}", script).group(1).split()
    assert lines == ["2.19", "2.20", "2.21"]
    low, high = re.fullmatch(r">=2\.(\d+)\.0,<2\.(\d+)\.0", load("meta/runtime.yml")["requires_ansible"]).groups()
    assert all(int(low) <= int(v.split(".")[1]) < int(high) for v in lines)
    assert load("tests/config.yml")["modules"]["python_requires"] == ">=3.8"


def test_license_file_is_the_gpl3_and_every_declaration_says_gpl3_or_later():
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert "GNU GENERAL PUBLIC LICENSE" in text and "Version 3, 29 June 2007" in text
    assert load("galaxy.yml")["license"] == ["GPL-3.0-or-later"]
    assert "LICENSE" not in (load("galaxy.yml").get("build_ignore") or [])
    for meta in REPO.glob("roles/*/meta/main.yml"):
        assert yaml.safe_load(meta.read_text())["galaxy_info"]["license"] == "GPL-3.0-or-later", meta


def test_every_plugin_file_carries_the_spdx_header():
    missing = [
        str(p.relative_to(REPO))
        for p in sorted(REPO.glob("plugins/**/*.py"))
        if p.name != "__init__.py"
        and "# SPDX-License-Identifier: GPL-3.0-or-later\n" not in p.read_text(encoding="utf-8")[:400]
    ]
    assert not missing, "no '# SPDX-License-Identifier: GPL-3.0-or-later' in the header of: %s" % missing
