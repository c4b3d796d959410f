# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The status engine: one task per installed host, built like the preflight engine.

Read the host's settings through the settings model (settings_source.host_settings), make ONE target-side call
(status_gather) that collects every fact within one time budget, then judge on the controller with the preflight
framework (checks.run_checks over status_checks.STATUS_CHECKS: the same waivers, counting and strictness). The
result is returned (and registered by the role), never stored as a fact; it never holds the keystore's bytes.
"""

import base64
import datetime
import json
import re
import traceback

from ansible.errors import AnsibleActionFail
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase

from ansible_collections.eformidling.integrasjonspunkt.plugins.action.preflight import gather_failure
from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import status_probe
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import (
    checks,
    input_checks,
    management,
    paths,
    settings_source,
    status_checks,
    thresholds,
)
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import (
    settings as model,
)

GATHER_MODULE = "eformidling.integrasjonspunkt.status_gather"
GATHER_ID = "status.gather"
UNIT = "integrasjonspunkt.service"  # roles/integrasjonspunkt/vars/main.yml __integrasjonspunkt_unit_name
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([mhd])\s*$")
_SECONDS = {"m": 60, "h": 3600, "d": 86400}


def since_epoch(value, now):
    """Seconds since the epoch of status_log_since: a duration back from now ('24h', '90m', '2d') or an ISO time."""
    text = str(value if value not in (None, "") else "24h")
    match = _DURATION.match(text)
    if match:
        return now.timestamp() - float(match.group(1)) * _SECONDS[match.group(2)]
    try:
        moment = datetime.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            "status_log_since=%r is not allowed: a duration back from now (24h, 90m, 2d) or an ISO 8601 time"
            " (2026-12-07T00:00:00+01:00)" % (value,)
        ) from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)
    return moment.timestamp()


def previous_results(path, host):
    """{generated_at, results: {id: result}} of `host` in a previous status JSON report; None without the host.

    A path that cannot be read as a status report is bad input: ValueError naming status_previous_report.
    """
    if not path:
        return None
    try:
        with open(paths.controller_path(path), encoding="utf-8") as fh:
            report = json.load(fh)
        row = (report.get("hosts") or {}).get(host)
        generated_at = (report.get("meta") or {}).get("generated_at")
    except (OSError, ValueError, AttributeError) as exc:
        raise ValueError(
            "status_previous_report=%r is not allowed: the status.json of an earlier status run, readable on the"
            " controller (%s)" % (path, exc)
        ) from None
    if not isinstance(row, dict):
        return None
    return {
        "generated_at": generated_at,
        "results": {r.get("id"): r for r in row.get("results") or [] if isinstance(r, dict)},
    }


def health_url(settings):
    """The loopback URL of /manage/health, as the install role's health wait builds it (vars/main.yml)."""
    scheme = "https" if settings["ssl_enabled"] else "http"
    host = "127.0.0.1"
    bind = settings.get("bind_address") or ""
    if settings["run_mode"] == "docker" and bind not in ("0.0.0.0", "::", ""):
        host = "[%s]" % bind if ":" in bind else bind
    return "%s://%s:%d/manage/health" % (scheme, host, settings["port"])


def keystore_path(settings):
    """The keystore the install role installed, on the host in either run mode (the settings model's one answer)."""
    return settings["installed_keystore"]["path"]


def flag(args, name):
    """A yes/no argument as Ansible reads one ("false" from -e is false); ValueError naming status_<name>."""
    try:
        return boolean(args.get(name) or False, strict=True)
    except TypeError:
        raise ValueError("status_%s=%r is not allowed: true or false" % (name, args.get(name))) from None


def probe_timeout(args):
    """status_probe_timeout in seconds (default 5); ValueError naming it outside (0, 60]."""
    value = args.get("probe_timeout")
    try:
        timeout = 5.0 if value in (None, "") else float(value)
    except (TypeError, ValueError):
        timeout = None
    if timeout is None or not 0 < timeout <= 60:
        raise ValueError("status_probe_timeout=%r is not allowed: seconds above 0, at most 60" % (value,))
    return timeout


def gather_args(settings, raw, args, now):
    """The status_gather module's arguments (pure)."""
    directories = settings["directories"]
    module_args = {
        "run_mode": settings["run_mode"],
        "unit": UNIT,
        "container_name": settings["container_name"],
        "health_url": health_url(settings),
        "port": settings["port"],
        "actuator_targets": management.probe_targets(settings),
        "install_dir": directories["install"],
        "keystore_path": keystore_path(settings),
        "data_dir": directories["data"],
        "log_file": directories["logs"].rstrip("/") + "/application.log",
        "log_since": since_epoch(args.get("log_since"), now),
        "ntp_host": settings["ntp_host"] or "",
        "ntp_port": int(args.get("ntp_port") or 123),
        "releases_url": ""
        if flag(args, "releases_offline")
        else (args.get("releases_url") or status_probe.RELEASES_URL),
        "timeout": probe_timeout(args),
    }
    if settings["run_mode"] == "docker":
        module_args["docker_host"] = settings["docker_host"]
    if settings["proxy"]:
        module_args["proxy"] = settings["proxy"]["url"]
        module_args["no_proxy"] = ",".join(settings["no_proxy"])
    if args.get("ca_file"):
        module_args["ca_file"] = args["ca_file"]
    return module_args


