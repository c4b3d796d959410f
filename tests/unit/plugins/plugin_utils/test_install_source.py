"""Preflight probes what the install fetches, from where it fetches it (issue 18): a mirror, another registry."""

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.action import preflight as action
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import checks, install_source
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import settings as settings_model

from .test_checks import by_id, ctx

GITHUB = "https://github.com/felleslosninger/efm-integrasjonspunkt/releases/download"
MIRROR = "https://mirror.example.no:8443/ip/releases/"


def settings(**raw):
    return settings_model.normalise(dict({"integrasjonspunkt_version": "4.0.8"}, **raw))


def install_names(base_url=None, image=None, **raw):
    _runtime, install, _dropped, names = action.select_endpoints(settings(**raw), None, True, base_url, image)
    return {e["name"]: e for e in install}, names


def test_github_releases_keep_the_catalogues_github_entries():
    for base in (None, "", GITHUB, "https://github.com/myorg/fork/releases/download"):
        install, names = install_names(base)
        assert {"github", "github-release-assets"} <= set(install) and "download" not in install
        assert "download" in names["install"] and "registry" in names["install"]  # valid IDs for ignore/only


def test_a_mirror_replaces_github_and_asks_for_the_jar_the_install_downloads():
    install, _names = install_names(MIRROR)
    assert "github" not in install and "github-release-assets" not in install
    entry = install["download"]
    assert (entry["host"], entry["port"], entry["protocol"]) == ("mirror.example.no", 8443, "https")
    assert entry["http_path"] == "/ip/releases/v4.0.8/integrasjonspunkt-v4.0.8.jar"
    assert entry["severity"] == "fail" and entry["phase"] == "install"
    # the path is the one of the install's URL, built by the same function
    assert install_source.download.jar_url(MIRROR, "4.0.8").endswith(entry["http_path"])


def test_a_plain_http_mirror_is_probed_on_port_80_without_tls():
    entry = install_names("http://mirror.intern/ip")[0]["download"]
    assert (entry["port"], entry["protocol"], entry["http_path"]) == (
        80,
        "http",
        "/ip/v4.0.8/integrasjonspunkt-v4.0.8.jar",
    )


def test_without_install_checks_nothing_is_added():
    _runtime, install, _dropped, _names = action.select_endpoints(settings(), None, False, MIRROR, None)
    assert install == []


@pytest.mark.parametrize("bad", ["ftp://mirror.example/x", "mirror.example/x", "https://", "https://host:99999/x"])
def test_an_unusable_base_url_is_refused_naming_the_variable(bad):
    with pytest.raises(ValueError, match=r"integrasjonspunkt_download_base_url=.* is not allowed: an http\(s\) URL"):
        install_names(bad)


def test_a_password_in_the_base_url_is_never_shown():
    with pytest.raises(ValueError) as failure:
        install_names("https://bob:s3cret@host:99999/x")
    assert "s3cret" not in str(failure.value) and "bob:<redacted>@" in str(failure.value)
    entry = install_names("https://bob:s3cret@mirror.example/x")[0]["download"]
    assert "s3cret" not in repr(entry) and entry["login_in_url"] is True


@pytest.mark.parametrize(
    "image, host, port",
    [
        ("registry.intern.example:5000/efm/integrasjonspunkt", "registry.intern.example", 5000),
        ("localhost/efm", "localhost", 443),
        ("felleslosninger/efm-integrasjonspunkt", "registry-1.docker.io", 443),
        ("docker.io/felleslosninger/efm-integrasjonspunkt", "registry-1.docker.io", 443),
    ],
)
def test_docker_mode_probes_the_images_registry_instead_of_ghcr(image, host, port):
    install, _names = install_names(image=image, integrasjonspunkt_run_mode="docker")
    assert "ghcr" not in install and "ghcr-blobs" not in install
    assert (install["registry"]["host"], install["registry"]["port"]) == (host, port)


