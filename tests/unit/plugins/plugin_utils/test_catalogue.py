"""The endpoint catalogue (data/endpoints.yml) and plugins/plugin_utils/catalogue.py."""

import copy

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import catalogue as cat


@pytest.fixture(scope="module")
def entries():
    return cat.load()


def names(selected):
    return [e["name"] for e in selected]


# ---------------------------------------------------------------------------------------- the data file


def test_data_file_parses_and_every_entry_is_complete(entries):
    with open(cat.DATA_FILE) as fh:
        raw = yaml.safe_load(fh)
    assert raw["schema_version"] == 1
    assert len(entries) == len(raw["endpoints"]) >= 30
    for entry in raw["endpoints"]:
        assert entry["source"].strip(), entry
        assert entry["protocol"] in cat.PROTOCOLS, entry
        assert isinstance(entry["port"], int) and 1 <= entry["port"] <= 65535, entry
        assert entry["purpose"].strip(), entry
        for field in ("ips", "environments", "services", "versions", "phase", "severity"):
            assert field in entry, (entry["name"], field)  # the data file spells every field out


def test_documented_facts_are_in_the_catalogue(entries):
    prod = {e["name"]: e for e in cat.select(entries, environment="production")}
    test = {e["name"]: e for e in cat.select(entries, environment="test")}
    assert prod["eformidling"]["ips"] == ["139.105.36.173"]
    assert (prod["logs"]["protocol"], prod["logs"]["port"]) == ("tls", 443)
    assert (test["logs"]["protocol"], test["logs"]["port"]) == ("tcp", 80)
    assert "conflict" in test["logs"]["note"].lower()
    assert test["maskinporten"]["ips"] == ["139.105.36.128/27", "2a02:9cc::301"]  # IPv6: D general/IP.md
    assert prod["ntp"]["protocol"] == "udp-ntp" and prod["ntp"]["severity"] == "warn"
    assert {e["phase"] for e in entries} == {"runtime", "install"}


# ---------------------------------------------------------------------------------------- versions

VERSIONS = [
    ("4.0.8", ">=4.0.0,<4.0.8", False),
    ("4.0.7", ">=4.0.0,<4.0.8", True),
    ("4.0.0", ">=4.0.0", True),
    ("3.9.99", ">=4.0.0", False),
    ("2.28.6", "<3.0.0", True),
    ("4.0.8-SNAPSHOT", "<4.0.8", True),  # a pre-release sorts before the release
    ("4.0.8rc1", ">=4.0.8", False),
    ("v4.0.8", "==4.0.8", True),
    ("4.0", "==4.0.0", True),
    ("4.0.8.1", ">4.0.8", True),
    ("4.0.8+build5", "==4.0.8", True),
    ("4.1.2", "==4.1.*", True),
    ("4.2.0", "==4.1.*", False),
    ("4.2.0", "!=4.1.*", True),
    ("4.0.5", "~=4.0.2", True),
    ("4.1.0", "~=4.0.2", False),
    ("4.0.5", "!=4.0.5", False),
    ("4.0.5", None, True),
    ("4.0.5", "", True),
    ("10.0.0", ">9.99.99", True),
]


@pytest.mark.parametrize(("version", "spec", "expected"), VERSIONS)
def test_version_in_range(version, spec, expected):
    assert cat.version_in_range(version, spec) is expected


@pytest.mark.parametrize("spec", [">>4", "=>4.0", ">=4.*", "~=4", "latest"])
def test_bad_version_specs(spec):
    with pytest.raises(cat.CatalogueError):
        cat.version_in_range("4.0.0", spec)


@given(
    st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=5),
    st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=5),
)
def test_version_order_is_total_and_consistent(a, b):
    va, vb = ".".join(map(str, a)), ".".join(map(str, b))
    lt = cat.version_in_range(va, "<" + vb)
    eq = cat.version_in_range(va, "==" + vb)
    gt = cat.version_in_range(va, ">" + vb)
    assert [lt, eq, gt].count(True) == 1


@given(st.text(max_size=20))
def test_version_parser_only_raises_catalogue_error(text):
    """Any text: a CatalogueError that names it, or a canonical version that reads back the same."""
    try:
        release, final, suffix = cat.parse_version(text)
    except cat.CatalogueError as exc:
        assert repr(text) in str(exc)
        return
    assert len(release) >= 3 and all(isinstance(p, int) and p >= 0 for p in release)
    assert (final, suffix == "") in ((1, True), (0, False))
    canonical = ".".join(map(str, release)) + ("" if final else "-" + suffix)
    assert cat.parse_version(canonical) == (release, final, suffix)
    assert cat.parse_version(canonical + "+local.build") == (release, final, suffix)  # local part ignored
    if not final:  # a pre-release sorts before its release
        assert cat.parse_version(canonical) < cat.parse_version(".".join(map(str, release)))


