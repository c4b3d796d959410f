#!/usr/bin/python
# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
---
module: preflight
short_description: The preflight engine - gather every fact of one host in one call and judge it
version_added: 0.2.0
description:
  - An action plugin. Per host it reads the host's C(integrasjonspunkt_*) variables itself (templated on the
    controller; no secret is a task argument) and judges them once with the settings model's rules, the same rules
    as M(eformidling.integrasjonspunkt.integrasjonspunkt_settings) applies for the install; every problem is in the
    C(config.inputs) result (V(fail) for a value the install refuses, V(warn) for a doubtful one or an unknown
    variable). A host whose settings are too broken to probe (a bad directory, port or proxy, a removed variable)
    gets that one result and nothing is sent to it. Then it selects the
    endpoints the host needs from the catalogue, makes B(one) call of M(eformidling.integrasjonspunkt.preflight_gather)
    on the host (resources, time, the inbound port and every connectivity probe, concurrently, inside one time
    budget), then judges the facts on the controller.
  - Each result has a stable ID, a status, the measured and the required value with the unit, a one-line fix and a
    link to the documentation. Statuses are V(pass), V(info), V(warn), V(unknown) (a fact could not be read),
    V(error) (our own code crashed, timed out or ran on an unsupported interpreter; this fails the host like
    V(fail) and is never graded V(pass)) and V(fail).
  - A host whose gathering failed as a whole (for example Python below 3.8 on the host) gets one V(error) result,
    C(preflight.gather), naming the reason and the fix.
  - The result is meant to be registered (the P(eformidling.integrasjonspunkt.preflight#role) role registers it as
    C(preflight_result)); it is never set as a fact, so a fact cache cannot serve an earlier run's verdict.
  - Bad input of its own (an unknown threshold, ignore ID or C(only) pattern) fails the task before anything
    is sent to the host, naming the variable, the value and what is allowed. C(config.inputs) cannot be ignored.
options:
  java_packages:
    description: Java 21 packages per distribution; default the collection's table (C(plugin_utils/plan.py)).
    type: dict
  retained_messages:
    description: How many messages the integrasjonspunkt keeps; sizes the disk check.
    type: int
    default: 1000000
  thresholds:
    description: Overrides of single thresholds; unknown names are an error.
    type: dict
  ignore:
    description:
      - A list of C({id, reason, until}); a failing ignored check becomes a warning that names the reason.
      - After C(until) (YYYY-MM-DD) the waiver stops applying and the result says that it expired.
      - An V(error) is never waived.
    type: list
    elements: dict
  only:
    description: Check ID patterns (shell globs such as C(time.*)); only matching checks are judged.
    type: list
    elements: str
  strict:
    description: Warnings and unknowns fail the host too (C(failed_ids)).
    type: bool
    default: false
  endpoint_overrides:
    description: Catalogue overrides C({add, replace, drop}); see the C(endpoints) lookup.
    type: dict
  check_install_endpoints:
    description: Also probe the endpoints that only the install needs.
    type: bool
    default: true
  ntp_servers:
    description: Further NTP servers to probe for the time checks (default the time daemon's own).
    type: list
    elements: str
  probe_timeout:
    description: Timeout of each probe step, in seconds; the gather budget is derived from it.
    type: float
    default: 5
  http_probe:
    description: Send an HTTP request over TLS to the https endpoints.
    type: bool
    default: true
  ca_file:
    description: Extra CA bundle on the host (TLS-inspecting proxies).
    type: str
  identity_probe:
    description:
      - Run the opt-in identity probe (C(preflight_identity_probe)) behind the C(identity.grant) and
        C(identity.virksert) checks. The grant is signed here from the keystore the host's variables name
        (C(integrasjonspunkt_keystore_src), its password never a task argument) with PyJWT.
    type: bool
    default: false
  identity_endpoints:
    description: Overrides of C(token_url), C(audience) and C(service_registry_url) (C(preflight_identity_endpoints)).
    type: dict
  resolve:
    description: Fixed addresses for host names instead of DNS (tests, split-horizon set-ups).
    type: dict
  ntp_port:
    description: UDP port of C(integrasjonspunkt_ntp_host). The integrasjonspunkt uses 123; another port is for tests.
    type: int
    default: 123
  chronyc_host:
    description: chronyd command socket or host for C(chronyc -h).
    type: str
  chronyc_port:
    description: chronyd command port for C(chronyc -p).
    type: int
attributes:
  action:
    support: full
    description: Runs on the controller and calls one module on the host.
  check_mode:
    support: full
    description: Read-only; check mode gives the same answer.
  diff_mode:
    support: none
    description: Nothing on a host is changed, so there is no diff.
  platform:
    support: full
    platforms: posix
    description: Linux hosts with Python 3.8 or newer; no root needed.
author:
  - eFormidling collection maintainers (@eformidling-ansible)
"""

EXAMPLES = r"""
- name: Judge this host
  eformidling.integrasjonspunkt.preflight:
  register: preflight_result

- name: Only the time checks, warnings fail too
  eformidling.integrasjonspunkt.preflight:
    only: ["time.*"]
    strict: true
  register: preflight_result
"""

RETURN = r"""
results:
  description: One dict per check (id, title, category, severity, status, measured, required, unit, message, fix,
    doc_url, ignored; C(exception) for V(error)).
  returned: always
  type: list
  elements: dict
counts:
  description: Number of results per status, the same rule every report uses.
  returned: always
  type: dict
  sample: {"pass": 14, "info": 1, "warn": 1, "unknown": 0, "error": 0, "fail": 1}
failed_ids:
  description: The IDs that fail the host (fail and error; with O(strict) also warn and unknown).
  returned: always
  type: list
  elements: str
error_ids:
  description: The IDs with status V(error).
  returned: always
  type: list
  elements: str
settings:
  description: The normalised settings the checks were judged against (no secrets).
  returned: always
  type: dict
plan:
  description: What the install role will do on this host (Java, heap, JVM options), from the same facts.
  returned: when the resources were gathered
  type: dict
resolver:
  description: The host's resolver (nameservers from /etc/resolv.conf).
  returned: when gathered
  type: dict
identity:
  description:
    - What the identity probe asked for (C(enabled), C(client_id), C(scopes), C(maskinporten_url) (the token
      endpoint), C(audience), C(service_registry_url)); never the grant or the token.
  returned: always
  type: dict
gather:
  description: The gather call's budget, elapsed time, interpreter and the collectors that failed.
  returned: always
  type: dict
"""
