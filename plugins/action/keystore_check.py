# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Controller-side keystore inspection: the certificate.* checks of plugin_utils.certificate_checks.

The keystore is read on the controller, or slurped from the host with remote_src. The password only
ever travels as this action's argument (the task sets no_log); nothing is put in an environment or on
a command line, and no result holds the password or key material.
"""

import json
import os

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import (
    certificate_checks,
    certificates,
    settings_source,
)
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import settings as model

FAIL_STATUSES = ("fail", "error", "unknown")


def _redacted(value, secret):
    """Defence in depth: replace the secret in every string of a JSON-like value."""
    if isinstance(value, str):
        return value.replace(secret, "********")
    if isinstance(value, list):
        return [_redacted(v, secret) for v in value]
    if isinstance(value, dict):
        return {k: _redacted(v, secret) for k, v in value.items()}
    return value


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(
        (
            "path",
            "remote_src",
            "type",
            "alias",
            "password",
            "org_number",
            "environment",
            "warn_days",
            "fail_on_findings",
            "extra_issuers",
            "from_settings",
        )
    )

    def _from_settings(self, task_vars):
        """The keystore arguments from the host's variables, as the settings model reads them (no task argument
        carries the password then, so no task line can show it)."""
        raw, unreadable, _unknown = settings_source.read(
            task_vars, lambda v: settings_source.plain(self._templar.template(v))
        )
        if unreadable:
            raise AnsibleActionFail("; ".join(model.problem_text(p) for p in unreadable))
        found, _problems = model.evaluate(raw, "install")
        keystore = found.get("keystore") or {}
        return {
            "path": keystore.get("path") or "",
            "remote_src": bool(keystore.get("remote_src")),
            "type": keystore.get("type") or "PKCS12",
            "alias": keystore.get("alias") or "",
            "password": str(raw.get("integrasjonspunkt_keystore_password") or ""),
            "org_number": found.get("org_number") or "",
            "environment": found.get("environment") or "production",
            "extra_issuers": keystore.get("extra_issuers") or "",
        }

    def _read_remote(self, path, task_vars):
        return certificates.read_remote_keystore(self, path, task_vars)

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        args = dict(self._task.args)
        if args.pop("from_settings", False):
            args.update(self._from_settings(task_vars))
        path = to_text(args.get("path") or "")
        password = to_text(args.get("password") or "")
        environment = to_text(args.get("environment") or "production")
        if environment not in ("production", "test"):
            raise AnsibleActionFail("environment must be production or test, got %r" % environment)
        declared = to_text(args.get("type") or "PKCS12").upper()
        if declared not in ("PKCS12", "JKS"):
            raise AnsibleActionFail("type must be PKCS12 or JKS, got %r" % declared)
        try:
            warn_days = float(args.get("warn_days", certificate_checks.THRESHOLDS["cert_warn_days"]["default"]))
        except (TypeError, ValueError):
            raise AnsibleActionFail("warn_days must be a number, got %r" % args.get("warn_days")) from None

        keystore = {
            "available": False,
            "reason": "no keystore configured",
            "path": path,
            "type": declared,
            "data": None,
            "password": password,
            "alias": to_text(args.get("alias") or ""),
            "org_number": to_text(args.get("org_number") or ""),
            "environment": environment,
        }
        if path:
            if args.get("remote_src"):
                data, reason = self._read_remote(path, task_vars)
            else:
                data, reason = certificates.read_controller_keystore(os.path.expanduser(path))
            keystore.update(available=data is not None, reason=reason, data=data)

        ctx = {"keystore": keystore, "thresholds": {"cert_warn_days": warn_days}}
        if args.get("extra_issuers"):
            try:
                ctx["certificate_issuers"] = certificates.merge_issuers(
                    certificates.load_issuers(), os.path.expanduser(to_text(args["extra_issuers"]))
                )
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise AnsibleActionFail("extra_issuers %s cannot be used: %s" % (args["extra_issuers"], exc)) from exc
        results = certificate_checks.run(ctx)
        found = ctx.get("_certificate_inspection") or {}
        leaf = found.get("certificate")
        summary = None
        if leaf is not None:
            summary = dict(certificates.describe(leaf), not_after=leaf.not_valid_after_utc.isoformat())
        if password and password in json.dumps([results, summary]):
            results, summary = _redacted([results, summary], password)

        failed_ids = sorted(r["id"] for r in results if r["status"] in FAIL_STATUSES)
        counts = {}
        for r in results:
            counts[r["status"]] = counts.get(r["status"], 0) + 1
        fail_on_findings = args.get("fail_on_findings", True)
        result.update(
            changed=False,
            results=results,
            failed_ids=failed_ids,
            counts=counts,
            certificate=summary,
            failed=bool(failed_ids) and bool(fail_on_findings),
            msg="; ".join("%s: %s" % (r["id"], r["message"]) for r in results if r["id"] in failed_ids)
            or "the keystore passed the certificate checks",
        )
        return result
