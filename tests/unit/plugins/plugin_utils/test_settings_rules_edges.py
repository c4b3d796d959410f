"""The settings rules at their edges: each bound on the side it allows, and each refusal naming the variable, its
value and the key phrase of what is allowed (written for the mutants of settings_rules.py the suite let live)."""

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import settings as model
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import settings_rules
from tests.unit.plugins.plugin_utils.test_settings_rules import GOOD, PASSWORD

DOCKER = {"integrasjonspunkt_run_mode": "docker"}


def found(scope="install", **changes):
    return model.validate(dict(GOOD, **changes), scope)


def refusal(variable, **changes):
    """The one problem about `variable`."""
    _settings, problems = found(**changes)
    mine = [p for p in problems if p["variable"] == variable]
    assert len(mine) == 1, problems
    return mine[0]


@pytest.mark.parametrize(
    ("changes", "variable", "allowed"),
    [
        ({"integrasjonspunkt_environment": "staging"}, "integrasjonspunkt_environment", "production or test"),
        ({"integrasjonspunkt_services": "DPO,DPX"}, "integrasjonspunkt_services", "any of DPO, DPV, DPI, DPF"),
        (
            {"integrasjonspunkt_version": "v4.0.8"},
            "integrasjonspunkt_version",
            "a release version without the 'v' prefix",
        ),
        ({"integrasjonspunkt_version": "4.0.0"}, "integrasjonspunkt_version", "4.0.1 or newer: older releases"),
        (
            {"integrasjonspunkt_services": ["DPO", "DPFIO"]},
            "integrasjonspunkt_services",
            "FIKS IO (DPFIO) was removed from the integrasjonspunkt in 4.0.8 (integrasjonspunkt_version=4.0.8);"
            " allowed for this version: DPO, DPV, DPI, DPF, DPE, DPH",
        ),
        ({"integrasjonspunkt_svarut_api": "rest"}, "integrasjonspunkt_svarut_api", "soap for integrasjonspunkt_versi"),
        ({"integrasjonspunkt_install_dir": "/opt"}, "integrasjonspunkt_install_dir", "a dedicated directory such as"),
        (
            {"integrasjonspunkt_data_dir": "/opt/integrasjonspunkt/data"},
            "integrasjonspunkt_data_dir",
            "a directory neither inside integrasjonspunkt_install_dir (/opt/integrasjonspunkt) nor containing it",
        ),
        ({"integrasjonspunkt_inbound_sources": 7}, "integrasjonspunkt_inbound_sources", "a list of networks (CIDR)"),
        ({"integrasjonspunkt_java_path": "java"}, "integrasjonspunkt_java_path", "empty (find or install Java) or"),
        ({"integrasjonspunkt_jvm_max_heap_mb": 255}, "integrasjonspunkt_jvm_max_heap_mb", "0 (derive from the memo"),
        ({"integrasjonspunkt_bind_address": "any"}, "integrasjonspunkt_bind_address", "an IP address of this host"),
        ({"integrasjonspunkt_docker_host": "tcp://d:2375"}, "integrasjonspunkt_docker_host", "a local socket such"),
        (
            {
                "integrasjonspunkt_external_database": True,
                "integrasjonspunkt_database_url": "jdbc:oracle:thin:@db:1521/x",
            },
            "integrasjonspunkt_database_url",
            "with integrasjonspunkt_external_database=true, a JDBC URL for PostgreSQL",
        ),
        (
            {"integrasjonspunkt_external_queue": True, "integrasjonspunkt_queue_broker_url": "nio://mq:61616\nx"},
            "integrasjonspunkt_queue_broker_url",
            "with integrasjonspunkt_external_queue=true, an ActiveMQ (classic) broker URL",
        ),
        (
            {"integrasjonspunkt_auth_user": "a:b"},
            "integrasjonspunkt_auth_user",
            "with integrasjonspunkt_auth_enabled=true (the default), a non-empty single line without ':'",
        ),
        (
            {"integrasjonspunkt_org_number": "12345678"},
            "integrasjonspunkt_org_number",
            "a Norwegian organisation number: exactly 9 digits",
        ),
        (
            {"integrasjonspunkt_org_number": "991825828"},
            "integrasjonspunkt_org_number",
            "a Norwegian organisation number: 9 digits whose check digit matches",
        ),
        ({"integrasjonspunkt_keystore_src": "keystore.p12"}, "integrasjonspunkt_keystore_src", "an absolute path"),
        ({"integrasjonspunkt_keystore_type": "PEM"}, "integrasjonspunkt_keystore_type", "PKCS12 or JKS"),
        ({"integrasjonspunkt_tls_keystore_src": "tls.p12"}, "integrasjonspunkt_tls_keystore_src", "empty (the enter"),
        ({"integrasjonspunkt_download_base_url": "ftp://x"}, "integrasjonspunkt_download_base_url", "an http(s) URL"),
        (
            {"integrasjonspunkt_signing_key_fingerprint": "AB"},
            "integrasjonspunkt_signing_key_fingerprint",
            "a 40-hex-digit OpenPGP fingerprint",
        ),
        ({"integrasjonspunkt_signing_key": "x"}, "integrasjonspunkt_signing_key", "the ASCII-armored public key"),
        ({"integrasjonspunkt_user": "root"}, "integrasjonspunkt_user", "a lower-case system account name other than"),
        ({"integrasjonspunkt_group": "Staff"}, "integrasjonspunkt_group", "a lower-case system account name"),
        ({"integrasjonspunkt_health_timeout": 9}, "integrasjonspunkt_health_timeout", "a whole number from 10 to"),
        ({"integrasjonspunkt_keep_releases": 1}, "integrasjonspunkt_keep_releases", "a whole number from 2 to 1000"),
        ({"integrasjonspunkt_extra_properties": ["a"]}, "integrasjonspunkt_extra_properties", "a dict of property"),
        ({"integrasjonspunkt_jvm_extra_opts": "-Xss1m"}, "integrasjonspunkt_jvm_extra_opts", "a list of JVM options"),
        ({"integrasjonspunkt_jvm_extra_opts": ["-Da=\nb"]}, "integrasjonspunkt_jvm_extra_opts", "single-line options"),
    ],
)
def test_each_refusal_names_what_is_allowed(changes, variable, allowed):
    _settings, problems = found(**changes)
    assert [p["severity"] for p in problems if p["allowed"].startswith(allowed) and p["variable"] == variable] == [
        "fail"
    ], problems


