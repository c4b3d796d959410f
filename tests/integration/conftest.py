"""Integration-test harness: run the collection's modules through real Ansible on real hosts.

Interpreter discovery is handled here once: every host we create gets an explicit interpreter.
"""

import contextlib
import os

import pytest

from tests.integration import harness


def _stdin_open():
    # With standard input closed (a CI runner, a job started without a terminal) the next pipe() reuses fd 0, so
    # concurrent ansible runs inherit each other's pipe ends as their stdin and die "Could not detach from stdio:
    # Bad file descriptor" now and then. /dev/null on fd 0 gives every child a real, empty standard input.
    try:
        os.fstat(0)
    except OSError:
        fd = os.open(os.devnull, os.O_RDONLY)
        if fd != 0:
            os.dup2(fd, 0)
            os.close(fd)


_stdin_open()


@pytest.fixture(autouse=True)
def _stdio_inheritable():
    # pytest-ansible runs Ansible inside this process, and Ansible's TaskQueueManager marks fds 0-2 close-on-exec
    # (os.set_inheritable(fd, False)). Every later child that inherits its standard input would then start with fd 0
    # closed, and an ansible-playbook started so loses its workers ("Could not detach from stdio"). Each test starts
    # with the standard descriptors inheritable again.
    for fd in (0, 1, 2):
        with contextlib.suppress(OSError):
            os.set_inheritable(fd, True)
    yield
    for fd in (0, 1, 2):
        with contextlib.suppress(OSError):
            os.set_inheritable(fd, True)


@pytest.fixture(scope="session", autouse=True)
def _must_be_root():
    # These tests build cgroups, mounts, namespaces and daemons. Without root they fail; never skip.
    if os.geteuid() != 0:
        pytest.fail("integration tests need root (cgroups, mounts, network namespaces, daemons)")


@pytest.fixture
def run_module():
    return harness.run_module
