#!/usr/bin/env python
"""An operator's controller with ansible-core alone: install the built tarball with exactly its declared
dependencies, and prove that every role resolves every module, action and filter it names.

Run by `make build`:  check_core_only_install.py TARBALL CORE_VENV_BIN SOURCE_COLLECTIONS
  TARBALL              the collection tarball just built
  CORE_VENV_BIN        bin/ of a virtualenv with only requirements.txt (ansible-core, ntplib, PyJWT)
  SOURCE_COLLECTIONS   ansible_collections/ of the `ansible` package (requirements-dev.txt): the declared
                       dependencies come from there, offline, no Galaxy

Steps, each failing loudly:
 1. the tarball alone does not install offline (its dependencies are declared, not optional);
 2. the tarball and exactly galaxy.yml's dependencies (plus their own declared dependencies) install offline,
    each shipped version inside the declared range;
 3. with the tarball alone (no dependencies), the syntax check below fails with "couldn't resolve
    module/action" (or module_defaults group): the check can see what it looks for;
 4. with the dependencies, a syntax check of a playbook that imports every tasks file of every role (so
    every branch, Docker mode included) resolves every module and action;
 5. ansible-doc finds every other plugin (filters, tests, lookups) the roles and playbooks name by FQCN;
 6. each role's entry point runs in check mode against localhost: preflight, prepare (every part on),
    install in Java and in Docker mode. Each must end 0, or fail in exactly the expected way (the install
    refuses the empty settings of a stock inventory before it changes anything); an unresolved name fails.
"""

import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time

import yaml
from packaging.specifiers import SpecifierSet

REPO = pathlib.Path(__file__).resolve().parents[2]
NAMESPACE = "eformidling.integrasjonspunkt"
UNRESOLVED = re.compile(
    r"couldn't resolve module/action|could not resolve|Could not load \"|No filter named|No test named"
    r"|was not found in configured module paths|unable to locate collection",
    re.I,
)
FQCN = re.compile(r"\b([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)\b")
# Each entry point, its extra variables, and the failures besides success it may end with, recognised by these
# exact messages: the install refuses a stock inventory's empty settings before it changes anything; a controller
# that is no systemd host (a container, like CI's) cannot answer systemctl, which prepare's time sync asks.
REFUSED_SETTINGS = "The integrasjonspunkt_* settings of localhost are refused, nothing was changed"
NO_SYSTEMD = "System has not been booted with systemd as init system"
ENTRY_POINTS = {
    "preflight": ("playbooks/preflight.yml", {}, ()),
    "prepare (time sync)": (
        "playbooks/prepare.yml",
        {"prepare_time_sync": True, "prepare_ntp_servers": ["127.0.0.1"]},
        (NO_SYSTEMD,),
    ),
    "prepare (timezone, firewall)": (
        "playbooks/prepare.yml",
        {"prepare_timezone": True, "prepare_firewall": True, "integrasjonspunkt_inbound_sources": ["10.20.0.0/24"]},
        (NO_SYSTEMD,),
    ),
    "install (Java mode)": ("playbooks/install.yml", {"integrasjonspunkt_run_mode": "java"}, (REFUSED_SETTINGS,)),
    "install (Docker mode)": ("playbooks/install.yml", {"integrasjonspunkt_run_mode": "docker"}, (REFUSED_SETTINGS,)),
}


def fail(msg):
    print("core-only install: " + msg, file=sys.stderr)
    sys.exit(1)


def run(argv, env, check=True):
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=900, check=False)
    if check and proc.returncode != 0:
        fail("%s exited %d:\n%s\n%s" % (" ".join(argv), proc.returncode, proc.stdout[-4000:], proc.stderr[-4000:]))
    return proc


def declared_dependencies():
    return yaml.safe_load((REPO / "galaxy.yml").read_text())["dependencies"] or {}


def dependency_dirs(source):
    """{name: (dir, version)} of the declared dependencies and their own dependencies, from the `ansible` package."""
    found, todo = {}, dict(declared_dependencies())
    while todo:
        name, spec = todo.popitem()
        if name in found:
            continue
        path = pathlib.Path(source, *name.split("."))
        manifest = path / "MANIFEST.json"
        if not manifest.is_file():
            fail("%s (declared %s) is not in the `ansible` package at %s" % (name, spec, path))
        info = json.loads(manifest.read_text())["collection_info"]
        if not SpecifierSet(spec.replace(" ", "")).contains(info["version"]):
            fail("the `ansible` package ships %s %s, outside the declared range %s" % (name, info["version"], spec))
        found[name] = (path, info["version"])
        todo.update(info.get("dependencies") or {})
    return found


def role_task_files():
    return sorted(p.relative_to(REPO / "roles") for p in (REPO / "roles").glob("*/tasks/*.yml"))


def every_tasks_file_playbook(path):
    tasks = [
        {
            "name": "Import %s" % f,
            "ansible.builtin.import_role": {"name": "%s.%s" % (NAMESPACE, f.parts[0]), "tasks_from": f.stem},
        }
        for f in role_task_files()
    ]
    path.write_text(yaml.safe_dump([{"name": "Every tasks file", "hosts": "localhost", "tasks": tasks}]))


