"""Tests of bench/run.py's CPU accounting on this machine's real cgroups (root): `pytest bench/`."""

import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import run

BUSY = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.3:\n    pass\n"


@pytest.fixture
def group():
    if os.geteuid() != 0:
        pytest.fail("the bench's cgroup tests need root")  # fail loudly, never skip
    g = run.CpuCgroup("eftest-bench-test-%d" % os.getpid())
    yield g
    g.remove()


def enter_and_run(procs, code):
    """A shell that enters the cgroup as the interpreter wrapper does, then execs Python."""
    script = 'echo $$ > "$0" || exit 97\nexec "$1" -c "$2"'
    return subprocess.run(["/bin/sh", "-c", script, procs, sys.executable, code], check=False)


def test_cpu_of_a_process_in_the_group_is_counted(group):
    before = group.cpu_seconds()
    assert enter_and_run(group.procs, BUSY).returncode == 0
    used = group.cpu_seconds() - before
    assert 0.25 <= used < 5, used
    assert group.pids() == []


def test_cpu_outside_the_group_is_not_counted(group):
    before = group.cpu_seconds()
    subprocess.run([sys.executable, "-c", BUSY], check=True)
    assert group.cpu_seconds() - before < 0.05


def test_a_wrapper_that_cannot_enter_its_group_fails(group):
    group.remove()
    assert enter_and_run(group.procs, "pass").returncode == 97


def test_median_measurement_takes_each_field_apart():
    ms = [run.Measurement(1, 9, 5, 3, 7), run.Measurement(2, 1, 6, 9, 8), run.Measurement(3, 5, 4, 6, 9)]
    m = run.median_measurement(ms)
    assert (m.wall, m.controller_cpu, m.module_cpu, m.controller_mib, m.tree_mib) == (2, 5, 5, 6, 8)
