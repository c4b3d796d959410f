#!/usr/bin/python
# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: status_gather
short_description: Every status fact of one installed integrasjonspunkt in one call, within one time budget
version_added: 0.3.0
description:
  - The target side of the M(eformidling.integrasjonspunkt.status) engine. It collects the service (systemd or the
    container), C(/manage/health) with its components, the running version, the release list, the blocklist, the
    installed keystore, the NTP host's offset, the data directory's disk, the process's memory and the application log's
    errors, collected concurrently inside one budget measured on the monotonic clock.
  - A collector that raises or is still running when the budget is spent is returned under RV(errors), never as a
    section; the engine grades the checks that need it C(error).
  - Read-only. Runs without root; what it cannot read (the keystore, the log) is reported with its reason.
  - Normally called by the engine, not by hand.
author:
  - eFormidling collection maintainers (@eformidling-ansible)
extends_documentation_fragment:
  - eformidling.integrasjonspunkt.attributes
  - eformidling.integrasjonspunkt.attributes.info_module
options:
  run_mode:
    description: C(java) (the systemd unit) or C(docker) (the container).
    type: str
    choices: [java, docker]
    default: java
  unit:
    description: The systemd unit (Java mode).
    type: str
    default: integrasjonspunkt.service
  container_name:
    description: The container (Docker mode).
    type: str
    default: integrasjonspunkt
  docker_host:
    description: The Docker engine's address (Docker mode).
    type: str
  health_url:
    description: The URL of C(/manage/health) on the host (loopback). Empty skips it.
    type: str
    default: ""
  port:
    description: The integrasjonspunkt's API port (C(integrasjonspunkt_port)); the actuator is asked only while the
      role's unit or container holds it.
    type: int
    default: 9093
  actuator_targets:
    description:
      - Where the actuator answers (C(host), C(port), C(scheme)), as the preflight gather takes them; each is asked
        from the host without credentials, never in a way that dumps the heap or shuts it down (RV(actuator)).
        Empty skips it.
    type: list
    elements: dict
    default: []
  install_dir:
    description: The install directory (the current JAR link, the lifecycle records).
    type: path
    required: true
  keystore_path:
    description: The installed keystore. Empty reads none.
    type: path
  data_dir:
    description: Where the H2 database, the ActiveMQ store and the message files grow.
    type: path
    required: true
  log_file:
    description: The application log on the host. Empty reads none.
    type: path
  log_since:
    description: Count log errors from this time on (seconds since the epoch).
    type: float
    default: 0
  ntp_host:
    description: The NTP host the integrasjonspunkt checks its clock against. Empty probes none.
    type: str
    default: ""
  ntp_port:
    description: The NTP host's UDP port.
    type: int
    default: 123
  releases_url:
    description: The GitHub releases API URL. Empty fetches no release list (the offline option).
    type: str
    default: ""
  proxy:
    description: The proxy the integrasjonspunkt's JVM uses; the release list is fetched through it.
    type: str
  no_proxy:
    description: Hosts that bypass O(proxy), comma-separated.
    type: str
  ca_file:
    description: Extra CA bundle for the release list (TLS-inspecting proxies).
    type: path
  timeout:
    description: Timeout of each network step, in seconds; the budget is derived from it.
    type: float
    default: 5.0
"""

EXAMPLES = r"""
- name: Gather the status facts (normally the status action does this)
  eformidling.integrasjonspunkt.status_gather:
    install_dir: /opt/integrasjonspunkt
    data_dir: /var/lib/integrasjonspunkt
    health_url: https://127.0.0.1:9093/manage/health
  register: gathered
"""

RETURN = r"""
service:
  description: The unit's or container's state (C(running), C(active), C(since), C(restarts), C(pid)).
  returned: when the collector finished
  type: dict
health:
  description: C(http_status) and C(body) of /manage/health, or C(reason).
  returned: when O(health_url) is set and the collector finished
  type: dict
