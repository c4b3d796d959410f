# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Prometheus scrape configuration of the inventory's hosts with metrics on (doc:
plugins/modules/prometheus_scrape_config.py). Runs on the controller; reads each host's variables itself, so no
value is ever a task argument. Nothing secret is read into the result: basic auth is a password_file path."""

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import scrape_config, settings_source
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import settings as model

ARGUMENT_SPEC = {
    "hosts": {"type": "list", "elements": "str", "required": True},
    "password_file": {"type": "str", "default": scrape_config.DEFAULT_PASSWORD_FILE},
    "ca_file": {"type": "str"},
    "scrape_interval": {"type": "str"},
}
MODEL_KEYS = ("port", "ssl_enabled", "auth_enabled", "environment", "management")


def host_settings(host, host_vars, template):
    """(metrics variables, the model's port/TLS/auth/environment and the API user) of one host."""
    raw, problems, _unknown = settings_source.read(host_vars, lambda v: settings_source.plain(template(v)))
    settings, rule_problems = model.evaluate(raw, "preflight")
    refused = [p for p in problems + rule_problems if p["severity"] == "fail"]
    missing = [k for k in MODEL_KEYS if settings.get(k) is None]
    if missing:
        raise AnsibleActionFail(
            "%s: the scrape configuration needs %s, refused: %s"
            % (host, ", ".join(missing), "; ".join(model.problem_text(p) for p in refused))
        )
    out = {k: settings[k] for k in MODEL_KEYS}
    out["auth_user"] = str(raw.get("integrasjonspunkt_auth_user", model.DEFAULTS["integrasjonspunkt_auth_user"]))
    metrics = {}
    if "ansible_host" in host_vars:
        metrics["ansible_host"] = str(template(host_vars["ansible_host"]))
    return metrics, out


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)[1]
        hostvars = (task_vars or {}).get("hostvars", {})
        hosts = {}
        for host in args["hosts"]:
            if host not in hostvars:
                raise AnsibleActionFail("%s is not in the inventory" % host)
            hosts[host] = host_settings(host, hostvars[host], self._templar.template)
        config, skipped = scrape_config.scrape_config(
            hosts, args["password_file"], args.get("ca_file"), args.get("scrape_interval")
        )
        targets = [t for job in config["scrape_configs"] for s in job["static_configs"] for t in s["targets"]]
        lines = ["targets: " + (", ".join(targets) or "none")]
        lines += ["left out %s: %s" % (host, why) for host, why in sorted(skipped.items())]
        result.update(changed=False, config=config, skipped=skipped, targets=targets, lines=lines)
        return result
