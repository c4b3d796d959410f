#!/usr/bin/python
# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: preflight_judge
short_description: Judge one host's preflight facts against the documented minimums
version_added: 0.1.0
description:
  - Runs on the controller. Turns the facts from M(eformidling.integrasjonspunkt.resource_facts),
    M(eformidling.integrasjonspunkt.timesync_facts), M(eformidling.integrasjonspunkt.connectivity_info)
    and M(eformidling.integrasjonspunkt.inbound_port_info) into one result per check.
  - Each result has a stable ID, a status (V(pass), V(info), V(warn), V(unknown) or V(fail)), the measured and
    the required value with the unit, a one-line fix and a link to the documentation.
  - Every check runs; an exception inside one check becomes that check's failure.
  - Used by the P(eformidling.integrasjonspunkt.preflight#role) role; call that role rather than this module.
options:
  resources:
    description: C(ansible_facts.eformidling_resources) from resource_facts.
    type: dict
  timesync:
    description: C(ansible_facts.eformidling_timesync) from timesync_facts.
    type: dict
  connectivity:
    description: The registered result of connectivity_info.
    type: dict
  port:
    description: The registered result of inbound_port_info.
    type: dict
  endpoints:
    description: The runtime endpoints that were selected from the catalogue.
    type: list
    elements: dict
  install_endpoints:
    description: The install-time endpoints that were selected from the catalogue.
    type: list
    elements: dict
  dropped_endpoints:
    description: Endpoints dropped by overrides, each with its reason; reported as info.
    type: list
    elements: dict
  settings:
    description:
      - The integrasjonspunkt settings the checks depend on. Keys C(environment), C(services), C(version),
        C(run_mode), C(install_dir), C(data_dir), C(port), C(retained_messages), C(external_database),
        C(external_queue) and C(einnsyn_same_host).
    type: dict
    required: true
  thresholds:
    description: Overrides of single thresholds; unknown names are an error.
    type: dict
  ignore:
    description: A list of C({id, reason}); a failing ignored check becomes a warning that names the reason.
    type: list
    elements: dict
  known_endpoint_names:
    description: C({runtime, install}) lists of every endpoint name in the catalogue, for validating O(ignore).
    type: dict
extends_documentation_fragment:
  - eformidling.integrasjonspunkt.attributes.CONTROLLER
author:
  - eFormidling collection maintainers (@eformidling-ansible)
"""

EXAMPLES = r"""
- name: Judge the gathered facts
  eformidling.integrasjonspunkt.preflight_judge:
    resources: "{{ ansible_facts.eformidling_resources }}"
    timesync: "{{ ansible_facts.eformidling_timesync }}"
    connectivity: "{{ connectivity }}"
    port: "{{ port }}"
    settings:
      environment: production
      services: [DPO]
      version: 4.0.8
      run_mode: java
      install_dir: /opt/integrasjonspunkt
      data_dir: /var/lib/integrasjonspunkt
      port: 9093
      retained_messages: 1000000
"""

RETURN = r"""
counts:
  description: Number of results per status.
  returned: always
  type: dict
  sample: {"pass": 14, "info": 1, "warn": 1, "unknown": 0, "fail": 1}
failed_ids:
  description: The IDs of the checks that failed.
  returned: always
  type: list
  elements: str
  sample: ["time.synchronised"]
ansible_facts:
  description: The judgement, kept as a fact so the report can gather every host's results.
  returned: always
  type: complex
  contains:
    eformidling_preflight:
      description: C(results) (one dict per check), C(counts), C(failed_ids), C(thresholds) and C(generated_at).
      type: dict
      returned: always
"""
