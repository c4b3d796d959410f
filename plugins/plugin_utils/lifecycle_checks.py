# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lifecycle.* checks: dated facts (data/dated_facts.yml) judged per host.

A fact applies to a host by its services, environment, integrasjonspunkt version and run mode. Each applicable fact
is `pass` until `lifecycle_warn_days` (thresholds.py) before its date, `warn` inside that margin and its own `after`
status (fail, warn or info) from the date on. One check per fact family; the worst fact decides, and the message
names every fact that is not `pass`. Dates are compared in Europe/Oslo (the dates are Norwegian service dates).
"""

import copy
import datetime
import os

import yaml  # controller side only
from zoneinfo import ZoneInfo

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import catalogue
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils.check_base import Check, outcome

DATA_FILE = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__)))), "data", "dated_facts.yml"
)
FAMILIES = ("api_end", "min_version", "signing_key")
AFTER = ("fail", "warn", "info")
RANK = {"pass": 0, "info": 1, "warn": 2, "fail": 3}
OSLO = ZoneInfo("Europe/Oslo")


class DatedFactsError(ValueError):
    """The data file is unreadable or a fact is malformed; the message names the fact and the field."""


def validate_fact(fact, index):
    """A normalised copy of one fact (date parsed); DatedFactsError naming the fact and the field."""
    name = fact.get("id") if isinstance(fact, dict) else None
    where = "dated fact %s%s" % (index, " (%s)" % name if name else "")
    if not isinstance(fact, dict):
        raise DatedFactsError("%s: must be a mapping" % where)

    def bad(field, why):
        raise DatedFactsError("%s: field '%s': %s" % (where, field, why))

    for field in ("id", "what", "fix", "source"):
        if not isinstance(fact.get(field), str) or not fact[field].strip():
            bad(field, "must be a non-empty string")
    if fact.get("family") not in FAMILIES:
        bad("family", "must be one of %s" % ", ".join(FAMILIES))
    if fact.get("after") not in AFTER:
        bad("after", "must be one of %s" % ", ".join(AFTER))
    try:
        day = datetime.date.fromisoformat(str(fact.get("date")))
    except ValueError:
        bad("date", "must be YYYY-MM-DD, got %r" % (fact.get("date"),))
    out = dict(fact, date=day, inferred=bool(fact.get("inferred")))
    for field, allowed in (
        ("services", catalogue.SERVICES),
        ("environments", catalogue.ENVIRONMENTS),
        ("run_modes", catalogue.RUN_MODES),
    ):
        value = fact.get(field)
        if value is not None and (not isinstance(value, list) or not value or any(v not in allowed for v in value)):
            bad(field, "must be a non-empty list of %s" % ", ".join(allowed))
    if fact.get("versions") is not None:
        try:
            catalogue.version_in_range("0.0.0", fact["versions"])
        except (catalogue.CatalogueError, TypeError) as exc:
            bad("versions", str(exc))
    return out


_LOADED = {}  # (real path, mtime, size) -> validated facts: read once per process, as the catalogue is


def load(path=None):
    """The validated facts of data/dated_facts.yml (a copy the caller may change); a changed file is read again,
    a malformed or unreadable one is never cached, so it fails every time."""
    path = path or DATA_FILE
    try:
        st = os.stat(path)
        key = (os.path.realpath(path), st.st_mtime_ns, st.st_size)
        if key in _LOADED:
            return copy.deepcopy(_LOADED[key])
        with open(path, encoding="utf-8") as fh:
            raw = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, yaml.YAMLError) as exc:
        raise DatedFactsError("cannot read %s: %s" % (path, exc)) from None
    facts = (raw or {}).get("facts") if isinstance(raw, dict) else None
    if not isinstance(facts, list):
        raise DatedFactsError("%s: 'facts' must be a list" % path)
    validated = [validate_fact(f, i) for i, f in enumerate(facts)]
    _LOADED.clear()
    _LOADED[key] = validated
    return copy.deepcopy(validated)


def applies(fact, settings):
    """Whether a fact concerns this host's settings (services, environment, version, run mode)."""
    if fact.get("services") and not set(fact["services"]) & set(settings.get("services") or []):
        return False
    if fact.get("environments") and settings.get("environment") not in fact["environments"]:
        return False
    if fact.get("run_modes") and settings.get("run_mode", "java") not in fact["run_modes"]:
        return False
    version = settings.get("version")
    # No version known: the fact may concern the host, so it is judged (never silently passed).
    return not (fact.get("versions") and version and not catalogue.version_in_range(str(version), fact["versions"]))


