# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The backup plan from the settings model: which directories, what is said not to be copied, bad input refused."""

import os

import pytest
import yaml

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import backup_plan
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import settings as model

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..")
DB_SECRET = "Db-S3cret-77"


def _plan(**raw):
    return model.normalise(raw, "backup")["backup"]


def test_default_plan_copies_the_three_directories_and_says_what_it_does_not():
    plan = _plan()
    assert plan["trees"] == [
        {"name": "install", "path": "/opt/integrasjonspunkt", "recurse": False},
        {"name": "data", "path": "/var/lib/integrasjonspunkt", "recurse": True},
        {"name": "logs", "path": "/var/log/integrasjonspunkt", "recurse": True},
    ]
    assert (plan["dir"], plan["keep"], plan["fetch_dir"], plan["restore_archive"]) == (
        "/var/backups/integrasjonspunkt",
        5,
        "",
        "",
    )
    assert plan["service_unit"] == "integrasjonspunkt.service"
    assert len(plan["not_copied"]) == 1 and "release JARs" in plan["not_copied"][0]


def test_a_log_dir_inside_the_data_dir_is_copied_once():
    plan = _plan(integrasjonspunkt_log_dir="/var/lib/integrasjonspunkt/logs")
    assert [t["name"] for t in plan["trees"]] == ["install", "data"]


def test_the_temp_dir_is_never_copied():
    assert "temp" not in [t["name"] for t in _plan()["trees"]]


def test_an_external_database_and_queue_are_named_not_copied_without_credentials():
    plan = _plan(
        integrasjonspunkt_external_database=True,
        integrasjonspunkt_database_url="jdbc:postgresql://db.example.no:5433/ip?user=ip&password=%s" % DB_SECRET,
        integrasjonspunkt_database_password=DB_SECRET,
        integrasjonspunkt_external_queue=True,
        integrasjonspunkt_queue_broker_url="failover:(tcp://mq1.example.no:61616,tcp://mq2.example.no:61616)",
    )
    text = " ".join(plan["not_copied"])
    assert "external postgresql database at db.example.no:5433" in text and "DBA must back it up" in text
    assert "external ActiveMQ broker failover:(tcp://mq1.example.no:61616" in text
    assert DB_SECRET not in text


def test_a_datasource_in_extra_properties_is_detected():
    plan = _plan(integrasjonspunkt_extra_properties={"spring.datasource.url": "jdbc:mysql://my.example.no/ip"})
    assert any("extra_properties sets spring.datasource.url" in n and "mysql" in n for n in plan["not_copied"])


def test_an_h2_file_inside_the_data_dir_is_copied_outside_it_is_named():
    inside = _plan(
        integrasjonspunkt_external_database=True,
        integrasjonspunkt_database_url="jdbc:h2:file:/var/lib/integrasjonspunkt/other",
    )
    outside = _plan(integrasjonspunkt_external_database=True, integrasjonspunkt_database_url="jdbc:h2:file:/srv/h2/ip")
    assert len(inside["not_copied"]) == 1
    assert "H2 file database of jdbc:h2:file:/srv/h2/ip is /srv/h2/ip, outside" in outside["not_copied"][0]


def test_docker_mode_maps_the_h2_volume_to_the_data_dir():
    docker = {"integrasjonspunkt_run_mode": "docker", "integrasjonspunkt_external_database": True}
    on_volume = _plan(**docker, integrasjonspunkt_database_url="jdbc:h2:file:/workspace/h2-data/integrasjonspunkt")
    in_container = _plan(**docker, integrasjonspunkt_database_url="jdbc:h2:file:/workspace/other/ip")
    assert len(on_volume["not_copied"]) == 1
    assert "inside the container (on no volume)" in in_container["not_copied"][0]


@pytest.mark.parametrize(
    ("var", "value", "allowed"),
    [
        ("integrasjonspunkt_backup_dir", "relative/backups", "absolute path"),
        ("integrasjonspunkt_backup_dir", "/var", "a directory of its own"),
        ("integrasjonspunkt_backup_dir", "/var/lib/integrasjonspunkt/backups", "neither a system directory nor inside"),
        ("integrasjonspunkt_backup_dir", "/var/log", "neither a system directory nor inside"),
        ("integrasjonspunkt_backup_keep", 0, "a whole number from 1 to 1000"),
        ("integrasjonspunkt_backup_fetch_dir", "two\nlines", "empty (no copy on the controller)"),
        ("integrasjonspunkt_restore_archive", "/etc/passwd", "latest, an archive name"),
        ("integrasjonspunkt_restore_archive", "sub/integrasjonspunkt-backup-20261207T010203Z.tar.gz", "absolute path"),
    ],
)
def test_bad_backup_settings_are_refused_naming_the_variable(var, value, allowed):
    with pytest.raises(model.SettingsError) as err:
        model.normalise({var: value}, "backup")
    assert var in str(err.value) and allowed in str(err.value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "latest",
        "integrasjonspunkt-backup-20261207T010203Z.tar.gz",
        "/srv/copy/integrasjonspunkt-backup-20261207T010203Z-2.tar.gz",
    ],
)
def test_restore_archive_accepts_latest_a_name_or_a_path(value):
    assert _plan(integrasjonspunkt_restore_archive=value)["restore_archive"] == value


def test_the_service_unit_is_the_one_the_install_role_writes():
    with open(os.path.join(ROOT, "roles", "integrasjonspunkt", "vars", "main.yml"), encoding="utf-8") as fh:
        role_vars = yaml.safe_load(fh)
    assert role_vars["__integrasjonspunkt_unit_name"] == model.SERVICE_UNIT


def test_trees_drop_a_tree_inside_a_recursive_one_only():
    dirs = {"install": "/opt/ip", "data": "/srv/ip", "logs": "/srv/ip/logs"}
    assert [t["name"] for t in backup_plan.trees(dirs)] == ["install", "data"]
    dirs = {"install": "/opt/ip", "data": "/srv/ip", "logs": "/srv/iplogs"}
    assert [t["name"] for t in backup_plan.trees(dirs)] == ["install", "data", "logs"]


def test_the_backup_scope_carries_what_the_health_wait_reads():
    """The backup starts the service again and waits with the install role's health_wait, which reads the
    management settings (health port and address): the backup scope must derive them (CI found it undefined)."""
    settings, problems = model.validate({"integrasjonspunkt_services": ["DPO"]}, "backup")
    assert problems == []
    assert settings["management"]["health_port"] == 9093
    assert settings["management"]["health_host"] == "127.0.0.1"
