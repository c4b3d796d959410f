"""The collection's data files are parsed once per process (every host's preflight task reads them),
read again when they change, never cached when they fail, and handed out as copies."""

import os
import pathlib

import pytest
import yaml

from ansible_collections.eformidling.integrasjonspunkt.plugins.action import preflight as engine
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import certificates as certs
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import identity, lifecycle_checks

LOADERS = [
    pytest.param(certs, "_ISSUERS", certs.load_issuers, certs.ISSUERS_FILE, id="issuers"),
    pytest.param(identity, "_LOADED", identity.load, identity.DATA_FILE, id="identity"),
    pytest.param(lifecycle_checks, "_LOADED", lifecycle_checks.load, lifecycle_checks.DATA_FILE, id="dated-facts"),
]


@pytest.fixture
def parses(monkeypatch):
    """Counts YAML parses (yaml.safe_load goes through yaml.load too)."""
    calls = []
    real = yaml.load

    def counting(stream, Loader):
        calls.append(Loader)
        return real(stream, Loader=Loader)

    monkeypatch.setattr(yaml, "load", counting)
    return calls


@pytest.mark.parametrize(("module", "cache", "load", "data_file"), LOADERS)
def test_the_data_file_is_parsed_once_per_process(monkeypatch, parses, module, cache, load, data_file):
    monkeypatch.setattr(module, cache, {})
    first, second = load(), load()
    assert first == second
    assert len(parses) == 1


@pytest.mark.parametrize(("module", "cache", "load", "data_file"), LOADERS)
def test_a_changed_data_file_is_read_again(tmp_path, monkeypatch, parses, module, cache, load, data_file):
    monkeypatch.setattr(module, cache, {})
    path = tmp_path / os.path.basename(data_file)
    text = pathlib.Path(data_file).read_text()
    path.write_text(text)
    load(str(path))
    path.write_text(text + "\n# changed\n")
    os.utime(path, ns=(1, 1))  # a different mtime even on a coarse clock
    load(str(path))
    assert len(parses) == 2


@pytest.mark.parametrize(("module", "cache", "load", "data_file"), LOADERS)
def test_a_caller_changing_its_copy_leaves_the_next_one_whole(monkeypatch, module, cache, load, data_file):
    monkeypatch.setattr(module, cache, {})
    first = load()
    pristine = load()
    key = next(iter(first)) if isinstance(first, dict) else 0
    first[key] = None
    first.clear()
    assert load() == pristine and load()[key] is not None


def test_changing_a_copied_issuer_entry_leaves_the_cache_whole(monkeypatch):
    monkeypatch.setattr(certs, "_ISSUERS", {})
    first = certs.load_issuers()
    name = first["cas"][0]["name"]
    first["cas"][0]["name"] = "changed"
    first["policies"]["production"].clear()
    again = certs.load_issuers()
    assert again["cas"][0]["name"] == name and again["policies"]["production"]
    assert again["cas"][0]["cert"] is first["cas"][0]["cert"]  # immutable, shared


def test_a_malformed_issuer_file_fails_every_time(tmp_path, monkeypatch):
    monkeypatch.setattr(certs, "_ISSUERS", {})
    raw = yaml.safe_load(pathlib.Path(certs.ISSUERS_FILE).read_text())
    raw["cas"][0]["sha256"] = "00" * 32
    path = tmp_path / "issuers.yml"
    path.write_text(yaml.safe_dump(raw))
    for _attempt in range(2):
        with pytest.raises(ValueError, match="sha256 does not match"):
            certs.load_issuers(str(path))
    assert certs._ISSUERS == {}


def test_a_malformed_dated_facts_file_fails_every_time(tmp_path, monkeypatch):
    monkeypatch.setattr(lifecycle_checks, "_LOADED", {})
    path = tmp_path / "dated_facts.yml"
    path.write_text("facts:\n  - family: api_end\n    date: not-a-date\n")
    for _attempt in range(2):
        with pytest.raises(lifecycle_checks.DatedFactsError):
            lifecycle_checks.load(str(path))
    assert lifecycle_checks._LOADED == {}


def test_an_unreadable_data_file_fails_every_time(tmp_path, monkeypatch):
    monkeypatch.setattr(identity, "_LOADED", {})
    for _attempt in range(2):
        with pytest.raises(OSError):
            identity.load(str(tmp_path / "missing.yml"))


def test_warming_the_caches_calls_every_loader_and_leaves_failures_to_the_task():
    called = []

    def broken():
        called.append("broken")
        raise ValueError("malformed")

    engine.warm_data_caches((broken, lambda: called.append("next")))
    assert called == ["broken", "next"]


def test_the_engine_warms_the_caches_of_the_files_its_tasks_read():
    # ansible-playbook imports the action plugin before it forks each host's worker: what it loads then
    # is inherited by every worker.
    defaults = engine.warm_data_caches.__defaults__[0]
    assert set(defaults) == {
        engine.catalogue.load,
        engine.identity.load,
        engine.certificates.load_issuers,
        engine.lifecycle_checks.load,
        engine._preflight_options,
        engine.checks.registry,
    }
    assert engine._preflight_options() == engine.settings_source.role_options("preflight", "checks")


def test_importing_the_settings_source_parses_the_argument_specs_once():
    # The same reason: the import in ansible-playbook's own process reads every role's argument spec, so the
    # workers forked for each host and task find known_names() parsed (one YAML pass per run, not per task).
    import importlib  # noqa: PLC0415

    source = importlib.reload(engine.settings_source)
    info = source.known_names.cache_info()
    assert info.currsize == 1 and info.misses == 1
    assert {"preflight_probe_timeout", "preflight_result"} <= source.known_names()  # a spec option, a register
    assert source.known_names.cache_info().hits == 1
