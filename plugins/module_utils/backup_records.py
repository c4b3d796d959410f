# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Append a backup or restore line to the host's lifecycle history (lifecycle_records' schema and place).

The directory is <install_dir>/lifecycle (0750, owner root, group: the install directory's group, which the
install role gives the service's group), the file history.jsonl (0640). The line comes from
lifecycle_records.history_line; nothing else is written.

Python 3.8 compatible; standard library only.
"""

import os

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import lifecycle_records as records


def append_history(install_dir, action, now, **fields):
    """Append one history line; returns the history file's path."""
    line = records.history_line(action, now, **fields)
    group = os.stat(install_dir).st_gid
    directory = os.path.join(install_dir, records.DIRECTORY)
    if not os.path.isdir(directory):
        os.mkdir(directory, 0o750)
        os.chown(directory, 0, group)
        os.chmod(directory, 0o750)
    path = os.path.join(directory, records.HISTORY_FILE)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o640)
    try:
        os.fchown(fd, 0, group)
        os.fchmod(fd, 0o640)
        os.write(fd, line.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    return path
