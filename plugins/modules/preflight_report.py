#!/usr/bin/python
# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: preflight_report
short_description: Summarise the preflight results of every host and write the report files
version_added: 0.1.0
description:
  - Runs on the controller, once. Reads C(ansible_facts.eformidling_preflight) of each host in O(hosts), as left
    by M(eformidling.integrasjonspunkt.preflight_judge).
  - Returns summary lines (a line per host with its pass, warn and fail counts, then the failing checks grouped by
    ID across hosts with measured against required and the fix).
  - Writes C(preflight.json), C(preflight-junit.xml) (one testcase per host and check) and C(preflight.md) into
    O(report_dir) on the controller.
  - A host without results is reported as unreachable.
options:
  hosts:
    description: The hosts to report on, normally C(ansible_play_hosts_all).
    type: list
    elements: str
    required: true
  report_dir:
    description: Directory on the controller for the report files. Nothing is written when empty.
    type: path
  formats:
    description: Which files to write.
    type: list
    elements: str
    choices: [json, junit, markdown]
    default: [json, junit, markdown]
  meta:
    description: Run metadata shown in the reports (environment, services, version).
    type: dict
notes:
  - The report files are written in check mode too; they are the controller-side output, not a change on a host.
extends_documentation_fragment:
  - eformidling.integrasjonspunkt.attributes.CONTROLLER
author:
  - eFormidling collection maintainers (@eformidling-ansible)
"""

EXAMPLES = r"""
- name: Report on all hosts of the play
  eformidling.integrasjonspunkt.preflight_report:
    hosts: "{{ ansible_play_hosts_all }}"
    report_dir: "{{ playbook_dir }}/reports"
  run_once: true
  delegate_to: localhost
"""

RETURN = r"""
summary:
  description: The summary, one line per list item.
  returned: always
  type: list
  elements: str
hosts:
  description: Per host, its state (passed, failed, unreachable), counts and failing check IDs.
  returned: always
  type: list
  elements: dict
unreachable_hosts:
  description: Hosts without results.
  returned: always
  type: list
  elements: str
failed_hosts:
  description: Hosts with at least one failing check.
  returned: always
  type: list
  elements: str
files:
  description: The report files written.
  returned: always
  type: list
  elements: str
  sample: ["/srv/preflight/reports/preflight.json"]
"""
