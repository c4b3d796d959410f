#!/usr/bin/python
# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
---
module: preflight_report
short_description: Summarise the preflight results of every host and write the report files
version_added: 0.1.0
description:
  - Runs on the controller, once. Reads, for each host in O(hosts), the result its preflight task registered,
    C(hostvars[host][result_var]). The result is never read from C(ansible_facts), so a fact cache cannot serve a
    verdict from an earlier run.
  - Gives every host one state. C(ok) when no check failed or errored; C(failed) when a check has status C(fail) or
    C(error) (a crashed check or gathering fails the host); C(error) when the host's preflight task failed, returned
    no check results, or never ran (an earlier task failed or the host was skipped), with the reason;
    C(unreachable) only when the host could not be reached.
  - Counts pass, info, warn, unknown, error and fail with one rule for the summary and every report file.
  - Returns summary lines (the run's environment, services and version, what the exit status means, a line per
    host with its six counts, then the problems grouped by check ID with each host's own measured and required
    values and fix). Endpoint checks of one status that share a cause (no name resolves on the host, an unusable
    proxy) form one group naming every check it holds, with the fix said once; every check keeps its own ID.
  - Writes C(preflight.json), C(preflight-junit.xml) (one testcase per host and check; C(fail) as failure,
    C(error) as error), C(preflight.md) and C(preflight.html) (one self-contained page with a host by check matrix
    that can be filtered by status and host) into O(report_dir) on the controller.
  - The files of one run appear together or not at all. Every file is rendered first, then written to a hidden
    temporary file in O(report_dir) and synced; only then are the previous run's report files (also those of
    formats not chosen this time) removed and the new ones renamed into place. When anything fails, every
    temporary file and every report file is removed, so no earlier run's file can pass for this run's, and the
    task fails naming the file and the error.
  - Values of keys that look like secrets (matching C(pass), C(secret) or C(token)) are redacted in every output.
options:
  hosts:
    description: The hosts to report on, normally C(ansible_play_hosts_all).
    type: list
    elements: str
    required: true
  result_var:
    description:
      - The variable each host's preflight task registered its result in.
      - A host without it is reported as C(error) (its preflight task did not run).
    type: str
    default: preflight_result
  run:
    description:
      - Which run the results are of. C(status) (the M(eformidling.integrasjonspunkt.status) engine's results) names
        the files C(status.json), C(status-junit.xml), C(status.md) and C(status.html) and titles the reports so.
    type: str
    choices: [preflight, status]
    default: preflight
  report_dir:
    description: Directory on the controller for the report files. Nothing is written when empty.
    type: path
  formats:
    description:
      - Which files to write.
      - C(prom) (opt-in) writes C(preflight.prom), Prometheus text for node_exporter's textfile collector
        (C(docs/metrics.md)).
    type: list
    elements: str
    choices: [json, junit, markdown, html, prom]
    default: [json, junit, markdown, html]
  fail_var:
    description:
      - The per-host variable that says whether a host without an ok state is failed by the verdict afterwards,
        for example C(preflight_fail_hosts). When set, the result has RV(verdict_hosts).
      - A host where it is unset, or does not read as a boolean, counts as failing (fail closed).
    type: str
  stats_key:
    description:
      - Publish the per-host verdicts (RV(hosts)) as the run's custom statistics under this key, as
        M(ansible.builtin.set_stats) with C(per_host=false) would, in the same task. AWX/AAP and ansible-runner
        show them as the job's artifacts.
      - The bundled roles use C(eformidling_preflight) and C(eformidling_status).
    type: str
  meta:
    description:
      - Run metadata shown in the reports, for example C(environment), C(services) and C(version).
      - A key left out or empty is taken from the C(settings) of the hosts' results; when the hosts differ, the
        reports list the values per host.
    type: dict
notes:
  - The report files are written in check mode too; they are the controller-side output, not a change on a host.
extends_documentation_fragment:
  - eformidling.integrasjonspunkt.attributes.CONTROLLER
author:
  - eFormidling collection maintainers (@eformidling-ansible)
"""

EXAMPLES = r"""
- name: Check every host
  eformidling.integrasjonspunkt.preflight:
  register: preflight_result

- name: Report on all hosts of the play
  eformidling.integrasjonspunkt.preflight_report:
    hosts: "{{ ansible_play_hosts_all }}"
    result_var: preflight_result
    report_dir: "{{ playbook_dir }}/reports"
    formats: [json, junit, markdown, html]
  run_once: true
  delegate_to: localhost
"""

RETURN = r"""
summary:
  description: The summary, one line per list item.
  returned: always
  type: list
  elements: str
hosts:
  description: Per host, its state and the counts every report shows.
  returned: always
  type: list
  elements: dict
  contains:
    host:
      description: The host.
      type: str
    state:
      description: C(ok), C(failed), C(error) or C(unreachable).
      type: str
    reason:
      description: Why a host in state C(error) or C(unreachable) has no verdict; null otherwise.
      type: str
    counts:
      description: The number of checks per status (pass, info, warn, unknown, error, fail).
      type: dict
    failed_ids:
      description: IDs of the checks that failed.
      type: list
      elements: str
    error_ids:
      description: IDs of the checks that could not be judged because something crashed.
      type: list
      elements: str
meta:
  description: The environment, services and version shown in the reports' header.
  returned: always
  type: dict
ok_hosts:
  description: Hosts in state C(ok).
  returned: always
  type: list
  elements: str
failed_hosts:
  description: Hosts with at least one check with status C(fail) or C(error).
  returned: always
  type: list
  elements: str
error_hosts:
  description: Hosts whose preflight task failed, returned no results or did not run.
  returned: always
  type: list
  elements: str
unreachable_hosts:
  description: Hosts that could not be reached.
  returned: always
  type: list
  elements: str
verdict_hosts:
  description:
    - The hosts a verdict has to visit, the failed and error ones whose O(fail_var) is not false, in host order.
      An ok host has nothing to fail, and an unreachable one is out of the play already.
    - C(playbooks/preflight.yml) runs its verdict play on just these.
  returned: when O(fail_var) is set
  type: list
  elements: str
  sample: [ip2]
ansible_stats:
  description:
    - The custom statistics Ansible records from this task, the mechanism of M(ansible.builtin.set_stats).
      RV(hosts) under O(stats_key), for the whole run.
  returned: when O(stats_key) is set
  type: dict
  sample: {"data": {"eformidling_preflight": [{"host": "ip1", "state": "ok"}]}, "per_host": false, "aggregate": true}
files:
  description: The report files written.
  returned: always
  type: list
  elements: str
  sample: ["/srv/preflight/reports/preflight.json"]
"""
