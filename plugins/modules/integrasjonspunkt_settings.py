#!/usr/bin/python
# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
---
module: integrasjonspunkt_settings
short_description: Validate every integrasjonspunkt_* variable of a host at once, with the rules preflight uses
version_added: 0.3.0
description:
  - An action plugin; the one validation of the collection's C(integrasjonspunkt_*) variables. The
    P(eformidling.integrasjonspunkt.integrasjonspunkt#role) and P(eformidling.integrasjonspunkt.prepare#role) roles
    call it before they change anything, and the preflight engine (M(eformidling.integrasjonspunkt.preflight)) runs
    the same rules and reports each problem in its C(config.inputs) check, so what preflight accepts, the install
    accepts.
  - It reads the host's variables itself, on the controller, after templating them. Passwords are never task
    arguments, so they never appear in a C(-vvv) task line; a password is checked (a non-empty single line) but its
    value is never in a message or a result (C(value hidden)).
  - Variables that are not set get the model's defaults (C(plugins/plugin_utils/settings.py) C(DEFAULTS), the one
    place they live; the roles' C(defaults/main.yml) and argument specs are tested to say the same).
  - 'Rule families: release (environment, services, version format, the 4.0.1 floor in both run modes, DPFIO only
    before 4.0.8); directories (absolute, no C(~) or C($VAR), a dedicated install directory, data and install apart);
    network (port, NTP host, proxy without credentials, no_proxy, bind address, Docker socket, container memory);
    Java (path, install method, heap); external database and queue (switches, JDBC/broker URLs); API security
    (explicit booleans; user and password when basic auth is on); identity (organisation number with its mod-11
    check digit, keystore path, type and password, alias characters as a warning); download (java mode: URL,
    fingerprint, armored key); service account, health timeout, releases kept; extra properties; JVM options;
    Docker (image, digest, container name, uid/gid, heap inside the memory limit); actuator (exposure, a
    management port other than the API port, its IP address, metrics only on that port); removed variables (refused,
    naming the replacement).'
  - Collection-prefixed variables (C(integrasjonspunkt_*), C(preflight_*), C(prepare_*)) that no role reads are
    reported as warnings, with the closest known name (most likely a typo). The known names are read from every
    role's C(meta/argument_specs.yml) at run time.
options:
  scope:
    description:
      - Which rules apply. V(install) and V(preflight) are the same set. V(prepare) applies only what the prepare
        role consumes (environment, services, version format, port, NTP host, inbound sources, removed variables).
      - V(backup) applies what the P(eformidling.integrasjonspunkt.backup#role) role needs (directories, service,
        external database and queue, its own variables) and returns the plan in C(settings.backup).
    type: str
    choices: [install, preflight, prepare, backup]
    default: install
  fail_on_problems:
    description:
      - Fail the task, listing every refused value, when any problem has severity V(fail). Warnings never fail.
    type: bool
    default: true
attributes:
  action:
    support: full
    description: Runs on the controller only; nothing is sent to the host.
  check_mode:
    support: full
    description: Read-only; check mode returns exactly what a normal run returns.
  diff_mode:
    support: none
    description: Nothing is changed.
  platform:
    support: full
    platforms: posix
    description: Any host; only its variables are read.
author:
  - eFormidling collection maintainers (@eformidling-ansible)
"""

EXAMPLES = r"""
- name: Refuse bad integrasjonspunkt_* settings before anything changes
  eformidling.integrasjonspunkt.integrasjonspunkt_settings:
    scope: install
  register: ip_settings

- name: Use the normalised settings
  ansible.builtin.debug:
    msg: "port {{ ip_settings.settings.port }}, data in {{ ip_settings.settings.directories.data }}"

- name: Collect the problems without failing (to report them with other checks)
  eformidling.integrasjonspunkt.integrasjonspunkt_settings:
    scope: prepare
    fail_on_problems: false
  register: ip_settings
"""

RETURN = r"""
settings:
  description:
    - The normalised settings (no secrets), as the preflight engine judges them; null when a value is refused.
  returned: always
  type: dict
  sample: {environment: production, port: 9093, ntp_host: time.google.com, services: [DPO]}
problems:
  description:
    - Every problem found, each with C(variable), C(value) (C(value hidden) for a secret), C(allowed) and
      C(severity) (V(fail) refuses, V(warn) is reported only).
  returned: always
  type: list
  elements: dict
  sample:
    - variable: integrasjonspunkt_org_number
      value: "12345"
      allowed: "a Norwegian organisation number: exactly 9 digits"
      severity: fail
refused:
  description: The problems of severity V(fail) as sentences naming the variable, its value (never a secret) and
    what is allowed.
  returned: always
  type: list
  elements: str
unknown_variables:
  description: Collection-prefixed variables of the host that no role reads, each with the closest known C(suggestion).
  returned: always
  type: list
  elements: dict
  sample: [{variable: integrasjonspunkt_prot, suggestion: integrasjonspunkt_port}]
scope:
  description: The scope that was applied.
  returned: always
  type: str
"""
