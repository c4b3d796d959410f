#!/usr/bin/env bash
# Run playbooks/preflight.yml under every ansible-core line that meta/runtime.yml claims
# (requires_ansible), each in its own cached virtualenv, and check the reports it writes.
#
# The lines come from requires_ansible itself (">=2.16.0,<2.22.0" -> 2.16 ... 2.21), so the claim
# and what is tested cannot drift apart. 2.16-2.19 run on the machine's Python 3.11, 2.20 on
# Python 3.12 and 2.21 on Python 3.13 (they need 3.12+): from pyenv when present, or set
# COMPAT_PYTHON_<line> (e.g. COMPAT_PYTHON_2_21=/usr/bin/python3.13). A missing interpreter fails.
#
# The check is loose on purpose (the playbook's internals change): the run must succeed, print no
# deprecation warning and no "does not support Ansible version" warning, and write preflight.json
# with a verdict for the host, plus preflight-junit.xml and preflight.md.
#
#   COMPAT_VERSIONS="2.19 2.21" tests/compat/run.sh     # a subset
#   COMPAT_CACHE=DIR                                    # virtualenvs (default .build/compat)
#   COMPAT_JOBS=N                                       # lines at once (default 2)
#   COMPAT_DEPRECATIONS=report                          # list warnings without failing
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cache=${COMPAT_CACHE:-$repo/.build/compat}

# "requires_ansible: '>=2.16.0,<2.22.0'" -> "2.16 2.17 2.18 2.19 2.20 2.21"
claimed=$(python3 - "$repo/meta/runtime.yml" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"""^requires_ansible:\s*["']>=2\.(\d+)\.0,<2\.(\d+)\.0["']\s*$""", text, re.M)
if not m:
    sys.exit("meta/runtime.yml: requires_ansible is not of the form '>=2.X.0,<2.Y.0'")
print(" ".join("2.%d" % n for n in range(int(m.group(1)), int(m.group(2)))))
PY
)
versions=${COMPAT_VERSIONS:-$claimed}
for v in $versions; do
  case " $claimed " in *" $v "*) ;; *) echo "ansible-core $v is outside requires_ansible ($claimed)" >&2; exit 1 ;; esac
done

# The interpreter for one ansible-core line; fails loudly when it is missing.
interpreter_for() {
  local line=$1 override want
  override="COMPAT_PYTHON_${line//./_}"
  if [ -n "${!override:-}" ]; then
    [ -x "${!override}" ] || { echo "$override=${!override} is not an executable interpreter" >&2; return 1; }
    echo "${!override}"; return
  fi
  case $line in
    2.16|2.17|2.18|2.19) want=3.11 ;;
    2.20) want=3.12 ;;
    *) want=3.13 ;;
  esac
  local found
  for found in "${PYTHON:-python3}" /usr/bin/python"$want" "$HOME"/.pyenv/versions/"$want".*/bin/python"$want"; do
    # pyenv shims on PATH can point at nothing: ask the interpreter itself.
    if [ -x "$(command -v "$found" 2>/dev/null)" ] && \
       "$found" -c "import sys; sys.exit(sys.version_info[:2] != tuple(map(int, '$want'.split('.'))))" 2>/dev/null; then
      command -v "$found"; return
    fi
  done
  echo "ansible-core $line needs Python $want and none was found (set $override)" >&2
  return 1
}