# ---------------------------------------------------------------------------------------- selection


def test_select_by_environment_services_version(entries):
    v408 = names(cat.select(entries, environment="production", services=["DPO"], version="4.0.8", phase="runtime"))
    assert v408 == ["eformidling", "logs", "maskinporten", "ntp", "altinn3-platform"]
    v3 = names(cat.select(entries, environment="production", services=["DPO"], version="3.0.0", phase="runtime"))
    assert "altinn2" in v3 and "altinn3-platform" not in v3
    v2 = names(cat.select(entries, environment="production", services=["DPO"], version="2.28.6", phase="runtime"))
    assert "logs-legacy" in v2 and "logs" not in v2
    dpi = names(cat.select(entries, environment="prod", services="dpi", version="4.0.4", phase="runtime"))
    assert "dpi-tieto" in dpi and "dpi-orbyt" not in dpi and "crl-buypass" in dpi
    fiks = names(cat.select(entries, environment="staging", services=["DPFIO"], version="4.0.7"))
    assert {"fiksio-amqp", "fiksio-api"} <= set(fiks)
    assert not {"fiksio-amqp", "fiksio-api"} & set(names(cat.select(entries, environment="test", version="4.0.8")))
    install = cat.select(entries, environment="test", version="4.0.8", phase="install")
    assert "github" in names(install) and "maven-central" not in names(install)
    assert all(e["phase"] == "install" for e in install)
    everything = cat.select(entries, environment="test", phase="all")
    assert {e["phase"] for e in everything} == {"runtime", "install"}
    # no services given: every service's entries
    assert "ks-svarut" in names(cat.select(entries, environment="test"))


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"environment": "qa2"}, "environment"),
        ({"services": ["DPX"]}, "service"),
        ({"version": "latest"}, "version"),
        ({"phase": "boot"}, "phase"),
    ],
)
def test_select_rejects_bad_filters(entries, kwargs, fragment):
    with pytest.raises(cat.CatalogueError, match=fragment):
        cat.select(entries, **kwargs)


# ---------------------------------------------------------------------------------------- validation

GOOD = {
    "name": "x",
    "host": "x.example",
    "port": 443,
    "protocol": "https",
    "ips": ["192.0.2.0/24"],
    "environments": ["production"],
    "services": ["DPO"],
    "versions": ">=4.0.0",
    "phase": "runtime",
    "severity": "fail",
    "purpose": "p",
    "source": "s",
}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"port": 0}, "port"),
        ({"port": "443"}, "port"),
        ({"port": True}, "port"),
        ({"protocol": "ftp"}, "protocol"),
        ({"source": ""}, "source"),
        ({"source": None}, "source"),
        ({"host": None}, "host"),
        ({"ips": ["999.1.1.1"]}, "ips"),
        ({"ips": "192.0.2.1"}, "ips"),
        ({"environments": ["dev"]}, "environments"),
        ({"environments": []}, "environments"),
        ({"services": ["DPX"]}, "services"),
        ({"services": ["all", "DPO"]}, "services"),
        ({"versions": ">>4"}, "versions"),
        ({"versions": 4}, "versions"),
        ({"phase": "boot"}, "phase"),
        ({"severity": "fatal"}, "severity"),
        ({"colour": "red"}, "colour"),
        ({"use_proxy": "no"}, "use_proxy"),
        ({"timeout": 0}, "timeout"),
    ],
)
def test_validation_names_entry_and_field(change, field):
    entry = dict(GOOD, **change)
    with pytest.raises(cat.CatalogueError) as info:
        cat.validate([dict(GOOD, name="first"), entry])
    text = str(info.value)
    assert "entry 1 (x)" in text and "field '%s'" % field in text


def test_validation_rejects_duplicate_names_per_environment():
    with pytest.raises(cat.CatalogueError, match="already used"):
        cat.validate([GOOD, dict(GOOD, host="y.example")])
    # the same name in another environment is fine
    assert len(cat.validate([GOOD, dict(GOOD, environments=["test"])])) == 2


