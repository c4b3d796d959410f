# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Preflight probes what the install will fetch, from where it will fetch it.

Java mode: when integrasjonspunkt_download_base_url points at a mirror instead of GitHub Releases, the GitHub
entries of the catalogue are replaced by one entry for the mirror (check install.download), whose HTTP probe
asks for the very JAR the install downloads (download.jar_url). Docker mode: when integrasjonspunkt_image names
another registry than ghcr.io, the ghcr.io entries are replaced by that registry (check install.registry).
"""

from urllib.parse import urlsplit

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import catalogue, checks, download

DOWNLOAD = "download"
REGISTRY = "registry"
NAMES = (DOWNLOAD, REGISTRY)
BASE_URL_VAR = "integrasjonspunkt_download_base_url"
IMAGE_VAR = "integrasjonspunkt_image"
# The catalogue's entries for the default sources, which a mirror or another registry replaces.
GITHUB_HOST = "github.com"
GITHUB_ENTRIES = ("github", "github-release-assets")
GHCR_HOST = "ghcr.io"
GHCR_ENTRIES = ("ghcr", "ghcr-blobs")
DOCKER_HUB = ("docker.io", "registry-1.docker.io")
DEFAULT_PORTS = {"https": 443, "http": 80}


def _shown(url):
    """The URL without a password in its user part, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = "%s:<redacted>@%s" % (parts.username, parts.netloc.rsplit("@", 1)[1])
    return parts._replace(netloc=netloc).geturl()


def _entry(name, host, port, protocol, run_mode, purpose, source, http_path="/"):
    return catalogue.validate_entry(
        {
            "name": name,
            "host": host,
            "port": port,
            "protocol": protocol,
            "ips": [],
            "environments": list(catalogue.ENVIRONMENTS),
            "services": ["all"],
            "versions": None,
            "phase": "install",
            "severity": "fail",
            "run_modes": [run_mode],
            "purpose": purpose,
            "source": source,
            "http_path": http_path,
        },
        origin="install source",
    )


def mirror_entry(base_url, version):
    """The install.download entry for a mirror, or None when the JAR comes from GitHub Releases.

    Raises ValueError naming the variable when the URL cannot be used.
    """
    if base_url in (None, ""):
        return None
    text = str(base_url).strip()
    allowed = "an http(s) URL with a host name, like https://mirror.example.no/integrasjonspunkt"
    try:
        parts = urlsplit(text)
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise ValueError("%s=%r is not allowed: %s (%s)" % (BASE_URL_VAR, _shown(text), allowed, exc)) from exc
    if parts.scheme not in DEFAULT_PORTS or not host:
        raise ValueError("%s=%r is not allowed: %s" % (BASE_URL_VAR, _shown(text), allowed))
    if host.lower() == GITHUB_HOST:
        return None
    path = urlsplit(download.jar_url(text, version)).path
    entry = _entry(
        DOWNLOAD,
        host,
        port or DEFAULT_PORTS[parts.scheme],
        parts.scheme,
        "java",
        "The integrasjonspunkt-v%s.jar (with .sha1 and .asc) the install downloads from %s" % (version, BASE_URL_VAR),
        BASE_URL_VAR,
        path,
    )
    # The install sends the URL's user and password (get_url); the probe sends none, so a refusal proves little.
    entry["login_in_url"] = parts.username is not None
    return entry


def registry_of(image):
    """(host, port) of the registry an image reference names (Docker's rule: a first part with '.' or ':')."""
    first, sep, _rest = str(image).strip().partition("/")
    if not sep or not ("." in first or ":" in first or first == "localhost"):
        return DOCKER_HUB[1], 443
    host, _colon, port = first.partition(":")
    if host == DOCKER_HUB[0]:
        host = DOCKER_HUB[1]
    return host, int(port) if port.isdigit() else 443


def registry_entry(image):
    """The install.registry entry for a registry other than ghcr.io, or None."""
    if image in (None, ""):
        return None
    host, port = registry_of(image)
    if host.lower() == GHCR_HOST:
        return None
    return _entry(
        REGISTRY,
        host,
        port,
        "https",
        "docker",
        "The registry of %s (%s), where the install pulls the image" % (IMAGE_VAR, image),
        IMAGE_VAR,
        "/v2/",
    )


