"""Shared pytest setup: make the collection importable as ansible_collections.eformidling.integrasjonspunkt.

`make venv` links the repository into .build/collections/ansible_collections/eformidling/integrasjonspunkt.
"""

import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# `make mutation` runs the suite against mutmut's mutated copy of the collection, which it names here.
COLLECTIONS = os.environ.get("EFORMIDLING_TEST_COLLECTIONS") or os.path.join(REPO, ".build", "collections")
LINK = os.path.join(COLLECTIONS, "ansible_collections", "eformidling", "integrasjonspunkt")

if not os.path.exists(LINK):
    raise RuntimeError("collection link %s is missing: run `make venv` first" % LINK)
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)

# In-process Ansible (pytest-ansible) reads these; the Makefile exports the same values.
os.environ.setdefault("ANSIBLE_CONFIG", os.path.join(REPO, "ansible.cfg"))
os.environ.setdefault(
    "ANSIBLE_COLLECTIONS_PATH",
    os.pathsep.join(
        [
            COLLECTIONS,
            os.path.join(
                os.path.dirname(os.path.dirname(sys.executable)),
                "lib",
                "python%d.%d" % sys.version_info[:2],
                "site-packages",
            ),
        ]
    ),
)

# Hypothesis's per-example deadline is a wall-clock assertion: on a shared machine (and under mutmut's tracing)
# it fails at random. Timing is measured in bench/, never asserted in tests.
try:
    from hypothesis import settings as _hypothesis_settings
except ImportError:  # only the integration layer's lighter environments lack it
    pass
else:
    _hypothesis_settings.register_profile("eformidling", deadline=None)
    _hypothesis_settings.load_profile("eformidling")
