#!/usr/bin/python
# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
---
module: install_plan
short_description: What the install does on a host - Java, heap and JVM options - decided like preflight decides
version_added: 0.2.0
description:
  - An action plugin used by the P(eformidling.integrasjonspunkt.integrasjonspunkt#role) role. It reads the host's
    C(integrasjonspunkt_*) variables as M(eformidling.integrasjonspunkt.integrasjonspunkt_settings) does, reads the
    host with M(eformidling.integrasjonspunkt.resource_facts) and computes the plan with the code the preflight
    engine uses, so the plan is the one preflight judged.
  - The Java is the one preflight's C(runtime.java) judged (or the package it said would be installed); the heap is
    60 % of the memory available to the service, cgroup limits included, between 256 and 4096 MiB, unless
    C(integrasjonspunkt_jvm_max_heap_mb) is set; the JVM options carry C(integrasjonspunkt_proxy).
options:
  java_packages:
    description: Java 21 packages per distribution; default the collection's table (C(plugin_utils/plan.py)).
    type: dict
  refresh:
    description: Read the host again (after Java was installed).
    type: bool
    default: false
attributes:
  action:
    support: full
    description: Runs on the controller; calls resource_facts on the host.
  check_mode:
    support: full
    description: Read-only.
  diff_mode:
    support: none
    description: Nothing is changed.
  platform:
    support: full
    platforms: posix
    description: Linux hosts with Python 3.8 or newer.
author:
  - eFormidling collection maintainers (@eformidling-ansible)
"""

EXAMPLES = r"""
- name: Plan the Java runtime, heap and JVM options
  eformidling.integrasjonspunkt.install_plan:
  register: plan
"""

RETURN = r"""
java:
  description: C(action) (use, install or refuse), C(path), C(major), C(need), C(method), C(package), C(reason).
  returned: always
  type: dict
heap_mb:
  description: The -Xmx value in MiB.
  returned: always
  type: int
heap_reason:
  description: How the heap was sized.
  returned: always
  type: str
jvm_options:
  description: The proxy options for the JVM (empty without a proxy).
  returned: always
  type: list
  elements: str
source:
  description: Always C(resource_facts) (the facts were read from the host).
  returned: always
  type: str
"""
