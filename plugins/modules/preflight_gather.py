#!/usr/bin/python
# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: preflight_gather
short_description: Every preflight fact of one host in one call, within one time budget
version_added: 0.2.0
description:
  - The target side of the M(eformidling.integrasjonspunkt.preflight) engine. It runs the same collectors as
    M(eformidling.integrasjonspunkt.resource_facts), M(eformidling.integrasjonspunkt.timesync_facts),
    M(eformidling.integrasjonspunkt.inbound_port_info) and M(eformidling.integrasjonspunkt.connectivity_info)
    concurrently, in one process, inside one budget measured on the monotonic clock (never the wall clock, which
    may be the very thing that is wrong on the host).
  - B(Budget.) The call returns within RV(budget_seconds) = the connectivity probe budget for O(timeout) plus 2 s
    for the host facts. A collector still running then, or one that raised, is not returned as a section but
    under RV(errors) with its reason and traceback, and the engine grades the checks that need it C(error).
  - B(The NTP host is probed once.) O(ntp_host) (C(integrasjonspunkt_ntp_host)) gets 3 SNTP packets; the answer
    feeds both the catalogue's C(ntp) endpoint result and the time facts' C(probes).
  - Refuses, with the interpreter and the fix named, to run on Python below 3.8.
  - Normally called by the engine, not by hand. Read-only; needs no root.
author:
  - eFormidling collection maintainers (@eformidling-ansible)
extends_documentation_fragment:
  - eformidling.integrasjonspunkt.attributes
  - eformidling.integrasjonspunkt.attributes.info_module
options:
  endpoints:
    description:
      - Catalogue entries to probe (as the C(eformidling.integrasjonspunkt.endpoints) lookup returns them).
        Entries with protocol C(udp-ntp) are answered from the one probe of O(ntp_host).
    type: list
    elements: dict
    default: []
  ntp_host:
    description: The host the integrasjonspunkt checks its clock against (C(difi.move.ntp.host)). Empty probes none.
    type: str
    default: ""
  ntp_port:
    description: The NTP host's UDP port. The integrasjonspunkt uses 123; another port is for tests.
    type: int
    default: 123
  ntp_servers:
    description:
      - Further NTP servers to probe for the time checks. Not given, the time daemon's configured servers.
    type: list
    elements: str
  timeout:
    description: Timeout of each probe step, in seconds; the budget is derived from it.
    type: float
    default: 5.0
  http:
    description: Send an HTTP HEAD over the TLS connection of https endpoints.
    type: bool
    default: true
  proxy:
    description:
      - The proxy the integrasjonspunkt's JVM will use (C(integrasjonspunkt_proxy)). The process environment's
        C(*_proxy) variables are ignored, because the JVM ignores them.
    type: str
  no_proxy:
    description: Hosts, domain suffixes and CIDRs that bypass O(proxy), comma-separated.
    type: str
  ca_file:
    description: Extra CA bundle to verify the endpoints' certificates with (TLS-inspecting proxies).
    type: path
  paths:
    description: The integrasjonspunkt's directories by role (C(install), C(data), C(logs), C(temp)).
    type: dict
    default: {}
  service_user:
    description:
      - The user the integrasjonspunkt runs as (a name, or C(uid:gid)). When set, the owner, mode and writability for
        that user of every O(paths) directory are read (RV(directories)).
    type: str
    default: ""
  java_paths:
    description: Extra Java binaries to inspect (C(integrasjonspunkt_java_path)).
    type: list
    elements: path
    default: []
  container_engine:
    description: Ask docker or podman whether the engine answers.
    type: bool
    default: true
  docker_host:
    description: The Docker engine's socket the install will use (C(integrasjonspunkt_docker_host)), for C(docker -H).
    type: str
  port:
    description: The inbound port of the integrasjonspunkt.
    type: int
    default: 9093
  container_name:
    description:
      - Docker mode (O(docker_host) set), the role's container (C(integrasjonspunkt_container_name)); a process in
        its cgroup, or its docker-proxy, holding O(port) is the integrasjonspunkt itself. In Java mode that is the
        systemd unit C(integrasjonspunkt.service).
    type: str
    default: integrasjonspunkt
  chronyc_host:
    description: chronyd command socket or host for C(chronyc -h) (a non-default chronyd).
    type: str
  chronyc_port:
    description: chronyd command port for C(chronyc -p).
    type: int
  resolve:
    description: Fixed addresses for host names, instead of DNS (tests, split-horizon set-ups).
    type: dict
    default: {}
  command_timeout:
    description: Timeout of each local command (chronyc, timedatectl, java -version, docker), in seconds.
    type: float
    default: 5.0
  identity:
    description:
      - The identity probe's targets (none of them secret) C(token_url), C(registry_url), C(org_number),
        C(grant_type) and C(signed). With O(identity_grant), the host posts the grant to the token URL through
        O(proxy), looks up C(<registry_url>/virksert/<org_number>) with the token, and with a signed answer
        reads C(<registry_url>/jwk). The access token never leaves this process.
    type: dict
  actuator_targets:
    description:
      - Where the integrasjonspunkt's actuator answers (C(host), C(port), C(scheme) http or https), the API port and
        the separate management port, if any. Asked only when the role's integrasjonspunkt holds O(port), from this
        host, without credentials, and never in a way that dumps the heap or shuts it down (RV(actuator)). Empty
        asks nothing.
    type: list
    elements: dict
    default: []
  identity_grant:
    description:
      - The signed Maskinporten JWT grant (made by the engine on the controller, valid for at most 120 s).
        Empty runs no identity probe.
    type: str
