# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Lookup: the eFormidling endpoints an integrasjonspunkt needs, from the collection's catalogue."""

DOCUMENTATION = r"""
name: endpoints
short_description: The outbound endpoints an integrasjonspunkt needs, by environment, services and version
version_added: 0.1.0
description:
  - Reads the collection's endpoint catalogue (C(data/endpoints.yml)), built from Digdir's environment pages and
    the integrasjonspunkt configuration files, with the source of every entry and notes on conflicts.
  - Selects the entries for one O(environment), applies inventory O(overrides) (add, replace by name, drop by
    name with a reason), then keeps the entries needed by the enabled O(services), the integrasjonspunkt
    O(version) and the O(phase).
  - Returns B(one) list of endpoint dicts ready for the
    O(eformidling.integrasjonspunkt.connectivity_info#module:endpoints) option. The C(lookup) function returns
    that list; the C(query) function returns a one-element list holding it.
  - Every entry has C(name), C(host), C(port), C(protocol), C(ips), C(environments), C(services), C(versions),
    C(phase), C(severity), C(purpose), C(source), and optionally C(note), C(use_proxy), C(jvm_proxy) and
    C(proxy_reason).
  - An invalid catalogue, an invalid override or an unknown name in C(replace)/C(drop) fails with a message
    that names the entry and the field.
author:
  - eFormidling collection maintainers (@eformidling-ansible)
options:
  _terms:
    description: Not used; give no positional terms.
    required: false
  environment:
    description:
      - C(production) or C(test) (the integrasjonspunkt's C(staging) profile).
      - Aliases C(prod), C(staging) and C(qa).
    type: str
    required: true
  services:
    description:
      - The enabled message services (C(difi.move.feature.enableDPx=true)) among C(DPO), C(DPV), C(DPI), C(DPF),
        C(DPE), C(DPH), C(DPFIO). Entries needed by every installation are always selected.
      - Omit to select the entries of every service.
    type: list
    elements: str
  version:
    description:
      - The integrasjonspunkt version, for example C(4.0.8). Entries whose C(versions) range excludes it are left
        out. Omit to select the entries of every version.
    type: str
  phase:
    description:
      - C(runtime) (the running integrasjonspunkt), C(install) (release downloads, container registry) or C(all).
    type: str
    default: runtime
    choices: [runtime, install, all]
  run_mode:
    description:
      - C(java) or C(docker). Entries that only one install method needs (the GitHub release download, the
        Temurin repository, the container registry) are left out for the other. Omit for both.
    type: str
    choices: [java, docker]
  overrides:
    description:
      - "Inventory changes: C(add) (list of new entries; missing fields default to every environment, C([all]) services,
        every version, runtime, severity fail, source C(inventory override)), C(replace) (list of entries matched by
        C(name) whose keys are merged over the catalogue entry) and C(drop) (list of C({name, reason}); the reason is
        required)."
      - Unknown names in C(replace) or C(drop) are errors, so a typo never silently keeps an endpoint.
      - Names are matched among the entries of O(environment), before filtering by services and version.
    type: dict
    default: {}
  include_dropped:
    description:
      - Also return the dropped entries that would otherwise have been selected, each with a C(dropped) key
        holding the reason. M(eformidling.integrasjonspunkt.connectivity_info) reports them as C(skipped).
    type: bool
    default: false
  ntp_host:
    description:
      - The integrasjonspunkt's NTP host (C(difi.move.ntp.host), normally from C(integrasjonspunkt_ntp_host)).
        The catalogue's C(ntp) entry is pointed at it, before O(overrides) are applied.
      - Omit to keep the catalogue's C(time.google.com), the integrasjonspunkt's default.
    type: str
  catalogue:
    description: Path of another catalogue file in the same format. Defaults to the collection's C(data/endpoints.yml).
    type: path
notes:
  - The catalogue's IP addresses are informational (Digdir changes them); probe by name and read
    RV(eformidling.integrasjonspunkt.connectivity_info#module:endpoints[].undocumented_addresses).
seealso:
  - module: eformidling.integrasjonspunkt.connectivity_info
"""

