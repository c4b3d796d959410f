"""Run the real action plugins' run() in-process: stubbed task, templar and host calls, real settings code."""

import copy
import types

from ansible.plugins.action import ActionBase

from ansible_collections.eformidling.integrasjonspunkt.plugins.action import integrasjonspunkt_settings as entry
from ansible_collections.eformidling.integrasjonspunkt.plugins.action import preflight as preflight_action
from tests.unit.plugins.plugin_utils.test_checks import HEALTHY


class Templar:
    """Templates nothing: the values are already plain."""

    @staticmethod
    def template(value):
        return value


def gathered():
    """A healthy host's answer from preflight_gather."""
    return {
        "resources": copy.deepcopy(HEALTHY["resources"]),
        "timesync": copy.deepcopy(HEALTHY["timesync"]),
        "port": copy.deepcopy(HEALTHY["port"]),
        "connectivity": {"endpoints": []},
        "ntp_probe": {},
        "errors": {},
    }


def run_preflight(host_vars, monkeypatch, **args):
    """(result, the module calls made) of the preflight action for a host with `host_vars`."""
    calls = []
    action = object.__new__(preflight_action.ActionModule)
    action._task = types.SimpleNamespace(args=dict({"only": ["config.*"]}, **args))
    action._templar = Templar()

    def execute(module_name=None, module_args=None, task_vars=None, **_kw):
        calls.append((module_name, module_args))
        return gathered()

    action._execute_module = execute
    monkeypatch.setattr(ActionBase, "run", lambda self, tmp=None, task_vars=None: {})
    task_vars = dict(host_vars, inventory_hostname="ip1")
    return action.run(task_vars=task_vars), calls


def run_install_validation(host_vars):
    """The install role's validation (tasks/validate.yml's first task) as plain Python: the action's function."""
    return entry.settings_result(dict(host_vars, inventory_hostname="ip1"), Templar.template, "install", True)
