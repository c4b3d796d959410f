# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The install role's plan for one host (Java, heap, JVM options), from the facts preflight uses.

The settings are the host's own variables as the settings model reads them (the same path as preflight and
integrasjonspunkt_settings); the facts come from the same collector, and the same plan function decides, so
the plan is the one preflight judged. It is computed again rather than read from preflight's result: no role
reads another role's variables.
"""

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import plan, settings_source
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import settings as model


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("java_packages", "refresh"))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = self._task.args
        settings, problems, _unknown, _raw = settings_source.host_settings(task_vars, self._templar.template, "probe")
        if settings is None:
            refused = [model.problem_text(p) for p in problems if p["severity"] == "fail"]
            raise AnsibleActionFail("; ".join(refused))
        facts = self._execute_module(
            module_name="eformidling.integrasjonspunkt.resource_facts",
            module_args={
                "paths": [settings["directories"]["install"]],
                "java_paths": [settings["java_path"]] if settings["java_path"] else [],
                "probe_container_engine": False,
            },
            task_vars=task_vars,
        )
        if facts.get("failed"):
            raise AnsibleActionFail("reading the host's Java and memory failed: %s" % (facts.get("msg") or facts))
        resources = (facts.get("ansible_facts") or {}).get("eformidling_resources") or {}
        packages = args.get("java_packages") or plan.JAVA_DISTRIBUTION_PACKAGES
        chosen = plan.install_plan(settings, resources, packages, settings["java_install_method"])
        result.update(changed=False, source="resource_facts", **chosen)
        return result
