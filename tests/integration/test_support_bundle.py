"""playbooks/support-bundle.yml for real: seeded files on this machine (Java mode) and a container on a real Docker
engine (Docker mode); the archive and the -vvv output are searched for every seeded secret.

Every kind of secret the issue names is seeded in every file and command output the bundle reads, with a value
unique to that file (tests/support_bundle_seeds.py, KINDS x FILES); PLACES says which a mode reads."""

import hashlib
import json
import os
import shutil
import stat
import subprocess
import tarfile
import time

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import redact
from tests import support_bundle_seeds as seeds
from tests.integration import docker_fixtures, harness

PLAYBOOK = os.path.join(harness.REPO, "playbooks", "support-bundle.yml")
ENGINE = "i22-bundle"
CONTAINER = "ip-i22-bundle"


def write(path, text, mode=0o600):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(path, mode)


def seed_host(root, run_mode):
    """Every file the bundle reads, under `root`, each with secrets in it; stand-ins for the programs it runs."""
    install, logs, data, units, fake_bin = (os.path.join(root, d) for d in ("opt", "log", "data", "units", "bin"))
    write(os.path.join(install, "integrasjonspunkt-local.properties"), seeds.local_properties())
    write(os.path.join(install, "integrasjonspunkt-secrets.properties"), seeds.secrets_properties())
    write(os.path.join(install, "keystore.p12"), seeds.S["keystore file contents"])
    write(os.path.join(install, "lifecycle", "blocklist.json"), seeds.blocklist_json(), 0o640)
    write(os.path.join(install, "lifecycle", "history.jsonl"), seeds.history_jsonl(), 0o640)
    write(os.path.join(logs, "application.log"), seeds.log_text(), 0o640)
    write(os.path.join(units, "integrasjonspunkt.service"), seeds.unit_text(), 0o644)
    os.makedirs(data, exist_ok=True)
    os.symlink("releases/integrasjonspunkt-v4.0.8.jar", os.path.join(install, "integrasjonspunkt.jar"))
    outputs = {
        "systemctl": seeds.program_output("systemctl"),
        "java": seeds.program_output("java"),  # as java -version: on standard error
        "tracking": seeds.program_output("chronyc", ["tracking"]),
        "sources": seeds.program_output("chronyc", ["sources"]),
    }
    for name, text in outputs.items():
        write(os.path.join(root, "out-" + name), text, 0o644)
    write(os.path.join(fake_bin, "systemctl"), "#!/bin/sh\ncat %s/out-systemctl\n" % root, 0o755)
    write(os.path.join(fake_bin, "java"), "#!/bin/sh\ncat %s/out-java >&2\n" % root, 0o755)
    write(os.path.join(fake_bin, "chronyc"), '#!/bin/sh\ncase "$*" in *tracking*) cat %s/out-tracking ;;'
          ' *) cat %s/out-sources ;; esac\n' % (root, root), 0o755)  # fmt: skip
    # The controller's latest reports, with secrets in messages and details, as a broken check might print them.
    write(os.path.join(root, "preflight-reports", "preflight.json"), seeds.report_json("ip-host", "preflight"), 0o600)
    write(os.path.join(root, "status-reports", "status.json"), seeds.report_json("ip-host", "status"), 0o600)
    hostvars = {
        "integrasjonspunkt_run_mode": run_mode,
        "integrasjonspunkt_install_dir": install,
        "integrasjonspunkt_log_dir": logs,
        "integrasjonspunkt_data_dir": data,
        "integrasjonspunkt_tmp_dir": root,
        "integrasjonspunkt_java_path": os.path.join(fake_bin, "java"),
        # The inventory's own secrets: never an argument, never printed.
        "integrasjonspunkt_keystore_password": seeds.S["keystore password"],
        "integrasjonspunkt_auth_user": seeds.API_USER,
        "integrasjonspunkt_auth_password": seeds.S["API basic-auth password"],
        "integrasjonspunkt_database_password": seeds.S["database password"],
        "integrasjonspunkt_proxy": seeds.HTTP_PROXY,
    }
    return hostvars, fake_bin, units


def run_bundle(root, hostvars, fake_bin, units):
    inv = harness.local_inventory(host="ip-host", hostvars=hostvars)
    env = harness.ansible_env(
        {"ANSIBLE_STDOUT_CALLBACK": "default", "PATH": fake_bin + os.pathsep + os.environ["PATH"]}
    )
    env.pop("ANSIBLE_LOAD_CALLBACK_PLUGINS", None)
    argv = [
        os.path.join(harness.VENV_BIN, "ansible-playbook"),
        "-vvv",
        "-i",
        inv,
        PLAYBOOK,
        "-e",
        json.dumps({"support_bundle_become": False, "support_bundle_unit_dir": units, "support_bundle_dir": "out"}),
    ]
    started = time.monotonic()
    proc = subprocess.run(
        argv, cwd=root, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600, check=False
    )
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    archives = [os.path.join(root, "out", n) for n in os.listdir(os.path.join(root, "out"))]
    assert len(archives) == 1 and archives[0].endswith(".tar.gz"), archives
    print("support bundle run: %.1f s, archive %d bytes" % (elapsed, os.path.getsize(archives[0])))
    return archives[0], proc.stdout + proc.stderr


