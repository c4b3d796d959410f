"""The engine's preparation of the identity probe: a grant when everything is there, `error` when it crashes."""

import jwt
import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.action.preflight import ActionModule
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import identity
from tests.helpers import seid_test_ca as ca

ORGNR = "991825827"
PASSWORD = "Pw-prepare-identity"


@pytest.fixture(scope="module")
def keystore():
    root = ca.make_root()
    inter = ca.make_intermediate(root)
    key, leaf = ca.make_leaf(inter, orgnr=ORGNR, key_type="rsa")
    return {
        "available": True,
        "reason": "",
        "path": "/k.p12",
        "type": "PKCS12",
        "data": ca.p12(key, leaf, PASSWORD, chain=[inter.cert]),
        "password": PASSWORD,
        "alias": "virksomhet",
        "org_number": ORGNR,
        "environment": "test",
    }


def prepare(keystore, services=("DPO",)):
    data = identity.load()
    cache = {"keystore": keystore}
    plan, grant = ActionModule._identity(
        {"services": list(services)}, cache, data, identity.endpoints("test", data), True
    )
    return plan, grant, cache


def test_a_usable_keystore_gives_a_signed_grant_and_keeps_the_inspection(keystore):
    plan, grant, cache = prepare(keystore)
    assert plan["refusal"] is None and plan["client_id"] == "MOVE_IP_" + ORGNR
    claims = jwt.decode(grant, options={"verify_signature": False})
    assert claims["scope"] == "eformidling:dpo" and claims["aud"] == "https://test.maskinporten.no/"
    assert cache["_certificate_inspection"]["certificate"] is not None
    assert PASSWORD not in repr(plan)


def test_no_scope_is_not_run(keystore):
    plan, grant, _cache = prepare(keystore, services=("DPFIO",))
    assert grant is None and plan["refusal"][0] == "info"


@pytest.mark.parametrize("where", ["private_key", "make_grant", "scopes_for"])
def test_a_crash_while_preparing_is_error_never_a_grant(keystore, monkeypatch, where):
    def boom(*_a, **_k):
        raise RuntimeError("injected into %s" % where)

    monkeypatch.setattr(identity, where, boom)
    plan, grant, cache = prepare(keystore)
    assert grant is None
    status, message, _fix = plan["refusal"]
    assert status == "error" and "injected into %s" % where in message
    assert "_certificate_inspection" not in cache  # the certificate checks open the keystore themselves
