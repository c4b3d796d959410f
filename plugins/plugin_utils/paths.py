# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Where the collection writes files on the controller: one rule for every report directory.

A relative directory is relative to where ansible-playbook runs (the controller process's working
directory), not to the playbook's directory, which is what a task on localhost would use (the local
connection runs modules in the playbook's directory; run as eformidling.integrasjonspunkt.<playbook>,
that is inside the installed collection).
"""

import os


def controller_path(path):
    """`path` as an absolute path on the controller: ~ expanded, a relative path joined to the working directory."""
    return os.path.abspath(os.path.expanduser(str(path)))