def test_the_keystore_alias_only_warns():
    problem = refusal("integrasjonspunkt_keystore_alias", integrasjonspunkt_keystore_alias="my key")
    assert problem["severity"] == "warn" and "the characters the docs recommend" in problem["allowed"]
    settings, _problems = found(integrasjonspunkt_keystore_alias="my key")
    assert settings is not None and settings["keystore"]["alias"] == "my key"


def test_a_tls_keystore_needs_its_alias_and_password():
    changes = {"integrasjonspunkt_tls_keystore_src": "/secure/tls.p12", "integrasjonspunkt_tls_keystore_alias": " "}
    assert refusal("integrasjonspunkt_tls_keystore_alias", **changes)["allowed"] == (
        "with integrasjonspunkt_tls_keystore_src set, the alias of the TLS key entry (difi.ssl.key-alias)"
    )
    password = refusal("integrasjonspunkt_tls_keystore_password", **changes)
    assert password["allowed"] == (
        "with integrasjonspunkt_tls_keystore_src set, a non-empty single line, kept in Ansible Vault (it is empty)"
    )
    assert password["value"] == model.HIDDEN


def test_a_multi_line_password_is_refused_without_showing_it():
    problem = refusal("integrasjonspunkt_keystore_password", integrasjonspunkt_keystore_password=PASSWORD + "\nx")
    assert problem["allowed"] == "a non-empty single line, kept in Ansible Vault (it is more than one line)"
    assert PASSWORD not in repr(problem)


