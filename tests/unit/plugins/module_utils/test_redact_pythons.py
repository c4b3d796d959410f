"""redact.py and the support bundle collector under the oldest target Python (3.8, ~/.pyenv/versions), where
managed hosts run them. A missing interpreter fails the test: the floor must really have been tried."""

import glob
import json
import os
import subprocess

import pytest

from tests import support_bundle_seeds as seeds

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
COLLECTIONS = os.path.join(REPO, ".build", "collections")

SMOKE = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
sys.path.insert(0, sys.argv[2])
from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import redact, support_bundle
from tests import support_bundle_seeds as s
out = redact.redact_all({
    "log": (s.log_text(), "text"), "local": (s.local_properties(), "properties"),
    "secrets": (s.secrets_properties(), "properties"), "unit": (s.unit_text(), "text"),
    "block": (s.blocklist_json(), "json"), "hist": (s.history_jsonl(), "jsonl"),
})
java = support_bundle.java_from_unit(s.unit_text())
print(json.dumps({"version": list(sys.version_info[:2]), "out": out, "java": java}))
"""


def test_redaction_under_python_3_8():
    found = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.8*/bin/python3")))
    if not found:
        pytest.fail("no Python 3.8 in ~/.pyenv/versions: the managed-host floor cannot be tried")
    proc = subprocess.run(
        [found[0], "-c", SMOKE, COLLECTIONS, REPO], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["version"] == [3, 8]
    assert result["java"] == "/usr/bin/java"
    for name, text in result["out"].items():
        for label, secret in seeds.searched().items():
            assert secret not in text, (name, label)
