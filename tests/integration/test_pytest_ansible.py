"""The same modules through pytest-ansible's in-process runner, kept thin on purpose.

pytest-ansible announced its end of life for December 2026, so only its `ansible_adhoc` fixture is
used, never its molecule integration; everything else goes through tests/integration/harness.py.
"""

import os
import socket
import subprocess
import sys


def localhost(ansible_adhoc, tmp_path):
    inventory = tmp_path / "hosts.ini"
    # interpreter pinned, as everywhere in the harness: discovery can pick a broken pyenv shim
    inventory.write_text("localhost ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable)
    return ansible_adhoc(inventory=str(inventory), host_pattern="localhost", connection="local").localhost


def module(host, name):
    return getattr(host, "eformidling.integrasjonspunkt." + name)


def test_resource_facts_through_pytest_ansible(ansible_adhoc, tmp_path):
    host = localhost(ansible_adhoc, tmp_path)
    result = module(host, "resource_facts")(paths=[str(tmp_path)])["localhost"]
    facts = result["ansible_facts"]["eformidling_resources"]
    assert result["changed"] is False
    assert facts["cpu"]["online"] == os.cpu_count()
    assert facts["disk"][0]["path"] == str(tmp_path)
    assert facts["disk"][0]["exists"] is True


def test_inbound_port_info_through_pytest_ansible(ansible_adhoc, tmp_path):
    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
        port = srv.getsockname()[1]
        host = localhost(ansible_adhoc, tmp_path)
        result = module(host, "inbound_port_info")(port=port, identify_timeout=0.5)["localhost"]
    assert result["in_use"] is True
    # in-process Ansible forks workers that inherit the socket, so they hold it too
    assert os.getpid() in [h["pid"] for h in result["holders"]]
    assert result["held_by_integrasjonspunkt"] is False


def test_a_child_started_after_the_in_process_runs_has_a_standard_input():
    # The runs above marked this process's fd 0 close-on-exec (Ansible's TaskQueueManager does so); conftest's
    # _stdio_inheritable undoes it before each test. Without it this child starts with fd 0 closed, as the
    # ansible-playbook runs of later test modules did in CI ("Could not detach from stdio: Bad file descriptor").
    probe = [sys.executable, "-c", "import os; os.fstat(0)"]
    child = subprocess.run(probe, capture_output=True, text=True, check=False)
    assert child.returncode == 0, child.stderr
