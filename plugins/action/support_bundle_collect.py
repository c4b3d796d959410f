# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""support_bundle_collect: the host's directories, run mode and container from the settings model, then the
module on the host (doc: plugins/modules/support_bundle_collect.py).

The settings are read here from the host's variables (never given as task arguments), and only paths, the run
mode and the container go to the module: no secret is ever an argument, so none shows at -vvv. A value the
model refuses, that the bundle needs, stops the task naming the variable; other problems (a missing keystore
password, say) do not: the bundle is for hosts that are in trouble.
"""

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import settings as model
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import settings_source

# Task arguments passed through to the module as they are (none of them can hold a secret).
PASSED = ("log_bytes", "command_timeout", "unit_name", "unit_dir")
# Module argument -> (variable, how to read it from the model's answer).
FROM_SETTINGS = {
    "run_mode": ("integrasjonspunkt_run_mode", lambda s: s.get("run_mode")),
    "install_dir": ("integrasjonspunkt_install_dir", lambda s: (s.get("directories") or {}).get("install")),
    "data_dir": ("integrasjonspunkt_data_dir", lambda s: (s.get("directories") or {}).get("data")),
    "log_dir": ("integrasjonspunkt_log_dir", lambda s: (s.get("directories") or {}).get("logs")),
    "tmp_dir": ("integrasjonspunkt_tmp_dir", lambda s: (s.get("directories") or {}).get("temp")),
    "java_path": ("integrasjonspunkt_java_path", lambda s: s.get("java_path")),
    "docker_host": ("integrasjonspunkt_docker_host", lambda s: s.get("docker_host")),
    "container_name": ("integrasjonspunkt_container_name", lambda s: s.get("container_name")),
}


def module_args(task_vars, template, task_args):
    """The module's arguments, or AnsibleActionFail naming each variable the bundle needs and the model refused."""
    raw, problems, _unknown = settings_source.read(task_vars, lambda v: settings_source.plain(template(v)))
    settings, rule_problems = model.evaluate(raw, "preflight")
    by_var = {p["variable"]: p for p in problems + rule_problems}
    args, refused = {}, []
    for arg, (var, read) in FROM_SETTINGS.items():
        value = read(settings)
        if value is None:
            refused.append(model.problem_text(by_var[var]) if var in by_var else "%s could not be read" % var)
        else:
            args[arg] = value
    if refused:
        raise AnsibleActionFail("the support bundle needs these settings, and they are refused: " + "; ".join(refused))
    args.update({k: task_args[k] for k in PASSED if k in task_args})
    return args


class ActionModule(ActionBase):
    _VALID_ARGS = frozenset(PASSED)

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = module_args(task_vars or {}, self._templar.template, self._task.args)
        result.update(self._execute_module(module_args=args, task_vars=task_vars))
        return result