def replace_sources(install, settings, base_url=None, image=None):
    """The install entries with the default download sources replaced by the configured ones."""
    run_mode = settings["run_mode"]
    if run_mode == "java":
        entry, replaced = mirror_entry(base_url, settings["version"]), GITHUB_ENTRIES
    else:
        entry, replaced = registry_entry(image), GHCR_ENTRIES
    if entry is None:
        return install
    return [e for e in install if e.get("name") not in replaced] + [entry]


# Judgement -----------------------------------------------------------------------------------------


class DownloadCheck(checks.EndpointCheck):
    """The mirror answers, and has the JAR the install downloads (HEAD of its URL)."""

    def __init__(self, entry):
        super().__init__(entry, "install")
        self.severity = "fail"  # the install role cannot install without it
        self.title = "The release JAR can be downloaded from %s (%s)" % (BASE_URL_VAR, self.url)

    @property
    def url(self):
        e = self.entry
        default = DEFAULT_PORTS.get(e["protocol"])
        port = "" if e["port"] == default else ":%s" % e["port"]
        return "%s://%s%s%s" % (e["protocol"], e["host"], port, e["http_path"])

    def evaluate(self, ctx):
        out = super().evaluate(ctx)
        if out["status"] != "pass":
            if out["status"] != "error":
                out["fix"] = "%s Or correct %s (the mirror)." % (out.get("fix") or "", BASE_URL_VAR)
            return out
        http = ((ctx.get("connectivity") or {}).get(self.entry["name"]) or {}).get("http")
        if not http:
            out["message"] += "; the JAR itself was not asked for (preflight_http_probe is off)"
            return out
        code = http.get("status_code")
        line = http.get("status_line") or "HTTP %s" % code
        measured, required = "HTTP %s" % code, "HTTP 2xx/3xx"
        if isinstance(code, int) and 200 <= code < 400:
            return checks.outcome("pass", measured, required, None, "%s answers %s" % (self.url, line))
        unknown = code in (405, 501) or (code in (401, 403) and self.entry.get("login_in_url"))
        if unknown:
            return checks.outcome(
                "unknown",
                measured,
                required,
                None,
                "%s answers %s to HEAD%s: whether the JAR is there is not known"
                % (self.url, line, "" if code in (405, 501) else " (preflight does not send the URL's login)"),
                "Check by hand that the install can download %s." % self.url,
            )
        if code in (404, 410):
            message = "%s answers %s: the mirror has no such JAR, so the install fails" % (self.url, line)
            fix = (
                "Publish integrasjonspunkt-v%s.jar with its .sha1 and .asc on the mirror at that path, or correct %s"
                " (the base of <base>/v<version>/integrasjonspunkt-v<version>.jar) or integrasjonspunkt_version."
                % (ctx["settings"]["version"], BASE_URL_VAR)
            )
        else:
            message = "%s answers %s: the install's download fails" % (self.url, line)
            fix = "Make the mirror serve %s to this host (without a login unless %s carries one), or correct %s." % (
                self.url,
                BASE_URL_VAR,
                BASE_URL_VAR,
            )
        return self.failed(measured=measured, required=required, message=message, fix=fix)


class RegistryCheck(checks.EndpointCheck):
    """The image registry the install pulls from answers (any HTTP answer of /v2/: it may ask for a login)."""

    def __init__(self, entry):
        super().__init__(entry, "install")
        self.severity = "fail"  # the install role cannot pull without it

    def evaluate(self, ctx):
        out = super().evaluate(ctx)
        if out["status"] not in ("pass", "error"):
            out["fix"] = "%s Or correct %s." % (out.get("fix") or "", IMAGE_VAR)
        return out


def install_check(entry):
    """The check object for one install endpoint."""
    if entry.get("source") == BASE_URL_VAR and entry.get("name") == DOWNLOAD:
        return DownloadCheck(entry)
    if entry.get("source") == IMAGE_VAR and entry.get("name") == REGISTRY:
        return RegistryCheck(entry)
    return checks.EndpointCheck(entry, "install")
