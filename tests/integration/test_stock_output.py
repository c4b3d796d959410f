"""The preflight role included in an operator's own playbook, from the built and installed collection, under a
stock Ansible configuration (ANSIBLE_CONFIG an empty file, no ANSIBLE_* setting but the collections path): its
summary must read as text, one line per line, in the default and the yaml result formats alike.

Every endpoint points at a closed loopback port (tests/compat/vars.yml), so nothing leaves the machine."""

import json
import os
import subprocess
import sys

import pytest
import yaml

from tests.integration import harness

REPO = harness.REPO

PLAYBOOK = """\
- name: Check the integrasjonspunkt servers
  hosts: integrasjonspunkt
  gather_facts: false
  roles:
    - role: eformidling.integrasjonspunkt.preflight
"""


def stock_env(config, collections, **extra):
    """The environment of an operator's shell: no ANSIBLE_* variable but an empty config and the collection."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(ANSIBLE_CONFIG=config, ANSIBLE_COLLECTIONS_PATH=collections)
    env["PATH"] = harness.VENV_BIN + os.pathsep + env.get("PATH", "")
    env.update(extra)
    return env


def tool(name):
    return os.path.join(harness.VENV_BIN, name)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The collection built from this checkout and installed into an empty path, as an operator would."""
    root = tmp_path_factory.mktemp("stock")
    config = root / "empty.cfg"
    config.write_text("")
    collections = root / "collections"
    env = stock_env(str(config), str(collections))
    subprocess.run(
        [tool("ansible-galaxy"), "collection", "build", "--output-path", str(root), REPO],
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    (tarball,) = root.glob("eformidling-integrasjonspunkt-*.tar.gz")
    # --no-deps: offline there is no Galaxy to fetch the declared dependencies from, and the preflight role
    # calls none of them (make build's check_core_only_install.py installs the tarball with them).
    subprocess.run(
        [
            tool("ansible-galaxy"),
            "collection",
            "install",
            "--offline",
            "--no-deps",
            "-p",
            str(collections),
            str(tarball),
        ],
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return root, str(config), str(collections)


def run_included_role(installed, result_format=None):
    root, config, collections = installed
    work = root / ("run-%s" % (result_format or "default"))
    work.mkdir()
    (work / "site.yml").write_text(PLAYBOOK)
    inventory = {"integrasjonspunkt": {"hosts": {"ip1": {"ansible_connection": "local"}}}}
    inventory["integrasjonspunkt"]["hosts"]["ip1"]["ansible_python_interpreter"] = sys.executable
    (work / "hosts.yml").write_text(yaml.safe_dump(inventory))
    extra = {"ANSIBLE_CALLBACK_RESULT_FORMAT": result_format} if result_format else {}
    argv = [tool("ansible-playbook"), "-i", "hosts.yml", "site.yml"]
    argv += ["-e", "@" + os.path.join(REPO, "tests", "compat", "vars.yml")]
    argv += ["-e", "preflight_report_dir=%s" % (work / "reports")]
    proc = subprocess.run(
        argv,
        cwd=str(work),
        env=stock_env(config, collections, **extra),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr  # preflight_fail_hosts is false in vars.yml
    return proc.stdout, work / "reports"


def assert_reads_as_text(lines, block):
    assert lines[0].startswith("eFormidling preflight: 1 host(s); environment production")
    assert all("\n" not in line for line in lines), "one line per item"
    assert not any("\\n" in line for line in block), "no escaped line breaks on the screen"
    header = next(line for line in lines if line.split()[:1] == ["host"])
    assert header.split() == ["host", "pass", "info", "warn", "unknown", "error", "fail", "verdict"]
    row = next(line for line in lines if line.split()[:1] == ["ip1"])
    assert row.split()[-1] == "FAILED" and len(row.split()) == 8
    assert "FAILED checks:" in lines
    group = next(line for line in lines if line.startswith("  [") and "connectivity.eformidling" in line)
    assert group.index("]") < group.index(" host(s))")
    assert any(line.startswith("    fix: ") for line in lines)
    assert lines[-1].startswith("Reports: ")


def test_included_role_reads_as_text_under_a_stock_configuration(installed):
    stdout, reports = run_included_role(installed)
    block = harness.task_output(stdout)
    lines = harness.read_default(block)
    assert_reads_as_text(lines, block)
    # the lines on the screen are the report's: same counts as the JSON
    doc = json.loads((reports / "preflight.json").read_text())
    counts = doc["hosts"]["ip1"]["counts"]
    row = next(line for line in lines if line.split()[:1] == ["ip1"])
    assert [int(n) for n in row.split()[1:7]] == [counts[s] for s in doc["statuses"]]

    yaml_stdout = run_included_role(installed, "yaml")[0]
    yaml_block = harness.task_output(yaml_stdout)
    yaml_lines = harness.read_yaml(yaml_block)
    assert_reads_as_text(yaml_lines, yaml_block)
    assert yaml_lines[:5] == lines[:5]


PREPARE = """\
- name: Prepare the integrasjonspunkt servers
  hosts: integrasjonspunkt
  gather_facts: false
  roles:
    - role: eformidling.integrasjonspunkt.prepare
      vars:
        prepare_verify: false
        integrasjonspunkt_services: [DPO]
"""


def test_prepare_outbound_request_reads_as_text_under_a_stock_configuration(installed):
    root, config, collections = installed
    work = root / "prepare"
    work.mkdir()
    (work / "site.yml").write_text(PREPARE)
    host = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    (work / "hosts.yml").write_text(yaml.safe_dump({"integrasjonspunkt": {"hosts": {"ip1": host}}}))
    argv = [tool("ansible-playbook"), "-i", "hosts.yml", "site.yml", "-e", "prepare_outbound_request_dir=%s" % work]
    proc = subprocess.run(
        argv,
        cwd=str(work),
        env=stock_env(config, collections),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    block = harness.task_output(proc.stdout, "the openings this host")
    shown = harness.read_default(block)
    assert shown[0].startswith("Outbound openings for ip1 (")
    csv = (work / "ip1-outbound.csv").read_text()
    for name in ("eformidling.no", "maskinporten.no"):
        line = next(item for item in shown if " to %s " % name in item)
        assert line.startswith("  TCP 443 to ") and name in csv
    assert len(shown) - 1 == int(shown[0].split("(")[1].split(")")[0])
    assert not any("\\n" in line for line in block)
