# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one validation of the integrasjonspunkt_* settings, for every role (doc: plugins/modules/).

It reads the host's variables itself (templated here, never passed as task arguments, so a secret never
shows in a -vvv task line), applies the model's DEFAULTS and rules, and returns the public settings and
every problem at once. Nothing on the host is touched: it runs the same in check mode.
"""

from ansible.errors import AnsibleActionFail
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import settings as model
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import settings_source


def refusal(host, problems):
    """The failure message: every refused value, each naming the variable, its value and what is allowed."""
    refused = [model.problem_text(p) for p in problems if p["severity"] == "fail"]
    return "The integrasjonspunkt_* settings of %s are refused, nothing was changed (%d problem%s): %s" % (
        host,
        len(refused),
        "" if len(refused) == 1 else "s",
        "; ".join(refused),
    )


def settings_result(task_vars, template, scope, fail_on_problems):
    """The action's result as a plain function: what the roles get, and what the tests call."""
    settings, problems, found, _raw = settings_source.host_settings(task_vars, template, scope)
    result = {
        "changed": False,
        "scope": scope,
        "settings": model.public(settings) if settings is not None else None,
        "problems": problems,
        "unknown_variables": found,
        "refused": [model.problem_text(p) for p in problems if p["severity"] == "fail"],
    }
    warnings = [model.problem_text(p) for p in problems if p["severity"] == "warn"]
    if warnings:
        result["warnings"] = warnings
    if fail_on_problems and any(p["severity"] == "fail" for p in problems):
        result.update(failed=True, msg=refusal((task_vars or {}).get("inventory_hostname", "this host"), problems))
    else:
        result["msg"] = "%d problem(s), %d refused" % (
            len(problems),
            sum(p["severity"] == "fail" for p in problems),
        )
    return result


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("scope", "fail_on_problems"))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        scope = str(self._task.args.get("scope", "install"))
        if scope not in ("install", "preflight", "prepare", "backup"):
            raise AnsibleActionFail("scope=%r is not allowed: install, preflight, prepare or backup" % scope)
        fail = boolean(self._task.args.get("fail_on_problems", True), strict=True)
        result.update(settings_result(task_vars, self._templar.template, scope, fail))
        return result
