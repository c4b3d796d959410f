"""`make argspec` fails when a role's integrasjonspunkt_* default is not the settings model's, or not needed."""

import os
import shutil

import yaml

from tests.helpers import check_argument_specs as checker

ROLES = os.path.join(os.path.dirname(__file__), "..", "..", "roles")


def copy_role(tmp_path, name):
    target = tmp_path / name
    for part in ("defaults", "meta"):
        shutil.copytree(os.path.join(ROLES, name, part), target / part)
    return target


def edit(path, change):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data), encoding="utf-8")


def test_the_collections_roles_pass():
    for name in ("integrasjonspunkt", "preflight", "prepare"):
        problems, _note = checker.check_role(os.path.join(ROLES, name))
        assert problems == [], problems


def test_a_default_that_differs_from_the_model_fails(tmp_path):
    role = copy_role(tmp_path, "integrasjonspunkt")
    edit(role / "defaults" / "main.yml", lambda d: d.update(integrasjonspunkt_ntp_host="ntp.example.no"))
    edit(
        role / "meta" / "argument_specs.yml",
        lambda d: d["argument_specs"]["main"]["options"]["integrasjonspunkt_ntp_host"].update(default="ntp.example.no"),
    )
    problems, _note = checker.check_role(str(role))
    assert any("integrasjonspunkt_ntp_host" in p and "settings model" in p for p in problems), problems


def test_a_variable_declared_by_a_role_that_does_not_read_it_fails(tmp_path):
    role = copy_role(tmp_path, "prepare")

    def add_option(d):
        d["argument_specs"]["main"]["options"]["integrasjonspunkt_org_number"] = {
            "description": "x",
            "type": "str",
            "default": "",
        }

    edit(role / "meta" / "argument_specs.yml", add_option)
    edit(role / "defaults" / "main.yml", lambda d: d.update(integrasjonspunkt_org_number=""))
    problems, _note = checker.check_role(str(role))
    assert any("integrasjonspunkt_org_number" in p and "does not read it" in p for p in problems), problems


def test_a_variable_the_model_does_not_know_fails(tmp_path):
    role = copy_role(tmp_path, "integrasjonspunkt")
    edit(role / "defaults" / "main.yml", lambda d: d.update(integrasjonspunkt_new_thing=1))

    def add_option(d):
        d["argument_specs"]["main"]["options"]["integrasjonspunkt_new_thing"] = {
            "description": "x",
            "type": "int",
            "default": 1,
        }

    edit(role / "meta" / "argument_specs.yml", add_option)
    problems, _note = checker.check_role(str(role))
    assert any("integrasjonspunkt_new_thing" in p and "not a variable of the settings model" in p for p in problems)
