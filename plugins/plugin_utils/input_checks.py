# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""config.inputs: every problem the settings model finds in the host's variables, as one preflight check.

The install refuses exactly the problems of severity fail (the same rules, plugin_utils/settings_rules.py),
so a host whose preflight passes is a host the install accepts. It cannot be waived with preflight_ignore:
a waiver would not make the install accept the value.
"""

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import checks
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import settings as model

INPUTS_ID = "config.inputs"


def _measured(refused, doubtful):
    """A short count with the variables named; the message says each value and what is allowed."""
    parts = []
    for label, items in (("refused", refused), ("doubtful", doubtful)):
        if items:
            parts.append("%d %s: %s" % (len(items), label, ", ".join(sorted({p["variable"] for p in items}))))
    return "; ".join(parts)


def judge(problems):
    """The check's outcome for the model's problems: fail when any is refused, warn when any is doubtful."""
    problems = list(problems or [])
    refused = [p for p in problems if p["severity"] == "fail"]
    doubtful = [p for p in problems if p["severity"] != "fail"]
    if not problems:
        return checks.outcome("pass", "no problems", "valid integrasjonspunkt_* settings", None, "every input is valid")
    shown = refused or doubtful
    names = sorted({p["variable"] for p in shown})
    return checks.outcome(
        "fail" if refused else "warn",
        measured=_measured(refused, doubtful),
        required="values the install accepts (each named in the message)",
        message="; ".join(model.problem_text(p) for p in refused + doubtful),
        fix="Correct %s in the host's variables; the install refuses the same values%s."
        % (", ".join(names), "" if refused else " (warnings only: nothing is refused)"),
    )


class InputsCheck(checks.Check):
    """The host's integrasjonspunkt_*, preflight_* and prepare_* variables, judged by the settings model."""

    id = INPUTS_ID
    title = "The inputs are valid (the install accepts them)"
    category = "config"
    doc = "installasjon"  # the variables are described on the installation page

    def evaluate(self, ctx):
        if "input_problems" not in ctx:  # fail closed: no judgement of the inputs is never a pass
            return checks.error_outcome("no verdict: the inputs were not judged")
        return judge(ctx["input_problems"])


def result(problems):
    """The one result of a host whose inputs are too broken to probe (no other check can be judged)."""
    out = InputsCheck().base()
    out.update(judge(problems))
    return out


INPUT_CHECKS = (InputsCheck,)
