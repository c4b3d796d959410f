#!/usr/bin/env bash
# Run ansible-test from the collection tree without network access to ansible-test's
# pip bootstrap host. ansible-test runs its get-pip script (as __main__) inside each fresh
# sanity venv; we place a stand-in that bootstraps pip with ensurepip and then installs
# the requested packages from the normal package index.
#
# ansible-test finds that script, and keeps its sanity virtualenvs, under ~/.ansible/test/
# (os.path.expanduser). This wrapper gives ansible-test a HOME of its own under .build/, so the
# stand-in never lands in the user's ~/.ansible/test/cache, where it would change every other
# ansible-test run of that user. pip keeps the user's configuration and download cache.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
# ansible-test resolves the real working directory, so it needs a real
# ansible_collections/<ns>/<name> directory: copy the files git knows about (tracked and
# untracked-but-not-ignored) into a scratch tree. That keeps .venv and .build out of it.
# (Outside the repository: ansible-test skips every target under a hidden directory such as .build.)
scratch=$(mktemp -d "${TMPDIR:-/tmp}/eformidling-ansible-test.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
coll="$scratch/ansible_collections/eformidling/integrasjonspunkt"
mkdir -p "$coll"
(cd "$repo" && git ls-files -z --cached --others --exclude-standard | xargs -0 -I{} sh -c 'test -e "{}" && echo "{}"' ) \
  | rsync -a --files-from=- "$repo/" "$coll/"

export XDG_CONFIG_HOME="${XDG_CONFIG_HOME:-$HOME/.config}"   # pip's user configuration (index, CA)
export PIP_CACHE_DIR="${PIP_CACHE_DIR:-$HOME/.cache/pip}"
export HOME="$repo/.build/ansible-test-home"
cache="$HOME/.ansible/test/cache"
mkdir -p "$cache"
stand_in=$(cat <<'PY'
"""Offline stand-in for ansible-test's get-pip bootstrap script (written by ansible_test_offline.sh)."""
import ensurepip
import os
import subprocess
import sys

# ensurepip points PIP_CONFIG_FILE at /dev/null, which would lose the machine's index/CA settings.
os.environ.pop("PIP_CONFIG_FILE", None)
ensurepip.bootstrap(upgrade=True)
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
env = dict(os.environ)
env.pop("PIP_CONFIG_FILE", None)
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install"] + args, env=env))
PY
)
# One stand-in for every pip version ansible-test may ask for.
for v in 23_1_2 24_0 24_2 24_3_1 25_0_1 25_1_1 25_2 25_3; do
  printf '%s\n' "$stand_in" > "$cache/get_pip_${v}.py"
done
cd "$coll"
# The test results land in the scratch tree; keep them in the tree (tests/output, git-ignored).
rc=0
ansible-test "$@" --color no || rc=$?
if [ -d tests/output ]; then
  rm -rf "$repo/tests/output" && cp -a tests/output "$repo/tests/output"
fi
exit $rc
