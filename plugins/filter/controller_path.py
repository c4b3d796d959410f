# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A controller directory as an absolute path, resolved as the preflight reports resolve theirs (controller side)."""

from ansible.errors import AnsibleFilterError

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import paths


def controller_path(path):
    if path is None or not str(path).strip():
        raise AnsibleFilterError("controller_path: the path is empty")
    return paths.controller_path(path)


class FilterModule:
    """Controller path filter."""

    def filters(self):
        return {"controller_path": controller_path}
