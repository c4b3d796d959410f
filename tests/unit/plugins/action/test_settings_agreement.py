"""Property: for any settings, preflight's config.inputs and the install's validation never disagree.

Both go through their real entry points: the preflight action's run() (its settings step, with the host
call stubbed) and the install role's validation (integrasjonspunkt_settings, as plain Python).
"""

import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import settings as model

from .settings_harness import run_install_validation, run_preflight

SECRET = "Hyp-secret-93117"
KEY = "-----BEGIN PGP PUBLIC KEY BLOCK-----\nmQINBF...\n-----END PGP PUBLIC KEY BLOCK-----\n"

# For each variable: good values and bad ones (the rules' edges).
VALUES = {
    "integrasjonspunkt_environment": ["production", "test", "staging", ""],
    "integrasjonspunkt_services": [[], ["DPO", "DPV"], ["DPFIO"], ["DPX"], "DPO,DPE"],
    "integrasjonspunkt_version": ["4.0.8", "4.0.7", "4.0.1", "4.0.0", "3.0.2", "v4.0.8", "4.1"],
    "integrasjonspunkt_run_mode": ["java", "docker", "podman"],
    "integrasjonspunkt_install_dir": ["/opt/integrasjonspunkt", "/opt", "/", "relative", "/srv/ip/app"],
    "integrasjonspunkt_data_dir": ["/var/lib/integrasjonspunkt", "/opt/integrasjonspunkt/data", "/srv/ip", "~/d"],
    "integrasjonspunkt_port": [9093, 1, 65535, 0, 70000, "http"],
    "integrasjonspunkt_ntp_host": ["time.google.com", "10.0.0.1", "bad host!"],
    "integrasjonspunkt_proxy": ["", "http://proxy:3128", "ftp://proxy", "http://u:%s@proxy:3128" % SECRET],
    "integrasjonspunkt_org_number": ["991825827", "12345", "991825828", ""],
    "integrasjonspunkt_keystore_src": ["/k/keystore.p12", "", "keystore.p12"],
    "integrasjonspunkt_keystore_password": [SECRET, "", SECRET + "\nx"],
    "integrasjonspunkt_keystore_type": ["PKCS12", "JKS", "PEM"],
    "integrasjonspunkt_keystore_alias": ["virksomhet", "mitt alias", ""],
    "integrasjonspunkt_auth_enabled": [True, False, "", "maybe"],
    "integrasjonspunkt_auth_user": ["ip", "", "a:b"],
    "integrasjonspunkt_auth_password": [SECRET, "", "a\nb"],
    "integrasjonspunkt_signing_key": [KEY, ""],
    "integrasjonspunkt_jvm_max_heap_mb": [0, 100, 1024, 3000],
    "integrasjonspunkt_container_memory_mb": [3072, 1024, 4096],
    "integrasjonspunkt_external_database": [False, True],
    "integrasjonspunkt_database_url": ["", "jdbc:postgresql://db:5432/ip", "jdbc:oracle:thin:@db:1521/x"],
    "integrasjonspunkt_extra_properties": [{}, {"a.b": "c"}, {"server.port": "1"}],
    "integrasjonspunkt_user": ["integrasjonspunkt", "root"],
    "integrasjonspunkt_health_timeout": [300, 5],
    "preflight_proxy": [None, "http://proxy:3128"],
    "integrasjonspunkt_prot": [None, 9094],
}


def _bad_value(default):
    """A value of the wrong kind for a variable without cases of its own."""
    if isinstance(default, bool):
        return "maybe"
    if isinstance(default, int):
        return -1
    if isinstance(default, (list, dict)):
        return 42
    return "two\nlines"


# Every other variable of the model: its default, or a value of the wrong kind.
for _name, _default in model.DEFAULTS.items():
    VALUES.setdefault(_name, [None, _default, _bad_value(_default)])

hosts = st.fixed_dictionaries({name: st.sampled_from(values) for name, values in VALUES.items()}).map(
    lambda d: {k: v for k, v in d.items() if v is not None}
)


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(host=hosts)
# Found by this test: a refused download URL or image crashed preflight instead of failing config.inputs.
@example(host={"integrasjonspunkt_download_base_url": "two\nlines"})
@example(host={"integrasjonspunkt_image": "two\nlines", "integrasjonspunkt_run_mode": "docker"})
def test_preflight_config_inputs_and_the_install_never_disagree(monkeypatch_module, host):
    result, _calls = run_preflight(host, monkeypatch_module, only=["config.inputs"])
    preflight_refuses = "config.inputs" in result["failed_ids"]
    install = run_install_validation(host)
    assert preflight_refuses == bool(install.get("failed")), (result["results"], install.get("msg"))
    # and the same variables are named
    inputs = result["results"][0]
    if preflight_refuses:
        refused = {p["variable"] for p in install["problems"] if p["severity"] == "fail"}
        assert all(var in inputs["message"] for var in refused)
    assert SECRET not in json.dumps(result, default=str) and SECRET not in json.dumps(install)
