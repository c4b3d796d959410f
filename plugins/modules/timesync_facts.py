#!/usr/bin/python
# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: timesync_facts
short_description: Time sync facts - service, chrony/ntpd/timesyncd/kernel views, time zone, NTP probes
version_added: 0.1.0
description:
  - Returns C(ansible_facts.eformidling_timesync) describing the host's time synchronisation, judged by the
    daemon's own criteria rather than by "the service is running".
  - B(Sign convention.) Every C(offset_seconds) is I(local clock minus true time). Positive means the local
    clock is ahead (fast), negative means it is behind (slow). The module converts each tool's own sign
    (chrony's C(System time) is positive when the clock is slow; C(ntpq), ntplib and SNTP report server minus local).
  - B(Service.) Which of chronyd, ntpd and systemd-timesyncd are installed (C(present)) and running (C(active), from
    the process table). More than one running is a C(conflict).
  - B(chrony.) Parses C(chronyc -c tracking) (14 fields) and C(chronyc -c sources) (10 fields). C(synchronised) is
    true only when the daemon answered, leap status is not C(Not synchronised), the reference is real (neither
    C(00000000) nor the local reference C(7F7F0101)), a selected C(*) source has reach above 0, and the reference
    time is younger than O(reference_time_max_age). A daemon that does not answer gives C(null) (unknown), never false.
    C(max_error_seconds) = |offset| + root dispersion + root delay / 2.
  - B(ntpd.) Parses C(ntpq -pn) (milliseconds converted to seconds) and C(ntpq -c rv) for leap, root delay and
    dispersion; run only when ntpd is running.
  - B(systemd-timesyncd.) Parses C(timedatectl show) and, when timesyncd is running, C(timedatectl show-timesync).
  - B(kernel.) Reads adjtimex (read-only, no root) for the kernel's view; it decides the top-level facts only when no
    daemon answered.
  - B(Time zone.) IANA name from C(timedatectl), C(/etc/timezone) or the C(/etc/localtime) link; the current UTC
    offset and abbreviation from the rules in C(/etc/localtime) (a TZif reader of our own, so Python 3.8 targets
    without C(zoneinfo) work); and whether those rules give the same UTC offsets as Europe/Oslo at every transition
    of the next two years (Europe/Berlin does, UTC and America/New_York do not). A broken C(/etc/localtime) gives
    C(null) values and a C(reason).
  - B(Direct NTP probes) of O(ntp_servers) from the target itself, in parallel. Several packets per server; the best
    reply by delay is kept, stratum-0 and leap-3 replies are ignored. Uses ntplib when the target can import it,
    otherwise a minimal SNTP client shipped in this collection. Each result names the client it used.
  - B(Time budget.) Every command runs with a timeout (O(command_timeout)); C(timedatectl) can hang on D-Bus. The
    chrony, ntpd and timedatectl views and the probes are gathered concurrently. A command that times out, or a
    step of our own that raises, makes that view unknown (C(synchronised=null)) with C(reason) and C(error), never a
    pass; when it is the running daemon's view, the top-level C(synchronised) is C(null) too.
  - B(Worst case) without a deadline, by construction, is the larger of 2 x O(command_timeout) (two commands per view,
    views in parallel) and O(probe_samples) x O(probe_timeout) + 1 s (servers in parallel); 10 s with the defaults.
  - B(chrony cannot step.) When chronyd may not step the clock (C(-x), no CAP_SYS_TIME) and a C(makestep) line
    applies, System time stays about 0 while the selected source's sample and Last offset keep the real offset.
    The chrony view then reports what chrony measured, and says so in C(offset_basis) and C(offset_note).
  - The gathering lives in C(module_utils/timesync_collect.py) (C(gather())) so that other modules run the
    same collector in-process.
  - Never fails because a tool is missing, needs no root, and changes nothing.
author:
  - eFormidling collection maintainers (@eformidling-ansible)
options:
  ntp_servers:
    description:
      - NTP servers to probe directly, each C(host), C(host:port) or C([ipv6]:port) (port 123 by default).
      - When not given, the servers configured for the running time daemon (chrony.conf with its C(confdir),
        C(sourcedir) and C(include) files, ntp.conf, timesyncd.conf; all of them when no daemon runs) plus
        O(check_host), the host the integrasjonspunkt checks its own clock against at startup.
      - An empty list probes nothing.
    type: list
    elements: str
  check_host:
    description:
      - The NTP host the integrasjonspunkt checks its own clock against (C(difi.move.ntp.host)), added to the
        configured servers when O(ntp_servers) is not given. The preflight role passes C(integrasjonspunkt_ntp_host).
      - An empty string adds nothing.
    type: str
    default: time.google.com
  probe:
    description: Probe the NTP servers directly. When false, C(probes) is an empty list and nothing is sent.
    type: bool
    default: true
  probe_timeout:
    description:
      - Seconds each NTP packet waits for its reply.
      - A server that never answers costs one timeout; a server costs at most O(probe_samples) x O(probe_timeout);
        servers are probed concurrently, so the whole probe takes at most that plus one second.
    type: float
    default: 1.0
  probe_samples:
    description: Packets sent to each server, one after another; the reply with the smallest delay is reported.
    type: int
    default: 4
  probe_client:
    description:
      - Which NTP client to use. C(auto) uses ntplib when it can be imported on the target, else the built-in one.
      - C(ntplib) on a target without ntplib falls back to C(builtin); the C(client) of each probe says which ran.
    type: str
    choices: [auto, ntplib, builtin]
    default: auto
  chronyc_host:
    description:
      - Passed to C(chronyc -h) to query a chronyd other than the default one, for example a command socket path
        such as C(/run/chrony/chronyd.sock) or an address.
      - By default chronyc tries its own socket and then 127.0.0.1/::1 port 323, which works unprivileged.
    type: str
    aliases: [chronyc_socket]
  chronyc_port:
    description:
      - Passed to C(chronyc -p), the UDP command port when O(chronyc_host) is an address (chrony's default is 323).
    type: int
  reference_time_max_age:
    description:
      - Seconds after which chrony's reference time counts as stale, so the clock is no longer synchronised.
      - The default covers chrony's largest default polling interval (1024 s) with margin.
      - The age itself is always returned as C(chrony.reference_time_age_seconds).
    type: float
    default: 3600
  command_timeout:
    description:
      - Seconds each command (C(chronyc), C(ntpq), C(timedatectl)) may run before it is killed; the view it feeds
        is then unknown, with C(reason) "... timed out after N s".
    type: float
    default: 5
extends_documentation_fragment:
  - eformidling.integrasjonspunkt.attributes
  - eformidling.integrasjonspunkt.attributes.FACTS
notes:
  - Read-only, so check mode returns exactly what a normal run returns.
  - C(chronyc) over a Unix socket needs root or the chrony group; over UDP port 323 (the default fallback) it
    works unprivileged. Without any answer the chrony view is C(available=false) and C(synchronised=null).
  - The direct probes use UDP port 123 (or the given port) from the target. Nothing else is contacted.
seealso:
  - name: chronyc manual
    description: Field meanings of C(tracking) and C(sources).
    link: https://chrony-project.org/doc/4.3/chronyc.html
"""

EXAMPLES = r"""
- name: Gather time facts, probing the configured servers and time.google.com
  eformidling.integrasjonspunkt.timesync_facts:

- name: Probe only the data centre's NTP servers
  eformidling.integrasjonspunkt.timesync_facts:
    ntp_servers:
      - ntp1.example.org
      - 192.0.2.10:123
    probe_timeout: 0.5
    probe_samples: 3

- name: Query a chronyd with its own command socket, without probing
  eformidling.integrasjonspunkt.timesync_facts:
    chronyc_host: /run/chrony-test/chronyd.sock
    probe: false

- name: Fail when the clock is not known to be synchronised within 1 s
  ansible.builtin.assert:
    that:
      - ansible_facts.eformidling_timesync.synchronised is true
      - ansible_facts.eformidling_timesync.max_error_seconds is not none
      - ansible_facts.eformidling_timesync.max_error_seconds < 1
    fail_msg: "{{ ansible_facts.eformidling_timesync.chrony.unsync_reasons }}"

- name: Warn when the time zone does not follow Norwegian time (CET/CEST)
  ansible.builtin.debug:
    msg: "Time zone {{ ansible_facts.eformidling_timesync.timezone.name }} is not equivalent to Europe/Oslo"
  when: ansible_facts.eformidling_timesync.timezone.oslo_equivalent is false
"""

RETURN = r"""
ansible_facts:
  description: Facts to add to C(ansible_facts).
  returned: always
  type: dict
  contains:
    eformidling_timesync:
      description: Time synchronisation, time zone and direct NTP probe results.
      returned: always
      type: dict
      contains:
        offset_convention:
          description: The sign convention of every C(offset_seconds), in words.
          type: str
          returned: always
          sample: "offset_seconds = local clock - true time (positive: local clock ahead)"
        synchronised:
          description: The deciding view's verdict; C(null) when unknown (no daemon answered and no kernel view).
          type: bool
          returned: always
          sample: true
        offset_seconds:
          description: Offset of the local clock from true time according to the deciding view (local minus true).
          type: float
          returned: always
          sample: -0.000012
        max_error_seconds:
          description: Upper bound of the clock error according to the deciding view (C(null) when unknown).
          type: float
          returned: always
          sample: 0.0021
        source:
          description: Which view decided C(synchronised), C(offset_seconds) and C(max_error_seconds).
          type: str
          returned: always
          sample: chrony
          choices: [chrony, ntpd, timesyncd, kernel]
        service:
          description: The time services on the host.
          type: dict
          returned: always
          contains:
            present:
              description: Services installed (binary found), out of C(chrony), C(ntpd), C(timesyncd).
              type: list
              elements: str
              returned: always
              sample: [chrony]
            active:
              description: Services running (found in the process table).
              type: list
              elements: str
              returned: always
              sample: [chrony]
            conflict:
              description: True when more than one time service is running.
              type: bool
              returned: always
              sample: false
            name:
              description: The running service (on a conflict the first of C(chrony), C(ntpd), C(timesyncd)) or C(none).
              type: str
              returned: always
              sample: chrony
              choices: [chrony, ntpd, timesyncd, none]
            error:
              description: Set when the services could not be found (then C(name) and C(conflict) are C(null)).
              type: str
              returned: always
        chrony:
          description: chronyd's view from C(chronyc -c tracking) and C(chronyc -c sources).
            C(offset_seconds) is what chrony measured (see C(offset_basis)).
          type: dict
          returned: always
          contains:
            available:
              description: True when chronyd answered with a parsable tracking report.
              type: bool
              returned: always
            reason:
              description: Why chrony is not available (or why sources could not be read); C(null) otherwise.
              type: str
              returned: always
            error:
              description: Set when our collection of this view failed (a command timed out, the budget ran out,
                our code raised); C(null) otherwise. The view is then unknown.
              type: str
              returned: always
            offset_basis:
              description: Which of chrony's figures C(offset_seconds) comes from.
              type: str
              returned: always
              choices: [system time, last offset, selected source sample]
            offset_note:
              description: Why the offset is not the System time (a step chronyd could not make); C(null) otherwise.
              type: str
              returned: always
            reference_time_age_seconds:
              description: Seconds since chrony's last reference update (now minus reference time, on chrony's
                timescale); judged against O(reference_time_max_age), or by the caller.
              type: float
              returned: always
            synchronised:
              description: Chrony's own criteria (see the description); C(null) when chronyd did not answer.
              type: bool
              returned: always
            unsync_reasons:
              description: Every criterion that failed, in words; empty when synchronised or unknown.
              type: list
              elements: str
              returned: always
              sample: ["reference is the local clock (7F7F0101, 'local' directive), not a real time source"]
            offset_seconds:
              description:
                - What chrony measured, local minus true. Equals C(tracking.offset_seconds) (System time) when
                  C(offset_basis) is C(system time); when chronyd could not correct the clock (a lost step) it is
                  System time plus the selected source's sample, or Last offset (see C(offset_note)).
              type: float
              returned: always
            max_error_seconds:
              description: "|offset_seconds| + root dispersion + root delay / 2, in seconds."
              type: float
              returned: always
            tracking:
              description: The tracking report; C(null) when chronyd did not answer.
              type: dict
              returned: always
              contains:
                reference_id:
                  description: Reference ID, 8 hex digits; C(00000000) none, C(7F7F0101) the local reference.
                  type: str
                  returned: always
                  sample: C0000201
                reference_name:
                  description: Address of the reference (or refclock name); C(null) when empty.
                  type: str
                  returned: always
                stratum:
                  description: Stratum of this host (0 when not synchronised).
                  type: int
                  returned: always
                ref_time:
                  description: Time of the last reference update, seconds since the epoch on chronyd's timescale.
                  type: float
                  returned: always
                ref_age_seconds:
                  description: Age of the reference time, measured on the corrected (true) timescale.
                  type: float
                  returned: always
                offset_seconds:
                  description: System time offset, local minus true (the negated "System time" field).
                  type: float
                  returned: always
                last_offset_seconds:
                  description: Offset at the last clock update (positive local ahead).
                  type: float
                  returned: always
                rms_offset_seconds:
                  description: Long-term average of the offset.
                  type: float
                  returned: always
                frequency_ppm:
                  description: Frequency error of the system clock (positive fast).
                  type: float
                  returned: always
                residual_frequency_ppm:
                  description: Residual frequency of the current reference.
                  type: float
                  returned: always
                skew_ppm:
                  description: Error bound of the frequency.
                  type: float
                  returned: always
                root_delay_seconds:
                  description: Total network delay to the stratum-1 source.
                  type: float
                  returned: always
                root_dispersion_seconds:
                  description: Total dispersion accumulated to the stratum-1 source.
                  type: float
                  returned: always
                update_interval_seconds:
                  description: Interval between the last two clock updates.
                  type: float
                  returned: always
                leap_status:
                  description: C(Normal), C(Insert second), C(Delete second) or C(Not synchronised).
                  type: str
                  returned: always
                max_error_seconds:
                  description: "|offset| + root dispersion + root delay / 2."
                  type: float
                  returned: always
            sources:
              description: One entry per source from C(chronyc -c sources).
              type: list
              elements: dict
              returned: always
              contains:
                mode:
                  description: C(server), C(peer) or C(refclock).
                  type: str
                  returned: always
                mode_symbol:
                  description: The raw mode character (C(^), C(=), C(#)).
                  type: str
                  returned: always
                state:
                  description: C(selected), C(combined), C(not_combined), C(falseticker), C(too_variable), C(unusable).
                  type: str
                  returned: always
                state_symbol:
                  description: The raw state character (C(*), C(+), C(-), C(x), C(~), C(?)).
                  type: str
                  returned: always
                name:
                  description: Source address (or refclock name).
                  type: str
                  returned: always
                stratum:
                  description: Stratum of the source.
                  type: int
                  returned: always
                poll:
                  description: Polling interval as a power of 2 seconds (can be negative).
                  type: int
                  returned: always
                poll_seconds:
                  description: Polling interval in seconds.
                  type: float
                  returned: always
                reach:
                  description: Reachability register as a number (from octal); 0 means the last 8 polls failed.
                  type: int
                  returned: always
                  sample: 255
                reach_octal:
                  description: Reachability register as chronyc prints it.
                  type: str
                  returned: always
                  sample: "377"
                last_rx_seconds:
                  description: Seconds since the last sample; C(null) when never received.
                  type: int
                  returned: always
                offset_seconds:
                  description: Adjusted offset (positive local ahead), relative to chronyd's corrected timescale.
                  type: float
                  returned: always
                measured_offset_seconds:
                  description: Measured offset of the last sample.
                  type: float
                  returned: always
                error_seconds:
                  description: Error bound of the last sample.
                  type: float
                  returned: always
        ntpd:
          description: ntpd's view from C(ntpq -pn) and C(ntpq -c rv) (only when ntpd is running).
          type: dict
          returned: always
          contains:
            available:
              description: True when ntpq answered.
              type: bool
              returned: always
            error:
              description: Set when our collection of this view failed (timeout, budget, exception).
              type: str
              returned: always
            reason:
              description: Why ntpd is not available.
              type: str
              returned: always
            synchronised:
              description: A system peer (C(*) or C(o)) with reach above 0 that is not the local clock, and leap not 11.
              type: bool
              returned: always
            unsync_reasons:
              description: The failed criteria, in words.
              type: list
              elements: str
              returned: always
            offset_seconds:
              description: System offset (from C(rv)), else the system peer's, local minus true.
              type: float
              returned: always
            max_error_seconds:
              description: "|offset| + root dispersion + root delay / 2 from C(rv); C(null) without it."
              type: float
              returned: always
            system:
              description: C(leap), C(leap_status), C(stratum), C(refid), C(offset_seconds), C(root_delay_seconds),
                C(root_dispersion_seconds), C(sys_jitter_seconds) from C(ntpq -c rv); C(null) when unavailable.
              type: dict
              returned: always
            peers:
              description: C(ntpq -pn) rows with C(tally), C(state), C(remote), C(refid), C(stratum), C(type),
                C(when_seconds), C(poll_seconds), C(reach), C(reach_octal), C(delay_seconds), C(offset_seconds)
                (local minus peer), C(jitter_seconds).
              type: list
              elements: dict
              returned: always
        timesyncd:
          description: systemd-timesyncd's view from C(timedatectl show) and C(timedatectl show-timesync).
          type: dict
          returned: always
          contains:
            available:
              description: True when C(show-timesync) answered (timesyncd running).
              type: bool
              returned: always
            error:
              description: Set when our collection of this view failed (for example C(timedatectl show timed out
                after 5 s)).
              type: str
              returned: always
            reason:
              description: Why timesyncd is not available.
              type: str
              returned: always
            synchronised:
              description: NTP enabled, a server contacted, and the kernel's C(NTPSynchronized=yes).
              type: bool
              returned: always
            unsync_reasons:
              description: The failed criteria, in words.
              type: list
              elements: str
              returned: always
            offset_seconds:
              description: Always C(null); timesyncd does not expose a usable offset.
              type: float
              returned: always
            max_error_seconds:
              description: Always C(null) here; the top level uses the kernel's maxerror for this view.
              type: float
              returned: always
            ntp_enabled:
              description: C(NTP) from C(timedatectl show).
              type: bool
              returned: always
            can_ntp:
              description: C(CanNTP) from C(timedatectl show).
              type: bool
              returned: always
            ntp_synchronized:
              description: C(NTPSynchronized) (the kernel's view) from C(timedatectl show).
              type: bool
              returned: always
            timezone:
              description: C(Timezone) from C(timedatectl show).
              type: str
              returned: always
            local_rtc:
              description: C(LocalRTC) from C(timedatectl show).
              type: bool
              returned: always
            server_name:
              description: The server timesyncd uses.
              type: str
              returned: always
            server_address:
              description: The address of that server.
              type: str
              returned: always
            poll_interval_seconds:
              description: Current polling interval.
              type: float
              returned: always
            root_distance_max_seconds:
              description: Largest root distance timesyncd accepts.
              type: float
              returned: always
            ntp_message:
              description: The last NTP reply (C(leap), C(leap_status), C(version), C(stratum), C(precision),
                C(root_delay_seconds), C(root_dispersion_seconds), C(reference), C(jitter_seconds), C(packet_count)).
              type: dict
              returned: always
        kernel:
          description: The kernel's view from adjtimex (read-only, no root).
          type: dict
          returned: always
          contains:
            available:
              description: True when adjtimex could be read.
              type: bool
              returned: always
            reason:
              description: Why not.
              type: str
              returned: always
            synchronised:
              description: STA_UNSYNC clear, state not TIME_ERROR and maxerror below 16 s.
              type: bool
              returned: always
            unsync_reasons:
              description: The failed criteria, in words.
              type: list
              elements: str
              returned: always
            state:
              description: Clock state, e.g. C(TIME_OK) or C(TIME_ERROR).
              type: str
              returned: always
            status:
              description: Raw status bits.
              type: int
              returned: always
            status_flags:
              description: Names of the set status bits without the C(STA_) prefix, e.g. C(PLL), C(UNSYNC), C(NANO).
              type: list
              elements: str
              returned: always
            offset_seconds:
              description: The kernel's remaining phase correction in our convention (local minus true).
              type: float
              returned: always
            maxerror_seconds:
              description: The kernel's maximum error estimate.
              type: float
              returned: always
            esterror_seconds:
              description: The kernel's estimated error.
              type: float
              returned: always
            frequency_ppm:
              description: Frequency offset.
              type: float
              returned: always
            max_error_seconds:
              description: Same as C(maxerror_seconds).
              type: float
              returned: always
        timezone:
          description: The host's time zone.
          type: dict
          returned: always
          contains:
            name:
              description: IANA name, or C(null) when it cannot be found.
              type: str
              returned: always
              sample: Europe/Oslo
            source:
              description: Where the name came from.
              type: str
              returned: always
              choices: [timedatectl, /etc/timezone, /etc/localtime]
            utc_offset_seconds:
              description: Current offset from UTC (east positive), from the rules in C(/etc/localtime).
              type: int
              returned: always
              sample: 3600
            abbreviation:
              description: Current abbreviation.
              type: str
              returned: always
              sample: CET
            is_dst:
              description: Whether daylight saving time is in effect now.
              type: bool
              returned: always
            oslo_equivalent:
              description: True when the zone's offsets equal Europe/Oslo's at every transition of the next two years;
                C(null) when it cannot be judged.
              type: bool
              returned: always
            reason:
              description: Why some values are C(null) (for example a broken C(/etc/localtime)).
              type: str
              returned: always
        ntp_servers_configured:
          description: Servers in the time daemon's configuration (the default probe list without C(time.google.com)).
          type: list
          elements: str
          returned: always
        probes:
          description: One result per probed server, in the order of O(ntp_servers).
          type: list
          elements: dict
          returned: always
          contains:
            server:
              description: The server as given.
              type: str
              returned: always
            host:
              description: Host part.
              type: str
              returned: always
            port:
              description: UDP port.
              type: int
              returned: always
            reachable:
              description: At least one valid reply arrived.
              type: bool
              returned: always
            offset_seconds:
              description: Local minus server time, from the reply with the smallest delay.
              type: float
              returned: always
            delay_seconds:
              description: Round-trip delay of that reply.
              type: float
              returned: always
            stratum:
              description: Server stratum.
              type: int
              returned: always
            leap:
              description: Server leap indicator (0 normal, 1 insert, 2 delete).
              type: int
              returned: always
            root_delay_seconds:
              description: Server's root delay.
              type: float
              returned: always
            root_dispersion_seconds:
              description: Server's root dispersion.
              type: float
              returned: always
            client:
              description: The NTP client used.
              type: str
              returned: always
              choices: [ntplib, builtin]
            samples_sent:
              description: Packets sent.
              type: int
              returned: always
            samples_ok:
              description: Valid replies received.
              type: int
              returned: always
            duration_seconds:
              description: Time this server's probe took (bounded by O(probe_samples) x O(probe_timeout)).
              type: float
              returned: always
            error:
              description: The last error, or C(null).
              type: str
              returned: always
            resolved:
              description: Whether the host name resolved (an address is always "resolved").
              type: bool
              returned: always
            addresses:
              description: The addresses the name resolved to; the probe uses the first.
              type: list
              elements: str
              returned: always
            error_kind:
              description:
                - What failed, C(null) when a reply arrived and every packet was answered.
                - C(dns) the name does not resolve; C(timeout) no reply (UDP dropped); C(refused) ICMP unreachable
                  or a local firewall; C(bad_reply) a reply that is refused (stratum 0, leap 3, wrong mode);
                  C(error) our own code raised (the text is in C(error)), and the probe is then never reachable.
              type: str
              returned: always
              choices: [dns, timeout, refused, bad_reply, error]
        error:
          description: Why the configured servers could not be read or the views not judged; C(null) otherwise.
          type: str
          returned: always
        commands:
          description: Every command run, with C(command), C(timeout_seconds), C(seconds) taken and C(outcome)
            (C(rc=N), C(missing), C(timeout), C(skipped) when the budget was used up, C(error)).
          type: list
          elements: dict
          returned: always
        duration_seconds:
          description: Time the whole gathering took (monotonic clock).
          type: float
          returned: always
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import timesync_collect


def main():
    module = AnsibleModule(
        argument_spec={
            "ntp_servers": {"type": "list", "elements": "str"},
            "check_host": {"type": "str", "default": timesync_collect.DEFAULT_CHECK_HOST},
            "probe": {"type": "bool", "default": True},
            "probe_timeout": {"type": "float", "default": 1.0},
            "probe_samples": {"type": "int", "default": 4},
            "probe_client": {"type": "str", "default": "auto", "choices": ["auto", "ntplib", "builtin"]},
            "chronyc_host": {"type": "str", "aliases": ["chronyc_socket"]},
            "chronyc_port": {"type": "int"},
            "reference_time_max_age": {"type": "float", "default": 3600},
            "command_timeout": {"type": "float", "default": timesync_collect.DEFAULT_COMMAND_TIMEOUT},
        },
        supports_check_mode=True,
    )
    params = module.params
    if params["probe_timeout"] <= 0 or params["probe_timeout"] > 30:
        module.fail_json(msg="probe_timeout must be above 0 and at most 30 seconds")
    if params["probe_samples"] < 1 or params["probe_samples"] > 16:
        module.fail_json(msg="probe_samples must be between 1 and 16")
    if params["command_timeout"] <= 0 or params["command_timeout"] > 300:
        module.fail_json(msg="command_timeout must be above 0 and at most 300 seconds")
    facts = timesync_collect.gather(
        timesync_collect.run_command,
        timesync_collect.which,
        ntp_servers=params["ntp_servers"],
        check_host=params["check_host"],
        probe=params["probe"],
        probe_timeout=params["probe_timeout"],
        probe_samples=params["probe_samples"],
        probe_client=params["probe_client"],
        chronyc_host=params["chronyc_host"],
        chronyc_port=params["chronyc_port"],
        reference_time_max_age=params["reference_time_max_age"],
        command_timeout=params["command_timeout"],
    )
    module.exit_json(changed=False, ansible_facts={"eformidling_timesync": facts})


if __name__ == "__main__":
    main()
