"""The prepare role's outbound request lands where ansible-playbook runs, like the preflight reports.

A relative prepare_outbound_request_dir must be resolved against the working directory of
ansible-playbook, not against the playbook's directory (which, for the collection's own playbook run
by its name, is inside the installed collection). Only the outbound part runs: nothing on this host
changes, and the files are written on the controller.
"""

import os
import subprocess
import sys

import yaml

from tests.integration import harness

PLAYBOOK = """
- name: The outbound request only
  hosts: all
  gather_facts: false
  roles:
    - role: eformidling.integrasjonspunkt.prepare
      vars:
        prepare_time_sync: false
        prepare_timezone: false
        prepare_firewall: false
        prepare_verify: false
        prepare_outbound_request: true
        integrasjonspunkt_environment: test
        integrasjonspunkt_services: [DPO]
        integrasjonspunkt_ntp_host: 127.0.0.1
"""


def test_a_relative_outbound_dir_is_relative_to_where_ansible_playbook_runs(tmp_path):
    playbooks = tmp_path / "collection" / "playbooks"  # stands for the installed collection's playbooks
    playbooks.mkdir(parents=True)
    (playbooks / "prepare.yml").write_text(PLAYBOOK)
    workdir = tmp_path / "operator"
    workdir.mkdir()
    inventory = workdir / "inventory.yml"
    host = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    inventory.write_text(yaml.safe_dump({"all": {"hosts": {"ip-outbound": host}}}))
    env = harness.ansible_env({"ANSIBLE_STDOUT_CALLBACK": "default"})
    proc = subprocess.run(
        [
            os.path.join(harness.VENV_BIN, "ansible-playbook"),
            "-i",
            str(inventory),
            str(playbooks / "prepare.yml"),
            "-e",
            "prepare_outbound_request_dir=requests/outbound",
        ],
        cwd=str(workdir),
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    written = sorted(p.name for p in (workdir / "requests" / "outbound").iterdir())
    assert written == ["ip-outbound-outbound.csv", "ip-outbound-outbound.md"]
    assert not (playbooks / "requests").exists(), "written beside the playbook: %s" % list(playbooks.rglob("*"))
    csv = (workdir / "requests" / "outbound" / "ip-outbound-outbound.csv").read_text()
    assert csv.startswith('"host name","documented IPs"') and "127.0.0.1" in csv
