# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a backup copies, and what it says it does not copy, from the settings model's directories.

Digdir's "Sikkerhetskopi" page (installasjon/sikkerhetskopi.md): stop the integrasjonspunkt, copy its folder
(activemq-data/, integrasjonspunkt.mv.db, integrasjonspunkt-logs/, messages/), start it; the properties file
and the keystore must be kept. The install role spreads that folder over three directories of the model:

- install (integrasjonspunkt_install_dir): its top-level files only, the properties, the secrets file, the
  keystores and the current-release link. Its subdirectories are the releases (downloaded again, verified),
  the role's scratch space and the lifecycle records, which a restore must never roll back.
- data (integrasjonspunkt_data_dir): everything (the H2 file, activemq-data/, messages/; in Docker mode the
  container's volumes h2-data/, activemq-data/, messages/ are bind mounts below it).
- logs (integrasjonspunkt_log_dir): everything (the container's integrasjonspunkt-logs volume in Docker mode).

The temp directory is never copied. An external database or broker is never copied: the notes say what the
operator's DBA must back up.
"""

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import config_checks
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import settings as model

# (tree name, recurse) in archive order.
TREES = (("install", False), ("data", True), ("logs", True))
# Properties that point the integrasjonspunkt at a database or broker of its own, whatever the switches say.
DATASOURCE_KEYS = ("spring.datasource.url", "difi.datasource.url")
BROKER_KEYS = ("spring.activemq.broker-url", "difi.activemq.broker-url")


def inside(path, root):
    return path == root or path.startswith(root.rstrip("/") + "/")


def trees(directories):
    """[{name, path, recurse}] to copy; a directory inside another copied whole is not listed twice."""
    out = []
    for name, recurse in TREES:
        path = (directories or {}).get(name)
        if path:
            out.append({"name": name, "path": path, "recurse": recurse})
    return [t for t in out if not any(o is not t and o["recurse"] and inside(t["path"], o["path"]) for o in out)]


def _h2_host_path(url, settings):
    """The host path of an H2 file URL, or None (no H2 file, or a file inside the container, not on a volume).

    In Docker mode the URL names the container's path: the role mounts <data dir>/h2-data on the image's
    /workspace/h2-data (config_checks.DockerStorageCheck.VOLUME, the integrasjonspunkt role's vars).
    """
    path = config_checks.h2_file_path(url)
    if path is None or settings.get("run_mode") != "docker":
        return path
    volume = config_checks.DockerStorageCheck.VOLUME
    if not inside(path, volume):
        return None
    return settings["directories"]["data"].rstrip("/") + "/h2-data" + path[len(volume) :]


def _database_note(url, settings):
    data_dir = (settings.get("directories") or {}).get("data") or "/"
    try:
        endpoint = model.database_endpoint(url)
    except model.SettingsError:
        endpoint = ("(a host that cannot be read from the URL)", 0, "external")
    if endpoint is None:
        path = _h2_host_path(url, settings)
        if path is not None and inside(path, data_dir):
            return None
        where = model.shown("url", path) if path else "inside the container (on no volume)"
        return (
            "NOT COPIED: the H2 file database of %s is %s, outside integrasjonspunkt_data_dir; back it up with the"
            " service stopped, or move it into the data directory" % (model.shown("url", url), where)
        )
    host, port, kind = endpoint
    return (
        "NOT COPIED: the external %s database at %s:%s (%s). It holds the messages, their statuses and the history:"
        " your DBA must back it up, taken at the same time as this archive (with the service stopped, or a"
        " point-in-time backup of that moment), or a restore puts back files that no longer match it"
        % (kind, host, port, model.shown("integrasjonspunkt_database_url", url))
    )


def _broker_note(url):
    return (
        "NOT COPIED: the external ActiveMQ broker %s. Messages waiting in its queues are kept by the broker's own"
        " store (KahaDB or JDBC): whoever runs the broker must back it up" % model.shown("url", url)
    )


def not_copied(settings, extra_properties=None):
    """Sentences naming what this backup does not hold (external database, broker), never a credential."""
    notes = []
    if settings.get("external_database") and settings.get("database_url"):
        note = _database_note(settings["database_url"], settings)
        if note:
            notes.append(note)
    if settings.get("external_queue") and settings.get("queue_broker_url"):
        notes.append(_broker_note(settings["queue_broker_url"]))
    props = extra_properties if isinstance(extra_properties, dict) else {}
    for key in DATASOURCE_KEYS:
        if props.get(key):
            note = _database_note(str(props[key]), settings)
            if note:
                notes.append("integrasjonspunkt_extra_properties sets %s. %s" % (key, note))
    for key in BROKER_KEYS:
        if props.get(key) and not str(props[key]).startswith("vm://"):
            notes.append("integrasjonspunkt_extra_properties sets %s. %s" % (key, _broker_note(str(props[key]))))
    notes.append(
        "NOT COPIED: the systemd unit or container definition, the Java runtime and the release JARs or images:"
        " the install role makes them again from the inventory"
    )
    return notes
