# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Where the settings come from: the host's variables, read and templated on the controller.

The preflight engine and the integrasjonspunkt_settings entry point read the variables here, never as task
arguments, so a secret never shows in a -vvv task line. The collection's variable names are not a hand-kept
list: they are every role's meta/argument_specs.yml options, the settings model's DEFAULTS and REMOVED,
the roles' registered results and the names the bundled playbooks read.
"""

import contextlib
import difflib
import functools
import glob
import os
import re

import yaml

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import settings as model

PREFIXES = ("integrasjonspunkt_", "preflight_", "prepare_")
ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
_NAME_RE = re.compile(r"\b((?:%s)[a-z0-9_]*[a-z0-9])\b" % "|".join(PREFIXES))
_REGISTER_RE = re.compile(r"^\s*register:\s*([A-Za-z0-9_]+)\s*$", re.M)
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml where PyYAML has it: several times faster


def _read(path):
    with open(path, encoding="utf-8") as fh:
        return fh.read()


@functools.lru_cache(maxsize=4)
def known_names(root=ROOT):
    """Every variable name the collection reads (frozenset)."""
    names = set(model.DEFAULTS) | set(model.REMOVED)
    for path in glob.glob(os.path.join(root, "roles", "*", "meta", "argument_specs.yml")):
        for entry in (yaml.load(_read(path), Loader=_YAML_LOADER) or {}).get("argument_specs", {}).values():
            names.update(((entry or {}).get("options") or {}).keys())
    for path in glob.glob(os.path.join(root, "roles", "*", "tasks", "*.yml")):
        names.update(_REGISTER_RE.findall(_read(path)))
    for path in glob.glob(os.path.join(root, "playbooks", "*.yml")):
        names.update(_NAME_RE.findall(_read(path)))
    return frozenset(n for n in names if n.startswith(PREFIXES))


@functools.lru_cache(maxsize=8)
def role_options(role, entry_point, root=ROOT):
    """The options of one entry point of a role's meta/argument_specs.yml (the role's own argument spec)."""
    path = os.path.join(root, "roles", role, "meta", "argument_specs.yml")
    spec = (yaml.load(_read(path), Loader=_YAML_LOADER) or {}).get("argument_specs", {})
    return dict((spec.get(entry_point) or {}).get("options") or {})


def unknown(names, known=None):
    """[{variable, suggestion}] for the collection-prefixed names the collection does not know (typos)."""
    known = known_names() if known is None else known
    out = []
    for name in sorted(n for n in names if str(n).startswith(PREFIXES) and n not in known):
        close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.75)
        out.append({"variable": name, "suggestion": close[0] if close else None})
    return out


def unknown_problems(found):
    """The unknown variables as warnings (an unknown name is most likely a typo: its value is not used)."""
    problems = []
    for item in found:
        allowed = "a variable of this collection; it is not read" + (
            ", did you mean %s?" % item["suggestion"] if item["suggestion"] else ""
        )
        problems.append(model.problem(item["variable"], "set", allowed, severity="warn"))
    return problems


def read(task_vars, template):
    """(raw, problems, unknown) from the host's variables.

    raw: the model's variables (and removed ones) that are set, templated; problems: the variables whose
    templating failed (no secret value is ever in one); unknown: the collection-prefixed names nobody reads.
    """
    task_vars = task_vars or {}
    wanted = set(model.DEFAULTS) | set(model.REMOVED)
    raw, problems = {}, []
    for name in sorted(n for n in task_vars if n in wanted):
        try:
            raw[name] = template(task_vars[name])
        except Exception as exc:  # an undefined variable in a template, a vault that cannot be opened
            why = "its template could not be resolved" + (
                "" if model.is_secret(name) else ": %s" % str(exc).splitlines()[0][:200]
            )
            problems.append(model.problem(name, "(a template)", why))
    resolved = resolved_version(raw.get("integrasjonspunkt_version"), task_vars.get(VERSION_CHOICE), template)
    if resolved:
        raw["integrasjonspunkt_version"] = resolved
    names = [n for n in task_vars if isinstance(n, str) and n.startswith(PREFIXES)]
    return raw, problems, unknown(names)


# The fact the install role's resolve step sets for integrasjonspunkt_version=latest (docs/upgrades.md). Given as an
# extra variable (-e, an AWX survey), `latest` cannot be replaced by set_fact (extra variables win over facts), so
# the settings read the choice from here: one concrete release per host, whatever the precedence of `latest`.
VERSION_CHOICE = "integrasjonspunkt_version_choice"


def resolved_version(version, choice, template=lambda v: v):
    """The release chosen for `latest` on this host, or None (no `latest`, or not resolved yet)."""
    if str(version or "").strip() != "latest" or not choice:
        return None
    chosen = template(choice)
    chosen = chosen.get("version") if isinstance(chosen, dict) else None
    return str(chosen) if chosen else None


def plain(value):
    """Ansible's tagged/unsafe containers as plain Python values."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return str(value)


def host_settings(task_vars, template, scope):
    """(settings or None, problems, unknown, raw) of one host for `scope`: the one path every role takes."""
    raw, problems, found = read(task_vars, lambda v: plain(template(v)))
    settings, rule_problems = model.validate(raw, scope)
    problems = problems + rule_problems + unknown_problems(found)
    if any(p["severity"] == "fail" for p in problems):
        settings = None
    return settings, problems, found, raw


# Read in the process that imports this module: ansible-playbook imports the action plugins before it forks each
# host's worker, so every worker finds the argument specs parsed (once per run, not once per host and task). A
# failure here is left to the task, which reads the files again and reports it.
with contextlib.suppress(Exception):
    known_names()
