#!/usr/bin/python
# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: release_choice
short_description: Which integrasjonspunkt release C(integrasjonspunkt_version=latest) means on this host
version_added: 0.2.0
description:
  - Lists the releases (GitHub's releases API, or the operator's mirror's C(releases.json) or directory index,
    through the configured proxy), or takes the list fetched on the controller (O(versions)), and returns the
    newest release within the installed major version that is not blocklisted, with the reason.
  - The installed version is O(installed) (Docker mode passes the container's label) or the release the
    C(<install_dir>/integrasjonspunkt.jar) link points at (Java mode).
  - Active blocklist entries (C(<install_dir>/lifecycle/blocklist.json)) are skipped, except the versions in
    O(blocklist_clear). A blocklist that cannot be read fails; so do an unreachable or unreadable release list
    and an install whose version cannot be read.
  - Only reads; never changes the host.
author:
  - eFormidling collection maintainers (@eformidling-ansible)
options:
  install_dir:
    description: C(integrasjonspunkt_install_dir).
    type: path
    default: /opt/integrasjonspunkt
  installed:
    description: The installed version; empty reads the Java mode release link.
    type: str
    default: ""
  releases_url:
    description:
      - The URL that lists the releases (GitHub releases API format, or a directory index); empty, GitHub's
        releases API for GitHub's download URL, or C(<download_base_url>/releases.json) for a mirror.
    type: str
    default: ""
  download_base_url:
    description: C(integrasjonspunkt_download_base_url).
    type: str
    default: https://github.com/felleslosninger/efm-integrasjonspunkt/releases/download
  promotion_min_days:
    description: Take only versions that ran healthy this many days on the promotion group (O(promotion_records)).
    type: int
    default: 0
  promotion_records:
    description: The promotion group's history records (lifecycle_record action=read).
    type: list
    elements: dict
    default: []
  versions:
    description: The release versions, fetched elsewhere (the controller-side lookup); then nothing is fetched.
    type: list
    elements: str
  fetch_only:
    description: Only fetch and return the release list (the controller-side lookup).
    type: bool
    default: false
  proxy:
    description: C(integrasjonspunkt_proxy).
    type: str
    default: ""
  no_proxy:
    description: C(integrasjonspunkt_no_proxy).
    type: list
    elements: str
    default: []
  timeout:
    description: Seconds for the release list request.
    type: int
    default: 30
  validate_certs:
    description: Verify the release list server's certificate.
    type: bool
    default: true
  ca_file:
    description: A CA bundle for the release list server (a mirror with a private CA).
    type: path
  blocklist_clear:
    description: Blocklisted versions to take into account again (C(integrasjonspunkt_blocklist_clear)).
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - eformidling.integrasjonspunkt.attributes
"""

EXAMPLES = r"""
- name: Resolve latest
  eformidling.integrasjonspunkt.release_choice:
    install_dir: /opt/integrasjonspunkt
    releases_url: https://mirror.example.no/integrasjonspunkt/releases.json
  register: choice
"""

RETURN = r"""
version:
  description: The version to run (the installed one when nothing newer qualifies).
  type: str
  returned: unless fetch_only
reason:
  description: Why that version, one line.
  type: str
  returned: unless fetch_only
installed:
  description: The installed version.
  type: str
  returned: unless fetch_only
versions:
  description: The release versions offered.
  type: list
  elements: str
  returned: always
blocked:
  description: The active blocklist entries (version, until, reason), the cleared ones left out.
  type: list
  elements: dict
  returned: unless fetch_only
"""

import datetime
import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import lifecycle_records as records
from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import releases


def _installed(p):
    if p["installed"]:
        return p["installed"]
    link = os.path.join(p["install_dir"], "integrasjonspunkt.jar")
    return releases.installed_from_jar(os.readlink(link)) if os.path.islink(link) else None


def main():
    module = AnsibleModule(
        argument_spec=dict(
            install_dir=dict(type="path", default="/opt/integrasjonspunkt"),
            installed=dict(type="str", default=""),
            releases_url=dict(type="str", default=""),
            download_base_url=dict(type="str", default=releases.GITHUB_DOWNLOAD_BASE),
            promotion_min_days=dict(type="int", default=0),
            promotion_records=dict(type="list", elements="dict", default=[]),
            versions=dict(type="list", elements="str"),
            fetch_only=dict(type="bool", default=False),
            proxy=dict(type="str", default="", no_log=False),
            no_proxy=dict(type="list", elements="str", default=[]),
            timeout=dict(type="int", default=30),
            validate_certs=dict(type="bool", default=True),
            ca_file=dict(type="path"),
            blocklist_clear=dict(type="list", elements="str", default=[]),
        ),
        supports_check_mode=True,
    )
    p = module.params
    versions = p["versions"]
    if versions is None:
        url = releases.list_url(p["download_base_url"], p["releases_url"])
        versions, error = releases.fetch_github(
            url, p["proxy"], p["timeout"], p["no_proxy"], p["ca_file"], p["validate_certs"]
        )
        if error:
            module.fail_json(msg="integrasjonspunkt_version=latest: %s. Nothing was changed." % error)
    if p["fetch_only"]:
        module.exit_json(changed=False, versions=versions)
    installed = _installed(p)
    if not releases.version_key(installed):
        module.fail_json(
            msg="integrasjonspunkt_version=latest needs an installed release to stay within its major version, and "
            "none was found (%s). Pin integrasjonspunkt_version (such as 4.0.8) for the first install. Nothing was "
            "changed." % ("installed=%r" % installed if installed else "no release link in %s" % p["install_dir"]),
            versions=versions,
        )
    now = datetime.datetime.now(datetime.timezone.utc)
    try:
        path = os.path.join(records.directory(p["install_dir"]), records.BLOCKLIST_FILE)
        entries = records.unblock(records.parse_blocklist(records.read_text(path)), p["blocklist_clear"])
    except (records.RecordError, OSError) as err:
        module.fail_json(
            msg="integrasjonspunkt_version=latest: the blocklist cannot be read (%s); nothing was changed" % err
        )
    blocked = records.active(entries, now)
    offered = versions
    if p["promotion_min_days"] > 0:
        allowed = set(releases.promoted(p["promotion_records"], now, p["promotion_min_days"]))
        offered = [v for v in versions if releases.plain(v) in allowed]
    version, reason = releases.newest_within_major(offered, installed, blocked)
    if p["promotion_min_days"] > 0:
        held = [v for v in versions if releases.version_key(v) > releases.version_key(version) and v not in offered]
        same = [v for v in held if releases.version_key(v)[0] == releases.version_key(installed)[0]]
        if same:
            reason += "; held for promotion (not yet %d days healthy in the promotion group): %s" % (
                p["promotion_min_days"],
                ", ".join(sorted(same, key=releases.version_key)),
            )
    module.exit_json(
        changed=False,
        version=version,
        reason=reason,
        installed=releases.plain(installed),
        versions=sorted(versions, key=releases.version_key),
        blocked=[{"version": v, "until": e["until"], "reason": e["reason"]} for v, e in sorted(blocked.items())],
    )


if __name__ == "__main__":
    main()
