# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""directories.writable: the service user can write the directories the integrasjonspunkt writes at start-up.

Reads ctx["directories"] (module_utils/dirperms.py through preflight_gather): the H2 database, activemq-data and the
message store live in the data directory, the log file in the log directory, temporary files in the temp directory.
One the user cannot write stops the start-up (docs/startup-refusals.md, row 24). A directory or user that does not
exist yet passes: the install role creates both (owned by the service user). Java mode only: in Docker mode the
container's numeric user writes the mounted volumes, which the role also creates.
"""

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils.check_base import Check, outcome

WRITTEN = ("data", "logs", "temp")


class DirectoriesWritableCheck(Check):
    id = "directories.writable"
    title = "The service user can write the data, log and temp directories"
    category = "resources"
    doc = "installasjon"

    def applies(self, ctx):
        return (ctx.get("settings") or {}).get("run_mode", "java") == "java"

    def evaluate(self, ctx):
        facts = ctx.get("directories")
        if not facts:
            return outcome("unknown", message="no verdict: the directories were not inspected (no service user given)")
        if not facts.get("available", True):
            return outcome("error", message="no verdict: the directories could not be read: %s" % facts.get("reason"))
        user = facts.get("user") or {}
        dirs = facts.get("directories") or {}
        blocked, undecided, fine = [], [], []
        for role in WRITTEN:
            d = dirs.get(role)
            if d is None:
                undecided.append("%s: not inspected" % role)
            elif d.get("writable") is False:
                blocked.append(
                    "%s %s (owner uid %s, mode %s): %s"
                    % (role, d["path"], d.get("owner_uid"), d.get("mode"), d.get("reason"))
                )
            elif d.get("writable") is None and d.get("exists") and user.get("exists"):
                undecided.append("%s %s: %s" % (role, d["path"], d.get("reason")))
            else:
                fine.append("%s %s: %s" % (role, d.get("path"), d.get("reason")))
        name = user.get("name")
        if blocked:
            return self.failed(
                measured="not writable",
                required="writable by %s" % name,
                message="; ".join(blocked) + ". Checked by mode bits only; an ACL may still allow it.",
                fix="chown -R %s: the directories named (the install role creates them so), or correct the"
                " integrasjonspunkt_*_dir variables." % name,
            )
        if undecided:
            return outcome("unknown", "undecided", "writable by %s" % name, None, "; ".join(undecided))
        return outcome(
            "pass", "writable or created by the install role", "writable by %s" % name, None, "; ".join(fine)
        )


DIRECTORY_CHECKS = (DirectoriesWritableCheck,)
