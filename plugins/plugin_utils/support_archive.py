# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The support bundle's archive on the controller: the hosts' redacted texts, a manifest, one tar.gz at 0600.

The file is created with mode 0600 (O_EXCL, under umask 077) under a hidden temporary name and renamed into
place when complete, so it is never world-readable and never half-written under its final name. Every text is
redacted once more here (the host already did it; the controller's own reports are redacted here first).
"""

import contextlib
import datetime
import hashlib
import io
import json
import os
import secrets
import tarfile

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import redact

PREFIX = "eformidling-support-"
MANIFEST = "manifest.json"
DIR_MODE = 0o700
FILE_MODE = 0o600


class ArchiveError(Exception):
    """The archive could not be written; the message names the file and the error."""


def host_report(text, host):
    """The host's own part of a JSON report document (preflight's or status's shape), or None."""
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("hosts"), dict) or host not in doc["hosts"]:
        return None
    return json.dumps({"meta": doc.get("meta"), "host": doc["hosts"][host]}, indent=2, sort_keys=True)


def report_files(report_dirs, host):
    """{name: text} of the host's entries in the JSON reports of these controller directories, redacted."""
    out = {}
    for directory in report_dirs:
        try:
            names = sorted(n for n in os.listdir(directory) if n.endswith(".json"))
        except OSError:
            continue
        for name in names:
            try:
                with open(os.path.join(directory, name), encoding="utf-8") as fh:
                    part = host_report(fh.read(), host)
            except (OSError, UnicodeDecodeError):
                continue
            if part is not None:
                key = "reports/%s-%s" % (os.path.basename(os.path.normpath(directory)), name)
                out[key] = redact.redact(part, "json")
    return out


def safe_name(name):
    """A member name inside the archive: no absolute path, no '..'."""
    parts = [p for p in str(name).replace("\\", "/").split("/") if p not in ("", ".", "..")]
    return "/".join(parts) or "unnamed"


def members(per_host, generated_at, collection_version):
    """[(path in archive, bytes)] for every host's files, then manifest.json with each file's sha256."""
    root = PREFIX + generated_at.strftime("%Y%m%dT%H%M%SZ")
    out, manifest_files, hosts = [], {}, {}
    for host in sorted(per_host):
        record = per_host[host]
        hosts[host] = {k: record[k] for k in ("state", "reason", "items", "secrets_found") if k in record}
        for name, text in sorted((record.get("files") or {}).items()):
            # Once more on the controller: a host's module of another version, or a report, must not slip by.
            data = redact.redact(str(text), redact.format_of(name)).encode("utf-8")
            path = "%s/%s/%s" % (root, safe_name(host), safe_name(name))
            out.append((path, data))
            manifest_files[path[len(root) + 1 :]] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    manifest = {
        "generated_at": generated_at.isoformat(timespec="seconds"),
        "collection": "eformidling.integrasjonspunkt %s" % collection_version,
        "redaction": "plugins/module_utils/redact.py: passwords, tokens, private keys, keystores (never included), "
        "Authorization headers, JWTs, credentials in URLs, secret -D options and Env entries, known secret values",
        "hosts": hosts,
        "files": manifest_files,
    }
    out.append(("%s/%s" % (root, MANIFEST), json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8")))
    return root, out


def _tarinfo(path, size, mtime):
    info = tarfile.TarInfo(path)
    info.size, info.mode, info.mtime = size, FILE_MODE, mtime
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    return info


def write(directory, per_host, collection_version="unknown", now=None):
    """Write the archive into `directory` (created 0700 when missing); return its path."""
    now = now or datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    root, files = members(per_host, now, collection_version)
    final = os.path.join(directory, root + ".tar.gz")
    tmp = os.path.join(directory, ".%s.%s.tmp" % (root, secrets.token_hex(6)))
    old = os.umask(0o077)
    try:
        os.makedirs(directory, mode=DIR_MODE, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), FILE_MODE)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            for path, data in files:
                tar.addfile(_tarinfo(path, len(data), int(now.timestamp())), io.BytesIO(data))
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, final)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise ArchiveError("cannot write the support bundle %s: %s" % (final, exc.strerror or exc)) from exc
    finally:
        os.umask(old)
    return final
