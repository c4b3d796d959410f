"""Helpers shared by the timesync unit tests: fixture paths and loaders."""

import os

FIXTURES = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "fixtures", "timesync"
)


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as fh:
        return fh.read()


def ok(name):
    """A successful command result (rc 0) whose stdout is the named fixture."""
    return 0, fixture(name), ""
