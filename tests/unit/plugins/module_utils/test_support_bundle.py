"""support_bundle.collect (host side) and support_archive (controller side), on seeded files."""

import hashlib
import json
import os
import stat
import tarfile

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import redact, support_bundle
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import support_archive
from tests import support_bundle_seeds as seeds


def write(path, text, mode=0o600):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(path, mode)


@pytest.fixture
def host(tmp_path):
    install, logs, data = tmp_path / "opt", tmp_path / "log", tmp_path / "data"
    write(str(install / "integrasjonspunkt-local.properties"), seeds.local_properties())
    write(str(install / "integrasjonspunkt-secrets.properties"), seeds.secrets_properties())
    write(str(install / "keystore.p12"), seeds.S["keystore file contents"])
    write(str(install / "lifecycle" / "blocklist.json"), seeds.blocklist_json())
    write(str(install / "lifecycle" / "history.jsonl"), seeds.history_jsonl())
    write(str(logs / "application.log"), seeds.log_text())
    write(str(tmp_path / "units" / "integrasjonspunkt.service"), seeds.unit_text())
    os.makedirs(str(data))
    os.symlink("releases/integrasjonspunkt-v4.0.8.jar", str(install / "integrasjonspunkt.jar"))
    return {
        "run_mode": "java",
        "install_dir": str(install),
        "data_dir": str(data),
        "log_dir": str(logs),
        "tmp_dir": str(tmp_path),
        "unit_name": "integrasjonspunkt.service",
        "unit_dir": str(tmp_path / "units"),
        "java_path": "",
        "docker_host": "unix:///nonexistent.sock",
        "container_name": "integrasjonspunkt",
        "log_bytes": support_bundle.DEFAULT_LOG_BYTES,
    }


def fake_run(argv):
    name = os.path.basename(argv[0])
    return 0, seeds.program_output(name, argv[1:]), ""


def test_collect_reads_every_item_and_nothing_secret_comes_back(host):
    files, items, found = support_bundle.collect(host, fake_run)
    status = {i["name"]: i["status"] for i in items}
    expected = [
        "application.log",
        "properties/integrasjonspunkt-local.properties",
        "properties/integrasjonspunkt-secrets.properties",
        "keystores.json",
        "systemd/integrasjonspunkt.service",
        "systemd/systemctl-show.txt",
        "java-version.txt",
        "version.txt",
        "lifecycle/blocklist.json",
        "lifecycle/history.jsonl",
        "chrony/tracking.txt",
        "chrony/sources.txt",
        "system/resources.json",
    ]
    assert {n: status.get(n) for n in expected} == dict.fromkeys(expected, "ok")
    dump = json.dumps({"files": files, "items": items})
    for label, secret in seeds.searched().items():
        assert secret not in dump, label
        assert json.dumps(secret)[1:-1] not in dump, label
    assert found >= 10
    assert all(text != redact.WITHHELD for text in files.values())
    # the keystore: path, size and time only
    ks = {k["path"]: k for k in json.loads(files["keystores.json"])["files"]}
    own = ks[os.path.join(host["install_dir"], "keystore.p12")]
    assert own["size"] == len(seeds.S["keystore file contents"])
    assert own["mode"] == "0o600"
    # the path the properties name (not on this test host): listed, with why it has no figures
    assert ks["/opt/integrasjonspunkt/keystore.p12"] == {
        "path": "/opt/integrasjonspunkt/keystore.p12",
        "error": "No such file or directory",
    }
    # the java of the unit's ExecStart was asked
    assert files["java-version.txt"].startswith("$ /usr/bin/java -version")
    assert "integrasjonspunkt-v4.0.8.jar" in files["version.txt"]


def test_log_tail_takes_the_last_bytes_from_a_whole_line(host):
    host["log_bytes"] = 200
    files, _items, _found = support_bundle.collect(host, fake_run)
    tail = files["application.log"]
    assert len(tail.encode()) <= 200
    assert tail.startswith("2026-12-07") or tail.startswith("-----")
    assert "00:00:00 INFO starting" not in tail


