# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Write one run's report files as a set: all of them, or none.

A reader of the report directory must never see a mix of two runs (a new JSON beside the previous run's
HTML) nor a half-written file. So: every file is rendered in memory first; each is written to a hidden
temporary file in the same directory and fsynced; only when all of them are on disk are the previous run's
report files removed and the temporary files renamed into place. On any failure every temporary file and
every report file is removed (a previous run's file left behind would look like this run's result) and
ReportWriteError names the file and the error.
"""

import contextlib
import os
import secrets

TMP_PREFIX = ".eformidling-report-"
TMP_SUFFIX = ".tmp"
# Files earlier versions of this collection left behind when they crashed mid-write.
LEGACY_TMP_SUFFIX = ".tmp"


class ReportWriteError(Exception):
    """A report file could not be rendered or written; the message names the file and the error."""


def _tmp_name(filename):
    return "%s%s.%s%s" % (TMP_PREFIX, filename, secrets.token_hex(6), TMP_SUFFIX)


def _write_tmp(directory, filename, text):
    """Write text to a new hidden temporary file; return its path. Mode 0666 less the umask, as open() gives."""
    path = os.path.join(directory, _tmp_name(filename))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fd = None
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        if fd is not None:
            os.close(fd)
        _remove(path)
        raise
    return path


def _remove(path):
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _fsync_dir(directory):
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def leftovers(directory, filenames):
    """Temporary files of this or an earlier (killed or older) writer in `directory`."""
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return []
    legacy = {f + LEGACY_TMP_SUFFIX for f in filenames}
    return sorted(
        os.path.join(directory, n)
        for n in names
        if (n.startswith(TMP_PREFIX) and n.endswith(TMP_SUFFIX)) or n in legacy
    )


def _clean(directory, all_filenames, temps):
    """Remove the temporary files and every report file; return what could not be removed."""
    problems = []
    targets = list(temps) + [os.path.join(directory, f) for f in all_filenames] + leftovers(directory, all_filenames)
    for path in dict.fromkeys(targets):
        try:
            _remove(path)
        except OSError as exc:
            problems.append("%s: %s" % (path, exc.strerror or exc))
    return problems


def write_set(directory, renderers, all_filenames):
    """Render and write every report of one run; return their paths.

    renderers: [(filename, render)] where render() returns the file's text. all_filenames: every file name
    a run may write (also those of formats not chosen this time), so no earlier run's file stays beside the
    new ones. Raises ReportWriteError; the directory then holds none of the report files.
    """
    directory = os.path.abspath(os.path.expanduser(str(directory)))
    stage, current, temps = "render", None, []
    try:
        rendered = []
        for filename, render in renderers:
            current = filename
            rendered.append((filename, render()))
        stage, current = "create the directory", directory
        os.makedirs(directory, exist_ok=True)
        stage = "write"
        for filename, text in rendered:
            current = os.path.join(directory, filename)
            temps.append((_write_tmp(directory, filename, text), current))
        # Every new file is on disk: now the previous run's files go, then the new ones take their names.
        stage = "remove the previous report"
        ours = {tmp for tmp, _final in temps}
        for path in [os.path.join(directory, f) for f in all_filenames] + leftovers(directory, all_filenames):
            current = path
            if path not in ours:
                _remove(path)
        stage = "rename into place"
        for tmp, final in temps:
            current = final
            os.replace(tmp, final)
        current = directory
        _fsync_dir(directory)
    except Exception as exc:
        problems = _clean(directory, all_filenames, [t for t, _final in temps])
        detail = "%s: %s" % (type(exc).__name__, exc.strerror if isinstance(exc, OSError) and exc.strerror else exc)
        message = "cannot %s %s: %s; no report of this run was written" % (stage, current, detail)
        if problems:
            message += ", and these files of an earlier run could not be removed: %s" % "; ".join(problems)
        else:
            message += ", and no earlier run's report was left in %s" % directory
        raise ReportWriteError(message) from exc
    return [final for _tmp, final in temps]
