#!/usr/bin/python
# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
---
module: backup_archive
short_description: Create, verify, restore and prune backup archives of the integrasjonspunkt's directories
version_added: 0.4.0
description:
  - The host side of the P(eformidling.integrasjonspunkt.backup#role) role. It copies what Digdir's
    "Sikkerhetskopi" page lists (the H2 file, C(activemq-data/), C(messages/), the logs, the properties, the secrets
    file and the keystore) from the directories the settings model names, into a dated tar.gz with a manifest of
    every entry (type, size, sha256, mode, uid, gid), written inside the archive and beside it with the archive's
    own sha256.
  - It never stops or starts the service; the role does that around O(state=create) and O(state=restore).
  - No result, message or log holds a file's contents; only names, counts, sizes and checksums.
options:
  state:
    description:
      - V(create) writes a new archive into O(backup_dir) (umask 077, files 0600, renamed into place when
        complete). V(verify) checks an archive against its manifests and fails listing every problem.
        V(restore) verifies, then puts every recorded tree back exactly (contents, mode, owner, mtime; what the
        archive lacks is removed from those trees). V(prune) deletes this collection's archives beyond the
        O(keep) newest. V(record) appends a line to the lifecycle history.
    type: str
    required: true
    choices: [create, verify, restore, prune, record]
  trees:
    description:
      - The directories, each C({name, path, recurse}) with name V(install), V(data) or V(logs); from the
        settings model (the role passes C(settings.backup.trees)).
    type: list
    elements: dict
    default: []
  backup_dir:
    description: The collection's backup directory on the host (it must exist; the role creates it 0700).
    type: path
  archive:
    description:
      - The archive to verify or restore (its sidecar C(<archive>.manifest.json) must be beside it); a path, a name
        in O(backup_dir), or V(latest) for the newest archive there.
    type: str
  keep:
    description: How many archives V(prune) keeps (the newest).
    type: int
    default: 5
  meta:
    description: Extra manifest fields (host, run mode, version, notes on what is not copied). Never secrets.
    type: dict
    default: {}
  install_dir:
    description: V(record) only. The install directory whose C(lifecycle/history.jsonl) gets the line.
    type: path
  action:
    description: V(record) only. The history action.
    type: str
    choices: [backup, restore]
  fields:
    description: V(record) only. The history line's other fields (result, archive, downtime...).
    type: dict
    default: {}
attributes:
  check_mode:
    support: full
    description: >-
      V(create) reports what it would copy, V(restore) verifies only, V(prune) names what it would delete,
      V(record) writes nothing.
  diff_mode:
    support: none
    description: Archives are binary; no diff.
  platform:
    support: full
    platforms: posix
    description: Linux targets with Python 3.8 or newer; V(create), V(restore) and V(record) need root.
author:
  - eFormidling collection maintainers (@eformidling-ansible)
"""

EXAMPLES = r"""
- name: Verify an archive before stopping anything
  eformidling.integrasjonspunkt.backup_archive:
    state: verify
    archive: /var/backups/integrasjonspunkt/integrasjonspunkt-backup-20261207T003512Z.tar.gz
"""

RETURN = r"""
archive:
  description: The archive's path (V(create), V(verify), V(restore)).
  returned: when an archive is named or made
  type: str
archive_sha256:
  description: The archive's own sha256.
  returned: create, verify, restore
  type: str
summary:
  description: Counts of the archive's entries, C({files, dirs, symlinks, bytes}).
  returned: create, verify, restore
  type: dict
problems:
  description: Every reason an archive is refused (V(verify), V(restore)); empty when it is sound.
  returned: verify, restore
  type: list
  elements: str
restored:
  description: C({written, removed, dirs}) of a restore.
  returned: restore, not in check mode
  type: dict
removed:
  description: The archive names V(prune) deleted (or would delete in check mode).
  returned: prune
  type: list
  elements: str
"""

import datetime

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import backup_archive as ba
from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import (
    backup_records,
    backup_restore,
    backup_verify,
)

PROBLEMS_SHOWN = 20


def _now():
    return datetime.datetime.now(datetime.timezone.utc)


def _trees(params):
    return [
        {"name": str(t["name"]), "path": str(t["path"]), "recurse": bool(t.get("recurse", True))}
        for t in params["trees"]
    ]


def run_create(module, params):
    trees = _trees(params)
    if module.check_mode:
        entries = [e for e, _p in ba.walk(trees)]
        return {"changed": True, "summary": ba.summary({"entries": entries}), "msg": "would write an archive"}
    sidecar = ba.create(trees, params["backup_dir"], _now(), params["meta"])
    path = "%s/%s" % (params["backup_dir"].rstrip("/"), sidecar["archive"])
    return {
        "changed": True,
        "archive": path,
        "sidecar": path + ba.SIDECAR_SUFFIX,
        "archive_sha256": sidecar["archive_sha256"],
        "archive_size": sidecar["archive_size"],
        "summary": ba.summary(sidecar),
    }


def resolve(archive, backup_dir):
    """The archive's path: 'latest' is the newest of ours in backup_dir, a bare name is in backup_dir."""
    if archive == "latest":
        found = ba.archives(backup_dir) if backup_dir else []
        if not found:
            raise ba.BackupError("no archive in %s to restore (integrasjonspunkt_restore_archive=latest)" % backup_dir)
        return "%s/%s" % (backup_dir.rstrip("/"), found[-1])
    if "/" not in archive and backup_dir:
        return "%s/%s" % (backup_dir.rstrip("/"), archive)
    return archive


def run_verify(module, params):
    archive = resolve(params["archive"], params["backup_dir"])
    names = [t["name"] for t in _trees(params)] or list(ba.TREE_NAMES)
    sidecar, problems = backup_verify.verify(archive, names)
    result = {"changed": False, "archive": archive, "problems": problems}
    if sidecar:
        result.update(
            archive_sha256=sidecar.get("archive_sha256"),
            summary=ba.summary(sidecar),
            created=sidecar.get("created"),
            version=sidecar.get("version"),
        )
    if problems:
        shown = problems[:PROBLEMS_SHOWN]
        more = len(problems) - len(shown)
        result["failed"] = True
        result["msg"] = "REFUSED %s: %d problem(s), nothing was changed: %s%s" % (
            archive,
            len(problems),
            "; ".join(shown),
            " (and %d more)" % more if more else "",
        )
    return result, sidecar


def run_restore(module, params):
    result, sidecar = run_verify(module, params)
    if result.get("failed") or module.check_mode:
        return result
    if not backup_restore.is_root():
        return dict(result, failed=True, msg="a restore sets owners and modes: run it as root (become: true)")
    result["restored"] = backup_restore.restore(result["archive"], sidecar, _trees(params))
    result["changed"] = True
    return result


def run_prune(module, params):
    removed = ba.prune(params["backup_dir"], params["keep"], dry_run=module.check_mode)
    return {"changed": bool(removed), "removed": removed}


def run_record(module, params):
    if module.check_mode:
        return {"changed": False}
    path = backup_records.append_history(params["install_dir"], params["action"], _now(), **params["fields"])
    return {"changed": True, "history": path}


def main():
    module = AnsibleModule(
        argument_spec={
            "state": {"type": "str", "required": True, "choices": ["create", "verify", "restore", "prune", "record"]},
            "trees": {"type": "list", "elements": "dict", "default": []},
            "backup_dir": {"type": "path"},
            "archive": {"type": "str"},
            "keep": {"type": "int", "default": 5},
            "meta": {"type": "dict", "default": {}},
            "install_dir": {"type": "path"},
            "action": {"type": "str", "choices": ["backup", "restore"]},
            "fields": {"type": "dict", "default": {}},
        },
        required_if=[
            ("state", "create", ("backup_dir", "trees")),
            ("state", "verify", ("archive",)),
            ("state", "restore", ("archive", "trees")),
            ("state", "prune", ("backup_dir",)),
            ("state", "record", ("install_dir", "action")),
        ],
        supports_check_mode=True,
    )
    params = module.params
    run = {
        "create": run_create,
        "verify": lambda m, p: run_verify(m, p)[0],
        "restore": run_restore,
        "prune": run_prune,
        "record": run_record,
    }
    try:
        result = run[params["state"]](module, params)
    except ba.BackupError as exc:
        module.fail_json(msg=str(exc))
    except OSError as exc:  # fail closed, naming the path (never contents)
        module.fail_json(msg="%s: %s" % (exc.filename or "a file", exc.strerror or exc))
    if result.pop("failed", False):
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
