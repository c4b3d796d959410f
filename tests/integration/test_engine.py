"""The preflight engine through real Ansible: every Python the managed host may have, the fact cache,
a host whose gathering fails among healthy ones, and the proxy preflight probes through being the
proxy the install renders into the JVM options.

Nothing leaves the machine: endpoints point at closed loopback ports (tests/compat/vars.yml) or at
TLS servers and a tinyproxy inside a test network namespace; the NTP host is 127.0.0.1.
"""

import glob
import json
import os
import subprocess
import sys

import yaml
from ansible import release as ansible_release

from tests.integration import harness
from tests.integration.net_fixtures import CertAuthority, NetNS

REPO = harness.REPO
PYENV = os.path.expanduser("~/.pyenv/versions")
# ansible-core 2.20 and newer refuse a Python 3.8 target themselves: the preflight reports that as error with the
# interpreter fix, as it does for 3.6 and 3.7 (which the module refuses). Under 2.16-2.19, 3.8 gathers.
CORE_REFUSES_38 = tuple(int(p) for p in ansible_release.__version__.split(".")[:2]) >= (2, 20)
SUPPORTED = (() if CORE_REFUSES_38 else ("3.8",)) + ("3.9", "3.10", "3.11", "3.12", "3.13")
REFUSED = ("3.6", "3.7") + (("3.8",) if CORE_REFUSES_38 else ())
GATHER_TASK = "Gather and judge every preflight fact of this host"


def pyenv_python(minor):
    found = sorted(glob.glob(os.path.join(PYENV, minor + ".*", "bin", "python" + minor)))
    assert found, "Python %s is missing from %s: this test needs every interpreter (never skipped)" % (minor, PYENV)
    return found[-1]


def write_inventory(tmp_path, hosts):
    doc = {"all": {"hosts": {name: dict({"ansible_connection": "local"}, **hv) for name, hv in hosts.items()}}}
    path = tmp_path / ("inventory-%d.yml" % len(list(tmp_path.iterdir())))
    path.write_text(yaml.safe_dump(doc))
    return str(path)


def playbook(tmp_path, inventory, book, *extra, env=None, prefix=()):
    argv = [
        *prefix,
        os.path.join(harness.VENV_BIN, "ansible-playbook"),
        "-i",
        inventory,
        book,
        "-e",
        "@" + os.path.join(REPO, "tests", "compat", "vars.yml"),
        *extra,
    ]
    run_env = harness.ansible_env(dict({"ANSIBLE_FORKS": "8"}, **(env or {})))
    return subprocess.run(argv, env=run_env, capture_output=True, text=True, timeout=600, check=False)


def gather_results(proc):
    """{host: registered engine result} from a json-callback run."""
    try:
        doc = json.loads(proc.stdout)
    except ValueError as exc:
        raise AssertionError(
            "no JSON from ansible-playbook (rc=%s):\n%s\n%s" % (proc.returncode, proc.stdout, proc.stderr)
        ) from exc
    tasks = [t for play in doc["plays"] for t in play["tasks"] if t["task"]["name"].endswith(GATHER_TASK)]
    assert tasks, proc.stdout[-3000:]
    return tasks[0]["hosts"]


CHECKS_BOOK = """
- hosts: all
  gather_facts: false
  tasks:
    - ansible.builtin.import_role:
        name: eformidling.integrasjonspunkt.preflight
        tasks_from: checks
"""


def test_every_supported_python_gathers_and_older_ones_are_refused_as_error(tmp_path):
    hosts = {"py" + m.replace(".", ""): {"ansible_python_interpreter": pyenv_python(m)} for m in SUPPORTED + REFUSED}
    book = tmp_path / "checks.yml"
    book.write_text(CHECKS_BOOK)
    proc = playbook(tmp_path, write_inventory(tmp_path, hosts), str(book))
    results = gather_results(proc)
    for minor in SUPPORTED:
        res = results["py" + minor.replace(".", "")]
        assert res["gather"]["python"]["version"].startswith(minor + "."), res["gather"]
        assert res["gather"]["errors"] == [], (minor, res["gather"])
        statuses = {r["id"]: r["status"] for r in res["results"]}
        assert "error" not in statuses.values(), (minor, statuses)
        assert statuses["resources.cpu"] == "pass" and statuses["inbound.port"] in ("pass", "fail")
    for minor in REFUSED:
        res = results["py" + minor.replace(".", "")]
        assert [r["id"] for r in res["results"]] == ["preflight.gather"], res
        only = res["results"][0]
        assert only["status"] == "error", only
        assert minor in only["message"], only["message"]  # names the interpreter found
        assert "ansible_python_interpreter" in only["fix"]
        assert res["failed_ids"] == ["preflight.gather"]


def _report(report_dir):
    with open(os.path.join(report_dir, "preflight.json")) as fh:
        return json.load(fh)["hosts"]


