#!/usr/bin/python
# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: resource_facts
short_description: CPU, memory, disk, platform and runtimes that the integrasjonspunkt will actually get
version_added: 0.1.0
description:
  - Gathers the resources a process started on the target really gets, as facts under
    C(ansible_facts.eformidling_resources).
  - CPU and memory are cgroup-aware. The module finds its own cgroup in C(/proc/self/cgroup) (cgroup v1, v2
    or hybrid) and takes the tightest limit on that path and every ancestor, so values inside containers and
    limited services are not the host's.
  - Disk is path-aware. Each path in O(paths) is measured on the filesystem that holds it, found by longest
    mount-point prefix in C(/proc/self/mountinfo). A path that does not exist yet is measured at its nearest
    existing ancestor.
  - Also reports the platform (distribution, systemd as PID 1, virtualisation or container and the evidence),
    the Java runtimes found with their versions, and the Docker or Podman engine.
  - The module only reads. It never fails because a file or tool is missing; the section concerned then has
    RV(ansible_facts.eformidling_resources.cpu.available=false) (or the same key of its own section) and a C(reason).
  - It needs no root.
  - It makes no judgement. Compare the values with the requirements in a later task or role.
author:
  - eFormidling collection maintainers (@eformidling-ansible)
options:
  paths:
    description:
      - Paths whose filesystems are measured, one RV(ansible_facts.eformidling_resources.disk) item per path, in order.
      - Use the install directory and any separate data or log directories.
      - Relative paths are taken relative to the module's working directory.
    type: list
    elements: path
    default: [/opt/integrasjonspunkt]
  java_paths:
    description:
      - Extra Java installations to examine, each either a Java home directory or the path of a C(java) binary.
      - They are examined in addition to C(java) on E(PATH), E(JAVA_HOME), and every directory under
        C(/usr/lib/jvm), C(/usr/java), C(/opt/java) and C(/usr/local/java).
    type: list
    elements: path
    default: []
  probe_container_engine:
    description:
      - Run C(docker version) or C(podman info) to learn whether the container engine answers.
      - When V(false), only the binaries on E(PATH) are reported and
        RV(ansible_facts.eformidling_resources.runtimes.container_engine.answers) is V(null).
    type: bool
    default: true
  command_timeout:
    description:
      - Seconds each external command (C(java -version), C(docker version), C(systemd-detect-virt)) may run before
        it is stopped and counted as not answering.
      - Needs C(timeout) from coreutils on the target; without it commands run without a limit.
    type: int
    default: 10
notes:
  - Memory's RV(ansible_facts.eformidling_resources.memory.effective_bytes) is the smaller of C(MemTotal) and the
    cgroup limit. It is a capacity, not what is free right now; see
    RV(ansible_facts.eformidling_resources.memory.mem_available_bytes) for that.
  - A cgroup memory limit at or above the host's C(MemTotal) is reported as unlimited (V(null)).
  - CPU's RV(ansible_facts.eformidling_resources.cpu.effective) is the smallest of the online CPUs, the CPUs in
    this process's affinity mask, and the cgroup CPU quota. It is a float, because a quota can be a fraction.
seealso:
  - name: Forberede installasjon (Digdir)
    description: The minimum resources Digdir documents for the integrasjonspunkt (1 CPU, 2 GB memory, 2 GB disk).
    link: https://docs.digdir.no/docs/eFormidling/installasjon/forberede_installasjon
extends_documentation_fragment:
  - eformidling.integrasjonspunkt.attributes
  - eformidling.integrasjonspunkt.attributes.FACTS
"""

EXAMPLES = r"""
- name: Gather resource facts for the install and log directories
  eformidling.integrasjonspunkt.resource_facts:
    paths:
      - /opt/integrasjonspunkt
      - /var/log/integrasjonspunkt

- name: Require 2 GB of memory that the service will actually get
  ansible.builtin.assert:
    that:
      - ansible_facts.eformidling_resources.memory.effective_bytes >= 2 * 1000 ** 3
    fail_msg: >-
      {{ ansible_facts.eformidling_resources.memory.effective_bytes }} bytes of memory are available
      (cgroup {{ ansible_facts.eformidling_resources.memory.cgroup_path }}); 2 GB are needed.

