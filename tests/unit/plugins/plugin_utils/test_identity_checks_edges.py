"""The identity.* checks, each branch's outcome pinned: status, measured and required in full, and the key
phrase of the message and fix an operator reads (written for the mutants the earlier tests let live)."""

import datetime

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import certificate_checks, identity
from tests.unit.plugins.plugin_utils.test_identity_checks import (  # pylint: disable=unused-import
    ORGNR,
    PLAN,
    TOKEN_OK,
    ctx,
    judge,
    pki,  # noqa: F401 - the module-scoped fixture
    registered,
)

CLIENT = "MOVE_IP_" + ORGNR
WHY_DPO = "the integrasjonspunkt refuses to start (with DPO)"
URL = "%s/virksert/%s" % (PLAN["service_registry_url"], ORGNR)


def virksert(pki, step, services=("DPO",), token=None, jwk=None):  # noqa: F811
    token = TOKEN_OK if token is None else token
    return judge(ctx(pki, {"token": token, "virksert": step, "jwk": jwk}, services=services))["identity.virksert"]


def required(pki):  # noqa: F811
    return "the keystore's certificate (serial %s)" % identity.serial_hex(pki["leaf"].serial_number)


def test_a_granted_token_says_which_endpoint_granted_which_client_by_which_route(pki):  # noqa: F811
    res = judge(ctx(pki, {"token": TOKEN_OK, "virksert": registered(pki["leaf"]), "jwk": None}))["identity.grant"]
    assert res["status"] == "pass"
    assert res["measured"] == "token granted (scope: eformidling:dpo)"
    assert res["required"] == "a token for %s with scopes eformidling:dpo" % CLIENT
    assert res["message"] == "Maskinporten %s granted %s a token direct" % (PLAN["token_url"], CLIENT)
    bare = dict(TOKEN_OK, scope=None, route=None)
    res = judge(ctx(pki, {"token": bare, "virksert": registered(pki["leaf"]), "jwk": None}))["identity.grant"]
    assert res["measured"] == "token granted (scope: none listed)"
    assert res["message"].endswith("granted %s a token " % CLIENT)


def test_a_refused_grant_names_the_client_and_the_answer(pki):  # noqa: F811
    token = {"step": "token", "outcome": "http", "http_status": 400, "error": "invalid_scope"}
    res = judge(ctx(pki, {"token": token, "virksert": {"outcome": "skipped"}, "jwk": None}))["identity.grant"]
    assert res["measured"] == "HTTP 400 invalid_scope:"
    assert res["required"] == "a token for %s with scopes eformidling:dpo" % CLIENT
    assert res["message"].startswith("Maskinporten refused the grant of %s: " % CLIENT)
    # The meaning and the fix name this host's client and the scope it asked for (none named in the answer).
    assert "eformidling:dpo" in res["message"] + res["fix"] and CLIENT in res["message"] + res["fix"]
    assert "MOVE_IP_<orgnr>" not in res["message"] + res["fix"] and "(not named)" not in res["message"] + res["fix"]


def test_an_unreachable_step_says_what_could_not_be_reached(pki):  # noqa: F811
    token = {"step": "token", "outcome": "network", "error": "timed out"}
    res = judge(ctx(pki, {"token": token, "virksert": {"outcome": "skipped"}, "jwk": None}))["identity.grant"]
    assert res["measured"] == "no answer"
    assert res["message"] == "Maskinporten (%s) could not be reached from the host: timed out" % PLAN["token_url"]
    assert res["fix"].startswith("Make the endpoint reachable through the integrasjonspunkt's proxy")
    crashed = {"step": "token", "outcome": "error", "error": "KeyError: x"}
    res = judge(ctx(pki, {"token": crashed, "virksert": {"outcome": "skipped"}, "jwk": None}))["identity.grant"]
    assert res["message"] == "no verdict: the token step failed: KeyError: x"
    res = virksert(pki, {"step": "virksert", "outcome": "network", "error": "refused"})
    assert res["status"] == "unknown"
    assert res["message"].startswith("The service registry (%s) could not be reached" % URL)
    assert "connectivity.eformidling" in res["fix"]


def test_not_run_outcomes_say_why(pki):  # noqa: F811
    res = judge(ctx(pki, None, plan={"enabled": False}))["identity.grant"]
    assert res["message"] == "not run: the identity probe is opt-in (preflight_identity_probe: true)"
    res = judge(ctx(pki, None, plan={"refusal": ("fail", "the key is EC", "use RSA")}))["identity.virksert"]
    assert (res["status"], res["measured"], res["message"], res["fix"]) == (
        "fail",
        "not run",
        "the key is EC",
        "use RSA",
    )
    res = judge(ctx(pki, None))["identity.grant"]
    assert res["message"] == "no verdict: the host returned no identity probe result"


def test_without_a_token_the_directory_is_not_looked_up(pki):  # noqa: F811
    token = {"step": "token", "outcome": "network", "error": "timed out"}
    res = virksert(pki, {"outcome": "skipped"}, token=token)
    assert (res["status"], res["measured"], res["required"]) == ("unknown", "not looked up", required(pki))
    assert res["message"] == "not looked up: no token (see identity.grant)"