def test_extra_properties_name_the_clashing_and_the_multi_line_keys():
    props = {"server.port": 1, "difi.move.org.number": 2, "my.prop": "a\nb", "ok.prop": "x"}
    _settings, problems = found(integrasjonspunkt_extra_properties=props)
    mine = [p for p in problems if p["variable"] == "integrasjonspunkt_extra_properties"]
    assert [p["value"] for p in mine] == [["difi.move.org.number", "server.port"], ["my.prop"]]
    assert mine[0]["allowed"].startswith("keys the role does not manage; difi.move.org.number, server.port come from")
    assert mine[1]["allowed"] == "single-line values (my.prop are not)"


@pytest.mark.parametrize(
    ("changes", "ok"),
    [
        ({"integrasjonspunkt_version": "4.0.1"}, True),
        ({"integrasjonspunkt_version": "4.0.7", "integrasjonspunkt_services": ["DPO", "DPFIO"]}, True),
        ({"integrasjonspunkt_jvm_max_heap_mb": 256}, True),
        ({"integrasjonspunkt_jvm_max_heap_mb": 0}, True),
        ({"integrasjonspunkt_port": 65535}, True),
        ({"integrasjonspunkt_port": 65536}, False),
        ({"integrasjonspunkt_health_timeout": 10, "integrasjonspunkt_keep_releases": 2}, True),
        ({"integrasjonspunkt_user": "_ip-1"}, True),
        ({"integrasjonspunkt_install_dir": "/opt/ip", "integrasjonspunkt_data_dir": "/opt/ip2"}, True),
        ({"integrasjonspunkt_install_dir": "/srv/ip/app", "integrasjonspunkt_data_dir": "/srv/ip"}, False),
    ],
)
def test_bounds_on_the_allowed_side(changes, ok):
    settings, problems = found(**changes)
    assert (settings is not None) is ok, problems


def docker_problems(**changes):
    _settings, problems = found(**dict(DOCKER, **changes))
    return {p["variable"]: p for p in problems}


def test_docker_refusals_name_what_is_allowed():
    problems = docker_problems(
        integrasjonspunkt_image="ghcr.io/x/y:4.0.8",
        integrasjonspunkt_image_digest="sha256:ab",
        integrasjonspunkt_container_name="ip-previous",
        integrasjonspunkt_container_uid=0,
        integrasjonspunkt_container_gid=-1,
        integrasjonspunkt_jvm_extra_opts=["-Dkeystore.password=x"],
    )
    assert problems["integrasjonspunkt_image"]["allowed"].startswith("an image repository without tag or digest")
    assert problems["integrasjonspunkt_image_digest"]["allowed"] == (
        "empty, or 'sha256:' followed by 64 lower-case hex digits"
    )
    assert "not ending in '-previous'" in problems["integrasjonspunkt_container_name"]["allowed"]
    assert problems["integrasjonspunkt_container_uid"]["allowed"] == "a numeric user from 1 to 2147483647, not 0 (root)"
    assert problems["integrasjonspunkt_container_gid"]["allowed"] == "a numeric group from 0 to 2147483647"
    opts = problems["integrasjonspunkt_jvm_extra_opts"]
    assert opts["value"] == model.HIDDEN
    assert "JAVA_TOOL_OPTIONS, which `docker inspect` shows (put secrets" in opts["allowed"]
    assert opts["allowed"].endswith("the 0600 secrets file)")


