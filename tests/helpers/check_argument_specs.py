#!/usr/bin/env python
"""Check that each role's meta/argument_specs.yml matches its defaults/main.yml.

Usage: python tests/helpers/check_argument_specs.py roles/*/

For every role directory given (prometheus-community style, but also comparing values):
  * the options of the `main` entry point and the keys of defaults/main.yml are the same set;
  * every option with a value in defaults/main.yml declares the same `default` (compared after YAML
    parsing, so `"4.0.8"` and `'4.0.8'` are equal, but `9093` and `"9093"` are not);
  * every option has a description and a type, and `choices` (if any) contain the default;
  * every other entry point only lists options that exist in `main`, with identical specs;
  * every integrasjonspunkt_* variable a role declares (defaults/main.yml or any entry point) has the settings
    model's default (plugins/plugin_utils/settings.py DEFAULTS, the one source), and is one the role needs: a
    variable of the settings scope the role validates with (ROLE_SCOPES).
Roles without defaults/main.yml and meta/argument_specs.yml are skipped with a note; a role with only
one of the two is an error. Exit status 1 when anything is wrong, with one line per problem.
"""

import os
import sys

import yaml

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
# `make venv` links this checkout as the collection there.
sys.path.insert(0, os.path.join(ROOT, ".build", "collections"))

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import settings as model
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import settings_rules

# The scope of the settings model each role validates its integrasjonspunkt_* variables with.
ROLE_SCOPES = {"integrasjonspunkt": "install", "preflight": "preflight", "prepare": "prepare", "backup": "backup"}


def load(path):
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def check_role(role_dir):
    problems = []
    name = os.path.basename(os.path.normpath(role_dir))
    defaults_path = os.path.join(role_dir, "defaults", "main.yml")
    spec_path = None
    for candidate in ("argument_specs.yml", "argument_specs.yaml", "main.yml"):
        p = os.path.join(role_dir, "meta", candidate)
        if os.path.exists(p) and "argument_specs" in (load(p) or {}):
            spec_path = p
            break
    if not os.path.exists(defaults_path) and spec_path is None:
        return [], f"{name}: no defaults/main.yml and no argument_specs, skipped"
    if spec_path is None:
        return [f"{name}: defaults/main.yml exists but meta/argument_specs.yml does not"], None
    defaults = load(defaults_path) if os.path.exists(defaults_path) else {}
    specs = load(spec_path)["argument_specs"] or {}
    if "main" not in specs:
        return [f"{name}: {spec_path} has no 'main' entry point"], None
    main = specs["main"].get("options") or {}

    for key in sorted(set(defaults) - set(main)):
        problems.append(f"{name}: {key} is in defaults/main.yml but not in argument_specs main options")
    for key in sorted(set(main) - set(defaults)):
        problems.append(f"{name}: {key} is in argument_specs main options but not in defaults/main.yml")
    for key, raw_opt in sorted(main.items()):
        opt = raw_opt or {}
        if not opt.get("description"):
            problems.append(f"{name}: {key} has no description")
        if "type" not in opt:
            problems.append(f"{name}: {key} has no type")
        if key in defaults:
            if "default" not in opt:
                problems.append(
                    f"{name}: {key} has no default in argument_specs (defaults/main.yml: {defaults[key]!r})"
                )
            elif opt["default"] != defaults[key] or type(opt["default"]) is not type(defaults[key]):
                problems.append(
                    f"{name}: {key} default differs: argument_specs {opt['default']!r}"
                    f" vs defaults/main.yml {defaults[key]!r}"
                )
            choices = opt.get("choices")
            if choices and defaults[key] not in (None, "", [], {}):
                values = defaults[key] if isinstance(defaults[key], list) else [defaults[key]]
                for v in values:
                    if v not in choices:
                        problems.append(f"{name}: {key} default {v!r} is not among its choices {choices}")
    problems.extend(check_model_defaults(name, defaults, specs))
    for entry, body in sorted(specs.items()):
        if entry == "main":
            continue
        for key, opt in sorted(((body or {}).get("options") or {}).items()):
            if key not in main:
                problems.append(f"{name}: entry point {entry} option {key} is not a main option")
            elif opt != main[key]:
                problems.append(f"{name}: entry point {entry} option {key} differs from the main option")
    return problems, None


def check_model_defaults(name, defaults, specs):
    """integrasjonspunkt_* declarations against the settings model: same default, and needed by the role."""
    problems = []
    scope = ROLE_SCOPES.get(name)
    allowed = settings_rules.scope_variables(scope) if scope else frozenset()
    declared = {("defaults/main.yml", key): value for key, value in defaults.items()}
    for entry, body in specs.items():
        for key, opt in ((body or {}).get("options") or {}).items():
            declared[("argument_specs %s" % entry, key)] = (opt or {}).get("default", model.DEFAULTS.get(key))
    for (where, key), value in sorted(declared.items()):
        if not key.startswith("integrasjonspunkt_"):
            continue
        if key not in model.DEFAULTS:
            problems.append(f"{name}: {key} ({where}) is not a variable of the settings model (settings.DEFAULTS)")
        elif key not in allowed:
            problems.append(
                f"{name}: {key} ({where}) is declared, but the role's settings scope {scope!r} does not read it"
            )
        elif value != model.DEFAULTS[key] or type(value) is not type(model.DEFAULTS[key]):
            problems.append(
                f"{name}: {key} ({where}) default {value!r} differs from the settings model's {model.DEFAULTS[key]!r}"
            )
    return problems


def main(argv):
    if not argv:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    all_problems = []
    for role_dir in argv:
        if not os.path.isdir(role_dir):
            continue
        problems, note = check_role(role_dir)
        if note:
            print(note)
        elif not problems:
            print(f"{os.path.basename(os.path.normpath(role_dir))}: argument_specs match defaults")
        all_problems.extend(problems)
    for p in all_problems:
        print(p, file=sys.stderr)
    return 1 if all_problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
