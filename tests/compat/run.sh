#!/usr/bin/env bash
# Run the preflight playbook under every ansible-core release that meta/runtime.yml claims
# (requires_ansible), each in its own virtualenv, and check the report it writes.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
versions=${COMPAT_VERSIONS:-"2.16 2.17 2.18 2.19"}
python=${PYTHON:-python3}
for v in $versions; do
  venv="$repo/.build/compat-$v"
  if [ ! -x "$venv/bin/ansible-playbook" ]; then
    "$python" -m venv "$venv"
    "$venv/bin/pip" install -q "ansible-core==$v.*" "ntplib==0.4.0" 2>&1 | grep -v "^WARNING: Location" || true
  fi
  out=$(mktemp -d)
  core=$("$venv/bin/python" -c "from ansible.release import __version__; print(__version__)")
  echo "== ansible-core $core"
  ANSIBLE_CONFIG="$repo/ansible.cfg" ANSIBLE_COLLECTIONS_PATH="$repo/.build/collections" \
    "$venv/bin/ansible-playbook" -i "$repo/inventory/localhost.yml" "$repo/playbooks/preflight.yml" \
    -e "@$repo/tests/compat/vars.yml" -e "preflight_report_dir=$out" > "$out/run.log" 2>&1 \
    || { cat "$out/run.log"; echo "preflight failed under ansible-core $v" >&2; exit 1; }
  "$python" - "$out/preflight.json" "$v" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
results = {r["id"]: r for r in doc["hosts"]["localhost"]["results"]}
expect = {"resources.cpu", "resources.memory", "resources.disk", "inbound.port", "time.offset",
          "time.timezone", "connectivity.eformidling", "connectivity.dpi-orbyt"}
missing = expect - set(results)
assert not missing, "missing checks under %s: %s" % (sys.argv[2], missing)
assert results["connectivity.eformidling"]["status"] == "fail", results["connectivity.eformidling"]
assert results["connectivity.eformidling"]["measured"] == "tcp_refused", results["connectivity.eformidling"]
assert results["resources.cpu"]["status"] == "pass", results["resources.cpu"]
print("   %d checks judged, report ok" % len(results))
PY
  rm -rf "$out"
done
