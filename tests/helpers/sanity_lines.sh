#!/usr/bin/env bash
# ansible-test sanity (every test) under each current ansible-core line, each on its own Python:
# 2.19 on 3.11, 2.20 on 3.12, 2.21 on 3.13 (2.20 and 2.21 need 3.12+). Each line's ansible-core lives in the
# same cached virtualenv tests/compat/run.sh uses (.build/compat/core-<line>-py<python>), so `make compat`
# and `make sanity` build it once. tests/config.yml sets what every line checks (modules.python_requires).
#
#   SANITY_LINES="2.21" tests/helpers/sanity_lines.sh          # a subset
#   SANITY_PYTHON_2_21=/usr/bin/python3.13                      # an interpreter of your own
#   SANITY_ARGS="--test pylint"                                 # passed on to ansible-test sanity
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cache=${COMPAT_CACHE:-$repo/.build/compat}
lines=${SANITY_LINES:-2.19 2.20 2.21}

python_for_line() {
  case $1 in
    2.19) echo 3.11 ;;
    2.20) echo 3.12 ;;
    2.21) echo 3.13 ;;
    *) echo "sanity: no Python is chosen for ansible-core $1 (2.19, 2.20, 2.21)" >&2; return 1 ;;
  esac
}

# A real interpreter of that version, never a pyenv shim (which can point at nothing): fails loudly.
interpreter() {
  local line=$1 want=$2 override found
  override="SANITY_PYTHON_${line//./_}"
  if [ -n "${!override:-}" ]; then echo "${!override}"; return; fi
  for found in /usr/bin/python"$want" "$HOME"/.pyenv/versions/"$want".*/bin/python"$want"; do
    if [ -x "$found" ] && "$found" -c "import sys; sys.exit(sys.version_info[:2] != tuple(map(int, '$want'.split('.'))))"; then
      echo "$found"; return
    fi
  done
  echo "sanity: ansible-core $line needs Python $want and none was found (set $override)" >&2
  return 1
}

failed=''
for line in $lines; do
  want=$(python_for_line "$line")
  py=$(interpreter "$line" "$want")
  venv="$cache/core-$line-py$want"
  if [ ! -f "$venv/.complete" ]; then
    rm -rf "$venv"
    "$py" -m venv "$venv"
    # The same two packages as tests/compat/run.sh installs, so either script may build the cache.
    "$venv/bin/pip" install -q --disable-pip-version-check "ansible-core==$line.*" "ntplib==0.4.0" 2>&1 \
      | { grep -v "^WARNING: Location" || true; }
    touch "$venv/.complete"
  fi
  core=$("$venv/bin/python" -c "from ansible.release import __version__; print(__version__)")
  echo "== ansible-test sanity: ansible-core $core, Python $want"
  t0=$SECONDS
  # The line's venv first on PATH: its ansible-test, and a python$want that is no shim.
  # shellcheck disable=SC2086  # SANITY_ARGS is a list of words
  if PATH="$venv/bin:$PATH" "$repo/tests/helpers/ansible_test_offline.sh" sanity --python "$want" ${SANITY_ARGS:-}; then
    echo "== ansible-core $core: sanity passed ($((SECONDS - t0)) s)"
  else
    echo "== ansible-core $core: sanity FAILED ($((SECONDS - t0)) s)" >&2
    failed="$failed $line"
  fi
done
[ -z "$failed" ] || { echo "sanity: FAILED under ansible-core$failed" >&2; exit 1; }
echo "sanity: ansible-core $lines passed"