def test_docker_mode_with_ghcr_keeps_the_catalogue():
    install, _names = install_names(
        MIRROR, "ghcr.io/felleslosninger/efm-integrasjonspunkt", integrasjonspunkt_run_mode="docker"
    )
    assert {"ghcr", "ghcr-blobs"} <= set(install) and "download" not in install and "registry" not in install


# Judgement -----------------------------------------------------------------------------------------


def judged(probe, base_url=MIRROR):
    entry = install_source.mirror_entry(base_url, "4.0.8")
    context = ctx(install_endpoints=[entry], connectivity={"download": dict({"name": "download"}, **probe)})
    return by_id(checks.run_checks(context))["install.download"]


UP = {"ok": True, "status": "ok", "tls": {"cert_expires_in_days": 200}}


@pytest.mark.parametrize("code", [200, 302])
def test_the_jar_on_the_mirror_passes(code):
    result = judged(dict(UP, http={"status_code": code, "status_line": "HTTP/1.1 %d X" % code}))
    assert result["status"] == "pass" and result["measured"] == "HTTP %d" % code, result


def test_a_jar_missing_on_the_mirror_fails_with_a_fix_naming_the_variable():
    result = judged(dict(UP, http={"status_code": 404, "status_line": "HTTP/1.1 404 Not Found"}))
    assert result["status"] == "fail" and result["severity"] == "fail", result
    assert "/ip/releases/v4.0.8/integrasjonspunkt-v4.0.8.jar" in result["message"]
    assert "integrasjonspunkt_download_base_url" in result["fix"] and "integrasjonspunkt_version" in result["fix"]


@pytest.mark.parametrize("code", [403, 500, 503])
def test_a_mirror_refusing_or_broken_fails(code):
    assert judged(dict(UP, http={"status_code": code}))["status"] == "fail"


def test_a_refusal_when_the_url_carries_a_login_is_unknown_not_pass_and_never_shows_the_password():
    for code in (401, 404, 200):
        result = judged(dict(UP, http={"status_code": code}), "https://bob:Pw-s3cret-77@mirror.example/ip")
        assert result["status"] == {401: "unknown", 404: "fail", 200: "pass"}[code], result
        assert "Pw-s3cret-77" not in repr(result)


def test_head_not_supported_is_unknown_not_pass():
    assert judged(dict(UP, http={"status_code": 405}))["status"] == "unknown"


def test_a_mirror_that_is_down_fails_and_names_the_variable():
    result = judged({"ok": False, "status": "tcp_refused", "message": "connection refused"})
    assert result["status"] == "fail" and "integrasjonspunkt_download_base_url" in result["fix"], result


def test_a_probe_that_crashed_is_error():
    assert judged({"ok": False, "status": "error", "message": "boom"})["status"] == "error"


def test_not_probed_is_unknown():
    entry = install_source.mirror_entry(MIRROR, "4.0.8")
    result = by_id(checks.run_checks(ctx(install_endpoints=[entry])))["install.download"]
    assert result["status"] == "unknown"


def test_a_down_registry_fails_and_names_the_image_variable():
    entry = install_source.registry_entry("registry.intern:5000/efm/ip")
    context = ctx(
        settings__run_mode="docker",
        install_endpoints=[entry],
        connectivity={"registry": {"name": "registry", "ok": False, "status": "tcp_refused", "message": "refused"}},
    )
    result = by_id(checks.run_checks(context))["install.registry"]
    assert result["status"] == "fail" and "integrasjonspunkt_image" in result["fix"], result


@pytest.mark.parametrize("cls", [install_source.DownloadCheck, install_source.RegistryCheck])
def test_a_crash_in_the_judgement_is_error_never_pass(monkeypatch, cls):
    def boom(self, context):
        raise RuntimeError("injected fault")

    monkeypatch.setattr(checks.EndpointCheck, "evaluate", boom)
    entry = install_source.mirror_entry(MIRROR, "4.0.8") or {}
    if cls is install_source.RegistryCheck:
        entry = install_source.registry_entry("registry.intern/efm/ip")
    result = cls(entry).run(ctx(connectivity={entry["name"]: dict(UP, name=entry["name"])}))
    assert result["status"] == "error" and "injected fault" in result["message"]
