"""mountinfo parsing, mount lookup by longest prefix, and disk reports (fixture mountinfo, real statvfs)."""

import os

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import mounts

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "fixtures", "resources")


@pytest.fixture(scope="module")
def table():
    with open(os.path.join(FIXTURES, "mountinfo", "bind-and-escapes.txt")) as fh:
        return mounts.parse_mountinfo(fh.read())


def test_unescape():
    assert mounts.unescape(r"/opt/my\040dir\011x\134y\012") == "/opt/my dir\tx\\y\n"
    assert mounts.unescape(r"/no\9escape\04") == r"/no\9escape\04"


def test_parse_skips_garbage_and_relative_mount_points(table):
    points = [m["mount_point"] for m in table]
    assert len(table) == 12
    assert "relative/mount/point" not in points
    assert "/opt/integrasjonspunkt data" in points
    assert "/data/tab\tand\\backslash" in points


def test_parse_fields(table):
    bind = next(m for m in table if m["mount_point"] == "/opt/integrasjonspunkt data")
    assert bind["root"] == "/exports/ip data"
    assert bind["fstype"] == "xfs"
    assert bind["source"] == "/dev/sdb1"
    assert bind["dev"] == "8:17"
    assert "inode64" in bind["super_options"]


@pytest.mark.parametrize(
    ("path", "mount_point", "fstype"),
    [
        ("/", "/", "ext4"),
        ("/opt", "/", "ext4"),
        ("/opt/integrasjonspunktX", "/", "ext4"),  # prefix match is per path component
        ("/opt/integrasjonspunkt data/messages", "/opt/integrasjonspunkt data", "xfs"),
        ("/opt/integrasjonspunkt/logs", "/opt/integrasjonspunkt", "ext4"),
        ("/srv/nfs/x", "/srv/nfs", "nfs4"),
        ("/srv/other", "/srv", "xfs"),
        ("/run/ip/tmp", "/run/ip", "tmpfs"),
        ("/data/tab\tand\\backslash/f", "/data/tab\tand\\backslash", "ext4"),
    ],
)
def test_find_mount_longest_prefix(table, path, mount_point, fstype):
    found = mounts.find_mount(table, path)
    assert (found["mount_point"], found["fstype"]) == (mount_point, fstype)


def test_find_mount_stacked_mount_takes_the_top_one(table):
    assert mounts.find_mount(table, "/opt/integrasjonspunkt")["source"] == "/dev/sde1"


def test_find_mount_nothing_for_relative_or_empty(table):
    assert mounts.find_mount(table, "opt") is None
    assert mounts.find_mount([], "/opt") is None


@pytest.mark.parametrize(
    ("mount_point", "expected"),
    [
        ("/run/ip", ["on tmpfs"]),
        ("/var/lib/containers/merged", ["on overlay"]),
        ("/mnt/archive", ["mounted read-only"]),
        ("/opt/logs", ["bind mount of /var/log from /dev/sda1"]),
        ("/srv/nfs", ["on NFS"]),
        ("/", []),
    ],
)
def test_mount_notes(table, mount_point, expected):
    mount = next(m for m in table if m["mount_point"] == mount_point)
    notes = mounts.mount_notes(mount)
    assert len(notes) == len(expected)
    for note, start in zip(notes, expected):
        assert note.startswith(start)


def test_nearest_existing_of_a_path_that_does_not_exist_yet(tmp_path):
    target = tmp_path / "opt" / "integrasjonspunkt" / "data"
    assert mounts.nearest_existing(str(target)) == str(tmp_path)
    (tmp_path / "opt").mkdir()
    assert mounts.nearest_existing(str(target)) == str(tmp_path / "opt")
    assert mounts.nearest_existing("/definitely/not/here", exists=lambda p: False) == "/"


def test_disk_report_for_an_existing_directory_matches_statvfs(tmp_path, table):
    report = mounts.disk_report(str(tmp_path), mounts.parse_mountinfo(_real_mountinfo()))
    st = os.statvfs(str(tmp_path))
    assert report["available"] is True
    assert report["exists"] is True
    assert report["measured_path"] == str(tmp_path)
    assert report["total_bytes"] == st.f_blocks * st.f_frsize
    assert report["available_bytes"] == st.f_bavail * st.f_frsize
    assert report["mount_point"] is not None


def test_disk_report_for_a_missing_path_measures_the_ancestor(tmp_path):
    missing = str(tmp_path / "opt" / "integrasjonspunkt")
    report = mounts.disk_report(missing, mounts.parse_mountinfo(_real_mountinfo()))
    assert report["exists"] is False
    assert report["path"] == missing
    assert report["measured_path"] == str(tmp_path)
    assert any("does not exist yet" in note for note in report["notes"])
    assert report["total_bytes"] > 0


def test_disk_report_resolves_symlinks_before_the_mount_lookup(tmp_path, table):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    report = mounts.disk_report(str(tmp_path / "link"), table, realpath=lambda p: "/run/ip/real")
    assert report["resolved_path"] == "/run/ip/real"
    assert report["fstype"] == "tmpfs"
    assert report["available"] is False  # /run/ip/real does not exist on this machine: statvfs fails, reported


def test_disk_report_with_fake_statvfs(table):
    class St:
        f_frsize = 4096
        f_bsize = 4096
        f_blocks = 1000
        f_bfree = 600
        f_bavail = 500
        f_files = 100
        f_ffree = 40
        f_flag = 0

    report = mounts.disk_report(
        "/opt/integrasjonspunkt data/new",
        table,
        exists=lambda p: p == "/opt/integrasjonspunkt data",
        statvfs=lambda p: St,
    )
    assert report["measured_path"] == "/opt/integrasjonspunkt data"
    assert report["mount_point"] == "/opt/integrasjonspunkt data"
    assert (report["total_bytes"], report["free_bytes"], report["available_bytes"]) == (4096000, 2457600, 2048000)
    assert report["inodes_free"] == 40
    assert report["read_only"] is False
    assert any(note.startswith("bind mount of /exports/ip data") for note in report["notes"])


def test_disk_report_read_only_and_garbage_paths(table):
    report = mounts.disk_report("/mnt/archive/x", table, exists=lambda p: p == "/mnt/archive", statvfs=os.statvfs)
    assert report["read_only"] is True
    assert mounts.disk_report("", table)["reason"] == "empty path"
    assert mounts.disk_report(None, table)["available"] is False


def _real_mountinfo():
    with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as fh:
        return fh.read()
