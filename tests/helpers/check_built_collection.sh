#!/usr/bin/env bash
# Install the built tarball into an empty collections path and render every module's docs,
# as a user installing the release would.
set -euo pipefail
tarball=$(readlink -f "$1")
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
printf '[defaults]\n' > "$scratch/none.cfg"
export ANSIBLE_CONFIG="$scratch/none.cfg" ANSIBLE_COLLECTIONS_PATH="$scratch"
# --no-deps: the docs render without the community collections (check_core_only_install.py installs them).
ansible-galaxy collection install --offline --no-deps -p "$scratch" "$tarball" >/dev/null
root="$scratch/ansible_collections/eformidling/integrasjonspunkt"
grep -q "GNU GENERAL PUBLIC LICENSE" "$root/LICENSE" || { echo "built tarball lacks LICENSE (GPL-3.0)" >&2; exit 1; }
# A released version (in changelogs/changelog.yaml) ships its generated CHANGELOG.md, with its section.
version=$(python -c 'import json, sys; print(json.load(open(sys.argv[1]))["collection_info"]["version"])' "$root/MANIFEST.json")
if python -c 'import sys, yaml; sys.exit(sys.argv[2] not in (yaml.safe_load(open(sys.argv[1])).get("releases") or {}))' \
    "$root/changelogs/changelog.yaml" "$version"; then
  # grep without -q reads to the end: with -q it may exit first and tr die of SIGPIPE, failing the pipe (pipefail),
  # as it did once the CHANGELOG outgrew the 64 KiB pipe buffer.
  tr -d '\134' < "$root/CHANGELOG.md" | grep -x "## v$version" >/dev/null || { echo "released $version, but its CHANGELOG.md has no v$version" >&2; exit 1; }
fi
[ -d "$root/plugins/modules" ] || { echo "no plugins/modules in $tarball" >&2; exit 1; }
for f in "$root"/plugins/modules/*.py; do
  name=$(basename "$f" .py)
  ansible-doc "eformidling.integrasjonspunkt.$name" > "$scratch/$name.txt"
  grep -q "EXAMPLES" "$scratch/$name.txt" || { echo "ansible-doc $name rendered no EXAMPLES" >&2; exit 1; }
  echo "ansible-doc eformidling.integrasjonspunkt.$name: ok"
done
ansible-doc -t lookup eformidling.integrasjonspunkt.endpoints > /dev/null
echo "ansible-doc -t lookup eformidling.integrasjonspunkt.endpoints: ok"
for f in inbound_source_problems inbound_networks chrony_source_problems chrony_source_lines gpg_signature_problem; do
  ansible-doc -t filter "eformidling.integrasjonspunkt.$f" > /dev/null
  echo "ansible-doc -t filter eformidling.integrasjonspunkt.$f: ok"
done
for role in preflight prepare integrasjonspunkt; do
  ansible-doc -t role "eformidling.integrasjonspunkt.$role" > /dev/null
  echo "ansible-doc -t role eformidling.integrasjonspunkt.$role: ok"
done
for forbidden in tests/unit tests/integration extensions/molecule molecule .venv .build Makefile preflight-reports prepare-reports .hypothesis; do
  if [ -e "$root/$forbidden" ]; then echo "built tarball contains $forbidden" >&2; exit 1; fi
done
echo "built collection installs from $(basename "$tarball") and its docs render"
