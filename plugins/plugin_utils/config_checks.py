# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""config.* checks of the host: the release, the API security settings and where Docker keeps the data."""

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import plan
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import settings as settings_model
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils.check_base import (
    Check,
    error_outcome,
    outcome,
)


class DockerStorageCheck(Check):
    """Docker mode keeps H2 and ActiveMQ on host volumes under the data directory, or uses external ones.

    The v4 image runs them on mounted /workspace/h2-data and /workspace/activemq-data (efm-integrasjonspunkt
    README @v4.0.8); the older rule that both must be external (no persistent volume) no longer holds. It
    fails when what the container stores would not survive it: the data directory read-only or volatile
    (tmpfs, a container's overlay), an H2 file outside the mounted volume, an external store unreachable.
    """

    id = "config.docker_storage"
    title = "Docker mode: the database and the queue survive the container"
    category = "config"
    doc = "docker"
    needs = ("resources",)
    VOLUME = "/workspace/h2-data"  # the role mounts <data dir>/h2-data here (integrasjonspunkt role vars)

    def applies(self, ctx):
        return ctx["settings"].get("run_mode") == "docker"

    def evaluate(self, ctx):
        s = ctx["settings"]
        findings = []  # (status, text)
        on_volume = []
        if not s.get("external_database"):
            on_volume.append("H2 (%s/h2-data)" % s["directories"]["data"])
        elif s.get("database_on_host"):
            path = h2_file_path(s.get("database_url"))
            if path is not None and (path == self.VOLUME or path.startswith(self.VOLUME + "/")):
                on_volume.append("H2 (%s, the volume %s/h2-data)" % (path, s["directories"]["data"]))
            else:
                findings.append(
                    ("fail", "the H2 database %s is inside the container, not on the mounted volume %s: it is lost"
                     " when the container is replaced" % (s.get("database_url"), self.VOLUME))
                )  # fmt: skip
        else:
            findings.append(_external_store(ctx, "the external database", ["database"]))
        if not s.get("external_queue"):
            on_volume.append("ActiveMQ (%s/activemq-data)" % s["directories"]["data"])
        else:
            names = [e["name"] for e in ctx.get("endpoints") or [] if str(e.get("name", "")).startswith("queue")]
            findings.append(_external_store(ctx, "the external queue", names or ["queue"]))
        if on_volume:
            findings.append(_volume_finding(ctx, s["directories"]["data"], on_volume))
        for status in ("error", "fail", "unknown", "warn"):
            bad = [text for st, text in findings if st == status]
            if bad and status == "error":
                return error_outcome("no verdict: %s" % "; ".join(bad))
            if bad:
                return outcome(
                    status,
                    "not persistent" if status == "fail" else status,
                    "persistent",
                    None,
                    "; ".join(bad),
                    "Put integrasjonspunkt_data_dir on a persistent, writable host filesystem, keep an H2 file under"
                    " %s, and make an external database or queue reachable (connectivity.database / .queue)."
                    % self.VOLUME,
                )
        return outcome("pass", "volumes or external", "persistent", None, "; ".join(t for _s, t in findings))


def h2_file_path(url):
    """The file path of an H2 file URL (jdbc:h2:file:/p, jdbc:h2:/p), else None (mem:, relative, ~, not H2)."""
    text = str(url or "").strip()
    if not text.lower().startswith("jdbc:h2:"):
        return None
    rest = text[len("jdbc:h2:") :].split(";", 1)[0]
    if rest.lower().startswith("file:"):
        rest = rest[len("file:") :]
    return rest.rstrip("/") if rest.startswith("/") else None


def _external_store(ctx, what, names):
    """(status, text) for an external database or queue from its connectivity probe(s)."""
    err = (ctx.get("errors") or {}).get("connectivity")
    if err:
        return "error", "%s could not be probed: %s" % (what, err.get("message"))
    results = [(n, (ctx.get("connectivity") or {}).get(n)) for n in names]
    missing = [n for n, r in results if r is None]
    down = [r for _n, r in results if r is not None and not r.get("ok")]
    if down:
        described = [
            "%s:%s %s"
            % (
                r.get("host") or _entry_of(ctx, r).get("host") or r.get("name"),
                r.get("port") or _entry_of(ctx, r).get("port") or "",
                r.get("message") or r.get("status"),
            )
            for r in down
        ]
        return "fail", "%s is unreachable: %s" % (what, "; ".join(described))
    if missing:
        return "unknown", "%s was not probed (connectivity.%s)" % (what, ", connectivity.".join(missing))
    return "pass", "%s answers (connectivity.%s)" % (what, ", connectivity.".join(names))


def _entry_of(ctx, result):
    """The catalogue entry a connectivity result belongs to ({} when it has none)."""
    return next((e for e in ctx.get("endpoints") or [] if e.get("name") == result.get("name")), {})


