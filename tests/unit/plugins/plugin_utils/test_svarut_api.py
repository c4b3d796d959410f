"""integrasjonspunkt_svarut_api (issue 20 B): SvarUt's REST client only for releases that have it (none yet)."""

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import settings as model


def svarut_problems(**values):
    out, problems = model.evaluate(values, "install")
    return out.get("svarut_api"), [p for p in problems if p["variable"] == "integrasjonspunkt_svarut_api"]


def test_soap_is_the_default_and_accepted():
    api, problems = svarut_problems()
    assert api == "soap" and problems == []


@pytest.mark.parametrize("version", ["4.0.1", "4.0.8", "9.9.9"])
def test_rest_is_refused_for_every_version_while_no_release_has_it(version):
    assert model.SVARUT_REST_SINCE is None
    _api, problems = svarut_problems(integrasjonspunkt_svarut_api="rest", integrasjonspunkt_version=version)
    assert len(problems) == 1 and problems[0]["severity"] == "fail"
    text = model.problem_text(problems[0])
    assert "integrasjonspunkt_svarut_api='rest'" in text and "soap for integrasjonspunkt_version=%s" % version in text
    assert "in no release yet" in text


def test_rest_works_from_the_release_that_brings_it(monkeypatch):
    monkeypatch.setattr(model, "SVARUT_REST_SINCE", "4.0.9")
    api, problems = svarut_problems(integrasjonspunkt_svarut_api="REST", integrasjonspunkt_version="4.0.9")
    assert api == "rest" and problems == []
    _api, problems = svarut_problems(integrasjonspunkt_svarut_api="rest", integrasjonspunkt_version="4.0.8")
    assert "is in 4.0.9 and newer" in problems[0]["allowed"]


def test_other_values_are_refused_naming_what_is_allowed():
    _api, problems = svarut_problems(integrasjonspunkt_svarut_api="ws")
    assert problems[0]["allowed"] == "soap or rest"


def test_extra_properties_cannot_set_the_client_type():
    _out, problems = model.evaluate(
        {"integrasjonspunkt_extra_properties": {"difi.move.fiks.ut.type": "rest"}}, "install"
    )
    assert any(
        p["variable"] == "integrasjonspunkt_extra_properties" and "difi.move.fiks.ut.type" in p["allowed"]
        for p in problems
    )