def judge(fact, today, warn_days):
    """(status, days left) of one fact on `today` (a date): pass, warn inside the margin, `after` from the date."""
    left = (fact["date"] - today).days
    if left <= 0:
        return fact["after"], left
    if left <= warn_days:
        return "warn", left
    return "pass", left


def _today(ctx):
    now = ctx.get("now") or datetime.datetime.now(datetime.timezone.utc)
    return now.astimezone(OSLO).date()


def _sentence(fact, status, left):
    when = "in %d days (%s)" % (left, fact["date"]) if left > 0 else "since %s" % fact["date"]
    label = " (inferred)" if fact["inferred"] else ""
    return "%s: %s%s, %s; source: %s" % (fact["id"], " ".join(fact["what"].split()), label, when, fact["source"])


class DatedFactsCheck(Check):
    """Every dated fact of one family that applies to the host, judged against today's date."""

    family = None
    category = "lifecycle"
    doc = "last_ned"

    def evaluate(self, ctx):
        facts = ctx["dated_facts"] if ctx.get("dated_facts") is not None else load()
        settings = ctx["settings"]
        warn_days = float(ctx["thresholds"]["lifecycle_warn_days"])
        today = _today(ctx)
        mine = [f for f in facts if f["family"] == self.family and applies(f, settings)]
        if not mine:
            return outcome("pass", "none", "no dated fact", None, "no dated %s fact applies to this host" % self.family)
        judged = [(f,) + judge(f, today, warn_days) for f in mine]
        worst = max(judged, key=lambda item: RANK[item[1]])
        status = worst[1]
        if status == "pass":
            nearest = min(judged, key=lambda item: item[2])
            return outcome(
                "pass",
                str(nearest[0]["date"]),
                "more than %g days ahead" % warn_days,
                None,
                "; ".join(_sentence(f, s, left) for f, s, left in judged),
            )
        open_ = [item for item in judged if item[1] != "pass"]
        return outcome(
            status,
            str(worst[0]["date"]),
            "before %s" % worst[0]["date"],
            None,
            "; ".join(_sentence(f, s, left) for f, s, left in open_),
            fix=" ".join(" ".join(f["fix"].split()) for f, _s, _l in open_),
        )


class ApiEndCheck(DatedFactsCheck):
    id = "lifecycle.api_end"
    title = "No API the integrasjonspunkt uses here ends soon"
    family = "api_end"


class MinVersionCheck(DatedFactsCheck):
    id = "lifecycle.min_version"
    title = "The integrasjonspunkt version is not below one a dated cut-over requires"
    family = "min_version"


class SigningKeyCheck(DatedFactsCheck):
    id = "lifecycle.signing_key"
    title = "The release signing key has not expired"
    family = "signing_key"


class BlocklistCheck(Check):
    """lifecycle.blocklist: the versions that did not become healthy on this host and were rolled back (the upgrade's
    blocklist, <install_dir>/lifecycle/blocklist.json). integrasjonspunkt_version=latest skips them; a version
    pinned to one of them warns (it failed here before)."""

    id = "lifecycle.blocklist"
    title = "The version to install is not on this host's blocklist"
    category = "lifecycle"
    severity = "warn"
    doc = "installasjon"
    needs = ("lifecycle",)

    def evaluate(self, ctx):
        facts = ctx.get("lifecycle")
        if facts is None:
            return outcome("unknown", message="no verdict: the host's blocklist was not read")
        now = ctx.get("now") or datetime.datetime.now(datetime.timezone.utc)
        active = {}
        for entry in facts.get("entries") or []:
            until = entry.get("until")
            if (
                until is None
                or datetime.datetime.strptime(until, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc) > now
            ):
                active[entry["version"]] = entry
        if not active:
            return outcome("pass", "none", "no blocklisted version", None, "no version is blocklisted on this host")
        listed = "; ".join(
            "%s since %s until %s: %s" % (v, e.get("blocked_at"), e.get("until") or "cleared", e.get("reason"))
            for v, e in sorted(active.items())
        )
        version = str((ctx.get("settings") or {}).get("version") or "")
        fix = "Clear it with integrasjonspunkt_blocklist_clear: [VERSION] once its cause is fixed (docs/upgrades.md)"
        if version in active:
            return self.failed(
                measured=version,
                required="a version not blocklisted",
                message="integrasjonspunkt_version=%s did not become healthy on this host before and was rolled back"
                " (%s)" % (version, listed),
                fix=fix,
            )
        return outcome(
            "info", ", ".join(sorted(active)), "not the version to install", None, "blocklisted: " + listed, fix=fix
        )


LIFECYCLE_CHECKS = (ApiEndCheck, MinVersionCheck, SigningKeyCheck, BlocklistCheck)
