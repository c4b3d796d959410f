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
    module/action" (or module_defaults group), and so does the check-mode run of backup.yml (a role's tasks
    load when the run includes it): the checks can see what they look for;
 4. with the dependencies, a syntax check of a playbook that imports every tasks file of every role (so
    every branch, Docker mode included) resolves every module and action;
 5. ansible-doc finds every other plugin (filters, tests, lookups) the roles and playbooks name by FQCN;
 6. every playbook passes a syntax check;
 7. every playbook, and every role entry point (each role's meta/argument_specs.yml) no playbook reaches, runs
    in check mode against localhost: preflight, prepare (every part on), install in Java and in Docker mode,
    backup and restore in Docker mode (a community.docker module runs against an engine socket that is absent),
    status, the status role's main, renew-certificate, upgrade, upgrade_canary, support-bundle,
    prometheus-config. Each must end 0, or fail in exactly the expected way (the install refuses the empty
    settings of a stock inventory before it changes anything); an unresolved name fails anywhere; each run
    must reach the roles it stands for, and every playbook and role entry point must have a run.
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
# Each run: a playbook (or "role:ROLE:ENTRY", a play that includes that role entry point), its extra variables
# (@SCRATCH@ is the scratch directory), the failures besides success it may end with, recognised by these exact
# messages, and the role entry points it stands for (its output must show tasks of each of those roles).
# The install refuses a stock inventory's empty settings before it changes anything; a controller that is no
# systemd host (a container, like CI's) cannot answer systemctl, which prepare's time sync asks; no engine listens
# on the socket the Docker-mode runs name, so the community.docker module that asks it fails (after it resolved,
# loaded its module_utils and imported requests: localhost there is a Debian host's /usr/bin/python3 with
# python3-requests, as the install's docker_prerequisites.yml provides it); a stock host has no healthy service.
REFUSED_SETTINGS = "The integrasjonspunkt_* settings of localhost are refused, nothing was changed"
NO_SYSTEMD = "System has not been booted with systemd as init system"
NO_ENGINE = "Error connecting: Error while fetching server API version"
UNHEALTHY = "status failed on localhost: status."
DOCKER_HOST = {
    "integrasjonspunkt_run_mode": "docker",
    "integrasjonspunkt_install_dir": "@SCRATCH@/installed",
    "integrasjonspunkt_docker_host": "unix://@SCRATCH@/no-engine.sock",
    "integrasjonspunkt_restore_archive": "latest",
    "ansible_python_interpreter": "/usr/bin/python3",
}
ENTRY_POINTS = {
    "preflight": ("playbooks/preflight.yml", {}, (), ("preflight:checks", "preflight:report", "preflight:verdict")),
    "prepare (time sync)": (
        "playbooks/prepare.yml",
        {"prepare_time_sync": True, "prepare_ntp_servers": ["127.0.0.1"]},
        (NO_SYSTEMD,),
        ("prepare:main",),
    ),
    "prepare (timezone, firewall)": (
        "playbooks/prepare.yml",
        {"prepare_timezone": True, "prepare_firewall": True, "integrasjonspunkt_inbound_sources": ["10.20.0.0/24"]},
        (NO_SYSTEMD,),
        ("prepare:main",),
    ),
    "install (Java mode)": (
        "playbooks/install.yml",
        {"integrasjonspunkt_run_mode": "java"},
        (REFUSED_SETTINGS,),
        ("preflight:main", "integrasjonspunkt:main"),
    ),
    "install (Docker mode)": (
        "playbooks/install.yml",
        {"integrasjonspunkt_run_mode": "docker"},
        (REFUSED_SETTINGS,),
        ("preflight:main", "integrasjonspunkt:main"),
    ),
    "backup (Docker mode)": ("playbooks/backup.yml", DOCKER_HOST, (NO_ENGINE,), ("backup:main",)),
    "restore (Docker mode)": ("playbooks/restore.yml", DOCKER_HOST, (NO_ENGINE,), ("backup:restore",)),
    "status": (
        "playbooks/status.yml",
        {"status_report_dir": "@SCRATCH@/status-reports"},
        (UNHEALTHY,),
        ("status:checks", "status:report", "status:verdict"),
    ),
    "status role (main)": (
        "role:status:main",
        {"status_report_dir": "@SCRATCH@/status-reports-main"},
        (UNHEALTHY,),
        ("status:main",),
    ),
    "renew-certificate": (
        "playbooks/renew-certificate.yml",
        {},
        (REFUSED_SETTINGS,),
        ("integrasjonspunkt:renew_certificate",),
    ),
    "upgrade (Docker mode)": (
        "playbooks/upgrade.yml",
        DOCKER_HOST,
        (REFUSED_SETTINGS,),
        ("preflight:main", "integrasjonspunkt:main"),
    ),
    "upgrade_canary": ("playbooks/upgrade_canary.yml", {}, (REFUSED_SETTINGS,), ("integrasjonspunkt:main",)),
    "support-bundle": ("playbooks/support-bundle.yml", {"support_bundle_dir": "@SCRATCH@/support-bundles"}, (), ()),
    "prometheus-config": (
        "playbooks/prometheus-config.yml",
        {"prometheus_config_dir": "@SCRATCH@/prometheus-config"},
        (),
        (),
    ),
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


def playbooks():
    return sorted(str(p.relative_to(REPO)) for p in (REPO / "playbooks").glob("*.yml"))


def role_entry_points():
    """Every "ROLE:ENTRY" the roles declare in meta/argument_specs.yml."""
    found = []
    for spec in sorted((REPO / "roles").glob("*/meta/argument_specs.yml")):
        entries = yaml.safe_load(spec.read_text())["argument_specs"]
        found += ["%s:%s" % (spec.parents[1].name, entry) for entry in entries]
    return found


def unexercised():
    """The playbooks and role entry points no run of ENTRY_POINTS stands for (a new one needs a run)."""
    books = {book for book, _extra, _expected, _covers in ENTRY_POINTS.values()}
    covered = {entry for _book, _extra, _expected, covers in ENTRY_POINTS.values() for entry in covers}
    return [b for b in playbooks() if b not in books] + [e for e in role_entry_points() if e not in covered]


def role_entry_playbook(path, role_entry):
    role, entry = role_entry.split(":")
    include = {"name": "%s.%s" % (NAMESPACE, role), "tasks_from": entry}
    tasks = [{"name": "Role %s, entry point %s" % (role, entry), "ansible.builtin.include_role": include}]
    path.write_text(yaml.safe_dump([{"name": "One role entry point", "hosts": "all", "tasks": tasks}]))


def check_mode_argv(core_bin, tmp, label):
    """The check-mode run of ENTRY_POINTS[label] against localhost, its files under tmp."""
    book_path, extra = ENTRY_POINTS[label][:2]
    if book_path.startswith("role:"):
        book = tmp / ("%s.yml" % book_path.replace(":", "_"))
        role_entry_playbook(book, book_path[len("role:") :])
    else:
        book = REPO / book_path
    argv = [str(core_bin / "ansible-playbook"), "--check", "-i", str(REPO / "inventory" / "localhost.yml"), str(book)]
    argv += ["-e", "@" + str(REPO / "tests" / "compat" / "vars.yml")]
    argv += ["-e", json.dumps(extra).replace("@SCRATCH@", str(tmp))]
    argv += ["-e", json.dumps({"preflight_report_dir": str(tmp / "reports" / label)})]
    argv += ["-e", json.dumps({"prepare_outbound_request_dir": str(tmp / "prepare-reports" / label)})]
    return argv


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
    missing = unexercised()
    if missing:
        fail("no check-mode run in ENTRY_POINTS stands for: " + ", ".join(missing))
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
        # 6. Every playbook, as a syntax check (what a check-mode run below cannot reach is still parsed).
        proc = run([*syntax[:-1], *[str(REPO / b) for b in playbooks()]], full_env, check=False)
        if proc.returncode != 0 or UNRESOLVED.search(proc.stdout + proc.stderr):
            fail("playbooks' syntax check:\n%s\n%s" % (proc.stdout[-3000:], proc.stderr[-3000:]))
        print("syntax check: %s" % ", ".join(playbooks()))
        # 7. The playbooks and role entry points, in check mode, against this machine.
        (tmp / "installed").mkdir()
        # The run sees an unresolved name too: a role's tasks load only when the run includes the role.
        proc = run(
            check_mode_argv(core_bin, tmp, "backup (Docker mode)"),
            dict(env, ANSIBLE_COLLECTIONS_PATH=str(alone)),
            check=False,
        )
        if proc.returncode == 0 or not UNRESOLVED.search(proc.stdout + proc.stderr):
            fail(
                "without the dependencies the backup run did not fail on an unresolved module:\n" + proc.stdout[-3000:]
            )
        for label, (_book, _extra, expected_failures, covers) in ENTRY_POINTS.items():
            argv = check_mode_argv(core_bin, tmp, label)
            t0 = time.monotonic()
            proc = run(argv, full_env, check=False)
            done = "%s (%.0f s)" % (label, time.monotonic() - t0)
            out = proc.stdout + proc.stderr
            if UNRESOLVED.search(out):
                fail("%s: an unresolved name:\n%s" % (done, out[-4000:]))
            unreached = sorted(
                {c.split(":")[0] for c in covers if "TASK [%s.%s :" % (NAMESPACE, c.split(":")[0]) not in out}
            )
            if unreached:
                fail("%s: ran no task of role %s:\n%s" % (done, ", ".join(unreached), out[-4000:]))
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
