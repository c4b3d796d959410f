# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The release JAR's URL for the install role: the same function preflight probes (plugin_utils.download)."""

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import download


def jar_url(base_url, version):
    return download.jar_url(base_url, version)


class FilterModule:
    """Download filters."""

    def filters(self):
        return {"jar_url": jar_url}
