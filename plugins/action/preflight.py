# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The preflight engine: one task per host.

Normalise the shared settings, select the endpoints, make ONE target-side call that gathers every
fact within one time budget, then judge on the controller. The result is returned (and registered
by the role), never stored as a fact, so a fact cache can never serve a previous run's verdict.
"""

import contextlib
import datetime
import os
import shlex
import traceback

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import (
    catalogue,
    certificate_checks,
    certificates,
    checks,
    identity,
    input_checks,
    install_source,
    lifecycle_checks,
    management,
    plan,
    settings_source,
    thresholds,
)
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import (
    settings as model,
)

GATHER_MODULE = "eformidling.integrasjonspunkt.preflight_gather"
INTERPRETER_FIX = (
    "Point ansible_python_interpreter for this host at a Python 3.8+ interpreter (3.9+ when the controller runs "
    "ansible-core 2.20 or newer; for example /usr/bin/python3.11 on RHEL 8), or install one."
)


_plain = settings_source.plain


def _accepted(found, variable):
    """The raw value of `variable`, or None when the settings model refused it (config.inputs reports it)."""
    if any(p.get("variable") == variable and p.get("severity") == "fail" for p in found["problems"]):
        return None
    return found["raw"].get(variable)


def select_endpoints(settings, overrides, check_install, download_base_url=None, image=None):
    """(runtime, install, dropped, names) for this host's environment, services and version.

    The install entries probe where the install fetches from: a mirror (download_base_url) or another
    registry (image) replaces the catalogue's GitHub or ghcr.io entries (install_source).
    """
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
    if check_install:
        install = install_source.replace_sources(install, settings, download_base_url, image)
    every = {"environment": settings["environment"], "overrides": overrides or None, "include_dropped": True}
    names = {
        "runtime": [e["name"] for e in catalogue.endpoints_for(entries, phase="runtime", **every)],
        "install": [e["name"] for e in catalogue.endpoints_for(entries, phase="install", **every)]
        + list(install_source.NAMES),
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
        for marker in (
            "requires a minimum of Python",
            "Ansible requires Python",  # ansible-core 2.20+ refusing an older target Python itself
            "SyntaxError",
            "No start of json char found",
            "interpreter",
        )
    )
    detail = msg
    if stderr.strip():
        detail += ": " + stderr.strip().splitlines()[-1][:500]
    return detail, captured_tb, INTERPRETER_FIX if old_python else None


def probed_endpoints(runtime, install, only):
    """(runtime, install) cut to the endpoints whose checks are judged: with `only`, just those are probed."""
    runtime = [e for e in runtime if checks.selected("connectivity.%s" % e.get("name"), only)]
    install = [e for e in install if checks.selected("install.%s" % e.get("name"), only)]
    return runtime, install


def gather_args(settings, args, endpoints, timeout, only):
    """The gather module's arguments (everything but the identity probe's): pure."""
    directories = settings["directories"]
    # With `only` and no time or NTP check among the selected ones, the NTP host is not probed either.
    probe_ntp = any(checks.selected(i, only) for i in ("connectivity.ntp", "time.offset", "time.probe"))
    module_args = {
        "endpoints": endpoints,
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
        # The user the install role runs the service as (java mode): directories.writable judges its access.
        "service_user": settings.get("service_user") or "",
    }
    if checks.selected("security.actuator", only) and settings.get("management"):
        # Asked only where the role's integrasjonspunkt holds the port (security.actuator; i22-actuator).
        module_args["actuator_targets"] = management.probe_targets(settings)
    if settings["run_mode"] == "docker":  # the container whose processes may hold the port (inbound.port)
        module_args["container_name"] = settings["container_name"]
    if settings["proxy"]:
        module_args["proxy"] = settings["proxy"]["url"]
        module_args["no_proxy"] = ",".join(settings["no_proxy"])
    for key in ("ca_file", "chronyc_host", "chronyc_port"):
        if args.get(key):
            module_args[key] = args[key]
    if args.get("ntp_servers"):
        module_args["ntp_servers"] = args["ntp_servers"]
    return module_args


def identity_args(identity_plan, grant):
    """The identity probe's module arguments: none without a grant (the probe does not run)."""
    if not grant:
        return {}
    return {
        "identity": {
            "token_url": identity_plan["token_url"],
            "registry_url": identity_plan["service_registry_url"],
            "org_number": identity_plan["org_number"],
            "grant_type": identity_plan["grant_type"],
            "signed": identity_plan["signed"],
        },
        "identity_grant": grant,
    }