version:
  description: The running version and where it was read (C(version), C(source)), or C(reason).
  returned: when the collector finished
  type: dict
releases:
  description: The release list (C(releases)), or C(reason).
  returned: when O(releases_url) is set and the collector finished
  type: dict
blocklist:
  description: The host's blocklist entries (C(entries)), or C(reason).
  returned: when the collector finished
  type: dict
keystore:
  description: The keystore's bytes as C(data_b64), or C(reason). The engine drops them from its result.
  returned: when O(keystore_path) is set and the collector finished
  type: dict
actuator:
  description: What the actuator answered without credentials, per endpoint (security.actuator), or why it was not
    asked.
  returned: when O(actuator_targets) is given and the collector finished
  type: dict
ntp_probe:
  description: The probe of O(ntp_host).
  returned: when O(ntp_host) is set and the probe finished
  type: dict
disk:
  description: C(free_bytes), C(total_bytes), C(data_bytes) of the data directory.
  returned: when the collector finished
  type: dict
memory:
  description: C(rss_bytes) and C(heap_limit_bytes) of the main process.
  returned: when the collector finished
  type: dict
log:
  description: C(total) ERROR entries since O(log_since), C(groups) by logger and fingerprint (no message text).
  returned: when O(log_file) is set and the collector finished
  type: dict
errors:
  description: Collectors that raised or did not finish within the budget, by name, with C(message) and C(exception).
  returned: always
  type: dict
budget_seconds:
  description: The worst case this call was allowed.
  returned: always
  type: float
elapsed_seconds:
  description: How long the call took (monotonic clock).
  returned: always
  type: float
"""

import sys
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import gather

ARGUMENT_SPEC = {
    "run_mode": {"type": "str", "choices": ["java", "docker"], "default": "java"},
    "unit": {"type": "str", "default": "integrasjonspunkt.service"},
    "container_name": {"type": "str", "default": "integrasjonspunkt"},
    "docker_host": {"type": "str"},
    "health_url": {"type": "str", "default": ""},
    "port": {"type": "int", "default": 9093},
    "actuator_targets": {"type": "list", "elements": "dict", "default": []},
    "install_dir": {"type": "path", "required": True},
    "keystore_path": {"type": "path"},
    "data_dir": {"type": "path", "required": True},
    "log_file": {"type": "path"},
    "log_since": {"type": "float", "default": 0},
    "ntp_host": {"type": "str", "default": ""},
    "ntp_port": {"type": "int", "default": 123},
    "releases_url": {"type": "str", "default": ""},
    "proxy": {"type": "str", "no_log": False},
    "no_proxy": {"type": "str"},
    "ca_file": {"type": "path"},
    "timeout": {"type": "float", "default": 5.0},
}


def budget_seconds(timeout):
    """One network step (health, release list, NTP burst) plus the slack for the host facts."""
    return float(timeout) + gather.SLACK_SECONDS


def running_version(params, service):
    """The running version: the current JAR link (java), or the container's image (docker)."""
    from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import status_probe  # noqa: PLC0415

    if params["run_mode"] == "docker":
        if not service.get("available") or not service.get("exists"):
            return {"available": False, "reason": "no container to read the version from"}
        return status_probe.version_from_image(service.get("image"), service.get("labels"))
    return status_probe.version_from_jar_link(params["install_dir"].rstrip("/") + "/integrasjonspunkt.jar")


def service_and_process(run, which, params, proc_root="/proc"):
    """{service, version, memory}: the process facts that follow from the unit's or container's state."""
    from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import status_probe  # noqa: PLC0415

    if params["run_mode"] == "docker":
        service = status_probe.container_state(run, which("docker"), params["docker_host"], params["container_name"])
    else:
        service = status_probe.service_state(run, which("systemctl"), params["unit"])
    memory = status_probe.process_memory(service.get("pid"), proc_root) if service.get("available") else None
    if memory is not None and service.get("memory_limit_bytes"):
        memory["container_limit_bytes"] = service["memory_limit_bytes"]
    out = {"service": service, "version": running_version(params, service)}
    out["memory"] = memory or {"available": False, "reason": "the service's state could not be read"}
    return out


