"""lifecycle.* checks: the dated facts of data/dated_facts.yml judged per host (plugin_utils/lifecycle_checks.py)."""

import datetime

import pytest
import yaml

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import checks, lifecycle_checks, thresholds

from .test_checks import by_id, ctx

UTC = datetime.timezone.utc


def at(year, month, day, hour=12):
    return datetime.datetime(year, month, day, hour, tzinfo=UTC)


def run(now, **changes):
    return by_id(checks.run_checks(ctx(now=now, **changes)))


@pytest.fixture(scope="module")
def facts():
    return {f["id"]: f for f in lifecycle_checks.load()}


def test_the_data_file_holds_the_facts_with_sources(facts):
    assert set(facts) >= {"svarut_soap_end", "dpi_orbyt_cutover", "signing_key_2021_copy"}
    soap = facts["svarut_soap_end"]
    assert soap["date"] == datetime.date(2027, 1, 1) and soap["services"] == ["DPF"]
    assert (
        "31.12.2026" in soap["what"] and "fd348ae2f" in soap["source"] and "difi.move.fiks.ut.type=rest" in soap["fix"]
    )
    assert facts["dpi_orbyt_cutover"]["versions"] == "<4.0.5" and "@v4.0.5" in facts["dpi_orbyt_cutover"]["source"]
    assert facts["signing_key_2021_copy"]["inferred"] is True


@pytest.mark.parametrize(
    ("now", "status"),
    [
        (at(2026, 6, 1), "pass"),  # 214 days ahead: outside the margin
        (at(2026, 12, 6), "warn"),  # the day of the audit: 26 days ahead
        (at(2026, 12, 31, 22), "warn"),  # 23:00 in Oslo on the last day: still the last day
        (
            at(
                2026,
                12,
                31,
                23,
            ),
            "fail",
        ),  # 00:00 on 1 January in Oslo
        (at(2027, 3, 1), "fail"),
    ],
)
def test_svarut_soap_end_for_a_dpf_host(now, status):
    r = run(now, settings__services=["DPF"])["lifecycle.api_end"]
    assert r["status"] == status, r
    if status != "pass":
        assert "svarut_soap_end" in r["message"] and "31.12.2026" in r["message"]
        assert "difi.move.fiks.ut.type=rest" in r["fix"] and "ks:fiks" in r["fix"]


def test_a_host_without_dpf_is_not_concerned():
    r = run(at(2027, 3, 1), settings__services=["DPO"])["lifecycle.api_end"]
    assert r["status"] == "pass" and "no dated api_end fact" in r["message"]


@pytest.mark.parametrize(
    ("version", "environment", "status"),
    [("4.0.4", "production", "fail"), ("4.0.5", "production", "pass"), ("4.0.4", "test", "pass")],
)
def test_dpi_cutover_requires_4_0_5_in_production(version, environment, status):
    r = run(
        at(2026, 12, 6),
        settings__services=["DPI"],
        settings__version=version,
        settings__environment=environment,
    )["lifecycle.min_version"]
    assert r["status"] == status, r
    if status == "fail":
        assert "4.0.5" in r["fix"] and "edi.edigard.com" in r["message"]


def test_the_signing_key_fact_is_info_after_its_date_and_says_inferred():
    results = run(at(2026, 12, 6))
    r = results["lifecycle.signing_key"]
    assert r["status"] == "info" and "(inferred)" in r["message"] and "current eformidling-key.asc" in r["fix"]
    docker = run(at(2026, 12, 6), settings__run_mode="docker")["lifecycle.signing_key"]
    assert docker["status"] == "pass"


def test_unreadable_data_is_an_error_never_a_pass(tmp_path, monkeypatch):
    broken = tmp_path / "dated_facts.yml"
    broken.write_text("facts: [{id: x, family: api_end, date: 31.12.2026, what: a, fix: b, after: fail, source: s}]")
    monkeypatch.setattr(lifecycle_checks, "DATA_FILE", str(broken))
    r = run(at(2026, 12, 6), settings__services=["DPF"])["lifecycle.api_end"]
    assert r["status"] == "error" and "date" in r["message"]
    monkeypatch.setattr(lifecycle_checks, "DATA_FILE", str(tmp_path / "missing.yml"))
    assert run(at(2026, 12, 6))["lifecycle.min_version"]["status"] == "error"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"family": "eol"}, "family"),
        ({"after": "panic"}, "after"),
        ({"date": "2026-13-01"}, "date"),
        ({"services": ["DPX"]}, "services"),
        ({"versions": ">>4"}, "versions"),
        ({"fix": ""}, "fix"),
    ],
)
def test_a_bad_fact_names_the_field(change, field):
    fact = {
        "id": "x",
        "family": "api_end",
        "date": "2027-01-01",
        "what": "w",
        "fix": "f",
        "after": "fail",
        "source": "s",
    }
    with pytest.raises(lifecycle_checks.DatedFactsError, match="field '%s'" % field):
        lifecycle_checks.validate_fact(dict(fact, **change), 0)


def test_the_margin_lives_in_thresholds_with_its_source():
    default, unit, source = thresholds.THRESHOLDS["lifecycle_warn_days"]
    assert (default, unit) == (90, "days") and "dated_facts.yml" in source


def test_every_lifecycle_check_is_in_the_readme_table():
    with open("README.md", encoding="utf-8") as fh:
        readme = fh.read()
    for cls in lifecycle_checks.LIFECYCLE_CHECKS:
        assert "`%s`" % cls.id in readme, cls.id
    with open(lifecycle_checks.DATA_FILE, encoding="utf-8") as fh:
        assert yaml.safe_load(fh)["schema_version"] == 1
