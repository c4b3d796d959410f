"""module_utils/dirperms.py and the directories.writable check: can the service user write its directories?"""

import os
import stat
from types import SimpleNamespace

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import dirperms
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import checks

from ..plugin_utils.test_checks import by_id, ctx

USER = {"name": "ip", "exists": True, "uid": 990, "gids": [990]}


def fake_stat(tree):
    """os.stat over {path: (uid, gid, mode, is_dir)}; a missing path raises FileNotFoundError."""

    def lstat(path):
        if path not in tree:
            raise FileNotFoundError(path)
        uid, gid, mode, is_dir = tree[path]
        return SimpleNamespace(st_uid=uid, st_gid=gid, st_mode=mode | (stat.S_IFDIR if is_dir else stat.S_IFREG))

    return lstat


ROOTS = {"/": (0, 0, 0o755, True), "/var": (0, 0, 0o755, True), "/var/lib": (0, 0, 0o755, True)}


@pytest.mark.parametrize(
    ("entry", "writable", "fragment"),
    [
        ((990, 990, 0o750, True), True, "writable by ip"),
        ((0, 0, 0o755, True), False, "not writable by ip"),  # root-owned: the user may not create files
        ((0, 990, 0o770, True), True, "writable"),  # through the group
        ((0, 0, 0o777, True), True, "writable"),
        ((990, 990, 0o550, True), False, "not writable"),
        ((990, 990, 0o644, False), False, "not a directory"),
    ],
)
def test_inspect_directory_by_mode_bits(entry, writable, fragment):
    tree = dict(ROOTS, **{"/var/lib/ip": entry})
    got = dirperms.inspect_directory("/var/lib/ip", USER, fake_stat(tree))
    assert got["writable"] is writable and fragment in got["reason"], got


def test_a_parent_the_user_cannot_search_blocks_it():
    tree = dict(ROOTS, **{"/var/lib": (0, 0, 0o700, True), "/var/lib/ip": (990, 990, 0o750, True)})
    got = dirperms.inspect_directory("/var/lib/ip", USER, fake_stat(tree))
    assert got["writable"] is False and "/var/lib is not searchable" in got["reason"]


def test_missing_directory_or_user_is_undecided_not_writable():
    missing = dirperms.inspect_directory("/var/lib/ip", USER, fake_stat(ROOTS))
    assert (missing["exists"], missing["writable"]) == (False, None)
    nobody = dirperms.inspect_directory("/var/lib", dict(USER, exists=False), fake_stat(ROOTS))
    assert nobody["writable"] is None and "does not exist yet" in nobody["reason"]


def test_user_ids_by_name_numbers_and_unknown():
    entry = SimpleNamespace(pw_uid=990, pw_gid=990)
    groups = [SimpleNamespace(gr_gid=4, gr_mem=["ip"]), SimpleNamespace(gr_gid=5, gr_mem=["other"])]
    got = dirperms.user_ids("ip", lambda n: entry, lambda: groups)
    assert (got["exists"], got["uid"], got["gids"]) == (True, 990, [4, 990])
    assert dirperms.user_ids("1002:1000")["gids"] == [1000]
    assert dirperms.user_ids("no-such-user-eftest")["exists"] is False


def test_collect_never_raises_and_reports_why():
    def boom(_path):
        raise RuntimeError("stat exploded")

    got = dirperms.collect({"data": "/x"}, "1:1", lstat=boom)
    assert got["available"] is False and "stat exploded" in got["reason"]


def test_collect_on_this_machine_reads_a_real_directory(tmp_path):
    os.chmod(str(tmp_path), 0o700)
    got = dirperms.collect({"data": str(tmp_path)}, "%d:%d" % (os.getuid(), os.getgid()))
    assert got["directories"]["data"]["writable"] is True and got["directories"]["data"]["mode"] == "0700"


def _dirs(**writable):
    return {
        "available": True,
        "user": USER,
        "directories": {
            r: {"path": "/d/" + r, "exists": True, "owner_uid": 0, "mode": "0755", "writable": w, "reason": "r"}
            for r, w in writable.items()
        },
    }


@pytest.mark.parametrize(
    ("facts", "status"),
    [
        (_dirs(data=True, logs=True, temp=True), "pass"),
        (_dirs(data=False, logs=True, temp=True), "fail"),
        (_dirs(data=True, logs=True), "unknown"),  # temp not inspected: never a pass
        (None, "unknown"),
        ({"available": False, "reason": "boom"}, "error"),
    ],
)
def test_directories_writable_check(facts, status):
    r = by_id(checks.run_checks(ctx(directories=facts)))["directories.writable"]
    assert r["status"] == status, r
    if status == "fail":
        assert "/d/data" in r["message"] and "chown" in r["fix"]


def test_docker_mode_is_not_judged_here():
    assert "directories.writable" not in by_id(checks.run_checks(ctx(settings__run_mode="docker")))