"""

EXAMPLES = r"""
- name: Gather every preflight fact (normally the preflight action does this)
  eformidling.integrasjonspunkt.preflight_gather:
    endpoints: "{{ lookup('eformidling.integrasjonspunkt.endpoints', environment='test') }}"
    ntp_host: time.google.com
    paths:
      data: /var/lib/integrasjonspunkt
      logs: /var/log/integrasjonspunkt
      install: /opt/integrasjonspunkt
      temp: /tmp
  register: gathered
"""

RETURN = r"""
resources:
  description: As C(ansible_facts.eformidling_resources) of M(eformidling.integrasjonspunkt.resource_facts).
  returned: when the collector finished
  type: dict
timesync:
  description: As C(ansible_facts.eformidling_timesync) of M(eformidling.integrasjonspunkt.timesync_facts).
  returned: when the collector finished
  type: dict
port:
  description: As the result of M(eformidling.integrasjonspunkt.inbound_port_info).
  returned: when the collector finished
  type: dict
directories:
  description:
    - C(user) (name, exists, uid, gids) and, per O(paths) role, the directory's C(path), C(exists), C(owner_uid),
      C(owner_gid), C(mode), C(writable) (by the mode bits; null when not decidable) and C(reason).
  returned: when O(service_user) is set and the collector finished
  type: dict
