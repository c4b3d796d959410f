"""Integration-test harness: run the collection's modules through real Ansible on real hosts.

Interpreter discovery is handled here once: every host we create gets an explicit interpreter.
"""

import os

import pytest

from tests.integration import harness


@pytest.fixture(scope="session", autouse=True)
def _must_be_root():
    # These tests build cgroups, mounts, namespaces and daemons. Without root they fail; never skip.
    if os.geteuid() != 0:
        pytest.fail("integration tests need root (cgroups, mounts, network namespaces, daemons)")


@pytest.fixture
def run_module():
    return harness.run_module
