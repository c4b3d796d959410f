#!/usr/bin/env python
"""The mutation score per file and overall, from `mutmut results --all true`; fails below the minimum.

Usage: mutation_score.py RESULTS... [MINIMUM_PERCENT]

With several RESULTS files (a run, then a run of only its survivors against the new tests), a later file can
only kill a mutant an earlier one left alive: its other verdicts (like "no tests" when it ran fewer tests)
replace nothing but "not checked".

A mutant counts as killed when a test failed ("killed") or it hung past mutmut's timeout ("timeout"). Every
other outcome counts against the score: "survived", "no tests" (no unit test runs that function), "suspicious"
(slower than expected but passed), "segfault". Mutants mutmut itself skipped ("skipped") and those a sampled
run did not draw ("not checked") are left out; the "of" column says how many each file has.
"""

import collections
import re
import sys

KILLED = {"killed", "timeout"}
# "not checked": outside the sample of a sampled run (MUTATION_SAMPLE), or the run was cut short.
LEFT_OUT = {"skipped", "not checked"}
LINE = re.compile(r"^\s*(?P<key>\S+\.x\S*__mutmut_\d+): (?P<status>.+?)\s*$")
PREFIX = "ansible_collections.eformidling.integrasjonspunkt."


def module_of(key):
    """The dotted module of a mutant key (the part before the x_function / xǁClassǁmethod name)."""
    parts = key.split(".")
    for i in range(len(parts) - 1, -1, -1):
        if parts[i].startswith(("x_", "xǁ")):
            return ".".join(parts[:i])
    return key.rsplit(".", 1)[0]


def parse(text):
    """[(key, status)] of every mutant line."""
    return [(m["key"], m["status"]) for m in map(LINE.match, text.splitlines()) if m]


def score(rows):
    """{module: Counter(status)} and the overall Counter."""
    per = collections.defaultdict(collections.Counter)
    for key, status in rows:
        per[module_of(key)][status] += 1
    total = collections.Counter()
    for counts in per.values():
        total.update(counts)
    return per, total


def percent(counts):
    tested = sum(n for status, n in counts.items() if status not in LEFT_OUT)
    killed = sum(counts[s] for s in KILLED)
    return (100.0 * killed / tested if tested else 0.0), killed, tested


def report(rows):
    per, total = score(rows)
    lines = ["%-44s %9s %5s %7s  %s" % ("file", "killed", "of", "score", "other outcomes")]
    for module in sorted(per):
        pct, killed, tested = percent(per[module])
        other = ", ".join("%s %d" % (s, n) for s, n in sorted(per[module].items()) if s not in KILLED | LEFT_OUT)
        name = module[len(PREFIX) :] if module.startswith(PREFIX) else module
        row = (name.replace(".", "/") + ".py", killed, tested, sum(per[module].values()), pct, other)
        lines.append("%-44s %4d/%-4d %5d %6.1f%%  %s" % row)
    pct, killed, tested = percent(total)
    lines.append("%-44s %4d/%-4d %5d %6.1f%%" % ("overall", killed, tested, sum(total.values()), pct))
    survivors = [key for key, status in rows if status not in KILLED | LEFT_OUT]
    if survivors:
        lines.append("not killed (mutmut show NAME, in .build/mutation):")
        lines += ["  %s: %s" % (key[len(PREFIX) :], status) for key, status in rows if key in set(survivors)]
    return "\n".join(lines), pct


def merge(runs):
    """[(key, status)] in first-seen order; a later run's kill wins, its other verdicts only fill gaps."""
    verdicts = {}
    for rows in runs:
        for key, status in rows:
            if verdicts.get(key, "not checked") == "not checked" or status in KILLED:
                verdicts[key] = status
    return list(verdicts.items())


def main(argv):
    args = argv[1:]
    minimum = float(args.pop()) if args and args[-1].replace(".", "", 1).isdigit() else 90.0
    runs = []
    for path in args:
        with open(path, encoding="utf-8") as fh:
            runs.append(parse(fh.read()))
    rows = merge(runs)
    if not rows:
        print("no mutants in %s: did mutmut run?" % " ".join(args), file=sys.stderr)
        return 1
    text, pct = report(rows)
    print(text)
    if pct < minimum:
        print("mutation score %.1f%% is below the minimum %.0f%%" % (pct, minimum), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
