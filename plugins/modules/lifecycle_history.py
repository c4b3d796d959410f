#!/usr/bin/python
# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
---
module: lifecycle_history
short_description: Append one record to the integrasjonspunkt's lifecycle history on the host
version_added: 0.3.0
description:
  - Appends one line to C(<install_dir>/lifecycle/history.jsonl), the history the collection keeps of what it did
    to an integrasjonspunkt (install, upgrade, rollback, certificate renewal, ...). The line is made by
    C(plugins/module_utils/lifecycle_records.py) (C(history_line)), the one definition of the record.
  - The directory is created when missing (mode 0750, owner root, group O(group)); the file is created with mode
    0640, owner root, group O(group). Earlier lines are never rewritten.
  - Anything that cannot be written fails the task, naming the path and the reason.
  - Give only public facts in O(fields) (versions, fingerprints, results, a redacted log tail); the line is kept
    on the host and returned.
options:
  install_dir:
    description: The integrasjonspunkt's install directory (C(integrasjonspunkt_install_dir)).
    type: path
    required: true
  action:
    description:
      - What was done; one of C(HISTORY_ACTIONS) in C(plugins/module_utils/lifecycle_records.py) (for example
        V(renew)). Any other value fails the task and names the allowed ones.
    type: str
    required: true
  fields:
    description: The record's other keys, for example C(from), C(to), C(result), C(reason), C(log_tail).
    type: dict
    default: {}
  group:
    description: Group (name or numeric id) of the directory and the file, the service user's group.
    type: str
    default: root
attributes:
  check_mode:
    support: full
    description: In check mode nothing is written; the line that would be appended is returned.
  diff_mode:
    support: none
    description: An appended line is returned as RV(line).
  platform:
    support: full
    platforms: posix
    description: Linux hosts with Python 3.8 or newer.
author:
  - eFormidling collection maintainers (@eformidling-ansible)
"""

EXAMPLES = r"""
- name: Record a certificate renewal
  eformidling.integrasjonspunkt.lifecycle_history:
    install_dir: /opt/integrasjonspunkt
    action: renew
    group: integrasjonspunkt
    fields:
      result: renewed
      from: {sha256: "0a1b..."}
      to: {serial: "5f3c...", not_after: "2028-11-30T10:00:00+00:00"}
"""

RETURN = r"""
path:
  description: The history file.
  returned: always
  type: str
  sample: /opt/integrasjonspunkt/lifecycle/history.jsonl
line:
  description: The line appended (or, in check mode, that would be appended), without its newline.
  returned: always
  type: str
"""

import datetime
import grp
import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import lifecycle_records as records

ARGUMENT_SPEC = {
    "install_dir": {"type": "path", "required": True},
    "action": {"type": "str", "required": True},
    "fields": {"type": "dict", "default": {}},
    "group": {"type": "str", "default": "root"},
}
DIR_MODE = 0o750
FILE_MODE = 0o640


def group_id(group, lookup=grp.getgrnam):
    """The numeric id of a group name or id text; KeyError names a group that does not exist."""
    text = str(group)
    if text.isdigit():
        return int(text)
    return lookup(text).gr_gid


def append(install_dir, line, gid, chown=os.chown):
    """Append line to <install_dir>/lifecycle/history.jsonl (dir 0750, file 0640, root:gid); returns the file's path.

    OSError propagates: the caller fails the task with it."""
    directory = os.path.join(install_dir, records.DIRECTORY)
    if not os.path.isdir(directory):
        os.mkdir(directory, DIR_MODE)
    chown(directory, 0, gid)
    os.chmod(directory, DIR_MODE)
    path = os.path.join(directory, records.HISTORY_FILE)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
    try:
        data = line.encode("utf-8")
        if os.write(fd, data) != len(data):
            raise OSError("short write to %s" % path)
        os.fsync(fd)
    finally:
        os.close(fd)
    chown(path, 0, gid)
    os.chmod(path, FILE_MODE)
    return path


def run(params, check_mode, now, chown=os.chown, lookup=grp.getgrnam):
    """(result dict, error text or None) for one call; pure apart from the file it appends to."""
    path = os.path.join(params["install_dir"], records.DIRECTORY, records.HISTORY_FILE)
    try:
        line = records.history_line(params["action"], now, **(params["fields"] or {}))
    except (records.RecordError, TypeError, ValueError) as err:
        return {"path": path, "line": ""}, "the history record cannot be made: %s" % err
    result = {"path": path, "line": line.rstrip("\n"), "changed": True}
    if check_mode:
        return result, None
    try:
        gid = group_id(params["group"], lookup)
    except KeyError:
        return result, "group %r does not exist on this host" % params["group"]
    try:
        append(params["install_dir"], line, gid, chown)
    except OSError as err:
        return result, "cannot append to %s: %s" % (path, err)
    return result, None


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    result, error = run(module.params, module.check_mode, datetime.datetime.now(datetime.timezone.utc))
    if error:
        module.fail_json(msg=error, **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
