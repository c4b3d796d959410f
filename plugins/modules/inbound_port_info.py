#!/usr/bin/python
# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: inbound_port_info
short_description: Tell whether the integrasjonspunkt's inbound TCP port is free, and who holds it
version_added: 0.1.0
description:
  - Reads the kernel's listening sockets from C(/proc/net/tcp) and C(/proc/net/tcp6) to see whether
    a TCP port is taken. No root is needed for that.
  - Names the process that holds the port when it can. Linking a socket to a process needs root
    unless the process runs as the same user; without it the result says so.
  - Asks the holder for C(/manage/health) on loopback (HTTP, then HTTPS without verification), which
    identifies a running integrasjonspunkt (Spring Boot actuator) without root.
options:
  port:
    description: The TCP port the integrasjonspunkt listens on (C(server.port)).
    type: int
    default: 9093
  identify_timeout:
    description: Seconds to wait for the actuator answer when the port is taken.
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
  description: The listening sockets on the port.
  returned: always
  type: list
  elements: dict
  sample: [{"address": "0.0.0.0", "port": 9093, "uid": 998, "inode": 123456}]
holders:
  description: The processes that hold the port, where they could be named.
  returned: always
  type: list
  elements: dict
  sample: [{"pid": 4242, "cmdline": "java -jar integrasjonspunkt-4.0.8.jar"}]
holders_complete:
  description: False when some processes could not be inspected (not root), so the holder may be unnamed.
  returned: always
  type: bool
actuator:
  description: What C(/manage/health) on loopback answered, when the port is in use.
  returned: always
  type: dict
  sample: {"answered": true, "scheme": "http", "status": "UP"}
held_by_integrasjonspunkt:
  description: True when the holder is identified as an integrasjonspunkt (command line or actuator answer).
  returned: always
  type: bool
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import listening


def main():
    module = AnsibleModule(
        argument_spec={
            "port": {"type": "int", "default": 9093},
            "identify_timeout": {"type": "float", "default": 2.0},
        },
        supports_check_mode=True,
    )
    port = module.params["port"]
    if not 0 < port < 65536:
        module.fail_json(msg="port must be between 1 and 65535, got %r" % port)
    module.exit_json(changed=False, **listening.collect(port, module.params["identify_timeout"]))


if __name__ == "__main__":
    main()