def read_archive(path):
    with tarfile.open(path) as tar:
        members = tar.getmembers()
        contents = {m.name: tar.extractfile(m).read() for m in members}
    manifest_name = next(n for n in contents if n.endswith("/manifest.json"))
    root = manifest_name.rsplit("/", 1)[0]
    manifest = json.loads(contents[manifest_name])
    assert set(manifest["files"]) == {n[len(root) + 1 :] for n in contents if n != manifest_name}
    for rel, entry in manifest["files"].items():
        assert hashlib.sha256(contents[root + "/" + rel]).hexdigest() == entry["sha256"], rel
    assert all(m.mode == 0o600 for m in members)
    return manifest, {n[len(root) + 1 :]: v.decode() for n, v in contents.items()}


def assert_no_secret(label, text):
    for what, secret in seeds.searched().items():
        assert secret not in text, "%s: %s (%r) leaked" % (label, what, secret)
        assert json.dumps(secret)[1:-1] not in text, "%s: %s (%r, JSON-escaped) leaked" % (label, what, secret)


# The seeded files each run reads (seeds.FILES): the matrix is complete over the two modes.
PLACES = {
    "java": ("local", "secrets", "unit", "show", "java", "tracking", "sources", "preflight", "status", "blocklist",
             "history", "log"),
    "docker": ("local", "secrets", "env", "labels", "tracking", "sources", "preflight", "status", "blocklist",
               "history", "log"),
}  # fmt: skip
assert set(PLACES["java"]) | set(PLACES["docker"]) == set(seeds.FILES)


def assert_redacted_not_withheld(files):
    """Each file's secrets were removed by the rules, not by withholding the whole file."""
    withheld = sorted(name for name, text in files.items() if redact.WITHHELD in text)
    assert not withheld, withheld


@pytest.fixture
def root():
    path = os.path.join(harness.scratch_dir(), "bundle-%d" % time.monotonic_ns())
    os.makedirs(path, mode=0o700)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_java_mode_every_secret_in_every_file_none_in_the_archive_nor_at_vvv(root):
    hostvars, fake_bin, units = seed_host(root, "java")
    archive, output = run_bundle(root, hostvars, fake_bin, units)
    assert stat.S_IMODE(os.stat(archive).st_mode) == 0o600
    manifest, files = read_archive(archive)
    status = {i["name"]: i["status"] for i in manifest["hosts"]["ip-host"]["items"]}
    for name in (
        "application.log",
        "properties/integrasjonspunkt-local.properties",
        "properties/integrasjonspunkt-secrets.properties",
        "keystores.json",
        "systemd/integrasjonspunkt.service",
        "systemd/systemctl-show.txt",
        "java-version.txt",
        "lifecycle/blocklist.json",
        "lifecycle/history.jsonl",
        "chrony/tracking.txt",
        "chrony/sources.txt",
        "system/resources.json",
    ):
        assert status.get(name) == "ok", (name, status)
        assert "ip-host/" + name in files
    assert "ip-host/reports/preflight-reports-preflight.json" in files
    assert "ip-host/reports/status-reports-status.json" in files
    for name, text in files.items():
        assert_no_secret("archive " + name, text)
    assert_no_secret("ansible-playbook -vvv output", output)
    assert_redacted_not_withheld(files)
    assert "[stderr]" in files["ip-host/java-version.txt"]  # java -version's output was read, then redacted
    assert "Basic <redacted>" in files["ip-host/chrony/sources.txt"]
    # the material is there, only the secrets are gone
    assert "difi.security.user.name=apiuser" in files["ip-host/properties/integrasjonspunkt-local.properties"]
    assert "proxy.example:3128" in files["ip-host/application.log"]


@pytest.fixture
def engine(root):
    """A private engine with one container created (never started) from the tools image, with the seeded
    environment and labels that the bundle's docker inspect must redact."""
    with docker_fixtures.running_engine(ENGINE) as docker_host:
        image = docker_fixtures.import_tools_image(docker_host, root)
        argv = ["docker", "-H", docker_host, "create", "--name", CONTAINER]
        for entry in seeds.docker_env():
            argv += ["-e", entry]
        for key, label in seeds.docker_labels().items():
            argv += ["--label", "%s=%s" % (key, label)]
        argv += [image, "/bin/sleep", "1"]
        subprocess.run(argv, check=True, capture_output=True, timeout=120)
        yield docker_host


