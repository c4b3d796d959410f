#!/usr/bin/python
# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
---
module: inbound_port_info
short_description: Tell whether the integrasjonspunkt's inbound TCP port is free, and who holds it
version_added: 0.1.0
description:
  - Reads the kernel's listening sockets from C(/proc/net/tcp) and C(/proc/net/tcp6) to see whether
    a TCP port is taken. No root is needed for that. When those tables cannot be read, RV(readable) is false
    and RV(reason) says why; the port is then not known to be free.
  - Names the processes that hold the port (socket inode to C(/proc/PID/fd)) and tells whether each is the
    integrasjonspunkt the install role made, by its cgroup, never by its name or by what it answers. In Java mode
    that is the systemd unit C(integrasjonspunkt.service); in Docker mode the container O(container_name) as
    the engine at O(docker_host) names it (C(docker-<id>.scope) or C(/docker/<id>)), or a C(docker-proxy)
    forwarding to that container's address and port, or an engine process (dockerd, Podman's conmon or
    rootlessport) holding it when the engine says the role's container, and no other, publishes the port.
  - In Docker mode with a C(unix://) O(docker_host) the engine's API (Docker or Podman) is asked which running
    containers publish the port (C(owner.published)); with NAT-only publishing nothing listens on the host.
  - Linking a socket to a process needs root unless the process runs as the same user; without it the holder
    cannot be named, RV(holders_complete) is false, and nothing is taken to be the integrasjonspunkt.
options:
  port:
    description: The TCP port the integrasjonspunkt listens on (C(server.port)).
    type: int
    default: 9093
  run_mode:
    description: How the integrasjonspunkt runs (C(integrasjonspunkt_run_mode)), which decides what counts as it.
    type: str
    choices: [java, docker]
    default: java
  container_name:
    description: Docker mode, the role's container (C(integrasjonspunkt_container_name)).
    type: str
    default: integrasjonspunkt
  docker_host:
    description: Docker mode, the engine's socket (C(integrasjonspunkt_docker_host)), for C(docker -H).
    type: str
  identify_timeout:
    description: No longer used (the holder is no longer asked for C(/manage/health)); kept so that old tasks run.
    type: float
    default: 2.0
extends_documentation_fragment:
  - eformidling.integrasjonspunkt.attributes
  - eformidling.integrasjonspunkt.attributes.INFO_MODULE
author:
  - eFormidling collection maintainers (@eformidling-ansible)
"""

EXAMPLES = r"""
- name: Is 9093 free?
  eformidling.integrasjonspunkt.inbound_port_info:
    port: 9093
  register: port

- name: Show who holds it
  ansible.builtin.debug:
    msg: "{{ port.in_use }} {{ port.holders }}"
"""

RETURN = r"""
port:
  description: The port that was checked.
  returned: always
  type: int
  sample: 9093
in_use:
  description: Whether any socket listens on the port.
  returned: always
  type: bool
listeners:
  description: The listening sockets on the port, each with the C(pids) that hold it (empty when none could be seen).
  returned: always
  type: list
  elements: dict
  sample: [{"address": "0.0.0.0", "port": 9093, "uid": 998, "inode": 123456, "pids": [4242]}]
holders:
  description:
    - The processes that hold the port, where they could be named, each with C(ours) (true, false, or null when
      it cannot be told) and C(why).
  returned: always
  type: list
  elements: dict
  sample:
    - pid: 4242
      cmdline: java -jar integrasjonspunkt.jar
      ours: true
      why: runs in the systemd unit integrasjonspunkt.service
      cgroups: [/system.slice/integrasjonspunkt.service]
holders_complete:
  description: False when some processes could not be inspected (not root), so the holder may be unnamed.
  returned: always
  type: bool
readable:
  description: Whether the kernel's socket tables could be read. When false, RV(in_use) false does not mean free.
  returned: always
  type: bool
reason:
  description: Why the socket tables could not be read.
  returned: always
  type: str
owner:
  description: What counts as the integrasjonspunkt (C(mode), C(unit), or the C(container) as the engine named it).
  returned: always
  type: dict
held_by_integrasjonspunkt:
  description: True when every listener on the port is held by the role's integrasjonspunkt (unit or container).
  returned: always
  type: bool
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import engine_api, listening, resources


def main():
    module = AnsibleModule(
        argument_spec={
            "port": {"type": "int", "default": 9093},
            "run_mode": {"type": "str", "choices": ["java", "docker"], "default": "java"},
            "container_name": {"type": "str", "default": "integrasjonspunkt"},
            "docker_host": {"type": "str"},
            "identify_timeout": {"type": "float", "default": 2.0},
        },
        supports_check_mode=True,
    )
    port = module.params["port"]
    if not 0 < port < 65536:
        module.fail_json(msg="port must be between 1 and 65535, got %r" % port)
    run, which = resources.module_tools(module, 10.0)
    owner = listening.owner_for(
        module.params["run_mode"],
        module.params["container_name"],
        module.params["docker_host"],
        run,
        which,
        port=port,
        api=engine_api,
    )
    module.exit_json(changed=False, **listening.collect(port, owner=owner))


if __name__ == "__main__":
    main()
