# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The install role's plan for one host (Java, heap, JVM options), from the facts preflight uses.

When the host's preflight result of this run is given, its plan is used as it is: the install then
uses exactly the Java, heap and proxy that preflight judged. Otherwise (preflight skipped, or after
installing Java) the same collector runs and the same plan function decides.
"""

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import plan
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import settings as model


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("settings", "java_packages", "preflight", "refresh"))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = self._task.args
        try:
            settings = model.normalise(args.get("settings") or {})
        except model.SettingsError as exc:
            raise AnsibleActionFail(str(exc)) from exc
        preflight = args.get("preflight") or {}
        if not args.get("refresh") and isinstance(preflight, dict) and preflight.get("plan"):
            result.update(changed=False, source="preflight", **dict(preflight["plan"]))
            return result
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
        chosen = plan.install_plan(
            settings, resources, args.get("java_packages") or {}, settings["java_install_method"]
        )
        result.update(changed=False, source="resource_facts", **chosen)
        return result
