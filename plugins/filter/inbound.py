# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters that check and split the inbound source networks of the prepare role (controller side)."""

import ipaddress

from ansible.errors import AnsibleFilterError

ANYWHERE = {"0.0.0.0/0", "::/0"}


def _parse(entry):
    """One source as an ip_network, or a sentence saying why it is not one."""
    if not isinstance(entry, str) or not entry.strip():
        return None, f"{entry!r} is not a string holding an address or network"
    text = entry.strip()
    try:
        return ipaddress.ip_network(text, strict=True), None
    except ValueError as exc:
        try:
            loose = ipaddress.ip_network(text, strict=False)
        except ValueError:
            return None, f"{text!r} does not parse as an IPv4/IPv6 address or CIDR network ({exc})"
        return None, f"{text!r} has host bits set; the network is {loose.with_prefixlen}, write that"


def inbound_source_problems(sources, allow_anywhere=False, variable="integrasjonspunkt_inbound_sources"):
    """Every problem with a list of inbound source networks, as sentences; empty when the list is usable.

    An empty list is a problem (nothing could reach the port), and so is "anywhere" (0.0.0.0/0, ::/0, or any
    /0) unless allow_anywhere is true: opening the port to every address must be written twice.
    """
    if not isinstance(sources, (list, tuple)):
        return [f"{variable} must be a list of CIDR networks, got {type(sources).__name__} {sources!r}"]
    if not sources:
        return [
            f"{variable} is empty: list the networks that may reach the port, for example ['10.20.0.0/24']"
            " (every address needs '0.0.0.0/0' and prepare_firewall_allow_anywhere: true)"
        ]
    problems = []
    for entry in sources:
        net, why = _parse(entry)
        if why:
            problems.append(f"{variable}: {why}; allowed: an address (192.0.2.10) or a network (192.0.2.0/24)")
        elif net.prefixlen == 0 and not allow_anywhere:
            problems.append(
                f"{variable}: {entry!r} opens the port to every address; set prepare_firewall_allow_anywhere: true"
                " if that is what you want"
            )
    return problems


def inbound_networks(sources):
    """The sources as {'ipv4': [...], 'ipv6': [...]}, each network in canonical form, order kept, no duplicates."""
    result = {"ipv4": [], "ipv6": []}
    for entry in sources or []:
        net, why = _parse(entry)
        if why:
            raise AnsibleFilterError(f"inbound_networks: {why}")
        family = "ipv4" if net.version == 4 else "ipv6"
        text = net.with_prefixlen
        if text not in result[family]:
            result[family].append(text)
    return result


class FilterModule:
    """Inbound source network filters."""

    def filters(self):
        return {
            "inbound_source_problems": inbound_source_problems,
            "inbound_networks": inbound_networks,
        }
