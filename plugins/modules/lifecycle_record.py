#!/usr/bin/python
# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: lifecycle_record
short_description: Read or write the integrasjonspunkt's lifecycle records (blocklist, history) on the host
version_added: 0.2.0
description:
  - Reads and writes C(<install_dir>/lifecycle/blocklist.json) and C(history.jsonl), the records the upgrade,
    backup and status work share (schema in C(plugins/module_utils/lifecycle_records.py)).
  - The directory is C(root:group) mode 0750, the files mode 0640; every write replaces the file atomically.
  - A log tail is redacted before it is written (the values in O(secrets) and any secret-looking
    C(key=value), C(Authorization) header or URL user information).
  - A record file that cannot be parsed fails the task; it is never read as empty.
author:
  - eFormidling collection maintainers (@eformidling-ansible)
options:
  install_dir:
    description: The integrasjonspunkt's install directory (C(integrasjonspunkt_install_dir)).
    type: path
    required: true
  group:
    description: The group that may read the records (the service user's group); empty keeps C(root).
    type: str
    default: ""
  action:
    description:
      - V(read) returns the records; V(block) records O(version) as failed; V(unblock) clears O(versions);
        V(history) appends one history record.
    type: str
    choices: [read, block, unblock, history]
    default: read
  version:
    description: The version to block (V(block)).
    type: str
    default: ""
  reason:
    description: Why the version is blocked (V(block)).
    type: str
    default: ""
  log_tail:
    description: The start-up log's tail (V(block), V(history)); redacted before it is written.
    type: str
    default: ""
  hold_hours:
    description: How long a block holds (V(block)); V(0) until cleared.
    type: int
    default: 2
  versions:
    description: The versions to clear (V(unblock)).
    type: list
    elements: str
    default: []
  history_action:
    description: The history record's action (V(history)), one of the schema's actions.
    type: str
    default: upgrade
  fields:
    description: The history record's other fields (V(history)), such as C(from), C(to), C(result).
    type: dict
    default: {}
  secrets:
    description: Values that must never be written (passwords of this install); used for redaction only.
    type: list
    elements: str
    default: []
attributes:
  check_mode:
    support: full
    description: Reports what would change without writing.
  diff_mode:
    support: none
    description: No diff.
  platform:
    support: full
    platforms: posix
    description: Linux targets with Python 3.8 or newer; writes need root.
"""

EXAMPLES = r"""
- name: Block a release that never became healthy
  eformidling.integrasjonspunkt.lifecycle_record:
    install_dir: /opt/integrasjonspunkt
    group: integrasjonspunkt
    action: block
    version: 4.0.9
    reason: did not report UP within 300 s
    log_tail: "{{ log_tail }}"
    hold_hours: 2
"""

RETURN = r"""
blocklist:
  description: Every blocklist entry after the action (log tails left out).
  type: list
  elements: dict
  returned: always
active:
  description: The versions blocked now, with until and reason.
  type: list
  elements: dict
  returned: always
log_tail_b64:
  description:
    - The log tail as it was recorded (redacted), base64-encoded; V(block) only. Encoded because Ansible masks
      any result text that contains the value of a C(no_log) option (O(log_tail) is one, as the raw tail may hold
      a secret), so the recorded tail, unchanged when nothing was redacted, would come back masked.
  type: str
  returned: when action is block
history:
  description: The history records (log tails left out), oldest first; V(read) only.
  type: list
  elements: dict
  returned: when action is read
"""

import base64
import datetime
import grp

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import lifecycle_records as records


def _gid(module, name):
    if not name:
        return None
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        module.fail_json(msg="lifecycle_record: group %r does not exist on this host" % name)


def _summary(entries):
    return [dict((k, v) for k, v in e.items() if k != "log_tail") for e in entries]


def _active(entries, now):
    return [
        {"version": v, "until": e["until"], "reason": e["reason"]}
        for v, e in sorted(records.active(entries, now).items())
    ]


def main():
    module = AnsibleModule(
        argument_spec=dict(
            install_dir=dict(type="path", required=True),
            group=dict(type="str", default=""),
            action=dict(type="str", default="read", choices=["read", "block", "unblock", "history"]),
            version=dict(type="str", default=""),
            reason=dict(type="str", default=""),
            log_tail=dict(type="str", default="", no_log=True),
            hold_hours=dict(type="int", default=2),
            versions=dict(type="list", elements="str", default=[]),
            history_action=dict(type="str", default="upgrade"),
            fields=dict(type="dict", default={}),
            secrets=dict(type="list", elements="str", default=[], no_log=True),
        ),
        required_if=[("action", "block", ["version"])],
        supports_check_mode=True,
    )
    p = module.params
    now = datetime.datetime.now(datetime.timezone.utc)
    folder = records.directory(p["install_dir"])
    block_path = "%s/%s" % (folder, records.BLOCKLIST_FILE)
    history_path = "%s/%s" % (folder, records.HISTORY_FILE)
    try:
        entries = records.parse_blocklist(records.read_text(block_path))
        result = {"changed": False}
        if p["action"] == "read":
            result["history"] = _summary(records.parse_history(records.read_text(history_path)))
        else:
            tail = records.redact(p["log_tail"], p["secrets"])
            if p["action"] == "block":
                hold = datetime.timedelta(hours=p["hold_hours"]) if p["hold_hours"] > 0 else None
                entries = records.block(
                    entries, p["version"], now, records.redact(p["reason"], p["secrets"]), tail, hold
                )
                line = records.history_line("blocklist", now, version=p["version"], until=entries[-1]["until"])
                result["changed"] = True
            elif p["action"] == "unblock":
                before = len(entries)
                entries = records.unblock(entries, p["versions"])
                result["changed"] = len(entries) != before
                line = records.history_line("unblock", now, versions=p["versions"]) if result["changed"] else None
            else:
                fields = dict(p["fields"])
                if tail:
                    fields["log_tail"] = tail
                line = records.history_line(p["history_action"], now, **fields)
                result["changed"] = True
            if p["action"] == "block":
                result["log_tail_b64"] = base64.b64encode(tail.encode("utf-8")).decode("ascii")
            if result["changed"] and not module.check_mode:
                gid = _gid(module, p["group"])
                records.ensure_directory(p["install_dir"], gid)
                if p["action"] != "history":
                    records.write_atomic(block_path, records.render_blocklist(entries), gid)
                if line:
                    old = records.read_text(history_path) or ""
                    records.parse_history(old)  # an unreadable history is not overwritten
                    records.write_atomic(history_path, old + line, gid)
    except records.RecordError as err:
        module.fail_json(msg="lifecycle_record: %s in %s; nothing was changed" % (err, folder))
    except OSError as err:
        module.fail_json(msg="lifecycle_record: cannot read or write %s: %s" % (folder, err))
    result.update(blocklist=_summary(entries), active=_active(entries, now))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