EXAMPLES = r"""
- name: Runtime endpoints of a production integrasjonspunkt 4.0.8 with DPO and DPI
  ansible.builtin.debug:
    msg: "{{ lookup('eformidling.integrasjonspunkt.endpoints', environment='production',
             services=['DPO', 'DPI'], version='4.0.8') | map(attribute='host') | list }}"

- name: Probe them, with local changes from inventory
  eformidling.integrasjonspunkt.connectivity_info:
    endpoints: >-
      {{ lookup('eformidling.integrasjonspunkt.endpoints', environment='test', services=['DPF'],
                version='4.0.8', include_dropped=true,
                overrides={
                  'replace': [{'name': 'ntp', 'host': 'ntp.example.internal'}],
                  'drop': [{'name': 'logs', 'reason': 'central logging disabled (difi.move.logging off)'}],
                  'add': [{'name': 'archive', 'host': 'archive.example.internal', 'port': 8443,
                           'protocol': 'https', 'source': 'our sak/arkiv system'}]}) }}
    http: true

- name: Where the installer downloads from
  ansible.builtin.debug:
    msg: "{{ lookup('eformidling.integrasjonspunkt.endpoints', environment='production', version='4.0.8',
             phase='install') }}"
"""

RETURN = r"""
_raw:
  description:
    - The selected endpoint dicts, in catalogue order (added entries last, dropped ones after them with
      O(include_dropped=true)).
  type: list
  elements: dict
  contains:
    name: {description: Unique name within an environment., type: str}
    host: {description: Host name., type: str}
    port: {description: Port., type: int}
    protocol: {description: "https, tls, tcp, http, amqps or udp-ntp.", type: str}
    ips: {description: Documented IP addresses or CIDR ranges (may be empty)., type: list, elements: str}
    environments: {description: "production and/or test.", type: list, elements: str}
    services: {description: "[all] or the message services that need it.", type: list, elements: str}
    versions: {description: "Integrasjonspunkt version range, or null for all versions.", type: str}
    phase: {description: "runtime or install.", type: str}
    severity: {description: "fail or warn.", type: str}
    purpose: {description: What the integrasjonspunkt uses it for., type: str}
    source: {description: Where the docs or code say so., type: str}
    note: {description: Conflicts and caveats., type: str, returned: when set}
    use_proxy: {description: False for clients that never use an HTTP proxy., type: bool, returned: when set}
    jvm_proxy:
      description:
        - Runtime entries. The integrasjonspunkt client that reaches the entry (C(client)), whether it follows the JVM
          proxy (C(follows), null when not read), C(evidence) (C(read), C(inferred) or C(not read)) and C(source).
      type: dict
      returned: for runtime entries
    proxy_reason:
      description: Why the entry is probed directly (its client ignores the JVM proxy).
      type: str
      returned: when set
    dropped: {description: The drop reason., type: str, returned: "with include_dropped=true, for dropped entries"}
"""

import json

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import catalogue


def plain(value):
    """Inventory data as plain Python containers: copying ansible-core's tagged containers is slow."""
    return json.loads(json.dumps(value)) if value else value


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        if terms:
            raise AnsibleLookupError("eformidling.integrasjonspunkt.endpoints takes no positional terms")
        try:
            entries = catalogue.load(self.get_option("catalogue"))
            selected = catalogue.endpoints_for(
                entries,
                environment=self.get_option("environment"),
                services=self.get_option("services"),
                version=self.get_option("version"),
                phase=self.get_option("phase"),
                overrides=plain(self.get_option("overrides")) or None,
                include_dropped=self.get_option("include_dropped"),
                ntp_host=self.get_option("ntp_host"),
                run_mode=self.get_option("run_mode"),
            )
        except catalogue.CatalogueError as exc:
            raise AnsibleLookupError("eformidling.integrasjonspunkt.endpoints: %s" % exc) from exc
        # One element: lookup() then returns the list itself (even when it holds a single entry).
        return [selected]
