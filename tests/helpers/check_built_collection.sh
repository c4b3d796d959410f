#!/usr/bin/env bash
# Install the built tarball into an empty collections path and render every module's docs,
# as a user installing the release would.
set -euo pipefail
tarball=$(readlink -f "$1")
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
ansible-galaxy collection install --offline -p "$scratch" "$tarball" >/dev/null
root="$scratch/ansible_collections/eformidling/integrasjonspunkt"
for f in "$root"/plugins/modules/*.py; do
  name=$(basename "$f" .py)
  ANSIBLE_COLLECTIONS_PATH="$scratch" ANSIBLE_CONFIG=/dev/null \
    ansible-doc "eformidling.integrasjonspunkt.$name" > "$scratch/$name.txt"
  grep -q "EXAMPLES" "$scratch/$name.txt" || { echo "ansible-doc $name rendered no EXAMPLES" >&2; exit 1; }
  echo "ansible-doc eformidling.integrasjonspunkt.$name: ok"
done
for forbidden in tests/unit molecule .venv Makefile; do
  if [ -e "$root/$forbidden" ]; then echo "built tarball contains $forbidden" >&2; exit 1; fi
done
echo "built collection installs from $(basename "$tarball") and its docs render"
