# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The integrasjonspunkt's own defaults that the collection repeats, each once, with its source.

Managed-host modules (which cannot import the controller's settings model) and the settings model read them
here. Python 3.8 compatible.
"""

# difi.move.ntp.host in upstream application.properties (felleslosninger/efm-integrasjonspunkt v4.0.8).
NTP_HOST = "time.google.com"
