# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The preflight engine: one task per host.

Normalise the shared settings, select the endpoints, make ONE target-side call that gathers every
fact within one time budget, then judge on the controller. The result is returned (and registered
by the role), never stored as a fact, so a fact cache can never serve a previous run's verdict.
"""

import datetime
import os
import shlex
import traceback

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import (
    catalogue,
    certificate_checks,
    certificates,
    checks,
    identity,
    plan,
    thresholds,
)
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import (
    settings as model,
)

GATHER_MODULE = "eformidling.integrasjonspunkt.preflight_gather"
INTERPRETER_FIX = (
    "Point ansible_python_interpreter for this host at a Python 3.8+ interpreter (for example "
    "/usr/bin/python3.11 on RHEL 8), or install one."
)


def _plain(value):
    """Ansible's tagged/unsafe containers as plain Python values (catalogue code does its own validation)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return str(value)


def select_endpoints(settings, overrides, check_install):
    """(runtime, install, dropped, names) for this host's environment, services and version."""
    entries = catalogue.load()
    common = {
        "environment": settings["environment"],
        "services": settings["services"],
        "version": settings["version"],
        "overrides": overrides or None,
        "ntp_host": settings["ntp_host"],
        "run_mode": settings["run_mode"],
    }
    runtime = catalogue.endpoints_for(entries, phase="runtime", include_dropped=True, **common)
    install = catalogue.endpoints_for(entries, phase="install", **common) if check_install else []
    # Temurin's repository matters only where the role may install Temurin: probe it then, and judge it
    # once the facts say whether it would (runtime.java's plan).
    temurin_possible = (
        settings["run_mode"] == "java"
        and not settings["java_path"]
        and (settings["java_install_method"] in ("auto", "temurin"))
    )
    install = [e for e in install if e.get("needed_when") != "temurin" or temurin_possible]
    every = {"environment": settings["environment"], "overrides": overrides or None, "include_dropped": True}
    names = {
        "runtime": [e["name"] for e in catalogue.endpoints_for(entries, phase="runtime", **every)],
        "install": [e["name"] for e in catalogue.endpoints_for(entries, phase="install", **every)],
    }
    # The external database and queue are probed like catalogue entries (no proxy: the JDBC and
    # OpenWire clients do not use the JVM's HTTP proxy).
    runtime += model.external_endpoints(settings)
    names["runtime"] += [e["name"] for e in model.external_endpoints(settings)]
    kept = [e for e in runtime if "dropped" not in e]
    dropped = [e for e in runtime if "dropped" in e]
    return kept, install, dropped, names


def _captured(exception):
    """(message, traceback) of a module's exception: a string, or ansible-core 2.19's captured error summary."""
    event = getattr(exception, "event", None)
    if event is not None:
        return getattr(event, "msg", None), getattr(event, "formatted_traceback", None)
    return None, (str(exception) if exception else None)


def gather_failure(gathered):
    """(message, exception, fix) for a gather call that failed as a whole."""
    captured_msg, captured_tb = _captured(gathered.get("exception"))
    msg = str(gathered.get("msg") or captured_msg or "the gather module failed without a message")
    stderr = str(gathered.get("module_stderr") or "")
    text = msg + "\n" + stderr
    old_python = gathered.get("unsupported_python") or any(
        marker in text
        for marker in ("requires a minimum of Python", "SyntaxError", "No start of json char found", "interpreter")
    )
    detail = msg
    if stderr.strip():
        detail += ": " + stderr.strip().splitlines()[-1][:500]
    return detail, captured_tb, INTERPRETER_FIX if old_python else None