# One ansible-core line: (re)use its virtualenv, run the playbook, check the reports.
# Exit 0 ok, 1 failed, 3 only warned (COMPAT_DEPRECATIONS=report). Output goes to stdout.
run_line() {
  local v=$1 py=$2 pyver venv out core t0=$SECONDS rc=0
  pyver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  venv="$cache/core-$v-py$pyver"
  if [ ! -f "$venv/.complete" ]; then
    rm -rf "$venv"
    "$py" -m venv "$venv" || { echo "FAILED: python -m venv $venv"; return 1; }
    "$venv/bin/pip" install -q --disable-pip-version-check "ansible-core==$v.*" "ntplib==0.4.0" 2>&1 \
      | { grep -v "^WARNING: Location" || true; } || { echo "FAILED: pip install ansible-core==$v.*"; return 1; }
    touch "$venv/.complete"
  fi
  out=$(mktemp -d)
  trap 'rm -rf "$out"' RETURN
  core=$("$venv/bin/python" -c "from ansible.release import __version__; print(__version__)")
  ANSIBLE_CONFIG="$repo/ansible.cfg" ANSIBLE_COLLECTIONS_PATH="$repo/.build/collections" \
  ANSIBLE_DEPRECATION_WARNINGS=true ANSIBLE_NOCOLOR=1 \
    "$venv/bin/ansible-playbook" -i "$repo/inventory/localhost.yml" "$repo/playbooks/preflight.yml" \
    -e "@$repo/tests/compat/vars.yml" -e "preflight_report_dir=$out/reports" > "$out/run.log" 2>&1 || rc=$?
  if [ $rc -ne 0 ]; then
    cat "$out/run.log"; echo "FAILED: preflight exited $rc under ansible-core $core (Python $pyver)"; return 1
  fi
  "$venv/bin/python" - "$out/reports" <<'PY' || { echo "FAILED: reports under ansible-core $core (Python $pyver)"; return 1; }
import json, os, sys
import xml.etree.ElementTree as ET
d = sys.argv[1]
for name in ("preflight.json", "preflight-junit.xml", "preflight.md"):
    assert os.path.getsize(os.path.join(d, name)) > 0, "%s is missing or empty" % name
doc = json.load(open(os.path.join(d, "preflight.json")))
rows = {r.get("host"): r for r in doc.get("summary") or []}
assert "localhost" in rows, "no verdict row for localhost in preflight.json: %r" % doc.get("summary")
verdict = rows["localhost"].get("state") or rows["localhost"].get("verdict")
# vars.yml points every endpoint at a closed loopback port: the host cannot pass.
assert verdict in ("failed", "fail"), "localhost verdict %r, expected failed (closed endpoints)" % verdict
cases = list(ET.parse(os.path.join(d, "preflight-junit.xml")).getroot().iter("testcase"))
assert cases, "no testcase in preflight-junit.xml"
print("   localhost: %s; preflight.json, preflight-junit.xml, preflight.md written" % verdict)
PY
  if grep -n -A4 -E "DEPRECATION WARNING|does not support Ansible version" "$out/run.log"; then
    echo "WARNED: ansible-core $core (Python $pyver) warned about the collection (above)"
    return 3
  fi
  echo "== ansible-core $core on Python $pyver: ok ($((SECONDS - t0)) s)"
}

# Interpreters first, so a missing one fails before anything runs.
declare -A interp
for v in $versions; do interp[$v]=$(interpreter_for "$v") || exit 1; done

# The runs mostly wait on probe timeouts: COMPAT_JOBS (default 2) lines run at once.
jobs_max=${COMPAT_JOBS:-2}
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
start=$SECONDS
for v in $versions; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n || true; done
  ( rc=0; run_line "$v" "${interp[$v]}" > "$logs/$v.log" 2>&1 || rc=$?; echo "$rc" > "$logs/$v.rc" ) &
done
wait
failed='' warned=''
for v in $versions; do
  cat "$logs/$v.log"
  case $(cat "$logs/$v.rc") in
    0) ;;
    3) warned="$warned $v" ;;
    *) failed="$failed $v" ;;
  esac
done
[ -z "$failed" ] || { echo "compat: FAILED under ansible-core$failed" >&2; exit 1; }
# COMPAT_DEPRECATIONS=report: warnings are listed but do not fail the run.
if [ -n "$warned" ]; then
  echo "compat: deprecation or support warnings under ansible-core$warned" >&2
  [ "${COMPAT_DEPRECATIONS:-fail}" = report ] || exit 1
fi
echo "compat: ansible-core $versions passed in $((SECONDS - start)) s"
