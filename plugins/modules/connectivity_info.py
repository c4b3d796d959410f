#!/usr/bin/python
# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""connectivity_info: can this host reach every endpoint its integrasjonspunkt needs?"""

DOCUMENTATION = r"""
module: connectivity_info
short_description: Probe outbound endpoints from the target (DNS, TCP to every address, TLS, HTTP, NTP, proxy)
version_added: 0.1.0
description:
  - Probes a list of endpoints B(from the target host), concurrently, and reports for each one the DNS
    answer (every A and AAAA address), a TCP connect to B(every) resolved address (firewalls filter by IP),
    the TLS handshake (SNI, verification, protocol version, certificate expiry), optionally an HTTP C(HEAD)
    with the server's C(Date) header as a clock-skew estimate, and an SNTP query for C(udp-ntp) entries.
  - Resolved addresses are compared with the documented IPs and CIDR ranges of each entry, so that
    firewall rules written by IP can be corrected (RV(endpoints[].undocumented_addresses)).
  - Honours an explicit O(proxy) or (unless O(use_environment_proxy=false)) the target's
    C(https_proxy)/C(http_proxy)/C(all_proxy) (and upper-case) variables, and O(no_proxy) or the target's
    C(no_proxy)/C(NO_PROXY) with CIDR ranges, C(.suffix),
    bare domain suffixes, C(*), C(host:port) and IPv6 entries. TCP, TLS and HTTPS probes go through the proxy
    with C(CONNECT); plain C(http) entries use a forward request (C(HEAD http://host/)), as HTTP clients do.
    NTP is UDP and is never proxied; the result says so.
  - Through a proxy the proxy resolves the name. The module still resolves it locally and reports that,
    but a local DNS failure does not fail the endpoint (RV(endpoints[].dns.note) says why).
  - Credentials in proxy URLs are redacted in every output, including C(invocation).
  - All probes of all endpoints run in one bounded pool of threads, so N endpoints of which some are
    blackholed take about one timeout, not N timeouts. Each step (DNS, each TCP connect, TLS handshake,
    HTTP read, NTP reply) is bounded by the endpoint's timeout.
  - "One budget for the whole run: 3 x O(timeout) (DNS, connect, and one more exchange such as the TLS
    handshake, CONNECT or HTTP, each up to one timeout), measured on the monotonic clock so that a wrong
    wall clock on the target changes nothing. No step runs past it: each gets the smaller of its timeout
    and the time left. Endpoints not finished when it runs out get status C(timeout), naming the step that
    was still running; the module returns within the budget plus a fraction of a second."
  - Fail closed. When the module's own code raises in any step (DNS, TCP, TLS, HTTP, NTP, proxy tunnel,
    CONNECT or the grading), that endpoint gets status C(error) with the step and the exception in
    RV(endpoints[].message) and the traceback in RV(endpoints[].exception); it is never graded C(ok), even
    if other steps of it succeeded. A certificate is accepted only when the verifying TLS handshake
    completed.
  - The module never fails because an endpoint is unreachable; it reports. Use RV(summary) or
    RV(endpoints[].ok) with M(ansible.builtin.assert). Invalid endpoint entries are reported with status
    C(invalid) instead of failing the task.
  - Read-only, needs no root. Endpoint lists usually come from the lookup
    P(eformidling.integrasjonspunkt.endpoints#lookup).
author:
  - eFormidling collection maintainers (@eformidling-ansible)
extends_documentation_fragment:
  - eformidling.integrasjonspunkt.attributes
  - eformidling.integrasjonspunkt.attributes.INFO_MODULE
options:
  endpoints:
    description:
      - The endpoints to probe. Keys other than the ones below (for example C(purpose), C(source),
        C(environments) from the catalogue) are accepted and copied into the result unchanged.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Name used in the result. Defaults to C(host:port).
        type: str
      host:
        description: Host name or IP literal (IPv6 with or without brackets).
        type: str
        required: true
      port:
        description:
          - TCP or UDP port.
          - Defaults to 443 for C(https), 80 for C(http), 5671 for C(amqps) and 123 for C(udp-ntp).
        type: int
      protocol:
        description:
          - C(tcp) is a TCP connect; C(tls) and C(amqps) add a TLS handshake; C(https) adds a TLS handshake and,
            with O(http=true), an HTTP C(HEAD); C(http) is a TCP connect plus, with O(http=true), an HTTP C(HEAD);
            C(udp-ntp) is an SNTP query to every address.
        type: str
        choices: [https, tls, tcp, http, amqps, udp-ntp]
        default: tcp
      ips:
        description: Documented IP addresses or CIDR ranges. Resolved addresses outside them are reported.
        type: list
        elements: str
        default: []
      timeout:
        description: Per-step timeout in seconds for this endpoint. Defaults to O(timeout).
        type: float
      server_name:
        description: TLS server name (SNI and the name the certificate must match). Defaults to O(endpoints[].host).
        type: str
      http_path:
        description: Path for the HTTP C(HEAD) request.
        type: str
        default: /
      severity:
        description: C(fail) or C(warn); copied to the result and counted separately in RV(summary).
        type: str
        choices: [fail, warn]
        default: fail
      use_proxy:
        description:
          - Set to V(false) for clients that never use an HTTP proxy (for example a raw TCP log shipper);
            the endpoint is then probed directly even when a proxy is configured.
        type: bool
        default: true
      proxy_reason:
        description:
          - Why the endpoint is probed directly (the catalogue names the integrasjonspunkt client that ignores the
            JVM proxy). Added to RV(endpoints[].proxy.reason) when O(endpoints[].use_proxy=false).
        type: str
      dropped:
        description:
          - A reason. An entry with this key set (the lookup's C(include_dropped=true) adds it) is not probed
            and is reported with status C(skipped).
        type: str
  timeout:
    description:
      - Default per-step timeout in seconds.
      - The whole run is bounded by 3 x O(timeout); O(endpoints[].timeout) overrides are cut to that budget.
    type: float
    default: 5
  max_workers:
    description: Size of the probe thread pool, 1 to 64. Values outside are clamped.
    type: int
    default: 16
  proxy:
    description:
      - Proxy URL (C(http://[user:password@]host:port)) for every endpoint except NTP. Only C(http://) proxies
        are supported. When unset, the target's proxy environment variables are used
        (unless O(use_environment_proxy=false)).
      - The password is never returned; the URL appears redacted (C(http://********@host:port)).
    type: str
  no_proxy:
    description:
      - Hosts that bypass the proxy, comma- or space-separated. Replaces the target's C(no_proxy)/C(NO_PROXY)
        when set. Supports C(*), C(example.com) and C(.example.com) (the domain and every name below it),
        C(*.example.com), IP literals, CIDR ranges (matched against IP-literal hosts, as curl does),
        C(host:port) and C([v6]:port).
    type: str
  use_environment_proxy:
    description:
      - Whether the target's C(https_proxy), C(http_proxy), C(all_proxy) and C(no_proxy) variables (and
        upper-case) count when O(proxy) or O(no_proxy) is not set.
      - Set to V(false) to probe the way a client that ignores them does (the integrasjonspunkt's JVM does);
        then only O(proxy) and O(no_proxy) count. Credentials in those variables are redacted either way.
    type: bool
    default: true
  ca_file:
    description: PEM file of CA certificates to verify against instead of the system CAs.
    type: path
  http:
    description: Send an HTTP C(HEAD) to C(https) and C(http) entries and report the status code and clock skew.
    type: bool
    default: false
  resolve:
    description:
      - Host name to list of IP addresses, like C(curl --resolve). Used instead of DNS for direct probes
        (to check specific firewall-opened addresses). Through a proxy the proxy resolves the name.
    type: dict
    default: {}
notes:
  - TLS, HTTP details come from the first address whose TCP connect succeeded.
  - The C(Date) header has one-second resolution, so RV(endpoints[].http.date_skew_seconds) is good to about 1 s.
  - The SNTP client is built in (no C(ntplib) needed on the target).
seealso:
  - plugin: eformidling.integrasjonspunkt.endpoints
    plugin_type: lookup
"""

