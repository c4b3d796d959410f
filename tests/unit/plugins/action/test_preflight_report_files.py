"""The report files of one run appear together or not at all (issue 18): never a mix of runs, never a .tmp."""

import os
import stat

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.eformidling.integrasjonspunkt.plugins.action import preflight_report as action
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import report_files
from tests.unit.plugins.plugin_utils.test_report import PER_HOST, run_action

REPORTS = ("preflight.json", "preflight-junit.xml", "preflight.md", "preflight.html")
HOSTVARS = {"good": {"preflight_result": PER_HOST["good"]}, "bad": {"preflight_result": PER_HOST["bad2"]}}


def previous_run(directory):
    """The files an earlier run left: its whole report set and a 0-byte .tmp of the old writer."""
    for name in REPORTS:
        (directory / name).write_text("PREVIOUS RUN " + name)
    (directory / "preflight.html.tmp").write_text("")


def listing(directory):
    return sorted(os.listdir(directory))


def run(directory, formats=None):
    args = {"hosts": ["good", "bad"], "report_dir": str(directory)}
    if formats:
        args["formats"] = formats
    return run_action(args, HOSTVARS)


def test_a_crash_in_the_middle_renderer_leaves_no_report_of_either_run_and_no_tmp(tmp_path, monkeypatch):
    previous_run(tmp_path)

    def crash(*_args, **_kwargs):
        raise RuntimeError("renderer exploded")

    monkeypatch.setitem(action.FORMATS, "markdown", ("preflight.md", crash))
    with pytest.raises(AnsibleActionFail) as failure:
        run(tmp_path)
    message = str(failure.value)
    assert "preflight.md" in message and "RuntimeError: renderer exploded" in message, message
    assert "no report of this run was written" in message
    assert listing(tmp_path) == [], "stale or partial files survived a failed run: %s" % listing(tmp_path)


def test_a_write_error_half_way_leaves_no_mix_and_no_tmp(tmp_path, monkeypatch):
    previous_run(tmp_path)
    real = report_files._write_tmp
    calls = []

    def full_disk(directory, filename, text):
        calls.append(filename)
        if len(calls) == 3:  # the third file: two temporary files are already on disk
            raise OSError(28, "No space left on device")
        return real(directory, filename, text)

    monkeypatch.setattr(report_files, "_write_tmp", full_disk)
    with pytest.raises(AnsibleActionFail, match=r"cannot write \S*/preflight\.md: OSError: No space left on device"):
        run(tmp_path)
    assert listing(tmp_path) == []


def test_a_rename_failing_after_the_first_file_removes_the_new_file_too(tmp_path, monkeypatch):
    previous_run(tmp_path)
    real = os.replace
    calls = []

    def flaky(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise PermissionError(13, "Permission denied")
        return real(src, dst)

    monkeypatch.setattr(report_files.os, "replace", flaky)
    with pytest.raises(AnsibleActionFail, match=r"cannot rename into place \S*/preflight-junit\.xml: .*Permission"):
        run(tmp_path)
    assert listing(tmp_path) == []


def test_the_previous_files_that_cannot_be_removed_are_named(tmp_path, monkeypatch):
    previous_run(tmp_path)
    monkeypatch.setitem(action.FORMATS, "html", ("preflight.html", lambda *a, **k: 1 / 0))
    real = report_files._remove

    def stuck(path):
        if path.endswith("preflight.json"):
            raise PermissionError(1, "Operation not permitted")
        return real(path)

    monkeypatch.setattr(report_files, "_remove", stuck)
    with pytest.raises(AnsibleActionFail) as failure:
        run(tmp_path)
    message = str(failure.value)
    assert "ZeroDivisionError" in message and "could not be removed" in message and "preflight.json" in message


def test_success_replaces_the_whole_previous_set_with_the_files_mode_as_before(tmp_path):
    previous_run(tmp_path)
    old_umask = os.umask(0o022)
    try:
        res = run(tmp_path)
    finally:
        os.umask(old_umask)
    assert listing(tmp_path) == sorted(REPORTS)
    assert sorted(os.path.basename(p) for p in res["files"]) == sorted(REPORTS)
    for name in REPORTS:
        path = tmp_path / name
        assert "PREVIOUS RUN" not in path.read_text()
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, name  # what open() gave the old writer


def test_a_run_with_fewer_formats_leaves_no_file_of_the_previous_run(tmp_path):
    previous_run(tmp_path)
    res = run(tmp_path, formats=["json", "html"])
    assert listing(tmp_path) == ["preflight.html", "preflight.json"]
    assert [os.path.basename(p) for p in res["files"]] == ["preflight.json", "preflight.html"]
    assert (tmp_path / "preflight.html").read_text().startswith("<!DOCTYPE html>")


def test_a_new_directory_is_created(tmp_path):
    res = run(tmp_path / "new" / "reports", formats=["json"])
    assert listing(tmp_path / "new" / "reports") == ["preflight.json"] and len(res["files"]) == 1


def test_a_status_run_writes_its_own_files_and_titles_and_leaves_preflight_reports_alone(tmp_path):
    previous_run(tmp_path)
    hostvars = {"good": {"status_result": PER_HOST["good"]}}
    res = run_action(
        {"hosts": ["good"], "report_dir": str(tmp_path), "result_var": "status_result", "run": "status"}, hostvars
    )
    assert sorted(os.path.basename(p) for p in res["files"]) == [
        "status-junit.xml",
        "status.html",
        "status.json",
        "status.md",
    ]
    for name in REPORTS:  # the preflight run's files are another set: untouched
        assert (tmp_path / name).read_text() == "PREVIOUS RUN " + name
    assert (tmp_path / "status.md").read_text().startswith("# eFormidling status report")
    assert "<h1>eFormidling status report</h1>" in (tmp_path / "status.html").read_text()
    assert 'name="eformidling status"' in (tmp_path / "status-junit.xml").read_text()
    assert res["summary"][0].startswith("eFormidling status: 1 host(s)")