def _volume_finding(ctx, data_dir, what):
    """(status, text) for the stores kept on host volumes under the data directory, from its filesystem."""
    disks = [d for d in (ctx["resources"] or {}).get("disk") or [] if d.get("path") == data_dir]
    stores = " and ".join(what)
    if not disks or disks[0].get("available_bytes") is None or not disks[0].get("mount_point"):
        reason = (disks[0].get("reason") if disks else None) or "not measured"
        return "unknown", "%s on the host volume under %s: its filesystem was %s" % (
            stores,
            data_dir,
            reason if reason == "not measured" else "not measured (%s)" % reason,
        )
    disk = disks[0]
    where = "%s (%s on %s)" % (data_dir, disk.get("fstype"), disk.get("mount_point"))
    if disk.get("read_only"):
        return "fail", "%s on %s, which is read-only" % (stores, where)
    volatile = [n for n in disk.get("notes") or [] if "tmpfs" in n or "overlay" in n]
    if volatile:
        return "fail", "%s on %s: %s" % (stores, where, volatile[0])
    return "pass", "%s on the host volume %s" % (stores, where)


class VersionCheck(Check):
    """The release can be installed the way this collection installs it."""

    id = "config.version"
    title = "The integrasjonspunkt version can be installed"
    category = "config"
    doc = "last_ned"

    def evaluate(self, ctx):
        settings = ctx["settings"]
        version = settings["version"]
        floor = settings_model.VERSION_FLOOR  # both run modes: see its source in settings.py
        if plan.version_tuple(version) < plan.version_tuple(floor):
            return self.failed(
                measured=version,
                required=">= %s" % floor,
                message="integrasjonspunkt %s has no JAR, .sha1 and .asc on GitHub Releases (published from v%s;"
                " v3 went to GitHub Packages), and 4.0.0 in production still called platform.tt02.altinn.no for DPO"
                % (version, floor),
                fix="Set integrasjonspunkt_version to %s or newer (the latest is listed on the download page)." % floor,
            )
        return outcome("pass", version, ">= %s" % floor, None, "integrasjonspunkt %s" % version)


class ApiSecurityCheck(Check):
    """TLS and basic auth on the integrasjonspunkt's own API, as upstream v3/v4 default them.

    v4.0.8's application.properties sets difi.ssl.enabled=true and
    difi.move.feature.enable-auth=${difi.security.enable:true}; its SecureDefaultsLogger warns when either
    is false. With auth on, only /manage/* and /error stay open (Oauth2ClientSecurityConfig). Off is a
    choice a site may make (a loopback-only API, clients without TLS), so this warns and can be waived.
    """

    id = "config.api_security"
    title = "The API uses TLS and basic auth (the upstream defaults)"
    category = "config"
    severity = "warn"
    doc = "api_security"

    WEAKENINGS = (
        (
            "ssl_enabled",
            "TLS",
            "integrasjonspunkt_ssl_enabled=false: the API on port %(port)d answers plain HTTP, so documents and"
            " credentials cross the network unencrypted",
            "integrasjonspunkt_ssl_enabled: true (HTTPS with the keystore's certificate; clients connect with https)",
        ),
        (
            "auth_enabled",
            "basic auth",
            "integrasjonspunkt_auth_enabled=false: anyone who reaches port %(port)d can send and read messages"
            " without a user name and password",
            "integrasjonspunkt_auth_enabled: true with integrasjonspunkt_auth_user and integrasjonspunkt_auth_password"
            " (keep the password in Ansible Vault; clients send them as HTTP basic auth)",
        ),
    )

    def evaluate(self, ctx):
        settings = ctx["settings"]
        state = {}
        for key, _name, _why, _fix in self.WEAKENINGS:
            value = settings[key]
            if not isinstance(value, bool):  # the settings model normalises these; anything else is our bug
                raise TypeError("settings[%r] is %r, not a boolean" % (key, value))
            state[key] = value
        measured = ", ".join("%s %s" % (name, "on" if state[key] else "off") for key, name, _w, _f in self.WEAKENINGS)
        required = "TLS on, basic auth on (the integrasjonspunkt's own defaults)"
        off = [w for w in self.WEAKENINGS if not state[w[0]]]
        if not off:
            return outcome(
                "pass",
                measured,
                required,
                None,
                "judged from the settings, not measured: with them the installed integrasjonspunkt answers its API"
                " over HTTPS and asks for basic auth",
            )
        port = settings.get("port", 9093)
        return self.failed(
            measured=measured,
            required=required,
            message="%s; the integrasjonspunkt's SecureDefaultsLogger warns about this at start-up"
            % "; ".join(why % {"port": port} for _k, _n, why, _f in off),
            fix="Set %s, and let the systems that call the API (sak/arkiv, the eInnsyn client, monitoring) use"
            " them. If this is an accepted choice (for example an API reachable from this host only), waive it"
            " with a reason: preflight_ignore: [{id: config.api_security, reason: ...}]."
            % " and ".join(fix for _k, _n, _w, fix in off),
        )
