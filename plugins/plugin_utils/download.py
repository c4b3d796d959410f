# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The URL of a release's JAR: one function for the install role (filter jar_url) and preflight's probe.

The layout is GitHub Releases' (<base>/v<version>/integrasjonspunkt-v<version>.jar, with .sha1 and .asc beside
it), which a mirror named by integrasjonspunkt_download_base_url has to copy.
"""


def jar_name(version):
    """integrasjonspunkt-v<version>.jar, the file name of a release."""
    return "integrasjonspunkt-v%s.jar" % version


def jar_url(base_url, version):
    """<base_url without trailing slashes>/v<version>/integrasjonspunkt-v<version>.jar."""
    return "%s/v%s/%s" % (str(base_url).rstrip("/"), version, jar_name(version))