def test_load_reports_unreadable_files(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("endpoints: [\n")
    with pytest.raises(cat.CatalogueError, match="cannot read"):
        cat.load(str(bad))
    other = tmp_path / "other.yml"
    other.write_text("- a\n")
    with pytest.raises(cat.CatalogueError, match="endpoints"):
        cat.load(str(other))
    with pytest.raises(cat.CatalogueError, match="cannot read"):
        cat.load(str(tmp_path / "missing.yml"))


# ---------------------------------------------------------------------------------------- overrides


def test_overrides_add_replace_drop(entries):
    prod = cat.select(entries, environment="production")
    before = copy.deepcopy(prod)
    kept, dropped = cat.apply_overrides(
        prod,
        {
            "add": [{"name": "archive", "host": "archive.example", "port": 8443, "protocol": "https"}],
            "replace": [{"name": "ntp", "host": "ntp.example.internal"}],
            "drop": [{"name": "logs", "reason": "logging disabled"}],
        },
    )
    by = {e["name"]: e for e in kept}
    assert "logs" not in by
    assert dropped == [{"name": "logs", "reason": "logging disabled", "entry": before[1]}]
    assert by["ntp"]["host"] == "ntp.example.internal" and by["ntp"]["protocol"] == "udp-ntp"
    assert by["archive"]["source"] == "inventory override" and by["archive"]["services"] == ["all"]
    assert prod == before  # inputs are not modified


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"drop": [{"name": "logs"}]}, "field 'reason': is required"),
        ({"drop": [{"name": "logs", "reason": "  "}]}, "field 'reason'"),
        ({"drop": [{"name": "nope", "reason": "x"}]}, "no catalogue entry is named 'nope'"),
        ({"drop": [{"reason": "x"}]}, "field 'name'"),
        ({"replace": [{"name": "nope", "host": "h"}]}, "no catalogue entry is named 'nope'"),
        ({"replace": [{"name": "ntp", "port": 0}]}, "field 'port'"),
        ({"replace": [{"name": "logs"}], "drop": [{"name": "logs", "reason": "x"}]}, "also dropped"),
        ({"add": [{"name": "ntp", "host": "h", "port": 1, "protocol": "tcp"}]}, "use replace"),
        ({"add": [{"name": "new", "host": "h", "protocol": "tcp"}]}, "field 'port'"),
        ({"add": "x"}, "must be a list"),
        ({"remove": []}, "unknown key"),
        ("x", "mapping"),
    ],
)
def test_override_errors(entries, overrides, fragment):
    with pytest.raises(cat.CatalogueError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        cat.apply_overrides(cat.select(entries, environment="production"), overrides)


def test_endpoints_for_pipeline_and_include_dropped(entries):
    overrides = {"drop": [{"name": "ntp", "reason": "no NTP check"}, {"name": "altinn2", "reason": "v4 only"}]}
    plain = cat.endpoints_for(entries, environment="production", services=["DPO"], version="4.0.8", overrides=overrides)
    assert "ntp" not in names(plain)
    withdropped = cat.endpoints_for(
        entries, environment="production", services=["DPO"], version="4.0.8", overrides=overrides, include_dropped=True
    )
    extra = [e for e in withdropped if "dropped" in e]
    # altinn2 is dropped but not needed by 4.0.8 anyway: only ntp comes back, with its reason
    assert [(e["name"], e["dropped"]) for e in extra] == [("ntp", "no NTP check")]
    # dropping a name that exists only in another environment is an error
    with pytest.raises(cat.CatalogueError, match="altinn2"):
        cat.endpoints_for(entries, environment="test", overrides={"drop": [{"name": "altinn2", "reason": "x"}]})


def test_ntp_host_points_the_ntp_entry_at_the_configured_server():
    entries = cat.load()
    chosen = cat.endpoints_for(entries, environment="production", ntp_host="ntp.intern.example")
    ntp = [e for e in chosen if e["name"] == "ntp"]
    assert [e["host"] for e in ntp] == ["ntp.intern.example"]
    assert ntp[0]["ips"] == []
    # an explicit replace still wins over the NTP host
    chosen = cat.endpoints_for(
        entries,
        environment="production",
        ntp_host="ntp.intern.example",
        overrides={"replace": [{"name": "ntp", "host": "127.0.0.1", "port": 11123}]},
    )
    assert [(e["host"], e["port"]) for e in chosen if e["name"] == "ntp"] == [("127.0.0.1", 11123)]
