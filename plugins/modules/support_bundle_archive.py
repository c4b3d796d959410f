#!/usr/bin/python
# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: support_bundle_archive
short_description: Write the hosts' redacted support material into one archive on the controller
version_added: 0.1.0
description:
  - Runs on the controller, once (an action plugin). Reads, for each host in O(hosts), the result its
    M(eformidling.integrasjonspunkt.support_bundle_collect) task registered, and the host's part of every JSON
    report in O(report_dirs) (the latest preflight and status reports).
  - Writes C(eformidling-support-<UTC time>.tar.gz) into O(bundle_dir) - mode 0600, created under umask 077 with a
    hidden temporary name and renamed when complete, with C(manifest.json) (the SHA-256 and size of every file, and
    each host's state and items).
  - Every text is redacted once more on the controller. A host without material is listed in the manifest with the
    reason (C(error), C(unreachable)); one whose items could not all be read is C(partial).
options:
  hosts:
    description: The hosts to include, normally C(ansible_play_hosts_all).
    type: list
    elements: str
    required: true
  result_var:
    description: The variable each host's collect task registered its result in.
    type: str
    default: support_bundle_result
  bundle_dir:
    description: Directory on the controller for the archive (created with mode 0700 when missing).
    type: path
    required: true
  report_dirs:
    description:
      - Controller directories of JSON reports (C(preflight-reports), C(status-reports)); missing ones are skipped.
    type: list
    elements: path
    default: []
  collection_version:
    description: Shown in the manifest.
    type: str
    default: unknown
extends_documentation_fragment:
  - eformidling.integrasjonspunkt.attributes.CONTROLLER
author:
  - eFormidling collection maintainers (@eformidling-ansible)
"""

EXAMPLES = r"""
- name: One archive for every host
  eformidling.integrasjonspunkt.support_bundle_archive:
    hosts: "{{ ansible_play_hosts_all }}"
    bundle_dir: support-bundles
    report_dirs: [preflight-reports, status-reports]
  run_once: true
  delegate_to: localhost
"""

RETURN = r"""
path:
  description: The archive written.
  returned: always
  type: str
lines:
  description: One line per host, its state and reason (for a debug task).
  returned: always
  type: list
  elements: str
hosts:
  description: Per host, its state (C(ok), C(partial), C(error), C(unreachable)), the reason and the number of files.
  returned: always
  type: dict
"""
