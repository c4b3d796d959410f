#!/usr/bin/python
# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: prometheus_scrape_config
short_description: The Prometheus scrape configuration of the integrasjonspunkt hosts with metrics on
version_added: 0.1.0
description:
  - Runs on the controller (an action plugin). For each host in O(hosts) it reads C(integrasjonspunkt_metrics_enabled),
    C(integrasjonspunkt_management_port) (null - the API port C(integrasjonspunkt_port)),
    C(integrasjonspunkt_management_address), C(integrasjonspunkt_ssl_enabled), C(integrasjonspunkt_auth_enabled) and
    C(integrasjonspunkt_auth_user) from the host's variables, and returns a configuration with C(scrape_configs) for
    C(/manage/prometheus).
  - A host with metrics off, or whose management port listens on loopback only, is left out and listed in RV(skipped).
  - Basic auth names a C(password_file) on the Prometheus server, one per API user; the password itself is never read.
  - The first job is named C(integrasjonspunkt); hosts with another scheme or API user get C(integrasjonspunkt-2) ...
  - A bad value fails the task naming the variable, the value and what is allowed.
options:
  hosts:
    description: The hosts to consider, normally every host of the inventory.
    type: list
    elements: str
    required: true
  password_file:
    description: The password file on the Prometheus server; C({user}) is replaced by the API user.
    type: str
    default: /etc/prometheus/integrasjonspunkt-{user}.password
  ca_file:
    description: The CA file on the Prometheus server that signed the hosts' TLS certificates (https jobs).
    type: str
  scrape_interval:
    description: The jobs' C(scrape_interval) (Prometheus's global one when not given).
    type: str
extends_documentation_fragment:
  - eformidling.integrasjonspunkt.attributes.CONTROLLER
author:
  - eFormidling collection maintainers (@eformidling-ansible)
"""

EXAMPLES = r"""
- name: The scrape configuration
  eformidling.integrasjonspunkt.prometheus_scrape_config:
    hosts: "{{ groups['all'] }}"
  register: scrape
"""

RETURN = r"""
config:
  description: The configuration, C(scrape_configs) (write it with to_nice_yaml).
  returned: always
  type: dict
skipped:
  description: The hosts left out, each with the reason.
  returned: always
  type: dict
lines:
  description: The targets and the hosts left out with the reason, one line each (for a debug task).
  returned: always
  type: list
  elements: str
targets:
  description: Every target (address:port).
  returned: always
  type: list
  elements: str
"""
