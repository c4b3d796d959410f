#!/usr/bin/python
# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
---
module: status
short_description: The status engine - is the installed integrasjonspunkt healthy, and what needs doing?
version_added: 0.3.0
description:
  - An action plugin, built like M(eformidling.integrasjonspunkt.preflight). Per host it reads the host's
    C(integrasjonspunkt_*) variables through the settings model, makes B(one) call of
    M(eformidling.integrasjonspunkt.status_gather) on the host within one time budget, and judges the facts on the
    controller with the preflight framework, with the same statuses, counting rule, waivers (O(ignore)) and O(strict).
  - "Checks (stable IDs): C(status.running), C(status.health), C(status.restarts), C(status.version),
    C(status.blocklist), C(status.certificate), C(status.clock), C(status.disk), C(status.memory),
    C(status.log_errors), C(status.queue). A result may carry a numeric C(value) for metrics."
  - Read-only; never changes the host. A host whose gathering failed as a whole gets one V(error) result,
    C(status.gather). A host whose settings are refused gets one C(config.inputs) result and nothing is sent to it.
  - The keystore's bytes are read on the host and opened on the controller with C(integrasjonspunkt_keystore_password)
    (never a task argument); neither is in the result.
options:
  ignore:
    description: Waivers, each C(id), C(reason) and optional C(until) (YYYY-MM-DD), as C(preflight_ignore).
    type: list
    elements: dict
    default: []
  only:
    description: Judge only the checks whose IDs match these globs.
    type: list
    elements: str
    default: []
  strict:
    description: Warnings and unknowns fail the host too.
    type: bool
    default: false
  thresholds:
    description:
      - Overrides of the preflight thresholds the status checks share (cert_warn_days, time_offset_*, disk_min_gb).
    type: dict
  probe_timeout:
    description: Timeout of each network step on the host, in seconds; the gather budget is derived from it.
    type: float
    default: 5
  log_since:
    description:
      - Count application log errors since this time; a duration back from now (C(24h), C(90m), C(2d)) or an ISO
        8601 time.
    type: str
    default: 24h
  previous_report:
    description:
      - The C(status.json) of an earlier status run on the controller; the disk's and the queue's growth is measured
        against it.
    type: path
  releases_offline:
    description: Do not fetch the release list (C(status.version) is then V(info)).
    type: bool
    default: false
  releases_url:
    description:
      - The GitHub releases API URL (a mirror, or a test server); default felleslosninger/efm-integrasjonspunkt's.
    type: str
  ca_file:
    description: Extra CA bundle on the host for the release list (TLS-inspecting proxies).
    type: str
  ntp_port:
    description: UDP port of C(integrasjonspunkt_ntp_host). The integrasjonspunkt uses 123; another port is for tests.
    type: int
    default: 123
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
    description: Linux hosts with Python 3.8 or newer; root only to read files the connecting user may not read.
author:
  - eFormidling collection maintainers (@eformidling-ansible)
"""

EXAMPLES = r"""
- name: Judge this installed host
  eformidling.integrasjonspunkt.status:
    previous_report: status-reports/status.json
  register: status_result
"""

RETURN = r"""
results:
  description: One dict per check, as preflight's, plus C(value) (a number) where the check measures one.
  returned: always
  type: list
  elements: dict
counts:
  description: Number of results per status, the same rule every report uses.
  returned: always
  type: dict
failed_ids:
  description: The IDs that fail the host (V(fail), V(error); with O(strict) also V(warn), V(unknown)).
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
gather:
  description: The gather call's budget, elapsed time and the collectors that failed.
  returned: always
  type: dict
"""
