#!/usr/bin/env python
"""Judge a galaxy-importer run (`make build`): its log and its importer_result.json.

galaxy-importer exits 0 even when it logs lint findings as WARNING; here any WARNING or ERROR
line fails, and the result must list every module, plugin, role and playbook of the tree.
Usage: check_galaxy_importer.py LOG RESULT_JSON REPO
"""

import json
import pathlib
import sys


def expected_contents(repo):
    """(content_type, name) of everything galaxy-importer should have found in the tree."""
    want = set()
    for kind in ("modules", "action", "lookup", "doc_fragments", "module_utils"):
        content_type = "module" if kind == "modules" else kind
        for f in (repo / "plugins" / kind).glob("*.py"):
            if f.name != "__init__.py":
                want.add((content_type, f.stem))
    want |= {("role", d.name) for d in (repo / "roles").iterdir() if d.is_dir()}
    want |= {("playbook", f.name) for f in (repo / "playbooks").glob("*.yml")}
    return want


def main(log_path, result_path, repo):
    log = pathlib.Path(log_path).read_text()
    problems = [line for line in log.splitlines() if line.startswith(("WARNING:", "ERROR:"))]
    if "Importer processing completed successfully" not in log:
        problems.append("galaxy-importer did not report 'Importer processing completed successfully'")
    result = json.loads(pathlib.Path(result_path).read_text())
    found = {(c["content_type"], c["name"]) for c in result["contents"]}
    missing = expected_contents(pathlib.Path(repo)) - found
    if missing:
        problems.append("galaxy-importer did not find: %s" % sorted(missing))
    if problems:
        print("galaxy-importer:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    print(
        "galaxy-importer: passed, no warnings; %d content items, requires_ansible %s"
        % (len(found), result["requires_ansible"])
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
