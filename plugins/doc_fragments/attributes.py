# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared `attributes` documentation for the collection's read-only facts and info modules."""


class ModuleDocFragment:
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    support: full
    description: The module only reads; check mode returns exactly what a normal run returns.
  diff_mode:
    support: none
    description: Nothing is changed, so there is no diff.
  platform:
    support: full
    platforms: posix
    description: Linux targets with Python 3.8 or newer. No root is needed.
"""

    FACTS = r"""
options: {}
attributes:
  facts:
    support: full
    description: Returns its results under C(ansible_facts), namespaced so it can run inside C(gather_facts).
  facts_module:
    support: full
    description: Can be listed in C(ansible_facts_modules) to run during fact gathering.
"""

    INFO_MODULE = r"""
options: {}
attributes:
  info_module:
    support: full
    description: Returns plain result keys and never C(ansible_facts).
"""

    CONTROLLER = r"""
options: {}
attributes:
  action:
    support: full
    description: Runs on the controller as an action plugin; nothing is sent to the hosts.
  check_mode:
    support: full
    description: Pure work over gathered results; check mode gives the same answer.
  diff_mode:
    support: none
    description: Nothing on a host is changed, so there is no diff.
  platform:
    support: full
    platforms: all
    description: Runs on the controller.
"""