def test_missing_and_unreadable_items_are_recorded_never_silently_empty(host, tmp_path):
    os.unlink(os.path.join(host["log_dir"], "application.log"))
    os.makedirs(os.path.join(host["log_dir"], "application.log"))  # a directory: cannot be read as a file
    os.unlink(os.path.join(host["install_dir"], "lifecycle", "history.jsonl"))

    def broken(argv):
        if os.path.basename(argv[0]) == "chronyc":
            return None, "", "chronyc not found"
        if os.path.basename(argv[0]) == "systemctl":
            raise RuntimeError("boom")
        return fake_run(argv)

    files, items, _found = support_bundle.collect(host, broken)
    status = {i["name"]: (i["status"], i.get("detail", "")) for i in items}
    assert status["application.log"][0] == "error"
    assert status["lifecycle/history.jsonl"][0] == "missing"
    assert status["chrony/tracking.txt"] == ("error", "chronyc could not be run: chronyc not found")
    assert status["systemd/systemctl-show.txt"] == ("error", "RuntimeError: boom")
    assert "application.log" not in files


def test_docker_mode_engine_down_is_an_error(host):
    host["run_mode"] = "docker"
    _files, items, _found = support_bundle.collect(host, fake_run)
    status = {i["name"]: i["status"] for i in items}
    assert status["docker/inspect.json"] == "error"
    assert "systemd/integrasjonspunkt.service" not in status


def test_docker_mode_only_unix_sockets():
    with pytest.raises(support_bundle.CollectError, match="unix:// socket only"):
        support_bundle.docker_inspect("tcp://127.0.0.1:2375", "x")


def test_java_from_inspect_and_unit():
    inspect = json.dumps({"Config": {"Env": seeds.docker_env()}})
    assert support_bundle.java_from_inspect(inspect) == "jdk-21.0.5+11"
    assert support_bundle.java_from_unit(seeds.unit_text()) == "/usr/bin/java"
    assert support_bundle.java_from_inspect("not json") is None


# ------------------------------------------------------------------------------ controller archive


def test_archive_is_0600_with_manifest_checksums_and_no_secret(host, tmp_path):
    files, items, _found = support_bundle.collect(host, fake_run)
    reports = tmp_path / "preflight-reports"
    write(
        str(reports / "preflight.json"),
        seeds.report_json("h1", "preflight"),
    )
    per_host = {
        "h1": {
            "state": "ok",
            "files": dict(files, **support_archive.report_files([str(reports)], "h1")),
            "items": items,
        },
        "h2": {"state": "unreachable", "reason": "no route"},
    }
    out_dir = tmp_path / "bundles"
    path = support_archive.write(str(out_dir), per_host, "0.1.0")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(str(out_dir)).st_mode) == 0o700
    assert [n for n in os.listdir(str(out_dir)) if n.startswith(".")] == []
    with tarfile.open(path) as tar:
        names = tar.getnames()
        contents = {n: tar.extractfile(n).read() for n in names}
        assert all(m.mode == 0o600 for m in tar.getmembers())
    manifest_name = next(n for n in names if n.endswith("/manifest.json"))
    manifest = json.loads(contents[manifest_name])
    root = manifest_name.rsplit("/", 1)[0]
    assert set(manifest["files"]) == {n[len(root) + 1 :] for n in names if n != manifest_name}
    for rel, entry in manifest["files"].items():
        assert hashlib.sha256(contents[root + "/" + rel]).hexdigest() == entry["sha256"]
    assert "h1/reports/preflight-reports-preflight.json" in manifest["files"]
    assert manifest["hosts"]["h2"] == {"state": "unreachable", "reason": "no route"}
    blob = b"".join(contents.values()).decode()
    for label, secret in seeds.searched().items():
        assert secret not in blob, label


def test_archive_failure_leaves_no_file(tmp_path):
    target = tmp_path / "file-not-dir"
    target.write_text("x")
    with pytest.raises(support_archive.ArchiveError, match="cannot write the support bundle"):
        support_archive.write(str(target), {"h": {"state": "ok", "files": {"a": "b"}}})


def test_member_names_cannot_escape():
    assert support_archive.safe_name("../../etc/passwd") == "etc/passwd"
    assert support_archive.safe_name("/abs/x") == "abs/x"