def named_plugins():
    """Every FQCN outside ansible.builtin and this collection that the roles and playbooks name."""
    names = set()
    for f in [*REPO.glob("roles/**/*.yml"), *REPO.glob("roles/**/*.j2"), *REPO.glob("playbooks/*.yml")]:
        for ns, coll, name in FQCN.findall(f.read_text()):
            if ns in ("ansible", "community", "containers") and (ns, coll) != ("ansible", "builtin"):
                names.add("%s.%s.%s" % (ns, coll, name))
    return sorted(names)


def main(tarball, core_bin, source):
    core_bin = pathlib.Path(core_bin)
    deps = dependency_dirs(source)
    with tempfile.TemporaryDirectory(prefix="eformidling-core-only-") as scratch:
        tmp = pathlib.Path(scratch)
        (tmp / "none.cfg").write_text("[defaults]\n")
        alone, full = tmp / "alone", tmp / "full"
        env = dict(os.environ, ANSIBLE_CONFIG=str(tmp / "none.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
        env.pop("PYTHONPATH", None)
        galaxy = [str(core_bin / "ansible-galaxy"), "collection", "install", "--offline"]

        # 1. Declared: the tarball alone cannot be installed offline.
        proc = run([*galaxy, "-p", str(alone), tarball], dict(env, ANSIBLE_COLLECTIONS_PATH=str(alone)), check=False)
        if proc.returncode == 0:
            fail("the tarball installed offline without its dependencies: galaxy.yml declares none?")
        # 2. With exactly the declared set.
        full_env = dict(env, ANSIBLE_COLLECTIONS_PATH=str(full))
        run([*galaxy, "-p", str(full), tarball, *[str(path) for path, _version in deps.values()]], full_env)
        installed = sorted(
            "%s.%s" % (p.parent.name, p.name) for p in (full / "ansible_collections").glob("*/*") if p.is_dir()
        )
        want = sorted([NAMESPACE, *deps])
        if installed != want:
            fail("installed %s, expected exactly %s" % (installed, want))
        print("installed offline: " + ", ".join("%s %s" % (n, v) for n, (_path, v) in sorted(deps.items())))

        book = tmp / "every_tasks_file.yml"
        every_tasks_file_playbook(book)
        syntax = [str(core_bin / "ansible-playbook"), "--syntax-check", "-i", "localhost,", str(book)]
        # 3. The check sees an unresolved name: the tarball without its dependencies.
        run([*galaxy, "--no-deps", "-p", str(alone), tarball], dict(env, ANSIBLE_COLLECTIONS_PATH=str(alone)))
        proc = run(syntax, dict(env, ANSIBLE_COLLECTIONS_PATH=str(alone)), check=False)
        if proc.returncode == 0 or not UNRESOLVED.search(proc.stdout + proc.stderr):
            fail("without the dependencies the syntax check did not fail on an unresolved module:\n" + proc.stderr)
        # 4. Every tasks file of every role resolves with them.
        proc = run(syntax, full_env, check=False)
        if proc.returncode != 0 or UNRESOLVED.search(proc.stdout + proc.stderr):
            fail("every-tasks-file syntax check:\n%s\n%s" % (proc.stdout[-3000:], proc.stderr[-3000:]))
        print("syntax check: %d tasks files of %s resolve" % (len(role_task_files()), NAMESPACE))
        # 5. Every other plugin named by FQCN.
        for name in named_plugins():
            kinds = ("module", "filter", "test", "lookup", "callback", "connection")
            if not any(
                run([str(core_bin / "ansible-doc"), "-t", k, "-j", name], full_env, check=False).returncode == 0
                for k in kinds
            ):
                fail("%s (named in the roles or playbooks) resolves as no plugin" % name)
        print("ansible-doc: %s resolve" % ", ".join(named_plugins()))
        # 6. The entry points, in check mode, against this machine.
        inventory = REPO / "inventory" / "localhost.yml"
        for label, (book_path, extra, expected_failures) in ENTRY_POINTS.items():
            argv = [str(core_bin / "ansible-playbook"), "--check", "-i", str(inventory), str(REPO / book_path)]
            argv += ["-e", "@" + str(REPO / "tests" / "compat" / "vars.yml"), "-e", json.dumps(extra)]
            argv += ["-e", json.dumps({"preflight_report_dir": str(tmp / "reports" / label)})]
            argv += ["-e", json.dumps({"prepare_outbound_request_dir": str(tmp / "prepare-reports" / label)})]
            t0 = time.monotonic()
            proc = run(argv, full_env, check=False)
            done = "%s (%.0f s)" % (label, time.monotonic() - t0)
            out = proc.stdout + proc.stderr
            if UNRESOLVED.search(out):
                fail("%s: an unresolved name:\n%s" % (done, out[-4000:]))
            recognised = [m for m in expected_failures if m in out]
            if proc.returncode == 0:
                print("%s: ok in check mode" % done)
            elif proc.returncode == 2 and recognised:
                print("%s: failed as expected (%s)" % (done, recognised[0]))
            else:
                fail("%s: exited %d, not as expected:\n%s" % (done, proc.returncode, out[-4000:]))
    print("core-only install: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
