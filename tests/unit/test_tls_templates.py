"""The install role's properties and secrets templates with a TLS keystore of its own (issue 20).

Rendered with the role's real vars/main.yml expressions and Ansible's filters: difi.ssl.* comes from the TLS
keystore when integrasjonspunkt_tls_keystore_src is set, from the enterprise keystore otherwise; the TLS password
goes to the secrets file only.
"""

import os

import jinja2
import yaml
from ansible.plugins.filter.core import FilterModule
from ansible.plugins.test import core as ansible_tests

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import settings as model

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROLE = os.path.join(REPO, "roles", "integrasjonspunkt")
ENTERPRISE_PASSWORD = "Enterprise-pw-1188"
TLS_PASSWORD = "Tls-pw-templates-2299"
# The role's derived values the templates read, in the order they build on each other.
DERIVED = (
    "__integrasjonspunkt_version",
    "__integrasjonspunkt_properties_path",
    "__integrasjonspunkt_secrets_path",
    "__integrasjonspunkt_keystore_dest",
    "__integrasjonspunkt_tls_own",
    "__integrasjonspunkt_tls_keystore_name",
    "__integrasjonspunkt_tls_keystore_dest",
    "__integrasjonspunkt_spring_profile",
    "__integrasjonspunkt_dpfio_supported",
    "__integrasjonspunkt_in_docker",
    "__integrasjonspunkt_container_keystore",
    "__integrasjonspunkt_app_keystore_path",
    "__integrasjonspunkt_app_tls_keystore_path",
    "__integrasjonspunkt_app_h2_base",
    "__integrasjonspunkt_app_messages_dir",
    "__integrasjonspunkt_app_log_file",
)


def environment():
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters.update(FilterModule().filters())
    env.tests.update(ansible_tests.TestModule().tests())
    return env


def values(**overrides):
    env = environment()
    ctx = dict(model.DEFAULTS)
    ctx.update(
        integrasjonspunkt_org_number="991825827",
        integrasjonspunkt_keystore_alias="virksomhet",
        integrasjonspunkt_keystore_password=ENTERPRISE_PASSWORD,
        integrasjonspunkt_auth_user="ip-api",
        integrasjonspunkt_auth_password="auth-pw",
    )
    ctx.update(overrides)
    with open(os.path.join(ROLE, "vars", "main.yml")) as fh:
        derived = yaml.safe_load(fh)
    ctx["__integrasjonspunkt_all_services"] = derived["__integrasjonspunkt_all_services"]
    # The settings model's answer as validate.yml registers it: the actuator's properties (i22-actuator) and the
    # installed keystore's paths (status-cert) come from it.
    raw = {k: v for k, v in ctx.items() if k.startswith("integrasjonspunkt_")}
    settings = model.evaluate(raw, "install")[0]
    ctx["__integrasjonspunkt_settings"] = {"settings": settings}
    for name in DERIVED:
        ctx[name] = env.from_string(str(derived[name])).render(**ctx).strip()
    ctx["__integrasjonspunkt_management"] = settings["management"]
    return ctx


def render(name, **overrides):
    env = environment()
    with open(os.path.join(ROLE, "templates", name)) as fh:
        text = env.from_string(fh.read()).render(**values(**overrides))
    return dict(
        line.split("=", 1) for line in text.splitlines() if "=" in line and not line.startswith("#")
    ), text  # fmt: skip


OWN = {
    "integrasjonspunkt_tls_keystore_src": "/etc/ssl/https.p12",
    "integrasjonspunkt_tls_keystore_alias": "https",
    "integrasjonspunkt_tls_keystore_password": TLS_PASSWORD,
}


def test_an_own_tls_keystore_is_served_and_its_password_is_only_in_the_secrets_file():
    props, text = render("integrasjonspunkt-local.properties.j2", **OWN)
    assert props["difi.ssl.key-store"] == "file:/opt/integrasjonspunkt/tls-keystore.p12"
    assert props["difi.ssl.key-store-type"] == "PKCS12" and props["difi.ssl.key-alias"] == "https"
    assert props["difi.move.org.keystore.path"] == "file:/opt/integrasjonspunkt/keystore.p12"
    assert TLS_PASSWORD not in text and ENTERPRISE_PASSWORD not in text
    secrets, _text = render("integrasjonspunkt-secrets.properties.j2", **OWN)
    assert secrets["difi.ssl.key-store-password"] == TLS_PASSWORD
    assert secrets["difi.move.org.keystore.password"] == ENTERPRISE_PASSWORD


def test_docker_mode_points_at_the_mounted_tls_keystore():
    props, _text = render(
        "integrasjonspunkt-local.properties.j2",
        integrasjonspunkt_run_mode="docker",
        integrasjonspunkt_tls_keystore_type="jks",
        **OWN,
    )
    assert props["difi.ssl.key-store"] == "file:/workspace/certs/tls-keystore.jks"
    assert props["difi.ssl.key-store-type"] == "JKS"


def test_without_a_tls_keystore_the_enterprise_keystore_serves_tls():
    props, _text = render("integrasjonspunkt-local.properties.j2")
    assert props["difi.ssl.key-store"] == "file:/opt/integrasjonspunkt/keystore.p12"
    assert props["difi.ssl.key-alias"] == "virksomhet"
    secrets, _text = render("integrasjonspunkt-secrets.properties.j2")
    assert secrets["difi.ssl.key-store-password"] == ENTERPRISE_PASSWORD


def test_tls_off_writes_no_keystore_for_it():
    props, _text = render("integrasjonspunkt-local.properties.j2", integrasjonspunkt_ssl_enabled=False, **OWN)
    assert props["difi.ssl.enabled"] == "false" and "difi.ssl.key-store" not in props
    secrets, text = render("integrasjonspunkt-secrets.properties.j2", integrasjonspunkt_ssl_enabled=False, **OWN)
    assert "difi.ssl.key-store-password" not in secrets and TLS_PASSWORD not in text


def test_the_svarut_client_type_is_written_only_for_rest():
    props, _text = render("integrasjonspunkt-local.properties.j2")
    assert "difi.move.fiks.ut.type" not in props
    props, _text = render("integrasjonspunkt-local.properties.j2", integrasjonspunkt_svarut_api="rest")
    assert props["difi.move.fiks.ut.type"] == "rest"


def test_the_properties_do_not_change_with_the_version():
    # After an upgrade is rolled back the file must be the one the previous version ran with: a version in it made
    # the next run rewrite it and restart the healthy integrasjonspunkt (the upgrade scenario's U2 found it).
    for mode in ("java", "docker"):
        texts = {
            version: render("integrasjonspunkt-local.properties.j2", integrasjonspunkt_version=version,
                            integrasjonspunkt_run_mode=mode)[1]
            for version in ("4.0.8", "4.0.9", "4.0.10")
        }  # fmt: skip
        assert texts["4.0.8"] == texts["4.0.9"] == texts["4.0.10"], mode
        assert "4.0.9" not in texts["4.0.9"]