def judge(ctx, args, valid):
    """The check results from the facts. Fail closed: when the judgement itself crashes, this host has no
    verdict (one `error` result with the traceback), never a partial list."""
    try:
        return checks.run_checks(ctx, args.get("ignore"), valid, args.get("only"))
    except Exception as exc:  # the judgement itself crashed: this host has no verdict
        return [
            checks.gather_error_result(
                "judging the facts crashed: %s: %s" % (type(exc).__name__, exc), traceback.format_exc()
            )
        ]


def shape_result(results, gathered, settings, limits, identity_plan, strict):
    """The task's result (pure): the verdicts, their counts, the install plan and what the call asked for."""
    counts = checks.count(results)
    install_plan = (
        plan.install_plan(settings, gathered["resources"], settings["java_packages"], settings["java_install_method"])
        if gathered.get("resources")
        else None
    )
    return {
        "changed": False,
        "results": results,
        "counts": counts,
        "failed_ids": checks.failing_ids(results, strict),
        "error_ids": sorted({r["id"] for r in results if r["status"] == "error"}),
        "strict": strict,
        "settings": model.public(settings),
        "thresholds": limits,
        "plan": install_plan,
        "resolver": gathered.get("resolver"),
        # What the identity probe asked for (never the grant or the token).
        # Named so that the reports' secret scrubber (keys like *token*) leaves the URLs readable.
        "identity": {
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
        "gather": {
            "budget_seconds": gathered.get("budget_seconds"),
            "elapsed_seconds": gathered.get("elapsed_seconds"),
            "python": gathered.get("python"),
            "errors": sorted(gathered.get("errors") or {}),
        },
        "generated_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


VERSION_CODE = "import sys; print('Python %d.%d.%d at %s' % (sys.version_info[:3] + (sys.executable,)))"


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(
        (
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

    def _keystore(self, settings, inputs, task_vars):
        """ctx["keystore"]: the keystore the install installs, as the settings model read it.

        The password comes from the host's variables (read by settings_source, never a task argument), so it
        appears in no task line, log or report (the certificate checks never print it either).
        """
        found = inputs["keystore"]
        path = found.get("path") or ""
        keystore = {
            "available": False,
            "reason": "no keystore configured",
            "path": path,
            "type": found.get("type") or "PKCS12",
            "data": None,
            "password": str(inputs["raw"].get("integrasjonspunkt_keystore_password") or ""),
            "alias": found.get("alias") or "",
            "org_number": inputs["org_number"],
            "environment": settings["environment"],
        }
        if path:
            self._read_into(keystore, found.get("remote_src"), task_vars)
        return keystore

    def _read_into(self, keystore, remote_src, task_vars):
        """Read keystore["path"] from the host (remote_src) or the controller into keystore["data"]."""
        path = keystore["path"]
        if remote_src:
            data, reason = certificates.read_remote_keystore(self, path, task_vars)
        else:
            data, reason = certificates.read_controller_keystore(os.path.expanduser(path))
        keystore.update(available=data is not None, reason=reason, data=data)

    def _tls_keystore(self, inputs, task_vars):
        """ctx["tls_keystore"]: the TLS keystore of its own (difi.ssl.*), read like the enterprise one.

        Empty integrasjonspunkt_tls_server_names: the inventory host name is the name callers use.
        """
        tls = inputs.get("tls") or {}
        path = tls.get("path") or ""
        names = list(tls.get("server_names") or [])
        names_from = "integrasjonspunkt_tls_server_names"
        if not names:
            names, names_from = [str(task_vars.get("inventory_hostname") or "")], "inventory_hostname"
        keystore = {
            "enabled": bool(tls.get("enabled")),
            "available": False,
            "reason": "no TLS keystore configured",
            "path": path,
            "type": tls.get("type") or "PKCS12",
            "data": None,
            "password": str(inputs["raw"].get("integrasjonspunkt_tls_keystore_password") or ""),
            "alias": tls.get("alias") or "",
            "server_names": [n for n in names if n],
            "names_from": names_from,
        }
        if path and keystore["enabled"]:
            self._read_into(keystore, tls.get("remote_src"), task_vars)
        return keystore

    @staticmethod
    def _issuers(extra, problems):
        """The accepted issuers: the collection's data, plus integrasjonspunkt_keystore_extra_issuers (a file).

        A file that cannot be used is an input problem (config.inputs), as the install's keystore_check refuses it.
        """
        issuers = certificates.load_issuers()
        if not extra:
            return issuers
        try:
            return certificates.merge_issuers(issuers, os.path.expanduser(extra))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            problems.append(
                model.problem(
                    "integrasjonspunkt_keystore_extra_issuers",
                    extra,
                    "a readable YAML file of issuers in the format of data/certificate_issuers.yml (%s)" % exc,
                )
            )
            return issuers

    def _inputs(self, task_vars):
        """The host's settings, judged once by the model: (settings to probe with or None, inputs).

        `inputs` holds every problem of the install's rules (config.inputs), the keystore as the model read it
        and the raw values. The settings are None when the probes cannot run with them.
        """
        raw, unreadable, found = settings_source.read(task_vars, lambda v: _plain(self._templar.template(v)))
        probe_settings, _probe_problems = model.validate(raw, "probe")
        partial, rule_problems = model.evaluate(raw, "preflight")
        problems = unreadable + rule_problems + settings_source.unknown_problems(found)
        if unreadable or any(p["variable"] in model.REMOVED for p in rule_problems):
            probe_settings = None  # an unreadable template or a removed variable: nothing is probed on a guess
        inputs = {
            "problems": problems,
            "raw": raw,
            "keystore": partial.get("keystore") or {},
            "tls": partial.get("tls") or {},
            "org_number": partial.get("org_number") or "",
        }
        return probe_settings, inputs

    def _refused(self, result, problems):
        """The result of a host whose inputs are too broken to probe: one failing config.inputs, no probes."""
        results = [input_checks.result(problems)]
        result.update(
            changed=False,
            results=results,
            counts=checks.count(results),
            failed_ids=checks.failing_ids(results),
            error_ids=[],
            strict=bool(self._task.args.get("strict")),
            settings={},
            thresholds=None,
            plan=None,
            resolver=None,
            identity={},
            gather={"budget_seconds": None, "elapsed_seconds": None, "python": None, "errors": []},
            generated_at=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        )
        return result

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

    def _settings_and_keystore(self, args, settings, found, task_vars):
        """The task's own arguments validated, the endpoints selected, and the keystore the install role installs.

        `settings` and `found` come from _inputs(): the host's settings as the model judged them.
        """
        # The preflight role's own arguments: a bad one stops the task before anything is sent to the host.
        try:
            settings["retained_messages"] = int(args.get("retained_messages") or 0)
            settings["java_packages"] = args.get("java_packages") or plan.JAVA_DISTRIBUTION_PACKAGES
            limits = thresholds.merged(args.get("thresholds"))
            runtime, install, dropped, names = select_endpoints(
                settings,
                args.get("endpoint_overrides"),
                args.get("check_install_endpoints", True),
                # Where the install fetches from, as the settings model read it; a value the model refused is
                # config.inputs' failure already, so the catalogue's sources are probed instead of crashing on it.
                download_base_url=_accepted(found, install_source.BASE_URL_VAR),
                image=_accepted(found, install_source.IMAGE_VAR),
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
        keystore = self._keystore(settings, found, task_vars)
        issuers = self._issuers(found["keystore"].get("extra_issuers"), found["problems"])
        return {
            "settings": settings,
            "limits": limits,
            "runtime": runtime,
            "install": install,
            "dropped": dropped,
            "valid": valid,
            "identity_data": identity_data,
            "identity_endpoints": identity_endpoints,
            "timeout": timeout,
            "keystore": keystore,
            "tls_keystore": self._tls_keystore(found, task_vars),
            "issuers": issuers,
            "problems": found["problems"],
        }

    def _prepare_identity(self, args, only, inputs):
        """(identity plan, signed grant or None, the opened keystore cache) for the identity probe."""
        probe_identity = bool(args.get("identity_probe")) and any(
            checks.selected(i, only) for i in ("identity.grant", "identity.virksert")
        )
        opened = {"keystore": inputs["keystore"]}
        identity_plan, grant = self._identity(
            inputs["settings"], opened, inputs["identity_data"], inputs["identity_endpoints"], probe_identity
        )
        return identity_plan, grant, opened

    def _gather(self, module_args, task_vars):
        """(the gather module's answer, None), or ({}, [the one `error` result]) when the call failed as a whole."""
        gathered = self._execute_module(module_name=GATHER_MODULE, module_args=module_args, task_vars=task_vars)
        if gathered.get("failed"):
            message, exception, fix = gather_failure(gathered)
            if fix:  # name the interpreter that was found, so the fix is obvious
                message = "%s (the host's interpreter: %s)" % (message, self._interpreter(task_vars))
            return {}, [checks.gather_error_result(message, exception, fix)]
        return gathered, None

    def _judgement_context(self, gathered, inputs, probed, identity_plan, opened, task_vars):
        """ctx of checks.run_checks: the gathered facts with the settings, the keystore and the endpoints."""
        runtime, install = probed
        return {
            "keystore": inputs["keystore"],
            "tls_keystore": inputs["tls_keystore"],
            "identity": identity_plan,
            "identity_probe": gathered.get("identity"),
            "_certificate_inspection": opened.get("_certificate_inspection"),
            "certificate_issuers": inputs["issuers"],
            "input_problems": inputs["problems"],
            "resources": gathered.get("resources") or {},
            "timesync": gathered.get("timesync") or {},
            "port": gathered.get("port") or {},
            "directories": gathered.get("directories"),
            "actuator": gathered.get("actuator"),
            "lifecycle": gathered.get("lifecycle"),
            "connectivity": {e.get("name"): e for e in (gathered.get("connectivity") or {}).get("endpoints") or []},
            "ntp_probe": gathered.get("ntp_probe") or {},
            "errors": gathered.get("errors") or {},
            "endpoints": runtime,
            "install_endpoints": install,
            "dropped_endpoints": inputs["dropped"],
            "settings": inputs["settings"],
            "thresholds": inputs["limits"],
        }

    def _role_variables_refused(self, task_vars):
        """The preflight role's own variables checked against its argument spec (entry point `checks`).

        The check Ansible adds as a task of its own when a role is imported (one more task per host); the
        bundled playbook imports with `rolespec_validate: false` and this step checks the same spec with
        Ansible's validator. Returns the error text, or None.
        """
        options = settings_source.role_options("preflight", "checks")
        given = {name: task_vars[name] for name in options if name in (task_vars or {})}
        outcome = ArgumentSpecValidator(options).validate(
            _plain(self._templar.template(given)), validate_role_argument_spec=True
        )
        if not outcome.error_messages:
            return None
        return "Validation of the preflight role's variables failed:\n%s" % "\n".join(outcome.error_messages)

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        refused = self._role_variables_refused(task_vars)
        if refused:
            result.update(failed=True, msg=refused)
            return result
        args = _plain(dict(self._task.args))
        # The settings: judged by the model, every problem a config.inputs result; too broken to probe, the
        # host gets that one result and nothing is sent to it.
        settings, found = self._inputs(task_vars)
        if settings is None:
            return self._refused(result, found["problems"])
        inputs = self._settings_and_keystore(args, settings, found, task_vars)
        only = checks.validate_only(args.get("only"), inputs["valid"])
        runtime, install = probed_endpoints(inputs["runtime"], inputs["install"], only)
        module_args = gather_args(inputs["settings"], args, runtime + install, inputs["timeout"], only)
        identity_plan, grant, opened = self._prepare_identity(args, only, inputs)
        module_args.update(identity_args(identity_plan, grant))
        gathered, results = self._gather(module_args, task_vars)
        if results is None:
            ctx = self._judgement_context(gathered, inputs, (runtime, install), identity_plan, opened, task_vars)
            results = judge(ctx, args, inputs["valid"])
        strict = bool(args.get("strict"))
        result.update(shape_result(results, gathered, inputs["settings"], inputs["limits"], identity_plan, strict))
        return result


def _preflight_options():
    return settings_source.role_options("preflight", "checks")


WARMED = (
    catalogue.load,
    identity.load,
    certificates.load_issuers,
    lifecycle_checks.load,
    _preflight_options,
    checks.registry,  # imports the check families on first use: once here rather than in every worker
)


def warm_data_caches(loaders=WARMED):
    """Read the collection's data files in the process that imports this plugin.

    ansible-playbook imports an action plugin before it forks the worker of each host's task, so every
    worker finds the files parsed: once per run instead of once per host. The loaders cache per process,
    read a changed file again and never cache a file that fails; a failure here is left to the task,
    which reads the file again and reports it.
    """
    for load in loaders:
        with contextlib.suppress(Exception):
            load()


warm_data_caches()