EXAMPLES = r"""
- name: Probe what a production integrasjonspunkt 4.0.8 with DPO and DPI needs
  eformidling.integrasjonspunkt.connectivity_info:
    endpoints: >-
      {{ lookup('eformidling.integrasjonspunkt.endpoints', environment='production',
                services=['DPO', 'DPI'], version='4.0.8') }}
    http: true
  register: conn

- name: Fail on unreachable endpoints of severity fail
  ansible.builtin.assert:
    that: conn.summary.failed_severity_fail == 0
    fail_msg: "{{ conn.endpoints | rejectattr('ok') | map(attribute='message') | list }}"

- name: Check one firewall-opened address through an explicit proxy, bypassing it for the internal range
  eformidling.integrasjonspunkt.connectivity_info:
    endpoints:
      - {name: maskinporten, host: maskinporten.no, port: 443, protocol: https, ips: [139.105.36.164]}
      - {name: internal, host: 10.1.2.3, port: 8443, protocol: tls, server_name: ip.example.internal}
    proxy: http://proxy.example.org:3128
    no_proxy: 10.0.0.0/8,.example.internal
    ca_file: /etc/pki/tls/certs/corporate-ca.pem
    timeout: 3
"""

RETURN = r"""
elapsed_ms:
  description: Time taken by all probes (monotonic clock), in milliseconds.
  returned: always
  type: float
proxy:
  description: The explicit O(proxy), redacted, or null.
  returned: always
  type: str
summary:
  description: Counts over RV(endpoints).
  returned: always
  type: dict
  contains:
    total:
      description: Number of endpoints.
      type: int
      returned: always
    ok:
      description: Endpoints with RV(endpoints[].ok) true (skipped ones count as ok).
      type: int
      returned: always
    failed:
      description: Endpoints with RV(endpoints[].ok) false (errors included).
      type: int
      returned: always
    errors:
      description: Endpoints with status C(error) (the probe itself failed; the endpoint was not judged).
      type: int
      returned: always
    failed_names:
      description: Names of the failed endpoints.
      type: list
      elements: str
      returned: always
    failed_severity_fail:
      description: Failed endpoints of severity C(fail).
      type: int
      returned: always
    failed_severity_warn:
      description: Failed endpoints of severity C(warn).
      type: int
      returned: always
endpoints:
  description: One result per input endpoint, in input order. Extra input keys are copied in.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The endpoint name.
      type: str
      returned: always
    host:
      description: The host probed.
      type: str
      returned: always
    port:
      description: The port probed.
      type: int
      returned: always
    protocol:
      description: The protocol.
      type: str
      returned: always
    severity:
      description: C(fail) or C(warn).
      type: str
      returned: always
    ok:
      description: Whether the endpoint works end to end (DNS or proxy, TCP, TLS verification, HTTP, NTP).
      type: bool
      returned: always
    status:
      description:
        - C(ok), C(dns_error), C(tcp_refused), C(tcp_timeout), C(tcp_unreachable), C(tcp_error), C(tls_error),
          C(proxy_error), C(http_error), C(ntp_error), C(invalid) (bad entry), C(skipped) (dropped entry),
          C(timeout) (not finished when the run's budget of 3 x O(timeout) ran out; the message names the
          step still running) or C(error) (the probe's own code raised, or a step's result is missing; the
          message names the step and the exception).
        - For TCP, when no address connects, the worst outcome wins in the order timeout, unreachable, refused, error.
      type: str
      returned: always
    message:
      description:
        - One human-readable line.
        - "For C(error): C(internal error in the <step> step: <exception>), where the step is one of C(DNS),
          C(TCP), C(TLS), C(HTTP), C(NTP), C(proxy tunnel), C(CONNECT), C(endpoint) or C(status grading)."
      type: str
      returned: always
    exception:
      description: The traceback of the exception behind an C(error) status (credentials redacted).
      type: str
      returned: when status is error and an exception was raised
    partial:
      description: True when the endpoint works but some of its addresses do not connect.
      type: bool
      returned: always
    elapsed_ms:
      description: Time spent on this endpoint.
      type: float
      returned: always
    undocumented_addresses:
      description: Resolved addresses outside the documented O(endpoints[].ips). Empty when none are documented.
      type: list
      elements: str
      returned: always
    failed_addresses:
      description:
        - Every address of this endpoint that failed, direct TCP connects and NTP queries (not the
          connection to a proxy), so that advice can name the address that actually failed.
      type: list
      elements: dict
      returned: always
      contains:
        address:
          description: The IP address.
          type: str
        status:
          description: C(refused), C(timeout), C(unreachable) or C(error).
          type: str
        error:
          description: The error text.
          type: str
    dns:
      description: Local name resolution. Null for invalid or skipped entries.
      type: dict
      returned: always
      contains:
        ok:
          description: At least one address.
          type: bool
        addresses:
          description: Every A and AAAA address, in resolver order.
          type: list
          elements: str
        error:
          description: The resolver's error.
          type: str
        source:
          description: C(resolver), C(literal) or C(resolve option).
          type: str
        note:
          description: Why a local DNS failure did not count (the proxy resolves the name).
          type: str
          returned: when a proxy is used and local DNS failed
    tcp:
      description:
        - One entry per resolved address when direct; through a proxy one entry for the connection to the proxy
          (with C(via_proxy=true)). Empty for NTP.
      type: list
      elements: dict
      returned: always
      contains:
        address:
          description: IP address connected to.
          type: str
        port:
          description: Port.
          type: int
        status:
          description: C(ok), C(refused), C(timeout), C(unreachable) or C(error).
          type: str
        latency_ms:
          description: Connect time (or time until failure).
          type: float
        error:
          description: The error text.
          type: str
        via_proxy:
          description: This is the connection to the proxy.
          type: bool
          returned: through a proxy
    tls:
      description: TLS handshake of C(https), C(tls) and C(amqps) entries, else null.
      type: dict
      returned: when a handshake was attempted
      contains:
        ok:
          description: Handshake done and certificate verified.
          type: bool
        version:
          description: Protocol version, for example C(TLSv1.3).
          type: str
        server_name:
          description: The SNI and verification name.
          type: str
        verified:
          description: Certificate chain and name verified.
          type: bool
        verify_error:
          description: OpenSSL's verification error text.
          type: str
        verify_code:
          description: OpenSSL's verification error code.
          type: int
        verify_reason:
          description:
            - C(expired), C(not_yet_valid), C(hostname_mismatch), C(self_signed), C(untrusted), C(revoked)
              or C(other).
          type: str
        error:
          description: Handshake error other than verification.
          type: str
        subject:
          description: Certificate subject.
          type: str
        issuer:
          description: Certificate issuer.
          type: str
        cert_not_after:
          description: Expiry, ISO 8601 UTC.
          type: str
        cert_expires_in_days:
          description: Whole days until expiry (negative when expired).
          type: int
    http:
      description:
        - HTTP C(HEAD) result with O(http=true), and always for plain C(http) entries through a proxy (the
          forward request is the probe there), else null.
      type: dict
      returned: when requested
      contains:
        status_code:
          description: HTTP status code; any status proves reachability.
          type: int
        status_line:
          description: The status line.
          type: str
        date:
          description: The server's C(Date) header.
          type: str
        date_skew_seconds:
          description: Server clock minus local clock (about +-1 s).
          type: float
        error:
          description: Why the request failed.
          type: str
    ntp:
      description: SNTP result of C(udp-ntp) entries, else null.
      type: dict
      returned: for udp-ntp entries
      contains:
        ok:
          description: At least one address gave a valid reply.
          type: bool
        address:
          description: The address whose reply is reported.
          type: str
        offset_seconds:
          description: Local clock minus the server clock (the collection's convention, as in timesync_facts).
          type: float
        delay_seconds:
          description: Round-trip delay.
          type: float
        stratum:
          description: Server stratum.
          type: int
        error:
          description: Why no address could be queried.
          type: str
        addresses:
          description: Per address C(address), C(status), C(latency_ms), C(error) and the reply values.
          type: list
          elements: dict
    proxy:
      description: Proxy decision for this endpoint.
      type: dict
      returned: unless invalid or skipped
      contains:
        used:
          description: Whether the probe went through a proxy.
          type: bool
        url:
          description: The proxy URL, credentials redacted.
          type: str
        reason:
          description: "Why, for example C(no_proxy entry '127.0.0.0/8' matches) or C(NTP is UDP: never proxied)."
          type: str
        connect_status:
          description: The proxy's answer to C(CONNECT).
          type: str
          returned: through a proxy
        error:
          description: Proxy failure, with the proxy's status line.
          type: str
          returned: through a proxy
"""