def test_no_entry_in_the_directory(pki):  # noqa: F811
    res = virksert(pki, {"step": "virksert", "outcome": "http", "http_status": 400}, services=("DPO", "DPE"))
    assert (res["status"], res["measured"], res["required"]) == ("fail", "HTTP 400: no entry", required(pki))
    assert res["message"] == (
        "%s has no certificate for this organisation: the integrasjonspunkt refuses to start (with DPE/DPO)" % URL
    )
    assert res["fix"].startswith("Send the public part of the enterprise certificate to Digdir")
    res = virksert(pki, {"step": "virksert", "outcome": "http", "http_status": 404}, services=("DPV",))
    assert res["status"] == "warn"
    assert res["message"].endswith("the integrasjonspunkt starts (no DPO/DPE), but senders encrypt to the directory's"
                                   " certificate")  # fmt: skip


def test_a_refused_token_at_the_registry(pki):  # noqa: F811
    res = virksert(pki, {"step": "virksert", "outcome": "http", "http_status": 403})
    assert (res["status"], res["measured"], res["required"]) == ("fail", "HTTP 403", required(pki))
    assert res["message"].startswith("the service registry refused the Maskinporten token at %s: " % URL)
    assert res["fix"] == "Ask Digdir (servicedesk@digdir.no) to check the organisation's eFormidling onboarding."


def test_another_http_answer_from_the_registry_is_unknown(pki):  # noqa: F811
    res = virksert(pki, {"step": "virksert", "outcome": "http", "http_status": 503})
    assert (res["status"], res["measured"], res["required"]) == ("unknown", "HTTP 503", required(pki))
    assert res["message"] == "the service registry answered HTTP 503 at %s" % URL
    assert res["fix"].startswith("Try again later")


def test_an_unread_keystore_certificate_leaves_the_comparison_unknown(pki):  # noqa: F811
    context = ctx(pki, {"token": TOKEN_OK, "virksert": registered(pki["leaf"]), "jwk": None})
    context["keystore"] = dict(context["keystore"], password="wrong")
    res = judge(context)["identity.virksert"]
    assert (res["status"], res["message"]) == ("unknown", certificate_checks.CERTIFICATE_UNREAD)
    token = {"step": "token", "outcome": "network", "error": "timed out"}
    context = ctx(pki, {"token": token, "virksert": {"outcome": "skipped"}, "jwk": None})
    context["keystore"] = dict(context["keystore"], password="wrong")
    assert judge(context)["identity.virksert"]["required"] == "the keystore's certificate (serial unknown)"


def test_an_untrusted_answer_names_the_url_and_the_proxy(pki):  # noqa: F811
    res = virksert(pki, dict(registered(pki["leaf"]), body="not a certificate"))
    assert (res["status"], res["measured"], res["required"]) == ("fail", "not trusted", required(pki))
    assert res["message"].startswith(URL + ": ")
    assert "difi.move.sign.enable" in res["fix"]


def test_an_unreadable_jwk_set_says_why(pki):  # noqa: F811
    signed = dict(registered(pki["leaf"]), body="a.b.c")
    res = virksert(pki, signed, jwk={"step": "jwk", "outcome": "http", "http_status": 500})
    assert res["message"].endswith("the service registry's JWK set could not be read: HTTP 500: " + WHY_DPO)
    res = virksert(pki, signed, jwk={"step": "jwk", "outcome": "network", "error": "timed out", "http_status": 7})
    assert "the service registry's JWK set could not be read: timed out: " in res["message"]


def test_another_or_an_expired_certificate_is_described(pki):  # noqa: F811
    res = virksert(pki, registered(pki["other"]))
    theirs = identity.serial_hex(pki["other"].serial_number)
    assert (res["measured"], res["required"]) == ("serial %s" % theirs, required(pki))
    assert res["message"].startswith("the directory holds another certificate (serial %s, " % theirs)
    assert res["fix"].startswith("Send the public part")
    context = ctx(pki, {"token": TOKEN_OK, "virksert": registered(pki["leaf"]), "jwk": None})
    context["now"] = pki["leaf"].not_valid_after_utc + datetime.timedelta(days=1)
    res = judge(context)["identity.virksert"]
    mine = identity.serial_hex(pki["leaf"].serial_number)
    assert (res["status"], res["measured"], res["required"]) == ("fail", "serial %s, expired" % mine, required(pki))
    assert res["message"] == "the directory's certificate is expired: " + WHY_DPO
    assert res["fix"].startswith("Send the public part")


def test_a_pass_names_the_url_the_serial_and_how_it_was_read(pki):  # noqa: F811
    res = virksert(pki, registered(pki["leaf"]))
    mine = identity.serial_hex(pki["leaf"].serial_number)
    assert (res["status"], res["measured"], res["required"]) == ("pass", "serial %s" % mine, required(pki))
    assert res["message"].startswith("%s holds the keystore's certificate (serial %s; " % (URL, mine))