def test_docker_mode_inspect_of_a_real_container_is_redacted(root, engine):
    hostvars, fake_bin, units = seed_host(root, "docker")
    hostvars.update({"integrasjonspunkt_docker_host": engine, "integrasjonspunkt_container_name": CONTAINER})
    archive, output = run_bundle(root, hostvars, fake_bin, units)
    manifest, files = read_archive(archive)
    status = {i["name"]: i["status"] for i in manifest["hosts"]["ip-host"]["items"]}
    assert status["docker/inspect.json"] == "ok", manifest["hosts"]["ip-host"]
    inspect = json.loads(files["ip-host/docker/inspect.json"])
    assert inspect["Name"] == "/" + CONTAINER
    assert "SPRING_DATASOURCE_PASSWORD=<redacted>" in inspect["Config"]["Env"]
    assert inspect["Config"]["Labels"]["org.example.password"] == "<redacted>"
    assert len(inspect["Config"]["Labels"]) == len(seeds.docker_labels())
    assert files["ip-host/java-version.txt"].startswith("Java jdk-21.0.5+11")
    assert "systemd/integrasjonspunkt.service" not in status
    for name, text in files.items():
        assert_no_secret("archive " + name, text)
    assert_no_secret("ansible-playbook -vvv output", output)
    assert_redacted_not_withheld(files)


# A booted systemd host (tests/helpers/nspawn_host.sh): the real unit loaded by systemd, `systemctl show` of it,
# the role's default paths, over the nsenter connection.
NSPAWN_HOST = os.path.join(harness.REPO, "tests", "helpers", "nspawn_host.sh")
MACHINE = "i22-bundle"
BOOTED_OK = (
    "application.log",
    "systemd/integrasjonspunkt.service",
    "systemd/systemctl-show.txt",
    "lifecycle/blocklist.json",
    "lifecycle/history.jsonl",
    "keystores.json",
    "system/resources.json",
)


def put(path, text, mode):
    script = 'mkdir -p "$(dirname "$1")" && cat > "$1" && chmod %o "$1"' % mode
    proc = subprocess.run([NSPAWN_HOST, "exec", MACHINE, "sh", "-c", script, "put", path], input=text,
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr


@pytest.fixture
def booted():
    started = subprocess.run([NSPAWN_HOST, "start", MACHINE], capture_output=True, text=True, timeout=600, check=False)
    try:
        assert started.returncode == 0, started.stderr
        hostvars = subprocess.run([NSPAWN_HOST, "hostvars", MACHINE], capture_output=True, text=True, timeout=60,
                                  check=True).stdout  # fmt: skip
        yield json.loads(hostvars)
    finally:
        subprocess.run([NSPAWN_HOST, "destroy", MACHINE], capture_output=True, timeout=300, check=False)


def test_booted_host_real_systemctl_show_of_a_seeded_unit_is_redacted(root, booted):
    install = "/opt/integrasjonspunkt"
    put(install + "/integrasjonspunkt-local.properties", seeds.local_properties(), 0o600)
    put(install + "/integrasjonspunkt-secrets.properties", seeds.secrets_properties(), 0o600)
    put(install + "/keystore.p12", seeds.S["keystore file contents"], 0o600)
    put(install + "/lifecycle/blocklist.json", seeds.blocklist_json(), 0o640)
    put(install + "/lifecycle/history.jsonl", seeds.history_jsonl(), 0o640)
    put("/var/log/integrasjonspunkt/application.log", seeds.log_text(), 0o640)
    put("/etc/systemd/system/integrasjonspunkt.service", seeds.unit_text(), 0o644)
    reload = subprocess.run([NSPAWN_HOST, "exec", MACHINE, "systemctl", "daemon-reload"], capture_output=True,
                            text=True, timeout=120, check=False)  # fmt: skip
    assert reload.returncode == 0, reload.stderr
    write(os.path.join(root, "status-reports", "status.json"), seeds.report_json("ip-host", "status"), 0o600)
    hostvars = dict(booted, integrasjonspunkt_auth_password=seeds.S["API basic-auth password"])
    archive, output = run_bundle(root, hostvars, "/nonexistent", "/etc/systemd/system")
    manifest, files = read_archive(archive)
    status = {i["name"]: i["status"] for i in manifest["hosts"]["ip-host"]["items"]}
    for name in BOOTED_OK:
        assert status.get(name) == "ok", (name, status)
    # what the base image lacks is named, never an empty file that looks fine
    assert status["chrony/tracking.txt"] == "error" and status["java-version.txt"] == "error", status
    assert manifest["hosts"]["ip-host"]["state"] == "partial"
    show = files["ip-host/systemd/systemctl-show.txt"]
    assert "SPRING_DATASOURCE_PASSWORD=<redacted>" in show and "ExecStart=" in show, show
    for name, text in files.items():
        assert_no_secret("archive " + name, text)
    assert_no_secret("ansible-playbook -vvv output", output)