- name: Also look at a JDK unpacked outside the usual places, and do not touch the container engine
  eformidling.integrasjonspunkt.resource_facts:
    java_paths:
      - /opt/jdk-21
    probe_container_engine: false

# Run it during fact gathering, next to the setup module.
- name: Preflight play
  hosts: integrasjonspunkt
  gather_facts: true
  vars:
    ansible_facts_modules:
      - ansible.builtin.setup
      - eformidling.integrasjonspunkt.resource_facts
  tasks:
    - name: Show the effective CPUs
      ansible.builtin.debug:
        var: ansible_facts.eformidling_resources.cpu.effective
"""

RETURN = r"""
ansible_facts:
  description: Facts to add to C(ansible_facts).
  returned: always
  type: dict
  contains:
    eformidling_resources:
      description: The resources the integrasjonspunkt will get on this host.
      returned: always
      type: dict
      contains:
        cpu:
          description: CPUs, cgroup-aware.
          returned: always
          type: dict
          contains:
            available:
              description: Whether the CPU counts could be read.
              type: bool
              returned: always
            reason:
              description: Why the section is not available.
              type: str
              returned: when the section is not available
            online:
              description: Online CPUs (C(/sys/devices/system/cpu/online)).
              type: int
              returned: success
              sample: 4
            online_source:
              description: Where RV(ansible_facts.eformidling_resources.cpu.online) was read.
              type: str
              returned: success
            affinity:
              description: CPUs this process may run on (C(Cpus_allowed_list); includes cpusets).
              type: int
              returned: success
              sample: 2
            cgroup_quota:
              description: The tightest CPU quota on the cgroup path, in CPUs (C(cpu.max) or C(cpu.cfs_quota_us) /
                C(cpu.cfs_period_us)). V(null) means unlimited.
              type: float
              returned: success
              sample: 1.5
            cgroup_path:
              description: The cgroup directory that sets the quota, or the process's own cgroup directory when there
                is none.
              type: str
              returned: success
              sample: /sys/fs/cgroup/system.slice/integrasjonspunkt.service
            cgroup_version:
              description: 1 or 2, or V(null) when no cgroup for the CPU controller was found.
              type: int
              returned: success
            cgroup_available:
              description: Whether the cgroup could be located and read.
              type: bool
              returned: success
            cgroup_reason:
              description: Why the cgroup was not located, or how it was approximated.
              type: str
              returned: when there is something to say
            effective:
              description: The smallest of RV(ansible_facts.eformidling_resources.cpu.online),
                RV(ansible_facts.eformidling_resources.cpu.affinity) and
                RV(ansible_facts.eformidling_resources.cpu.cgroup_quota). Null when a cgroup CPU limit file exists
                but cannot be read (see RV(ansible_facts.eformidling_resources.cpu.cgroup_unreadable)).
              type: float
              returned: success
            cgroup_unreadable:
              description: The cgroup limit files that exist but could not be read, or hold no limit, each with why.
              type: list
              elements: str
              returned: when a limit file could not be read
              sample: 1.5
        memory:
          description: Memory, cgroup-aware. Byte values.
          returned: always
          type: dict
          contains:
            available:
              description: Whether C(/proc/meminfo) could be read.
              type: bool
              returned: always
            reason:
              description: Why the section is not available.
              type: str
              returned: when the section is not available
            mem_total_bytes:
              description: C(MemTotal) of the host (or VM).
              type: int
              returned: success
            mem_available_bytes:
              description: C(MemAvailable) (C(MemFree) on old kernels).
              type: int
              returned: success
            swap_total_bytes:
              description: C(SwapTotal).
              type: int
              returned: success
            swap_free_bytes:
              description: C(SwapFree).
              type: int
              returned: success
            cgroup_limit_bytes:
              description: The tightest memory limit on the cgroup path (C(memory.max) or C(memory.limit_in_bytes)).
                V(null) means unlimited, which includes V(max) and limits at or above host RAM.
              type: int
              returned: success
              sample: 2147483648
            cgroup_raw_limit_bytes:
              description: The tightest limit as written in the cgroup, before comparing with host RAM. V(null) for
                V(max).
              type: int
              returned: success
            cgroup_path:
              description: The cgroup directory that sets the limit, or the process's own cgroup directory when there
                is none.
              type: str
              returned: success
            cgroup_version:
              description: 1 or 2, or V(null) when no cgroup for the memory controller was found.
              type: int
              returned: success
            cgroup_available:
              description: Whether the cgroup could be located and read.
              type: bool
              returned: success
            cgroup_reason:
              description: Why the cgroup limit was ignored or not found.
              type: str
              returned: when there is something to say
            effective_bytes:
              description: The smaller of RV(ansible_facts.eformidling_resources.memory.mem_total_bytes) and
                RV(ansible_facts.eformidling_resources.memory.cgroup_limit_bytes). Null when a cgroup memory limit
                file exists but cannot be read; the limit is then unknown, never taken as "no limit".
              type: int
              returned: success
            cgroup_unreadable:
              description: The cgroup limit files that exist but could not be read, or hold no limit, each with why.
              type: list
              elements: str
              returned: when a limit file could not be read
        disk:
          description: One item per path in O(paths), in the same order.
          returned: always
          type: list
          elements: dict
          contains:
            available:
              description: Whether the filesystem could be measured.
              type: bool
              returned: always
            reason:
              description: Why the path could not be measured.
              type: str
              returned: when the section is not available
            path:
              description: The path asked for.
              type: str
              returned: always
              sample: /opt/integrasjonspunkt
            measured_path:
              description: The path measured, the path itself or its nearest existing ancestor.
              type: str
              returned: always
              sample: /opt
            resolved_path:
              description: RV(ansible_facts.eformidling_resources.disk[].measured_path) with symbolic links resolved,
                when that differs.
              type: str
              returned: when different
            exists:
              description: Whether the path asked for exists.
              type: bool
              returned: always
            mount_point:
              description: Mount point of the filesystem holding the measured path.
              type: str
              returned: always
              sample: /
            fstype:
              description: Filesystem type from mountinfo.
              type: str
              returned: always
              sample: ext4
            source:
              description: Mount source (device) from mountinfo.
              type: str
              returned: when the mount was found
            total_bytes:
              description: Size of the filesystem (as C(df -B1) reports it).
              type: int
              returned: always
            free_bytes:
              description: Free bytes, including those reserved for root.
              type: int
              returned: always
            available_bytes:
              description: Bytes available to unprivileged users (the C(df) Available column).
              type: int
              returned: always
            inodes_total:
              description: Total inodes.
              type: int
              returned: success
            inodes_free:
              description: Free inodes.
              type: int
              returned: always
            read_only:
              description: Whether the filesystem is mounted read-only.
              type: bool
              returned: always
            notes:
              description: Caveats, for example a path that does not exist yet, tmpfs, overlay, a bind mount, read-only.
              type: list
              elements: str
              returned: always
        platform:
          description: Operating system, init system and virtualisation.
          returned: always
          type: dict
          contains:
            available:
              description: Always V(true) unless collection failed unexpectedly.
              type: bool
              returned: always
            reason:
              description: Why the section is not available.
              type: str
              returned: when the section is not available
            system:
              description: Kernel name, as C(ansible_system).
              type: str
              returned: success
              sample: Linux
            os_family:
              description: OS family, as C(ansible_os_family).
              type: str
              returned: success
              sample: Debian
            distribution:
              description: Distribution, as C(ansible_distribution).
              type: str
              returned: success
              sample: Debian
            distribution_version:
              description: Distribution version, as C(ansible_distribution_version).
              type: str
              returned: success
              sample: '12.11'
            pid1:
              description: Command name of PID 1 (C(/proc/1/comm)).
              type: str
              returned: success
              sample: systemd
            systemd_pid1:
              description: Whether PID 1 is systemd.
              type: bool
              returned: success
            systemd_booted:
              description: Whether C(/run/systemd/system) exists (the test C(sd_booted) uses).
              type: bool
              returned: success
            virtualization:
              description: Virtualisation and containers.
              type: dict
              returned: success
              contains:
                type:
                  description: Container type if in a container, else hypervisor type if a guest, else V(kvm) for a
                    host with C(/dev/kvm), else V(none).
                  type: str
                  sample: docker
                role:
                  description: One of V(container), V(guest), V(host), V(none).
                  type: str
                  sample: container
                container_type:
                  description: Container type found, or V(null).
                  type: str
                vm_type:
                  description: Hypervisor found, or V(null). V(unknown) when only the CPU C(hypervisor) flag says so.
                  type: str
                evidence:
                  description: How it was found (C(systemd-detect-virt), C(/.dockerenv), C(/run/.containerenv),
                    C(/run/systemd/container), C(/proc/1/cgroup), DMI, CPU flags).
                  type: list
                  elements: str
        runtimes:
          description: Java runtimes and the container engine.
          returned: always
          type: dict
          contains:
            available:
              description: Whether any Java runtime or container engine was found.
              type: bool
              returned: always
            reason:
              description: Why nothing was found.
              type: str
              returned: when the section is not available
            java:
              description: Java runtimes.
              type: dict
              returned: success
              contains:
                available:
                  description: Whether at least one working C(java) was found.
                  type: bool
                reason:
                  description: Why none was found.
                  type: str
                  returned: when not available
                best_major:
                  description: The highest major version found.
                  type: int
                  sample: 21
                path_major:
                  description: Major version of the C(java) on E(PATH), or V(null).
                  type: int
                  sample: 17
                runtimes:
                  description: One item per distinct binary (symbolic links resolved).
                  type: list
                  elements: dict
                  contains:
                    path:
                      description: Path of the C(java) binary, as found.
                      type: str
                      sample: /usr/bin/java
                    real_path:
                      description: RV(ansible_facts.eformidling_resources.runtimes.java.runtimes[].path) with symbolic
                        links resolved.
                      type: str
                    source:
                      description: Where it was first found, V(java_paths), V(path), V(java_home) or V(jvm_dir).
                      type: str
                    sources:
                      description: Every place it was found.
                      type: list
                      elements: str
                    version_string:
                      description: The full output of C(java -version).
                      type: str
                    version:
                      description: The quoted version from the first line, for example V(17.0.15) or V(1.8.0_392).
                      type: str
                    major:
                      description: Parsed major version (V(8) for V(1.8.0_392)), or V(null).
                      type: int
                      sample: 17
                    vendor:
                      description: Vendor or build, when recognisable (Eclipse Temurin, Debian, Oracle, ...).
                      type: str
                    runtime:
                      description: The "Runtime Environment" line.
                      type: str
                    error:
                      description: Why the version could not be read.
                      type: str
                      returned: when the binary did not run or printed no version
            container_engine:
              description: The Docker or Podman engine. An engine that answers is preferred; otherwise Docker before
                Podman.
              type: dict
              returned: success
              contains:
                available:
                  description: Whether a C(docker) or C(podman) binary is on E(PATH).
                  type: bool
                reason:
                  description: Why the engine is missing, not answering, or not probed.
                  type: str
                  returned: when there is something to say
                binary:
                  description: Path of the binary.
                  type: str
                  sample: /usr/bin/docker
                name:
                  description: V(docker) or V(podman).
                  type: str
                version:
                  description: Client version (C(--version)).
                  type: str
                  sample: 28.2.2
                answers:
                  description: Whether the engine answered. V(null) when not probed.
                  type: bool
                server_version:
                  description: Engine (server) version when it answered.
                  type: str
                  returned: when probed
                engines:
                  description: Every engine found, with the same keys.
                  type: list
                  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import resources


def main():
    module = AnsibleModule(
        argument_spec={
            "paths": {"type": "list", "elements": "path", "default": ["/opt/integrasjonspunkt"]},
            "java_paths": {"type": "list", "elements": "path", "default": []},
            "probe_container_engine": {"type": "bool", "default": True},
            "command_timeout": {"type": "int", "default": 10},
        },
        supports_check_mode=True,
    )
    params = module.params
    facts = resources.collect_for_module(
        module, params["paths"], params["java_paths"], params["probe_container_engine"], params["command_timeout"]
    )
    module.exit_json(changed=False, ansible_facts={"eformidling_resources": facts})


if __name__ == "__main__":
    main()
