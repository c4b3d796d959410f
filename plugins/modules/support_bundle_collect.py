#!/usr/bin/python
# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: support_bundle_collect
short_description: Read what Digdir's service desk asks for on one host, with every secret removed on the host
version_added: 0.1.0
description:
  - Reads, in one call, the last part of C(application.log), every C(*.properties) file of the install directory,
    the path, size and modification time of each keystore (never its contents), the systemd unit and
    C(systemctl show) (Java mode) or C(docker inspect) of the container (Docker mode, from the engine's API), the
    Java version, the lifecycle records (C(lifecycle/blocklist.json), C(lifecycle/history.jsonl)), C(chronyc
    tracking) and C(sources), and disk and memory figures.
  - Redacts on the host, before anything is returned (C(plugins/module_utils/redact.py)) - passwords, tokens,
    private keys, Authorization headers, JWTs, credentials in URLs, secret C(-D) options and Env entries, and every
    secret value found anywhere, in every file. A text in which a known secret survives is withheld.
  - Only reads. It never fails because an item is missing or unreadable; RV(item_status) says so for each one.
  - The playbook C(playbooks/support-bundle.yml) writes the results of every host into one archive.
author:
  - eFormidling collection maintainers (@eformidling-ansible)
options:
  run_mode:
    description: How the integrasjonspunkt runs (C(integrasjonspunkt_run_mode)).
    type: str
    choices: [java, docker]
    default: java
  install_dir:
    description: C(integrasjonspunkt_install_dir).
    type: path
    default: /opt/integrasjonspunkt
  data_dir:
    description: C(integrasjonspunkt_data_dir) (disk figures only).
    type: path
    default: /var/lib/integrasjonspunkt
  log_dir:
    description: C(integrasjonspunkt_log_dir), where C(application.log) is.
    type: path
    default: /var/log/integrasjonspunkt
  tmp_dir:
    description: C(integrasjonspunkt_tmp_dir) (disk figures only).
    type: path
    default: /tmp
  unit_name:
    description: The systemd unit of Java mode, read from C(/etc/systemd/system).
    type: str
    default: integrasjonspunkt.service
  unit_dir:
    description: Where the unit file is.
    type: path
    default: /etc/systemd/system
  java_path:
    description: The Java to ask for its version; empty - the unit's ExecStart, else C(java) on E(PATH).
    type: str
    default: ""
  docker_host:
    description: The Docker engine of Docker mode (C(integrasjonspunkt_docker_host)); a C(unix://) socket.
    type: str
    default: unix:///var/run/docker.sock
  container_name:
    description: The container of Docker mode (C(integrasjonspunkt_container_name)).
    type: str
    default: integrasjonspunkt
  log_bytes:
    description: How much of the end of C(application.log) to take, in bytes (from the first whole line on).
    type: int
    default: 1048576
  command_timeout:
    description: Seconds each program (C(systemctl), C(java), C(chronyc)) may run.
    type: int
    default: 20
extends_documentation_fragment:
  - eformidling.integrasjonspunkt.attributes
"""

EXAMPLES = r"""
- name: Collect the redacted support material
  eformidling.integrasjonspunkt.support_bundle_collect:
    run_mode: java
    install_dir: /opt/integrasjonspunkt
    log_dir: /var/log/integrasjonspunkt
  register: support_bundle
  no_log: true
"""

RETURN = r"""
files:
  description:
    - Each item's redacted text, by its name in the archive (for example
      C(properties/integrasjonspunkt-local.properties)).
  returned: always
  type: dict
item_status:
  description: Every item, with C(name), C(source), C(status) (C(ok), C(missing) or C(error)) and C(detail).
  returned: always
  type: list
  elements: dict
secrets_found:
  description: How many secret values were found and scrubbed from every text (a count, never a value).
  returned: always
  type: int
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import support_bundle


def runner(module, timeout):
    """run(argv) -> (rc or None when the program is missing, stdout, stderr), limited by coreutils' timeout."""
    limit = module.get_bin_path("timeout")

    def run(argv):
        path = argv[0] if os.path.isabs(argv[0]) else module.get_bin_path(argv[0])
        if not path or not os.access(path, os.X_OK):
            return None, "", "%s not found" % argv[0]
        cmd = ([limit, str(timeout)] if limit else []) + [path] + list(argv[1:])
        rc, out, err = module.run_command(cmd, environ_update={"LC_ALL": "C", "SYSTEMD_PAGER": ""})
        if limit and rc == 124:
            err = (err or "") + "\nstopped after %d s" % timeout
        return rc, out, err

    return run


def main():
    spec = {
        "run_mode": {"type": "str", "choices": ["java", "docker"], "default": "java"},
        "install_dir": {"type": "path", "default": "/opt/integrasjonspunkt"},
        "data_dir": {"type": "path", "default": "/var/lib/integrasjonspunkt"},
        "log_dir": {"type": "path", "default": "/var/log/integrasjonspunkt"},
        "tmp_dir": {"type": "path", "default": "/tmp"},
        "unit_name": {"type": "str", "default": "integrasjonspunkt.service"},
        "unit_dir": {"type": "path", "default": support_bundle.UNIT_DIR},
        "java_path": {"type": "str", "default": ""},
        "docker_host": {"type": "str", "default": "unix:///var/run/docker.sock"},
        "container_name": {"type": "str", "default": "integrasjonspunkt"},
        "log_bytes": {"type": "int", "default": support_bundle.DEFAULT_LOG_BYTES},
        "command_timeout": {"type": "int", "default": 20},
    }
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    if module.params["log_bytes"] < 1:
        module.fail_json(msg="log_bytes=%r is not allowed: a positive number of bytes" % module.params["log_bytes"])
    files, items, found = support_bundle.collect(module.params, runner(module, module.params["command_timeout"]))
    module.exit_json(changed=False, files=files, item_status=items, secrets_found=found)


if __name__ == "__main__":
    main()