@pytest.mark.parametrize(("heap", "ok"), [(1536, True), (1537, False)])
def test_the_heap_leaves_512_mib_of_the_container_limit(heap, ok):
    problems = docker_problems(integrasjonspunkt_container_memory_mb=2048, integrasjonspunkt_jvm_max_heap_mb=heap)
    assert ("integrasjonspunkt_jvm_max_heap_mb" not in problems) is ok
    if not ok:
        assert problems["integrasjonspunkt_jvm_max_heap_mb"]["allowed"].startswith(
            "a heap that leaves at least 512 MiB of integrasjonspunkt_container_memory_mb (2048)"
        )


def test_a_rule_that_crashes_refuses_naming_itself(monkeypatch):
    def boom(c, out):
        raise KeyError("x")

    boom.__name__ = "network"
    monkeypatch.setitem(settings_rules.SCOPES, "prepare", (boom,))
    _out, problems = settings_rules.evaluate({}, "prepare")
    assert problems == [
        {
            "variable": "(settings rules: network)",
            "value": "not judged",
            "allowed": "values this rule can read; it stopped with KeyError (compare the values with the role's"
            " argument specs)",
            "severity": "fail",
        }
    ]


def test_an_unknown_scope_is_refused_naming_the_allowed_ones():
    with pytest.raises(ValueError, match="unknown settings scope 'x'; allowed: probe, install, preflight, prepare"):
        settings_rules.evaluate({}, "x")


def test_a_good_docker_host_has_no_problem():
    settings, problems = found(**DOCKER)
    assert problems == [] and settings["container_name"] == "integrasjonspunkt"


@pytest.mark.parametrize(
    ("changes", "variable"),
    [
        ({"integrasjonspunkt_container_uid": 1, "integrasjonspunkt_container_gid": 0}, None),
        ({"integrasjonspunkt_container_memory_mb": 1 << 20, "integrasjonspunkt_jvm_max_heap_mb": 1024}, None),
        ({"integrasjonspunkt_container_memory_mb": (1 << 20) + 1}, "integrasjonspunkt_container_memory_mb"),
    ],
)
def test_docker_bounds(changes, variable):
    assert {p["variable"] for p in docker_problems(**changes).values()} == ({variable} if variable else set())


def test_a_value_of_another_type_is_refused_naming_the_variable():
    problem = refusal("integrasjonspunkt_services", integrasjonspunkt_services=5)
    assert problem["allowed"] == "a value of the documented type (see the role's argument specs)"


def test_the_service_user_is_kept_for_the_directories_check():
    settings, _problems = found()
    assert settings["service_user"] == "integrasjonspunkt"


def test_a_refused_external_database_url_is_reported_once_not_as_a_crash():
    _settings, problems = found(integrasjonspunkt_external_database=True, integrasjonspunkt_database_url="jdbc:db2://x")
    assert not [p for p in problems if p["variable"].startswith("(settings rules")], problems


def test_a_multi_line_external_url_is_refused_by_the_install_rule():
    url = "jdbc:postgresql://db/ip\nfoo"
    _settings, problems = found(integrasjonspunkt_external_database=True, integrasjonspunkt_database_url=url)
    install = [p for p in problems if p["allowed"].startswith("with integrasjonspunkt_external_database=true")]
    assert len(install) == 1 and install[0]["allowed"].endswith("jdbc:sqlserver:..., jdbc:h2:...)")


def test_bad_tls_server_names_and_type_show_the_value_given():
    problem = refusal("integrasjonspunkt_tls_server_names", integrasjonspunkt_tls_server_names=["*.example.no"])
    assert problem["value"] == ["*.example.no"] and problem["allowed"].startswith("DNS names or IP addresses")
    assert refusal("integrasjonspunkt_tls_keystore_type", integrasjonspunkt_tls_keystore_type="")["value"] == ""


def test_a_removed_variable_is_named_with_its_replacement_and_its_value_never_shown():
    problem = refusal("preflight_proxy", preflight_proxy="http://user:pw@proxy:3128")
    assert problem["value"] == "set"
    assert problem["allowed"].startswith("nothing: it was removed; set integrasjonspunkt_proxy (")
