"""What `make test` may do to the machine it runs on: no systemctl on the host, no files left in /tmp."""

import hashlib
import os
import pathlib
import re
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parents[2]
LEFTOVERS = REPO / "tests" / "helpers" / "check_leftovers.sh"


def recipe_commands(makefile):
    """Every recipe line of the Makefile that the shell runs (comments left out)."""
    out = []
    for line in makefile.read_text(encoding="utf-8").splitlines():
        if not line.startswith("\t"):
            continue
        command = line.strip().lstrip("@-").strip()
        if command.startswith("#"):
            continue
        out.append(command)
    return out


def test_no_make_target_runs_systemctl_on_the_host():
    commands = recipe_commands(REPO / "Makefile")
    assert commands, "the Makefile has recipes"
    offending = [c for c in commands if re.search(r"\bsystemctl\b", c)]
    assert offending == [], "the host's services are the operator's: %s" % offending


def test_packages_are_installed_with_a_policy_that_refuses_to_start_them():
    text = (REPO / "Makefile").read_text(encoding="utf-8")
    install = text[text.index("system-deps:") : text.index(".PHONY: preflight")]
    assert "policy-rc.d" in install and "exit 101" in install, install
    assert install.index("policy-rc.d") < install.index("apt-get install -y")


def run_leftovers(tmp_path, checkout):
    env = dict(os.environ, TMPDIR=str(tmp_path), EFORMIDLING_TEST_CHECKOUT=checkout)
    return subprocess.run(["bash", str(LEFTOVERS)], env=env, capture_output=True, text=True, check=False)


def test_check_leftovers_finds_inventories_and_scratch_directories_of_dead_test_processes(tmp_path):
    checkout = str(tmp_path / "checkout")
    assert run_leftovers(tmp_path, checkout).returncode == 0
    (tmp_path / "inv-abc123.json").write_text("{}")
    found = run_leftovers(tmp_path, checkout)
    assert found.returncode == 1 and "inv-abc123.json" in found.stderr
    (tmp_path / "inv-abc123.json").unlink()

    tag = hashlib.sha1(checkout.encode()).hexdigest()[:12]
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    gone = tmp_path / ("eformidling-harness-%s-%s" % (tag, dead.stdout.strip()))
    gone.mkdir()
    found = run_leftovers(tmp_path, checkout)
    assert found.returncode == 1 and str(gone) in found.stderr
    gone.rmdir()
    # a running test process's directory is not left over
    (tmp_path / ("eformidling-harness-%s-%d" % (tag, os.getpid()))).mkdir()
    assert run_leftovers(tmp_path, checkout).returncode == 0


def test_the_harness_removes_its_inventories_when_the_test_process_exits(tmp_path):
    code = (
        "import sys; sys.path.insert(0, %r)\n"
        "from tests.integration import harness\n"
        "paths = [harness.local_inventory() for _ in range(3)]\n"
        "print('\\n'.join(paths))\n" % str(REPO)
    )
    env = dict(os.environ, TMPDIR=str(tmp_path))
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    paths = proc.stdout.split()
    # the scratch directory names this checkout the way tests/helpers/check_leftovers.sh computes it
    assert "eformidling-harness-%s-" % hashlib.sha1(str(REPO).encode()).hexdigest()[:12] in paths[0]
    assert len(paths) == 3 and all(p.startswith(str(tmp_path)) for p in paths)
    assert not any(os.path.exists(p) for p in paths)
    assert list(tmp_path.iterdir()) == []