def build_jobs(module, params, deadline):
    """[(name, function, args, kwargs)] of every collector of this call."""
    from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import (  # noqa: PLC0415
        actuator_probe,
        listening,
        resources,
        sntp,
        status_logs,
        status_probe,
    )

    timeout = params["timeout"]
    run, which = resources.module_tools(module, max(0.5, timeout))
    jobs = [
        ("process", service_and_process, (run, which, params), {}),
        ("blocklist", status_probe.blocklist, (params["install_dir"],), {}),
        ("disk", status_probe.data_disk, (params["data_dir"],), {}),
    ]
    if params["health_url"]:
        jobs.append(("health", status_probe.health, (params["health_url"], timeout), {}))
    if params["actuator_targets"]:
        # The same collector as preflight's security.actuator: asked only while the role's unit or container holds
        # the port.
        owner = listening.owner_for(params["run_mode"], params["container_name"], params["docker_host"], run, which)

        def port_info():
            return listening.collect(params["port"], owner=owner)

        jobs.append(
            (
                "actuator",
                actuator_probe.collect,
                (port_info, params["actuator_targets"]),
                {"timeout": timeout, "deadline": deadline},
            )
        )
    if params["releases_url"]:
        kwargs = {"proxy": params["proxy"], "no_proxy": params["no_proxy"], "ca_file": params["ca_file"]}
        jobs.append(("releases", status_probe.fetch_releases, (params["releases_url"], timeout), kwargs))
    if params["keystore_path"]:
        jobs.append(("keystore", status_probe.keystore, (params["keystore_path"],), {}))
    if params["log_file"]:
        jobs.append(("log", status_logs.log_errors, (params["log_file"], params["log_since"]), {}))
    if params["ntp_host"]:
        spec = gather.ntp_spec(params["ntp_host"].strip(), params["ntp_port"])
        ntp_timeout = min(timeout, gather.NTP_TIMEOUT_CAP)
        jobs.append(
            ("ntp_probe", sntp.probe_server, (spec, gather.NTP_SAMPLES, ntp_timeout, "auto"), {"deadline": deadline})
        )
    return jobs


def shape_result(answers, errors):
    """The module's result (pure): every finished section; the process collector's three sections, or its error
    under each of their names, so the checks that need them are `error`, never judged on nothing."""
    out = {"changed": False, "errors": dict(errors)}
    process = answers.pop("process", None)
    if process is not None:
        answers.update(process)
    elif "process" in errors:
        for name in ("service", "version", "memory"):
            out["errors"][name] = errors["process"]
    from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import status_probe  # noqa: PLC0415

    for name in status_probe.SECTIONS:
        if name in answers:
            out[name] = answers[name]
    return out


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    refusal = gather.python_refusal(sys.version_info, sys.executable)
    if refusal:
        module.fail_json(msg=refusal, unsupported_python=True)
    from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import noproxy  # noqa: PLC0415

    params = module.params
    for secret in noproxy.url_secrets(params["proxy"]):
        module.no_log_values.add(secret)
    started = time.monotonic()
    budget = budget_seconds(params["timeout"] if params["timeout"] and params["timeout"] > 0 else 5.0)
    running = gather.Collectors()
    for name, func, args, kwargs in build_jobs(module, params, started + budget - gather.SLACK_SECONDS):
        running.start(name, func, *args, **kwargs)
    answers, errors = running.finish(started + budget, budget)
    out = shape_result(answers, errors)
    out.update(budget_seconds=round(budget, 3), elapsed_seconds=round(time.monotonic() - started, 3))
    module.exit_json(**out)


if __name__ == "__main__":
    main()
