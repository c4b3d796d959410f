#!/usr/bin/python
# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
---
module: keystore_check
short_description: Check the integrasjonspunkt's keystore and enterprise certificate, without printing a secret
version_added: 0.1.0
description:
  - Runs on the controller as an action plugin. Reads the keystore on the controller, or with O(remote_src=true)
    fetches it from the host with M(ansible.builtin.slurp), and runs the C(certificate.*) checks on it.
  - C(certificate.keystore) the keystore opens with O(password), O(alias) is a private-key entry, and the key
    password equals the store password (the integrasjonspunkt uses one password for both).
  - C(certificate.validity) expired or not yet valid fails (the integrasjonspunkt refuses to start); fewer than
    O(warn_days) days left warns.
  - C(certificate.type) the authentication part of a SEID v1/v2 enterprise certificate (keyUsage
    digitalSignature without nonRepudiation, and a Buypass or Commfides SEID policy OID); not the signing or
    encryption part, not eSegl, not an SSL/TLS certificate.
  - C(certificate.org_number) the organisation number in the certificate (SEID 2 organizationIdentifier
    C(NTRNO-<orgnr>), SEID 1 serialNumber) equals O(org_number).
  - C(certificate.environment) a production issuer for production, a test issuer for test.
  - C(certificate.chain) the chain is complete up to a known root, from the keystore's certificates and the
    known issuers' CA certificates.
  - C(certificate.jks) a JKS keystore warns (v4 logs a warning for JKS) and gives the conversion command.
  - The issuers, their CA certificates and policy OIDs are kept with their sources in the collection's
    C(data/certificate_issuers.yml).
  - PKCS12 is read with the Python C(cryptography) package that ansible-core depends on. JKS is read with the
    JDK's C(keytool) on the controller, the password given on its standard input; without a Java on the
    controller the JKS checks are V(unknown) and say how to convert the keystore.
  - Give the password only through O(password) and set C(no_log) on the task; nothing is put in an environment
    variable or on a command line, and no result holds the password or key material.
options:
  path:
    description:
      - Path of the keystore, on the controller or, with O(remote_src=true), on the host.
      - Empty means no keystore is configured yet; every check then reports V(info).
    type: path
  remote_src:
    description: O(path) is on the managed host; it is read with M(ansible.builtin.slurp).
    type: bool
    default: false
  type:
    description:
      - The keystore type the integrasjonspunkt is configured with (C(difi.move.org.keystore.type)).
      - The file is read by its real format (a JKS starts with 0xFEEDFEED); a difference is reported.
    type: str
    choices: [PKCS12, JKS]
    default: PKCS12
  alias:
    description: Alias of the private-key entry (C(difi.move.org.keystore.alias)).
    type: str
  password:
    description: The store password, which must also be the key password (C(difi.move.org.keystore.password)).
    type: str
  org_number:
    description: The organisation number the certificate must be issued to (C(difi.move.org.number)).
    type: str
  environment:
    description: The environment the integrasjonspunkt runs in; decides which issuers are accepted.
    type: str
    choices: [production, test]
    default: production
  warn_days:
    description: Warn when fewer days than this are left on the certificate (threshold C(cert_warn_days)).
    type: float
    default: 30
  fail_on_findings:
    description:
      - Fail the task when a check is V(fail), V(error) or V(unknown).
      - With V(false) the task never fails on findings; judge RV(failed_ids) in a later task, so that the
        findings can be shown while this task keeps C(no_log).
    type: bool
    default: true
  extra_issuers:
    description:
      - Path on the controller of a YAML file in the format of the collection's C(data/certificate_issuers.yml)
        (C(cas), C(policies)), whose CAs and policies are accepted in addition to the known ones.
      - For an issuer that Digdir accepts but the data file does not know yet, or a test CA. Every CA certificate
        needs its C(sha256), which is checked.
    type: path
  from_settings:
    description:
      - Take O(path), O(remote_src), O(type), O(alias), O(password), O(org_number), O(environment) and
        O(extra_issuers) from the host's C(integrasjonspunkt_keystore_*), C(integrasjonspunkt_org_number) and
        C(integrasjonspunkt_environment) variables, read as
        M(eformidling.integrasjonspunkt.integrasjonspunkt_settings) reads them. No task argument then carries the
        password. The P(eformidling.integrasjonspunkt.integrasjonspunkt#role) role uses this.
    type: bool
    default: false
attributes:
  action:
    support: full
    description: Runs on the controller as an action plugin.
  check_mode:
    support: full
    description: Only reads; check mode gives the same answer.
  diff_mode:
    support: none
    description: Nothing is changed, so there is no diff.
  platform:
    support: full
    platforms: posix
    description: The controller; with O(remote_src=true) any host M(ansible.builtin.slurp) can read from.
author:
  - eFormidling collection maintainers (@eformidling-ansible)
"""

EXAMPLES = r"""
- name: Check the keystore on the controller
  eformidling.integrasjonspunkt.keystore_check:
    path: /secure/ip/keystore.p12
    alias: virksomhet-2026
    password: "{{ vault_ip_keystore_password }}"
    org_number: "991825827"
    environment: production
  no_log: true

- name: Check a keystore that is already on the host, and judge the findings in a visible task
  eformidling.integrasjonspunkt.keystore_check:
    path: /etc/integrasjonspunkt/keystore.p12
    remote_src: true
    alias: virksomhet-2026
    password: "{{ vault_ip_keystore_password }}"
    org_number: "991825827"
    environment: test
    fail_on_findings: false
  register: keystore
  no_log: true

- name: Show what is wrong with the keystore (the findings hold no secret)
  ansible.builtin.assert:
    that: keystore.failed_ids | length == 0
    fail_msg: "{{ keystore.msg }}"
"""

RETURN = r"""
results:
  description:
    - One result per check, with C(id), C(title), C(category), C(severity), C(status) (V(pass), V(info), V(warn),
      V(unknown), V(error) or V(fail)), C(measured), C(required), C(unit), C(message), C(fix) and C(doc_url).
  returned: always
  type: list
  elements: dict
  sample:
    - id: certificate.validity
      status: warn
      measured: 12
      required: ">= 30 days left"
      unit: days
      message: expires on 2026-12-13T10:00:00+00:00, in 12 days
failed_ids:
  description: IDs of the checks whose status is V(fail), V(error) or V(unknown).
  returned: always
  type: list
  elements: str
  sample: ["certificate.environment", "certificate.org_number"]
counts:
  description: Number of results per status.
  returned: always
  type: dict
  sample: {"pass": 5, "warn": 1, "fail": 1}
certificate:
  description: Public facts of the alias's certificate, or null when it could not be read.
  returned: always
  type: dict
  contains:
    subject:
      description: Subject DN (RFC 4514).
      type: str
    issuer:
      description: Issuer DN (RFC 4514).
      type: str
    serial:
      description: Serial number in hexadecimal; the one the certificate directory (virksert) must hold.
      type: str
    sha256:
      description: SHA-256 fingerprint of the DER certificate.
      type: str
    not_after:
      description: End of validity (ISO 8601, UTC).
      type: str
msg:
  description: The failing checks' messages, or a one-line pass.
  returned: always
  type: str
"""
