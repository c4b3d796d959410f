"""The time collector under every target Python 3.8-3.13 of this machine (~/.pyenv/versions).

Each interpreter imports timesync_collect, parses captured fixtures and runs gather() with a table-driven
runner. A missing interpreter fails the test: the target range must really have been tried.
"""

import glob
import json
import os
import subprocess

import pytest

from tests.unit.plugins.module_utils.timesync_fixtures import FIXTURES

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
COLLECTIONS = os.path.join(REPO, ".build", "collections")
PYENV = os.path.expanduser("~/.pyenv/versions")

SMOKE = r"""
import json, os, sys, time
sys.path.insert(0, sys.argv[1])
fixtures = sys.argv[2]
from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import sntp, timesync, timesync_collect

def ok(name):
    with open(os.path.join(fixtures, name)) as fh:
        return 0, fh.read(), ""

table = {
    ("chronyc", "-c", "tracking"): ok("chrony_tracking_makestep_lost.csv"),
    ("chronyc", "-c", "sources"): ok("chrony_sources_makestep_lost.csv"),
    ("timedatectl", "show"): ok("timedatectl_show_synced.txt"),
}
ts = timesync_collect.gather(lambda argv, timeout: table.get(tuple(argv)), lambda name: None, probe=False,
                             reference_time_max_age=None, deadline=time.monotonic() + 5)
ntpd = timesync.ntpd_view(ok("ntpq_pn_synced.txt"), ok("ntpq_rv_synced.txt"))
record = sntp.probe_server("bad host")
print(json.dumps({
    "version": list(sys.version_info[:2]),
    "chrony_offset": ts["chrony"]["offset_seconds"],
    "basis": ts["chrony"]["offset_basis"],
    "chrony_synchronised": ts["chrony"]["synchronised"],
    "chrony_error": ts["chrony"]["error"],
    "ntpd_synchronised": ntpd["synchronised"],
    "probe_kind": record["error_kind"],
}))
"""


@pytest.mark.parametrize("minor", [8, 9, 10, 11, 12, 13])
def test_collector_runs_on_target_python(minor):
    found = sorted(glob.glob(os.path.join(PYENV, "3.%d.*" % minor, "bin", "python")))
    if not found:
        pytest.fail("no Python 3.%d under %s: the target range cannot be tested" % (minor, PYENV))
    proc = subprocess.run(
        [found[-1], "-I", "-c", SMOKE, COLLECTIONS, FIXTURES],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["version"] == [3, minor]
    assert result["chrony_offset"] == pytest.approx(-30.0, abs=0.01)
    assert result["basis"] == "selected source sample"
    assert result["chrony_synchronised"] is True
    assert result["chrony_error"] is None
    assert result["ntpd_synchronised"] is True
    assert result["probe_kind"] == "error"