import os
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import netprobe, noproxy


def main():
    module = AnsibleModule(
        argument_spec={
            # Endpoint dicts are validated by netprobe so that one bad entry never fails the task.
            "endpoints": {"type": "list", "elements": "dict", "required": True},
            "timeout": {"type": "float", "default": 5.0},
            "max_workers": {"type": "int", "default": 16},
            "proxy": {"type": "str", "no_log": False},
            "no_proxy": {"type": "str"},
            "ca_file": {"type": "path"},
            "http": {"type": "bool", "default": False},
            "resolve": {"type": "dict", "default": {}},
            "use_environment_proxy": {"type": "bool", "default": True},
        },
        supports_check_mode=True,
    )
    params = module.params
    proxy = params["proxy"]
    # Every proxy credential (explicit or from the environment) is redacted by netprobe; as a second
    # guard Ansible removes the raw secrets from anything else it prints.
    for url in [proxy] + [os.environ.get(v) for v in netprobe.PROXY_VARIABLES]:
        for secret in noproxy.url_secrets(url):
            module.no_log_values.add(secret)
    if proxy:
        params["proxy"] = noproxy.redact_url(proxy)

    resolve_map = {}
    warnings = []
    for host, value in (params["resolve"] or {}).items():
        addrs = [a for a in value.replace(",", " ").split() if a] if isinstance(value, str) else value
        if not isinstance(addrs, list):
            warnings.append("resolve: ignoring %s (not a list of addresses)" % host)
            continue
        resolve_map[str(host)] = [str(a) for a in addrs]
    workers = params["max_workers"] or 16
    if not 1 <= workers <= 64:
        warnings.append("max_workers %s is outside 1-64; clamped" % workers)
        workers = max(1, min(workers, 64))
    timeout = params["timeout"]
    if timeout is None or timeout <= 0:
        warnings.append("timeout must be positive; using 5")
        timeout = 5.0

    start = time.monotonic()
    results = netprobe.probe_all(
        params["endpoints"],
        timeout=timeout,
        max_workers=workers,
        proxy=proxy,
        no_proxy=params["no_proxy"],
        ca_file=params["ca_file"],
        http=params["http"],
        resolve_map=resolve_map,
        use_environment=params["use_environment_proxy"],
    )
    for text in warnings:
        module.warn(text)
    module.exit_json(
        changed=False,
        endpoints=results,
        summary=netprobe.summarize(results),
        proxy=noproxy.redact_url(proxy),
        elapsed_ms=round((time.monotonic() - start) * 1000.0, 1),
    )


if __name__ == "__main__":
    main()
