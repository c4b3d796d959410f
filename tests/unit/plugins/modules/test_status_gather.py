"""The status_gather module's plan and shape: every collector by name, and a collector that raised or ran out of
the budget kept as an error under each section it feeds (the checks that need it are then `error`)."""

import threading
import time
import types

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import gather
from ansible_collections.eformidling.integrasjonspunkt.plugins.modules import status_gather as sg

PARAMS = {
    "run_mode": "java",
    "unit": "integrasjonspunkt.service",
    "container_name": "integrasjonspunkt",
    "docker_host": None,
    "health_url": "https://127.0.0.1:9093/manage/health",
    "install_dir": "/opt/integrasjonspunkt",
    "keystore_path": "/opt/integrasjonspunkt/keystore.p12",
    "data_dir": "/var/lib/integrasjonspunkt",
    "log_file": "/var/log/integrasjonspunkt/application.log",
    "log_since": 0.0,
    "ntp_host": "time.google.com",
    "ntp_port": 123,
    "releases_url": "https://api.github.com/x",
    "proxy": None,
    "no_proxy": None,
    "ca_file": None,
    "timeout": 5.0,
    "port": 9093,
    "actuator_targets": [],
}


def module():
    return types.SimpleNamespace(get_bin_path=lambda name, opt_dirs=None: None, run_command=None)


def test_every_collector_is_planned_and_the_offline_option_skips_the_release_list():
    names = [job[0] for job in sg.build_jobs(module(), PARAMS, 0.0)]
    assert names == ["process", "blocklist", "disk", "health", "releases", "keystore", "log", "ntp_probe"]
    offline = dict(PARAMS, releases_url="", ntp_host="", keystore_path=None, log_file=None, health_url="")
    assert [job[0] for job in sg.build_jobs(module(), offline, 0.0)] == ["process", "blocklist", "disk"]
    targets = [{"host": "127.0.0.1", "port": 9093, "scheme": "https"}]
    names = [job[0] for job in sg.build_jobs(module(), dict(PARAMS, actuator_targets=targets), 0.0)]
    assert names == ["process", "blocklist", "disk", "health", "actuator", "releases", "keystore", "log", "ntp_probe"]


def test_a_failed_process_collector_is_an_error_of_each_section_it_feeds():
    out = sg.shape_result({"disk": {"available": True}}, {"process": {"message": "collecting process failed: boom"}})
    assert set(out["errors"]) == {"process", "service", "version", "memory"}
    assert "service" not in out
    assert out["disk"] == {"available": True}
    assert out["changed"] is False


def test_a_collector_that_hangs_past_the_budget_is_an_error_not_an_answer():
    running = gather.Collectors()
    stop = threading.Event()
    running.start("log", stop.wait, 30)
    running.start("disk", lambda: {"available": True})
    answers, errors = running.finish(time.monotonic() + 0.2, 0.2)
    stop.set()
    out = sg.shape_result(answers, errors)
    assert "log" not in out
    assert "did not finish" in out["errors"]["log"]["message"]


def test_a_collector_that_raises_is_an_error_with_its_traceback():
    running = gather.Collectors()
    running.start("blocklist", lambda: 1 / 0)
    answers, errors = running.finish(time.monotonic() + 2, 2)
    out = sg.shape_result(answers, errors)
    assert "ZeroDivisionError" in out["errors"]["blocklist"]["exception"]


def test_service_and_process_in_docker_mode_reads_the_container_and_its_image_version(tmp_path):
    doc = (
        '{"running": true, "status": "running", "started_at": "2026-12-07T00:00:00Z", "restart_count": 0,'
        ' "pid": 0, "image": "ghcr.io/felleslosninger/efm-integrasjonspunkt:v4.0.7", "labels": {},'
        ' "memory_limit": 0}'
    )
    params = dict(PARAMS, run_mode="docker", docker_host="unix:///d.sock")
    out = sg.service_and_process(lambda argv: (0, doc, ""), lambda name: "/usr/bin/docker", params, str(tmp_path))
    assert out["service"]["running"] is True
    assert out["version"]["version"] == "4.0.7"
    assert out["memory"]["available"] is False
