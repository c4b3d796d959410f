#!/usr/bin/python
# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: service_downtime
short_description: Measure the integrasjonspunkt's downtime of a restart on the managed host
version_added: 0.2.0
description:
  - V(mark) takes a mark of this moment on the host (the monotonic clock, the UTC wall time, the boot id); the
    role takes one just before it issues a stop or restart.
  - V(restart) takes a mark and returns the downtime from O(stopped) to now (just after C(/manage/health) answered
    UP) as a printable line and a record for the lifecycle history.
  - V(rollback) does the same for a rolled-back restart, with the failed attempt's time (O(stopped) to O(gave_up))
    and the total (O(stopped) to now, when the previous version answered UP again, O(healthy_again)).
  - "Fails closed, without failing the task: a mark that was not taken, could not be read or comes from another boot
    gives the line C(downtime: not measured) with the reason, never a number. Only reads; never changes the host."
author:
  - eFormidling collection maintainers (@eformidling-ansible)
options:
  action:
    description: V(mark), V(restart) or V(rollback).
    type: str
    choices: [mark, restart, rollback]
    default: mark
  stopped:
    description:
      - The mark taken just before the stop or restart (the registered result of a V(mark) run, or its RV(mark));
        omitted when none was taken (then not measured). V(restart) and V(rollback).
    type: raw
  gave_up:
    description: The mark taken when the role gave up on the new version (the start of the rollback). V(rollback).
    type: raw
  healthy_again:
    description: Whether the previous version answered UP again (V(rollback)); V(false) means the service is down.
    type: bool
    default: true
  was_running:
    description: Whether the service ran before the restart (V(restart)); V(false) means the run caused no downtime.
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    description: Only reads clocks.
  diff_mode:
    support: none
    description: No diff.
  platform:
    support: full
    platforms: posix
    description: Linux targets with Python 3.8 or newer (C(/proc/sys/kernel/random/boot_id)).
"""

EXAMPLES = r"""
- name: The downtime is measured from here
  eformidling.integrasjonspunkt.service_downtime:
    action: mark
  register: stop_mark
  failed_when: false

- name: The downtime, once /manage/health answered UP
  eformidling.integrasjonspunkt.service_downtime:
    action: restart
    stopped: "{{ stop_mark }}"
  register: downtime
"""

RETURN = r"""
mark:
  description: This moment, C({monotonic, wall, boot_id}), or C({error}) naming what could not be read.
  type: dict
  returned: always
line:
  description:
    - "The line to print: C(downtime: 7.4 s) with the stop and healthy times, or C(downtime: not measured) with the
      reason."
  type: str
  returned: when action is restart or rollback
record:
  description:
    - The history record's C(downtime) field; C(seconds) (null when not measured), C(stopped_at), C(healthy_at),
      C(not_measured); a rollback adds C(failed_attempt_seconds), C(gave_up_at).
  type: dict
  returned: when action is restart or rollback
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import downtime


def main():
    module = AnsibleModule(
        argument_spec=dict(
            action=dict(type="str", default="mark", choices=["mark", "restart", "rollback"]),
            stopped=dict(type="raw"),
            gave_up=dict(type="raw"),
            healthy_again=dict(type="bool", default=True),
            was_running=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    p = module.params
    now = downtime.take_mark()
    result = {"changed": False, "mark": now}
    if p["action"] == "restart":
        result.update(downtime.restart(p["stopped"], now, p["was_running"]))
    elif p["action"] == "rollback":
        result.update(downtime.rollback(p["stopped"], p["gave_up"], now, p["healthy_again"]))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