def test_a_host_whose_gathering_fails_is_error_among_healthy_hosts_and_no_cache_serves_an_old_verdict(tmp_path):
    cache = tmp_path / "facts"
    env = {
        "ANSIBLE_CACHE_PLUGIN": "jsonfile",
        "ANSIBLE_CACHE_PLUGIN_CONNECTION": str(cache),
        "ANSIBLE_STDOUT_CALLBACK": "default",
    }
    good = {"ansible_python_interpreter": sys.executable}
    book = os.path.join(REPO, "playbooks", "preflight.yml")
    first = playbook(
        tmp_path,
        write_inventory(tmp_path, {"alpha": good, "bravo": good}),
        book,
        "-e",
        "preflight_report_dir=%s" % (tmp_path / "one"),
        env=env,
    )
    one = _report(str(tmp_path / "one"))
    assert one["alpha"]["results"] and one["alpha"]["state"] == "failed", first.stdout[-3000:]  # closed ports
    assert not any(r["status"] == "error" for r in one["alpha"]["results"])

    broken = {"ansible_python_interpreter": str(tmp_path / "no-such-python")}
    second = playbook(
        tmp_path,
        write_inventory(tmp_path, {"alpha": broken, "bravo": good, "charlie": good}),
        book,
        "-e",
        "preflight_report_dir=%s" % (tmp_path / "two"),
        "-e",
        "preflight_fail_hosts=true",
        env=env,
    )
    two = _report(str(tmp_path / "two"))
    alpha = two["alpha"]
    assert alpha["state"] in ("error", "failed"), alpha
    assert alpha["counts"]["error"] >= 1 or alpha["state"] == "error", alpha
    assert alpha["results"] != one["alpha"]["results"], "the first run's verdict must not come back from the cache"
    assert {r["id"] for r in alpha["results"]} <= {"preflight.gather"}
    for healthy in ("bravo", "charlie"):
        assert two[healthy]["state"] == "failed" and two[healthy]["counts"]["error"] == 0, two[healthy]
        assert {r["id"]: r["status"] for r in two[healthy]["results"]} == {
            r["id"]: r["status"] for r in one["bravo"]["results"]
        }
    assert "preflight failed on alpha" in second.stdout, second.stdout[-3000:]
    # The fact cache holds no verdict at all: results are registered, never facts.
    for path in cache.iterdir():
        assert "eformidling_preflight" not in path.read_text() and '"results"' not in path.read_text(), path


PROXY_HOSTS = {"valid.eftest": ["127.0.0.2"]}

PROXY_BOOK = """
- hosts: all
  gather_facts: false
  tasks:
    - ansible.builtin.import_role:
        name: eformidling.integrasjonspunkt.preflight
        tasks_from: checks
    # The install role's defaults and vars, as the role has them (preflight no longer imports that role).
    - ansible.builtin.include_vars: "{repo}/roles/integrasjonspunkt/defaults/main.yml"
    - ansible.builtin.include_vars: "{repo}/roles/integrasjonspunkt/vars/main.yml"
    - name: Render the install role's unit from the plan preflight returned
      ansible.builtin.template:
        src: "{repo}/roles/integrasjonspunkt/templates/integrasjonspunkt.service.j2"
        dest: "{out}/integrasjonspunkt.service"
        mode: "0644"
      vars:
        __integrasjonspunkt_java: "{{{{ preflight_result.plan.java.path or '/usr/bin/java' }}}}"
        __integrasjonspunkt_heap_mb: "{{{{ preflight_result.plan.heap_mb }}}}"
        __integrasjonspunkt_jvm_plan_opts: "{{{{ preflight_result.plan.jvm_options }}}}"
"""


def test_the_proxy_preflight_probes_through_is_the_proxy_in_the_jvm_options(tmp_path):
    (tmp_path / "ca").mkdir()
    ca = CertAuthority(str(tmp_path / "ca"))
    ns = NetNS(PROXY_HOSTS)
    try:
        ns.serve("127.0.0.2", 443, *ca.issue("valid", ["valid.eftest"], ips=["127.0.0.2"]))
        proxy = ns.tinyproxy(8888, connect_ports=[443])
        book = tmp_path / "proxy.yml"
        book.write_text(PROXY_BOOK.format(repo=REPO, out=tmp_path))
        overrides = {
            "preflight_endpoint_overrides": {
                "replace": [
                    {"name": "eformidling", "host": "valid.eftest", "port": 443, "ips": ["127.0.0.2"]},
                    # The Logstash appender cannot use a proxy: probed directly, and it answers directly.
                    {"name": "logs", "host": "valid.eftest", "port": 443, "ips": ["127.0.0.2"]},
                ]
            },
            "integrasjonspunkt_proxy": proxy,
            "integrasjonspunkt_no_proxy": [".intern.example.no"],
            "preflight_ca_file": ca.ca_file,
            "preflight_only": ["connectivity.eformidling", "connectivity.logs"],
        }
        proc = playbook(
            tmp_path,
            write_inventory(tmp_path, {"inside": {"ansible_python_interpreter": sys.executable}}),
            str(book),
            "-e",
            json.dumps(overrides),
            prefix=ns.prefix,
        )
        res = gather_results(proc)["inside"]
    finally:
        ns.close()
    by_id = {r["id"]: r for r in res["results"]}
    assert by_id["connectivity.eformidling"]["status"] == "pass", by_id
    assert "via proxy %s" % proxy in by_id["connectivity.eformidling"]["message"]
    assert by_id["connectivity.logs"]["status"] == "pass", by_id
    assert "via proxy" not in by_id["connectivity.logs"]["message"]
    options = res["plan"]["jvm_options"]
    assert "-Dhttps.proxyHost=127.0.0.1" in options and "-Dhttps.proxyPort=8888" in options
    unit = (tmp_path / "integrasjonspunkt.service").read_text()
    exec_start = unit[unit.index("ExecStart=") : unit.index("-jar")]
    for option in ("-Dhttps.proxyHost=127.0.0.1", "-Dhttps.proxyPort=8888", "-Dhttp.proxyHost=127.0.0.1"):
        assert option in exec_start, exec_start
    assert "*.intern.example.no" in exec_start