VERSION_CODE = "import sys; print('Python %d.%d.%d at %s' % (sys.version_info[:3] + (sys.executable,)))"


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(
        (
            "settings",
            "java_packages",
            "retained_messages",
            "thresholds",
            "ignore",
            "only",
            "strict",
            "endpoint_overrides",
            "check_install_endpoints",
            "ntp_servers",
            "probe_timeout",
            "http_probe",
            "ca_file",
            "resolve",
            "chronyc_host",
            "chronyc_port",
            "ntp_port",
            "identity_probe",
            "identity_endpoints",
        )
    )

    def _interpreter(self, task_vars):
        """'Python 3.6.15 at /usr/bin/python3' for the interpreter Ansible used on this host, or why not."""
        path = (task_vars or {}).get("ansible_python_interpreter") or (
            ((task_vars or {}).get("ansible_facts") or {}).get("discovered_interpreter_python")
        )
        if not path:
            return "unknown (interpreter discovery)"
        try:
            path = str(self._templar.template(path))
            res = self._low_level_execute_command("%s -c %s" % (path, shlex.quote(VERSION_CODE)))
        except Exception as exc:  # an explanation only: never hide the failure it explains
            return "%s (its version could not be read: %s)" % (path, exc)
        out = str(res.get("stdout") or "").strip()
        return out if res.get("rc") == 0 and out else "%s (its version could not be read)" % path

    def _var(self, task_vars, name, default=""):
        value = (task_vars or {}).get(name, default)
        return self._templar.template(value) if isinstance(value, str) else value

    def _keystore(self, settings, task_vars):
        """ctx["keystore"] from the install role's own keystore variables: the same keystore it installs.

        The password is read from the host's variables here, never passed as a task argument, so it
        appears in no task line, log or report (the certificate checks never print it either).
        """
        path = str(self._var(task_vars, "integrasjonspunkt_keystore_src") or "")
        keystore = {
            "available": False,
            "reason": "no keystore configured",
            "path": path,
            "type": str(self._var(task_vars, "integrasjonspunkt_keystore_type", "PKCS12") or "PKCS12").upper(),
            "data": None,
            "password": str(self._var(task_vars, "integrasjonspunkt_keystore_password") or ""),
            "alias": str(self._var(task_vars, "integrasjonspunkt_keystore_alias") or ""),
            "org_number": str(self._var(task_vars, "integrasjonspunkt_org_number") or ""),
            "environment": settings["environment"],
        }
        if path:
            if model._bool(
                "integrasjonspunkt_keystore_remote_src",
                self._var(task_vars, "integrasjonspunkt_keystore_remote_src", False),
            ):
                data, reason = certificates.read_remote_keystore(self, path, task_vars)
            else:
                data, reason = certificates.read_controller_keystore(os.path.expanduser(path))
            keystore.update(available=data is not None, reason=reason, data=data)
        return keystore

    def _issuers(self, task_vars):
        """The accepted issuers: the collection's data, plus integrasjonspunkt_keystore_extra_issuers (a file)."""
        extra = str(self._var(task_vars, "integrasjonspunkt_keystore_extra_issuers") or "")
        issuers = certificates.load_issuers()
        if not extra:
            return issuers
        try:
            return certificates.merge_issuers(issuers, os.path.expanduser(extra))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise AnsibleActionFail(
                "integrasjonspunkt_keystore_extra_issuers=%r cannot be used: %s" % (extra, exc)
            ) from exc

    @staticmethod
    def _identity(settings, cache, data, endpoints, enabled):
        """(plan for the identity.* checks, signed grant or None). Never raises: a refusal is kept in the plan.

        `cache` is {"keystore": ...}; the keystore is opened once and the findings stay in it for the checks.
        Anything that crashes while preparing the probe makes the identity.* checks `error`; the rest runs.
        """
        try:
            return ActionModule._identity_plan(settings, cache, data, endpoints, enabled)
        except Exception as exc:
            cache.pop("_certificate_inspection", None)  # may be half-made: the certificate checks open it again
            message = "no verdict: preparing the identity probe crashed: %s: %s" % (type(exc).__name__, exc)
            return {"enabled": True, "refusal": ("error", message, None)}, None

    @staticmethod
    def _identity_plan(settings, cache, data, endpoints, enabled):
        keystore = cache["keystore"]
        plan_ = {"enabled": bool(enabled), "refusal": None}
        if not enabled:
            return plan_, None
        org = keystore.get("org_number") or ""
        plan_.update(
            endpoints,
            client_id=identity.client_id(org, data),
            org_number=org,
            scopes=identity.scopes_for(settings["services"], data),
            grant_type=data["grant_type"],
            signed=bool(data.get("signed_responses", True)),
        )
        found = certificate_checks.inspection(cache)
        certificate = found.get("certificate")
        if not org:
            plan_["refusal"] = ("unknown", "not run: integrasjonspunkt_org_number is not set", None)
        elif not plan_["scopes"]:
            plan_["refusal"] = ("info", "not run: no enabled service requests a Maskinporten scope", None)
        elif not keystore.get("available"):
            plan_["refusal"] = (
                "unknown",
                "not run: the keystore was not read (%s)" % keystore.get("reason"),
                "Set integrasjonspunkt_keystore_src (and its password): the grant is signed with its key.",
            )
        elif certificate is None:
            plan_["refusal"] = ("unknown", "not run: " + certificate_checks.CERTIFICATE_UNREAD, None)
        elif identity.jwt is None:
            plan_["refusal"] = ("error", "no verdict: PyJWT is not installed on the controller", identity.PYJWT_FIX)
        if plan_["refusal"]:
            return plan_, None
        try:
            key = identity.private_key(keystore)
        except ValueError as exc:
            plan_["refusal"] = ("unknown", "not run: %s" % exc, None)
            return plan_, None
        refusal = identity.key_refusal(key)
        if refusal:
            plan_["refusal"] = (
                "fail",
                refusal,
                "Use the RSA enterprise certificate (virksomhetssertifikat) from Buypass or Commfides.",
            )
            return plan_, None
        grant = identity.make_grant(key, certificate, plan_["client_id"], endpoints["audience"], plan_["scopes"])
        return plan_, grant

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = _plain(dict(self._task.args))
        # Input errors stop the task before anything is sent to the host.
        try:
            settings = model.normalise(args.get("settings") or {})
            settings["retained_messages"] = int(args.get("retained_messages") or 0)
            settings["java_packages"] = args.get("java_packages") or {}
            limits = thresholds.merged(args.get("thresholds"))
            runtime, install, dropped, names = select_endpoints(
                settings, args.get("endpoint_overrides"), args.get("check_install_endpoints", True)
            )
            valid = checks.known_ids(names["runtime"], names["install"])
            checks.validate_ignore(args.get("ignore"), valid)
            checks.validate_only(args.get("only"), valid)
            identity_data = identity.load()
            identity_endpoints = identity.endpoints(
                settings["environment"], identity_data, args.get("identity_endpoints") or {}
            )
            timeout = float(args.get("probe_timeout") or 5)
            if not 0 < timeout <= 60:
                raise ValueError(
                    "preflight_probe_timeout=%r is not allowed: a number of seconds above 0, at most 60" % timeout
                )
        except (ValueError, catalogue.CatalogueError) as exc:
            raise AnsibleActionFail(str(exc)) from exc

        # With `only`, probe just the endpoints whose checks are judged.
        only = checks.validate_only(args.get("only"), valid)
        runtime = [e for e in runtime if checks.selected("connectivity.%s" % e.get("name"), only)]
        install = [e for e in install if checks.selected("install.%s" % e.get("name"), only)]
        directories = settings["directories"]
        # With `only` and no time or NTP check among the selected ones, the NTP host is not probed either.
        probe_ntp = any(checks.selected(i, only) for i in ("connectivity.ntp", "time.offset", "time.probe"))
        module_args = {
            "endpoints": runtime + install,
            "ntp_host": settings["ntp_host"] if probe_ntp else "",
            "ntp_port": int(args.get("ntp_port") or 123),
            "timeout": timeout,
            "http": bool(args.get("http_probe", True)),
            "paths": directories,
            "java_paths": [settings["java_path"]] if settings["java_path"] else [],
            "container_engine": settings["run_mode"] == "docker",
            "port": settings["port"],
            "docker_host": settings["docker_host"] if settings["run_mode"] == "docker" else None,
            "resolve": args.get("resolve") or {},
        }
        if settings["proxy"]:
            module_args["proxy"] = settings["proxy"]["url"]
            module_args["no_proxy"] = ",".join(settings["no_proxy"])
        for key in ("ca_file", "chronyc_host", "chronyc_port"):
            if args.get(key):
                module_args[key] = args[key]
        if args.get("ntp_servers"):
            module_args["ntp_servers"] = args["ntp_servers"]
        keystore = self._keystore(settings, task_vars)
        probe_identity = bool(args.get("identity_probe")) and any(
            checks.selected(i, only) for i in ("identity.grant", "identity.virksert")
        )
        opened = {"keystore": keystore}
        identity_plan, grant = self._identity(settings, opened, identity_data, identity_endpoints, probe_identity)
        if grant:
            module_args["identity"] = {
                "token_url": identity_plan["token_url"],
                "registry_url": identity_plan["service_registry_url"],
                "org_number": identity_plan["org_number"],
                "grant_type": identity_plan["grant_type"],
                "signed": identity_plan["signed"],
            }
            module_args["identity_grant"] = grant

        gathered = self._execute_module(module_name=GATHER_MODULE, module_args=module_args, task_vars=task_vars)
        if gathered.get("failed"):
            message, exception, fix = gather_failure(gathered)
            if fix:  # name the interpreter that was found, so the fix is obvious
                message = "%s (the host's interpreter: %s)" % (message, self._interpreter(task_vars))
            results = [checks.gather_error_result(message, exception, fix)]
            gathered = {}
        else:
            ctx = {
                "keystore": keystore,
                "identity": identity_plan,
                "identity_probe": gathered.get("identity"),
                "_certificate_inspection": opened.get("_certificate_inspection"),
                "certificate_issuers": self._issuers(task_vars),
                "resources": gathered.get("resources") or {},
                "timesync": gathered.get("timesync") or {},
                "port": gathered.get("port") or {},
                "connectivity": {e.get("name"): e for e in (gathered.get("connectivity") or {}).get("endpoints") or []},
                "ntp_probe": gathered.get("ntp_probe") or {},
                "errors": gathered.get("errors") or {},
                "endpoints": runtime,
                "install_endpoints": install,
                "dropped_endpoints": dropped,
                "settings": settings,
                "thresholds": limits,
            }
            try:
                results = checks.run_checks(ctx, args.get("ignore"), valid, args.get("only"))
            except Exception as exc:  # the judgement itself crashed: this host has no verdict
                results = [
                    checks.gather_error_result(
                        "judging the facts crashed: %s: %s" % (type(exc).__name__, exc), traceback.format_exc()
                    )
                ]
        counts = checks.count(results)
        strict = bool(args.get("strict"))
        install_plan = (
            plan.install_plan(
                settings, gathered["resources"], settings["java_packages"], settings["java_install_method"]
            )
            if gathered.get("resources")
            else None
        )
        result.update(
            changed=False,
            results=results,
            counts=counts,
            failed_ids=checks.failing_ids(results, strict),
            error_ids=sorted({r["id"] for r in results if r["status"] == "error"}),
            strict=strict,
            settings=model.public(settings),
            thresholds=limits,
            plan=install_plan,
            resolver=gathered.get("resolver"),
            # What the identity probe asked for (never the grant or the token).
            # Named so that the reports' secret scrubber (keys like *token*) leaves the URLs readable.
            identity={
                name: identity_plan.get(key)
                for name, key in (
                    ("enabled", "enabled"),
                    ("client_id", "client_id"),
                    ("scopes", "scopes"),
                    ("maskinporten_url", "token_url"),
                    ("audience", "audience"),
                    ("service_registry_url", "service_registry_url"),
                )
                if key in identity_plan
            },
            gather={
                "budget_seconds": gathered.get("budget_seconds"),
                "elapsed_seconds": gathered.get("elapsed_seconds"),
                "python": gathered.get("python"),
                "errors": sorted(gathered.get("errors") or {}),
            },
            generated_at=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        )
        return result
