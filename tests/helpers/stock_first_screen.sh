#!/usr/bin/env bash
# What an operator sees: build this checkout's collection, install it into an empty path, and run the
# preflight role included in a playbook of their own against this machine, under a stock configuration
# (ANSIBLE_CONFIG an empty file, no other ANSIBLE_* variable). Prints ansible-playbook's output.
#   tests/helpers/stock_first_screen.sh [extra ansible-playbook arguments]
# `make first-screen` writes it to docs/examples/first-screen.txt.
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
bin=${VENV_BIN:-$repo/.venv/bin}
scratch=$(mktemp -d "${TMPDIR:-/tmp}/eformidling-first-screen.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
for v in $(env | grep -o '^ANSIBLE_[A-Z_]*'); do unset "$v"; done
: > "$scratch/empty.cfg"
export ANSIBLE_CONFIG="$scratch/empty.cfg" ANSIBLE_COLLECTIONS_PATH="$scratch/collections"
"$bin/ansible-galaxy" collection build --output-path "$scratch" "$repo" >/dev/null
# --no-deps: no Galaxy offline, and the preflight role calls none of the declared dependencies.
"$bin/ansible-galaxy" collection install --offline --no-deps -p "$scratch/collections" "$scratch"/eformidling-integrasjonspunkt-*.tar.gz >/dev/null
cat > "$scratch/site.yml" <<'YML'
- name: Check the integrasjonspunkt servers
  hosts: integrasjonspunkt
  gather_facts: false
  roles:
    - role: eformidling.integrasjonspunkt.preflight
YML
printf 'integrasjonspunkt:\n  hosts:\n    localhost:\n      ansible_connection: local\n      ansible_python_interpreter: %s\n' \
  "$bin/python" > "$scratch/hosts.yml"
cd "$scratch" && "$bin/ansible-playbook" -i hosts.yml site.yml -e preflight_report_dir="$scratch/reports" "$@"