def keystore_read(gathered, raw, path):
    """The keystore as the certificate check opens it: the bytes from the host, the password from the host's vars."""
    found = gathered.get("keystore") or {}
    out = {
        "available": bool(found.get("available")),
        "reason": found.get("reason"),
        "permission": found.get("permission"),
        "path": path,
        "type": str(raw.get("integrasjonspunkt_keystore_type") or "PKCS12"),
        "alias": str(raw.get("integrasjonspunkt_keystore_alias") or ""),
        "password": str(raw.get("integrasjonspunkt_keystore_password") or ""),
        "data": None,
    }
    if out["available"]:
        out["data"] = base64.b64decode(found.get("data_b64") or "")
    return out


def judgement_context(gathered, settings, raw, limits, args, previous, now):
    """ctx of the status checks: the gathered sections, the settings, the keystore, the previous report."""
    # Every section the gather call returns, by its name (a collector added there reaches the checks as it is);
    # the keystore's bytes only inside keystore_read, and the release list as `releases` below.
    ctx = {name: gathered.get(name) for name in status_probe.SECTIONS if name not in ("keystore", "releases")}
    ctx.update(
        errors=gathered.get("errors") or {},
        releases=None if flag(args, "releases_offline") else (gathered.get("releases") or {}),
        keystore_read=keystore_read(gathered, raw, keystore_path(settings)),
        settings=settings,
        thresholds=limits,
        previous=previous,
        now=now,
    )
    return ctx


def judge(ctx, args, valid):
    """The status results; a crash of the judgement itself is one `error` result, never a partial list."""
    try:
        return checks.run_checks(ctx, args.get("ignore"), valid, args.get("only"), classes=status_checks.STATUS_CHECKS)
    except Exception as exc:
        return [gather_error("judging the facts crashed: %s: %s" % (type(exc).__name__, exc), traceback.format_exc())]


def gather_error(message, exception=None, fix=None):
    result = checks.gather_error_result(message, exception, fix)
    result.update(id=GATHER_ID, title="Gather the host's status facts", category="status")
    return result


def shape_result(results, gathered, settings, limits, strict, now):
    """The task's result (pure): as preflight's, without the keystore's bytes."""
    return {
        "changed": False,
        "results": results,
        "counts": checks.count(results),
        "failed_ids": checks.failing_ids(results, strict),
        "error_ids": sorted({r["id"] for r in results if r["status"] == "error"}),
        "strict": strict,
        "settings": model.public(settings) if settings else {},
        "thresholds": limits,
        "gather": {
            "budget_seconds": gathered.get("budget_seconds"),
            "elapsed_seconds": gathered.get("elapsed_seconds"),
            "errors": sorted(gathered.get("errors") or {}),
        },
        "generated_at": now.isoformat(timespec="seconds"),
    }


def _status_wording(exc):
    """The framework's messages name preflight's variables; the status role's are status_*."""
    return str(exc).replace("preflight_", "status_")


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(
        (
            "ignore",
            "only",
            "strict",
            "thresholds",
            "probe_timeout",
            "log_since",
            "previous_report",
            "releases_offline",
            "releases_url",
            "ca_file",
            "ntp_port",
        )
    )

    def _validated(self, args, task_vars, now):
        """(limits, valid ids, previous): the task's own arguments; AnsibleActionFail naming a bad one."""
        try:
            limits = thresholds.merged(args.get("thresholds"))
            valid = {c.id for c in status_checks.STATUS_CHECKS}
            checks.validate_ignore(args.get("ignore"), valid)
            checks.validate_only(args.get("only"), valid)
            since_epoch(args.get("log_since"), now)
            probe_timeout(args)
            flag(args, "strict")
            flag(args, "releases_offline")
            previous = previous_results(args.get("previous_report"), task_vars.get("inventory_hostname"))
        except ValueError as exc:
            raise AnsibleActionFail(_status_wording(exc)) from exc
        return limits, valid, previous

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        args = settings_source.plain(dict(self._task.args))
        now = datetime.datetime.now(datetime.timezone.utc)
        limits, valid, previous = self._validated(args, task_vars, now)
        strict = flag(args, "strict")
        settings, problems, _unknown, raw = settings_source.host_settings(task_vars, self._templar.template, "probe")
        if settings is None:  # nothing is sent to a host whose settings are refused
            results = [input_checks.result(problems)]
            result.update(shape_result(results, {}, None, limits, strict, now))
            return result
        module_args = gather_args(settings, raw, args, now)
        gathered = self._execute_module(module_name=GATHER_MODULE, module_args=module_args, task_vars=task_vars)
        if gathered.get("failed"):
            message, exception, fix = gather_failure(gathered)
            results = [gather_error(message, exception, fix)]
            gathered = {}
        else:
            ctx = judgement_context(gathered, settings, raw, limits, args, previous, now)
            results = judge(ctx, args, valid)
        result.update(shape_result(results, gathered, settings, limits, strict, now))
        return result