actuator:
  description:
    - C(running) (whether the role's integrasjonspunkt holds O(port); null when that cannot be told), C(reason) when
      it was not asked, and per target C(answers), each C(endpoint), C(method), C(path) and C(status) or C(error).
  returned: when O(actuator_targets) is given and the collector finished
  type: dict
connectivity:
  description: C(endpoints), one result per O(endpoints) entry, as M(eformidling.integrasjonspunkt.connectivity_info).
  returned: when the collector finished
  type: dict
ntp_probe:
  description: The one probe of O(ntp_host).
  returned: when O(ntp_host) is set and the probe finished
  type: dict
resolver:
  description: The resolver the host uses (C(nameservers), C(search), C(source)).
  returned: always
  type: dict
errors:
  description:
    - Collectors that raised or did not finish within the budget, by name, each with C(message) and C(exception).
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
python:
  description: The interpreter that ran the collectors (C(version), C(executable)).
  returned: always
  type: dict
identity:
  description:
    - The identity probe, one record per step (C(token), C(virksert), C(jwk)), each with C(outcome) (C(ok),
      C(http), C(network), C(error) or C(skipped)). C(token) holds Maskinporten's C(error) and
      C(error_description) or the granted C(scope), never the token itself; C(virksert) the directory's answer
      (a public certificate, plain or as JWS); C(jwk) the service registry's public keys.
  returned: when O(identity_grant) was given and the probe finished
  type: dict
"""

import platform
import sys
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import gather

ARGUMENT_SPEC = {
    "endpoints": {"type": "list", "elements": "dict", "default": []},
    "ntp_host": {"type": "str", "default": ""},
    "ntp_port": {"type": "int", "default": 123},
    "ntp_servers": {"type": "list", "elements": "str"},
    "timeout": {"type": "float", "default": 5.0},
    "http": {"type": "bool", "default": True},
    "proxy": {"type": "str", "no_log": False},
    "no_proxy": {"type": "str"},
    "ca_file": {"type": "path"},
    "paths": {"type": "dict", "default": {}},
    "service_user": {"type": "str", "default": ""},
    "java_paths": {"type": "list", "elements": "path", "default": []},
    "container_engine": {"type": "bool", "default": True},
    "port": {"type": "int", "default": 9093},
    "container_name": {"type": "str", "default": "integrasjonspunkt"},
    "docker_host": {"type": "str"},
    "chronyc_host": {"type": "str"},
    "chronyc_port": {"type": "int"},
    "resolve": {"type": "dict", "default": {}},
    "command_timeout": {"type": "float", "default": 5.0},
    "identity": {"type": "dict"},
    "identity_grant": {"type": "str", "no_log": True},
    "actuator_targets": {"type": "list", "elements": "dict", "default": []},
}


def port_owner(module, params, command_timeout):
    """What holds the port when it is the integrasjonspunkt: the role's unit, or in Docker mode its container."""
    from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import (  # noqa: PLC0415
        engine_api,
        listening,
        resources,
    )

    run, which = resources.module_tools(module, command_timeout)
    mode = "docker" if params["docker_host"] else "java"
    return listening.owner_for(
        mode, params["container_name"], params["docker_host"], run, which, port=params["port"], api=engine_api
    )


def parse_args():
    """The AnsibleModule of this call; refuses (fail_json) on a Python below 3.8, naming it and the fix."""
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    refusal = gather.python_refusal(sys.version_info, sys.executable)
    if refusal:
        module.fail_json(msg=refusal, unsupported_python=True, python={"version": platform.python_version()})
    return module


def plan_run(params, started, probe_budget):
    """The budget and the endpoint lists of this call (pure): what each collector gets.

    `probe_budget` is netprobe.budget_seconds: the probes' worst case for a per-step timeout.
    """
    timeout = params["timeout"] if params["timeout"] and params["timeout"] > 0 else 5.0
    budget = gather.budget_seconds(timeout, probe_budget)
    probe_deadline = started + probe_budget(timeout)
    deadline = started + budget
    command_timeout = max(0.5, params["command_timeout"])
    ntp_host = (params["ntp_host"] or "").strip()
    ntp_port = params["ntp_port"]
    spec = gather.ntp_spec(ntp_host, ntp_port)
    endpoints = params["endpoints"] or []
    # Entries for the NTP host itself are answered by its one probe; any other NTP entry is probed as usual.
    ntp_entries = [e for e in endpoints if gather.is_ntp_host_entry(e, ntp_host, ntp_port)]
    probed = [e for e in endpoints if not gather.is_ntp_host_entry(e, ntp_host, ntp_port)]
    # Docker pulls the image, not the JVM: the registry endpoints go through the engine's own proxy.
    registry = [e for e in probed if gather.is_registry_entry(e)] if params["docker_host"] else []
    probed = [e for e in probed if not (params["docker_host"] and gather.is_registry_entry(e))]
    ntp_timeout = min(timeout, gather.NTP_TIMEOUT_CAP)
    paths = params["paths"] or {}
    unique_paths = []
    for path in paths.values():
        if path and path not in unique_paths:
            unique_paths.append(path)
    return {
        "started": started,
        "timeout": timeout,
        "budget": budget,
        "probe_deadline": probe_deadline,
        "deadline": deadline,
        "command_timeout": command_timeout,
        "ntp_host": ntp_host,
        "spec": spec,
        "ntp_entries": ntp_entries,
        "probed": probed,
        "registry": registry,
        "ntp_timeout": ntp_timeout,
        "unique_paths": unique_paths,
        # The time collector skips the NTP host; its record is the one probe, filled in by shape_result.
        "pending": {"server": spec, "pending": True},
    }


def build_jobs(module, params, plan):
    """(name, function, args, kwargs) of every collector this call starts, in start order: a generator.

    The collectors that wait on the network come first; the host collectors' code is imported only after they
    are yielded. run_jobs starts each job as it comes, so that import (compiled from source on every call: the
    payload is a zip) runs while the probes wait instead of before they start.
    """
    # Imported here, after parse_args checked the interpreter: these need Python 3.8.
    from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import (  # noqa: PLC0415
        identity_probe,
        netprobe,
        sntp,
    )

    timeout, probe_deadline, command_timeout = plan["timeout"], plan["probe_deadline"], plan["command_timeout"]
    ntp_host, spec, ntp_timeout = plan["ntp_host"], plan["spec"], plan["ntp_timeout"]
    probed, registry, unique_paths, pending = plan["probed"], plan["registry"], plan["unique_paths"], plan["pending"]
    if ntp_host:
        yield (
            "ntp_probe",
            sntp.probe_server,
            (spec, gather.NTP_SAMPLES, ntp_timeout, "auto"),
            {"deadline": probe_deadline},
        )
    yield (
        "connectivity",
        netprobe.probe_all,
        (probed,),
        {
            "timeout": timeout,
            "proxy": params["proxy"],
            "no_proxy": params["no_proxy"],
            "ca_file": params["ca_file"],
            "http": params["http"],
            "resolve_map": params["resolve"] or {},
            "deadline": probe_deadline,
            "use_environment": False,
        },
    )
    if registry:
        from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import resources  # noqa: PLC0415

        run_cli, which_cli = resources.module_tools(module, command_timeout)
        yield (
            "registry",
            gather.probe_registry,
            (netprobe.probe_all, run_cli, which_cli("docker"), params["docker_host"], registry),
            {
                "timeout": timeout,
                "ca_file": params["ca_file"],
                "http": params["http"],
                "resolve_map": params["resolve"] or {},
                "deadline": probe_deadline,
                "use_environment": False,
            },
        )
    identity = params["identity"] or {}
    if params["identity_grant"]:
        yield (
            "identity",
            identity_probe.probe,
            (
                params["identity_grant"],
                str(identity.get("token_url") or ""),
                str(identity.get("registry_url") or ""),
                str(identity.get("org_number") or ""),
            ),
            {
                "grant_type": str(identity.get("grant_type") or ""),
                "timeout": timeout,
                "deadline": probe_deadline,
                "proxy": params["proxy"],
                "no_proxy": params["no_proxy"],
                "ca_file": params["ca_file"],
                "signed": bool(identity.get("signed", True)),
            },
        )
    from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import (  # noqa: PLC0415
        actuator_probe,
        dirperms,
        lifecycle_records,
        listening,
        resources,
        timesync_collect,
    )

    yield (
        "resources",
        resources.collect_for_module,
        (
            module,
            unique_paths,
            params["java_paths"],
            params["container_engine"],
            command_timeout,
            params["docker_host"],
        ),
        {},
    )
    yield ("port", listening.collect, (params["port"],), {"owner": port_owner(module, params, command_timeout)})
    if params.get("actuator_targets"):
        # Its own owner lookup: listening.collect consumes the one it is given.
        owner = port_owner(module, params, command_timeout)
        yield (
            "actuator",
            actuator_probe.collect,
            (lambda: listening.collect(params["port"], owner=owner), params["actuator_targets"]),
            {"timeout": timeout, "deadline": probe_deadline},
        )
    if params.get("service_user"):
        yield ("directories", dirperms.collect, (params["paths"] or {}, params["service_user"]), {})
    if (params["paths"] or {}).get("install"):  # lifecycle.blocklist: the versions that failed to start here
        yield ("lifecycle", lifecycle_records.collect, ((params["paths"] or {})["install"],), {})
    yield (
        "timesync",
        timesync_collect.gather,
        (timesync_collect.run_command, timesync_collect.which),
        {
            "ntp_servers": params["ntp_servers"],
            "check_host": spec,
            "probe": True,
            "probe_timeout": ntp_timeout,
            "probe_samples": gather.NTP_SAMPLES,
            "probe_client": "auto",
            "chronyc_host": params["chronyc_host"],
            "chronyc_port": params["chronyc_port"],
            "reference_time_max_age": None,
            "deadline": probe_deadline,
            "command_timeout": command_timeout,
            "probes_done": {spec: pending} if ntp_host else None,
        },
    )


def run_jobs(jobs, deadline, budget, collectors=None):
    """({name: answer}, {name: error}): every job in its own thread, collected by the deadline.

    A job that raised or is still running at the deadline is in the errors (gather.Collectors), never an answer.
    """
    running = collectors if collectors is not None else gather.Collectors()
    for name, func, args, kwargs in jobs:
        running.start(name, func, *args, **kwargs)
    return running.finish(deadline, budget)


def shape_result(answers, errors, plan):
    """The module's result from the collectors' answers and errors (pure). Fail closed: an entry whose
    collector failed is kept, as an `error` naming why, never dropped."""
    registry, ntp_entries, pending = plan["registry"], plan["ntp_entries"], plan["pending"]
    out = {"changed": False, "errors": errors}
    for name in ("resources", "timesync", "port", "identity", "directories", "actuator", "lifecycle"):
        if name in answers:
            out[name] = answers[name]
    probe = answers.get("ntp_probe")
    if probe is not None:
        out["ntp_probe"] = probe
    if "timesync" in out:
        out["timesync"]["probes"] = gather.fill_pending(out["timesync"].get("probes"), pending, probe)
    if "connectivity" in answers:
        results = list(answers["connectivity"])
        if registry:
            if "registry" in answers:
                results += answers["registry"]
            else:  # keep every registry entry, each an error naming why (never silently missing)
                reason = (errors.get("registry") or {}).get("message") or "the registry probe did not run"
                results += [
                    {"name": e.get("name"), "ok": False, "status": "error", "message": reason} for e in registry
                ]
        for entry in ntp_entries:
            if probe is not None:
                results.append(gather.ntp_endpoint_result(entry, probe))
            else:
                reason = (errors.get("ntp_probe") or {}).get("message") or "the NTP host was not probed"
                results.append(
                    dict(
                        gather.ntp_endpoint_result(entry, {"error": reason, "error_kind": "error", "resolved": False}),
                        exception=(errors.get("ntp_probe") or {}).get("exception"),
                    )
                )
        out["connectivity"] = {"endpoints": results}
    return out


def call_facts(plan, now):
    """What every call returns besides the collectors: the resolver, the interpreter, the budget and the time."""
    return {
        "resolver": gather.read_resolver(),
        "python": {"version": platform.python_version(), "executable": sys.executable},
        "budget_seconds": round(plan["budget"], 3),
        "elapsed_seconds": round(now - plan["started"], 3),
    }


def main():
    module = parse_args()
    from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import (  # noqa: PLC0415
        netprobe,
        noproxy,
    )

    params = module.params
    plan = plan_run(params, time.monotonic(), netprobe.budget_seconds)
    for secret in noproxy.url_secrets(params["proxy"]):
        module.no_log_values.add(secret)
    answers, errors = run_jobs(build_jobs(module, params, plan), plan["deadline"], plan["budget"])
    out = shape_result(answers, errors, plan)
    out.update(call_facts(plan, time.monotonic()))
    module.exit_json(**out)


if __name__ == "__main__":
    main()
