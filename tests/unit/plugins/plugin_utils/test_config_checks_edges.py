# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""config.docker_storage pinned whole (status, measured, required, message, fix), and the H2 URL parser.

Written for the mutants of config_checks.py that survived the third mutation round (README, Mutation testing)."""

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import checks, config_checks
from tests.unit.plugins.plugin_utils.test_checks import _external, by_id, ctx

DATA = "/var/lib/integrasjonspunkt"
STORES = "H2 (%s/h2-data) and ActiveMQ (%s/activemq-data)" % (DATA, DATA)
FIX = (
    "Put integrasjonspunkt_data_dir on a persistent, writable host filesystem, keep an H2 file under"
    " /workspace/h2-data, and make an external database or queue reachable (connectivity.database / .queue)."
)


def storage(c):
    r = by_id(checks.run_checks(c))["config.docker_storage"]
    return r["status"], r["measured"], r["required"], r["unit"], r["message"], r["fix"]


def docker(**changes):
    return ctx(settings__run_mode="docker", **changes)


def test_volumes_on_a_persistent_filesystem_pass_naming_it():
    assert storage(docker()) == (
        "pass",
        "volumes or external",
        "persistent",
        None,
        "%s on the host volume %s (ext4 on /)" % (STORES, DATA),
        None,
    )


def test_a_read_only_data_filesystem_fails_with_the_fix():
    assert storage(docker(resources__disk__0__read_only=True)) == (
        "fail",
        "not persistent",
        "persistent",
        None,
        "%s on %s (ext4 on /), which is read-only" % (STORES, DATA),
        FIX,
    )


def test_a_volatile_data_filesystem_fails_naming_the_note():
    note = "on tmpfs: contents are lost at reboot"
    assert storage(docker(resources__disk__0__fstype="tmpfs", resources__disk__0__notes=[note]))[4] == (
        "%s on %s (tmpfs on /): %s" % (STORES, DATA, note)
    )


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"resources__disk": []}, "not measured"),
        (
            {"resources__disk__0__available_bytes": None, "resources__disk__0__reason": "statvfs: EIO"},
            "not measured (statvfs: EIO)",
        ),
        ({"resources__disk__0__mount_point": None}, "not measured"),
    ],
)
def test_an_unmeasured_data_filesystem_is_unknown(changes, said):
    assert storage(docker(**changes)) == (
        "unknown", "unknown", "persistent", None,
        "%s on the host volume under %s: its filesystem was %s" % (STORES, DATA, said), FIX,
    )  # fmt: skip


def test_an_unreachable_external_database_fails_naming_host_port_and_why():
    c = _external("jdbc:postgresql://db.intern:5432/ip")
    c["connectivity"]["database"] = {"name": "database", "ok": False, "status": "tcp_refused", "port": 5432}
    status, measured, _required, _unit, message, _fix = storage(c)
    assert (status, measured) == ("fail", "not persistent")
    assert message == "the external database is unreachable: db.intern:5432 tcp_refused"
    c["connectivity"]["database"] = {"name": "database", "ok": False, "status": "tcp_refused", "message": "refused"}
    assert storage(c)[4] == "the external database is unreachable: db.intern:5432 refused"


def test_an_external_store_that_could_not_be_probed_is_an_error_naming_it():
    c = _external("jdbc:postgresql://db.intern:5432/ip")
    c["errors"] = {"connectivity": {"message": "collecting connectivity failed: RuntimeError: injected"}}
    r = by_id(checks.run_checks(c))["config.docker_storage"]
    assert r["status"] == "error"
    assert r["message"] == (
        "no verdict: the external database could not be probed: collecting connectivity failed: RuntimeError: injected"
    )


def test_failover_brokers_are_judged_each_by_its_own_probe():
    c = _external(queue_url="failover:(tcp://mq1.intern:61616,tcp://mq2.intern:61616)")
    names = [e["name"] for e in c["endpoints"] if e["name"].startswith("queue")]
    assert names == ["queue-1", "queue-2"]
    c["connectivity"]["queue-1"] = {"name": "queue-1", "ok": True, "status": "ok"}
    status, _m, _r, _u, message, _f = storage(c)
    assert status == "unknown"
    assert message.startswith("the external queue was not probed (connectivity.queue-2)")
    c["connectivity"]["queue-2"] = {"name": "queue-2", "ok": True, "status": "ok"}
    assert storage(c)[:2] == ("pass", "volumes or external")
    assert storage(c)[4] == (
        "the external queue answers (connectivity.queue-1, connectivity.queue-2); H2 (%s/h2-data) on the host volume"
        " %s (ext4 on /)" % (DATA, DATA)
    )


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("jdbc:h2:file:/data/db/", "/data/db"),
        ("jdbc:h2:/data/db;MODE=PostgreSQL", "/data/db"),
        (" JDBC:H2:FILE:/w/x ", "/w/x"),
        ("jdbc:h2:mem:ip", None),
        ("jdbc:h2:./rel", None),
        ("jdbc:postgresql://db/ip", None),
        (None, None),
    ],
)
def test_h2_file_path(url, path):
    assert config_checks.h2_file_path(url) == path


def whole(check_id, **changes):
    r = by_id(checks.run_checks(ctx(**changes)))[check_id]
    return r["status"], r["measured"], r["required"], r["unit"], r["message"], r["fix"]


def test_a_version_below_the_floor_fails_naming_why_and_the_fix():
    assert whole("config.version", settings__version="4.0.0") == (
        "fail", "4.0.0", ">= 4.0.1", None,
        "integrasjonspunkt 4.0.0 has no JAR, .sha1 and .asc on GitHub Releases (published from v4.0.1; v3 went to"
        " GitHub Packages), and 4.0.0 in production still called platform.tt02.altinn.no for DPO",
        "Set integrasjonspunkt_version to 4.0.1 or newer (the latest is listed on the download page).",
    )  # fmt: skip
    assert whole("config.version") == ("pass", "4.0.8", ">= 4.0.1", None, "integrasjonspunkt 4.0.8", None)


def test_the_api_without_tls_and_auth_warns_naming_the_port_and_both_fixes():
    status, measured, required, unit, message, fix = whole(
        "config.api_security", settings__ssl_enabled=False, settings__auth_enabled=False, settings__port=9443
    )
    assert (status, measured, required, unit) == (
        "warn",
        "TLS off, basic auth off",
        "TLS on, basic auth on (the integrasjonspunkt's own defaults)",
        None,
    )
    assert message == (
        "integrasjonspunkt_ssl_enabled=false: the API on port 9443 answers plain HTTP, so documents and credentials"
        " cross the network unencrypted; integrasjonspunkt_auth_enabled=false: anyone who reaches port 9443 can send"
        " and read messages without a user name and password; the integrasjonspunkt's SecureDefaultsLogger warns"
        " about this at start-up"
    )
    assert fix.startswith(
        "Set integrasjonspunkt_ssl_enabled: true (HTTPS with the keystore's certificate; clients connect with https)"
        " and integrasjonspunkt_auth_enabled: true with integrasjonspunkt_auth_user"
    )
    assert whole("config.api_security")[2] == "TLS on, basic auth on (the integrasjonspunkt's own defaults)"


def test_a_setting_that_is_no_boolean_is_our_bug_and_an_error():
    status, _m, _r, _u, message, _f = whole("config.api_security", settings__ssl_enabled="yes")
    assert status == "error"
    assert message == "no verdict: the check itself crashed: TypeError: settings['ssl_enabled'] is 'yes', not a boolean"
