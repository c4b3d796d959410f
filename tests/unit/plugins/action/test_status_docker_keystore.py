"""status.certificate on a Docker-mode install (status-cert): the status run reads the keystore where the install role
put it, both taking the path from the settings model, and judges it as in Java mode (days left); it is `unknown` only
when the installed keystore cannot be read or opened, and then names the fix.

The Docker scenario's status run (extensions/molecule/docker, case 13) reported `unknown`: it ran after the renewal
case, which installed a keystore with another password and alias than the inventory's."""

import base64
import datetime
import json
import types

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.action import status as st
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import settings as model
from tests.helpers import seid_test_ca as ca
from tests.unit import test_tls_templates as templates

PASSWORD = "Pw-docker-status-7733"
RENEWED_PASSWORD = "Pw-renewed-docker-4411"
DOCKER_VARS = {
    "inventory_hostname": "ip-docker",
    "integrasjonspunkt_services": ["DPO"],
    "integrasjonspunkt_run_mode": "docker",
    "integrasjonspunkt_install_dir": "/srv/ip-docker/opt",
    "integrasjonspunkt_keystore_alias": "virksomhet",
    "integrasjonspunkt_keystore_password": PASSWORD,
}
HOST_PATH = "/srv/ip-docker/opt/keystore.p12"


class Templar:
    def template(self, value):
        return value


@pytest.fixture(scope="module")
def leaf():
    inter = ca.make_intermediate(ca.make_root())
    return ca.make_leaf(inter, not_after=ca.NOW + datetime.timedelta(days=200))


@pytest.fixture(autouse=True)
def base_run(monkeypatch):
    monkeypatch.setattr(st.ActionBase, "run", lambda self, tmp=None, task_vars=None: {})


def host_with(files):
    """A fake host: status_gather reads the keystore at the path it is given, as status_probe.keystore does."""
    calls = []

    def execute(module_name, module_args, task_vars):
        calls.append(module_args)
        path = module_args["keystore_path"]
        if path in files:
            found = {"available": True, "path": path, "data_b64": base64.b64encode(files[path]).decode()}
        else:
            found = {"available": False, "path": path, "reason": "cannot read %s: No such file" % path}
        return {"errors": {}, "keystore": found}

    act = st.ActionModule.__new__(st.ActionModule)
    act._task = types.SimpleNamespace(args={"releases_offline": True}, async_val=0)
    act._templar = Templar()
    act._execute_module = execute
    return act, calls


def certificate_result(task_vars, files):
    act, calls = host_with(files)
    result = act.run(task_vars=dict(task_vars))
    [found] = [r for r in result["results"] if r["id"] == "status.certificate"]
    return found, calls, result


def test_the_settings_model_places_the_keystore_once_for_both_run_modes():
    java, _problems = model.validate(dict(DOCKER_VARS, integrasjonspunkt_run_mode="java"), "probe")
    docker, _problems = model.validate(dict(DOCKER_VARS), "probe")
    jks, _problems = model.validate(dict(DOCKER_VARS, integrasjonspunkt_keystore_type="JKS"), "probe")
    assert java["installed_keystore"] == {"path": HOST_PATH, "app_path": HOST_PATH}
    assert docker["installed_keystore"] == {"path": HOST_PATH, "app_path": "/workspace/certs/keystore.p12"}
    assert jks["installed_keystore"]["app_path"] == "/workspace/certs/keystore.jks"


@pytest.mark.parametrize("run_mode", ["java", "docker"])
@pytest.mark.parametrize("kind", ["PKCS12", "JKS"])
def test_the_status_run_reads_the_file_the_install_role_writes_and_mounts(run_mode, kind):
    task_vars = dict(DOCKER_VARS, integrasjonspunkt_run_mode=run_mode, integrasjonspunkt_keystore_type=kind)
    # The install role's vars/main.yml, rendered with the settings model's answer as validate.yml registers it.
    role = templates.values(**{k: v for k, v in task_vars.items() if k.startswith("integrasjonspunkt_")})
    _found, [module_args], _result = certificate_result(task_vars, {})
    assert module_args["keystore_path"] == role["__integrasjonspunkt_keystore_dest"]
    mount = "/workspace/certs/keystore.%s" % ("jks" if kind == "JKS" else "p12")
    expected_app = mount if run_mode == "docker" else role["__integrasjonspunkt_keystore_dest"]
    assert role["__integrasjonspunkt_app_keystore_path"] == expected_app
    if run_mode == "docker":
        assert role["__integrasjonspunkt_container_keystore"] == mount


def test_a_docker_install_is_judged_by_days_left_like_a_java_one(leaf):
    key, cert = leaf
    files = {HOST_PATH: ca.p12(key, cert, PASSWORD)}
    for run_mode in ("docker", "java"):
        found, _calls, result = certificate_result(dict(DOCKER_VARS, integrasjonspunkt_run_mode=run_mode), files)
        assert (found["status"], found["unit"]) == ("pass", "days"), found
        assert found["value"] == pytest.approx(200, abs=1)
        assert PASSWORD not in json.dumps(result, default=str)


def test_an_inventory_that_does_not_open_the_renewed_keystore_is_unknown_and_names_the_fix(leaf):
    # After playbooks/renew-certificate.yml with -e, the host runs a keystore of another password and alias.
    key, cert = leaf
    files = {HOST_PATH: ca.p12(key, cert, RENEWED_PASSWORD, alias="renewed")}
    found, _calls, result = certificate_result(DOCKER_VARS, files)
    assert found["status"] == "unknown"
    assert "the password does not open the keystore" in found["message"] and HOST_PATH in found["message"]
    assert "integrasjonspunkt_keystore_password" in found["fix"]
    assert PASSWORD not in json.dumps(result, default=str)
    # The password updated, the alias not: the message names the alias and the entries the keystore has.
    found, _calls, _result = certificate_result(
        dict(DOCKER_VARS, integrasjonspunkt_keystore_password=RENEWED_PASSWORD), files
    )
    assert found["status"] == "unknown"
    assert "integrasjonspunkt_keystore_alias='virksomhet'" in found["message"] and "renewed" in found["message"]
    assert "integrasjonspunkt_keystore_alias" in found["fix"]
    # Both updated: judged.
    renewed = dict(
        DOCKER_VARS, integrasjonspunkt_keystore_password=RENEWED_PASSWORD, integrasjonspunkt_keystore_alias="renewed"
    )
    found, _calls, _result = certificate_result(renewed, files)
    assert found["status"] == "pass"


def test_a_keystore_that_cannot_be_read_stays_unknown(leaf):
    found, _calls, _result = certificate_result(DOCKER_VARS, {})
    assert found["status"] == "unknown"
    assert "cannot read %s" % HOST_PATH in found["message"]
