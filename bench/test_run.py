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


def test_the_bench_measures_with_the_bytecode_cache_on(monkeypatch):
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    assert "PYTHONDONTWRITEBYTECODE" not in run.env(1)


def test_cpu_target_compares_per_host_cpu_at_the_largest_scale_point():
    small = (1, run.Measurement(6, 1.5, 0.5, 90, 140), None, run.Measurement(6, 1.0, 0.2, 80, 100))
    large = (30, run.Measurement(16, 6.0, 15, 600, 1200), None, run.Measurement(12, 3.6, 9, 500, 900))
    n, per_pre, per_wait, ratio = run.cpu_target([small, large])
    assert (n, round(per_pre, 3), round(per_wait, 3), round(ratio, 3)) == (30, 0.2, 0.12, 1.667)


def test_write_results_shows_both_targets_with_their_verdicts(tmp_path, monkeypatch):
    monkeypatch.setattr(run, "REPO", str(tmp_path))
    monkeypatch.setattr(run, "machine", lambda: "test machine")
    (tmp_path / "README.md").write_text("a\n%s\nold\n%s\nb\n" % (run.README_BEGIN, run.README_END))
    one = {
        "preflight": [run.Measurement(6.4, 1.2, 0.4, 90, 140)],
        "baseline": [run.Measurement(24, 3, 5, 80, 100)],
        "empty": [run.Measurement(0.6, 0.5, 0, 45, 45)],
        "one_wait": [run.Measurement(6.0, 0.9, 0.2, 80, 100)],
    }
    point = run.Measurement(15, 9.0, 15, 600, 1200)
    rows = {
        "load_start": "1 1 1",
        "load_end": "2 2 2",
        "cgroup": "v2",
        "runs": one,
        "scale": [
            (1, run.Measurement(6.5, 1.2, 0.4, 90, 140), point, point),
            (30, point, point, run.Measurement(12, 3.0, 9, 500, 900)),
        ],
        "scale_walls": {1: [6.5], 30: [15]},
        "gather_elapsed": 5.02,
        "alone": [("17 reachable", [1.0]), ("17, 3 blackholed", [6.0])],
        "status": [(1, run.Measurement(3.0, 1.5, 0.4, 70, 100), run.Measurement(1.3, 1.2, 0, 45, 45))],
    }
    args = type("Args", (), {"timeout": 5.0, "runs": 1, "scale_runs": 1})()
    run.write_results(rows, args)
    table = (tmp_path / "bench" / "results" / "latest.md").read_text()
    assert "| preflight, 1 host | 6.40 s | 6.85 s | 7.41 s | <= floor + 0.5 s = 6.10 s: missed by 0.30 s |" in table
    # one stock round trip's own cost over the floor, and preflight's over that round trip (paired per run)
    assert "| one wait_for task - floor, paired per run (median): one stock module round trip | 0.40 s |" in table
    assert "| preflight - one wait_for task, paired per run (median) | 0.40 s |" in table
    assert "| 1 (1) | 3.00 s | 1.30 s | 1.70 s | 1.50 s | 0.40 s | 70 MiB |" in table
    assert "preflight 0.30 s / one wait_for task 0.10 s (same rounds) | 3.0x | - | - | <= 2x: missed by 0.10 s" in table
    assert table in (tmp_path / "README.md").read_text()
