#!/usr/bin/env bash
# Build the collection's HTML documentation with antsibull-docs and Sphinx, offline.
#   tests/helpers/build_docs.sh DEST      (make docs: DEST=.build/docs; the site is DEST/build/html)
# The installed-collection view comes from ANSIBLE_COLLECTIONS_PATH (the Makefile points it at
# .build/collections, a symlink to this tree). Every module, plugin and role must get a page with
# its options; Sphinx runs with -W (warnings are errors) and fetches nothing: the Ansible docsite
# labels the generated pages use resolve through a local inventory (docs/sphinx/ansible-devel-labels.txt).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
dest=$1
rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
mkdir -m 700 "$dest"   # antsibull-docs wants a directory only its owner can write
antsibull-docs sphinx-init --use-current --squash-hierarchy --fail-on-error --dest-dir "$dest" \
  --project "eformidling.integrasjonspunkt" --copyright "eformidling.integrasjonspunkt maintainers" \
  --title "eformidling.integrasjonspunkt" --html-short-title "eformidling.integrasjonspunkt" \
  eformidling.integrasjonspunkt >/dev/null

python3 - "$repo/docs/sphinx/ansible-devel-labels.txt" "$dest/ansible_devel.inv" <<'PY'
import sys, zlib
lines = []
for raw in open(sys.argv[1]):
    if raw.strip() and not raw.startswith("#"):
        label, page, title = raw.split(None, 2)
        lines.append("%s std:label -1 %s %s\n" % (label, page, title.strip()))
header = "# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n# The remainder of this file is compressed using zlib.\n"
open(sys.argv[2], "wb").write(header.encode() + zlib.compress("".join(lines).encode()))
PY
cat >> "$dest/conf.py" <<'PY'

# Offline (tests/helpers/build_docs.sh): no inventory is downloaded; the Ansible docsite labels come
# from a local inventory, and links still point at docs.ansible.com.
intersphinx_mapping = {
    'ansible_devel': ('https://docs.ansible.com/projects/ansible/devel/', '../ansible_devel.inv'),
}
PY
# The guides (docs/*.md, Markdown read by MyST) join the generated pages: build.sh regenerates rst/, so the copy
# runs inside it, just before Sphinx. Their links to files of the repository have no page in the site.
cat > "$dest/guides.sh" <<SH
#!/usr/bin/env bash
set -euo pipefail
mkdir -p rst/guides
cp "$repo"/docs/*.md rst/guides/
{ printf '\n.. toctree::\n   :caption: Guides\n   :maxdepth: 1\n\n'
  for f in rst/guides/*.md; do printf '   guides/%s\n' "\$(basename "\$f" .md)"; done; } >> rst/index.rst
SH
chmod +x "$dest/guides.sh"
sed -i 's|^sphinx-build |./guides.sh\nsphinx-build |' "$dest/build.sh"
grep -q '^./guides.sh$' "$dest/build.sh" || { echo "docs: build.sh has no sphinx-build line to hook" >&2; exit 1; }
cat >> "$dest/conf.py" <<'PY'

# The guides of docs/ are Markdown (tests/helpers/build_docs.sh): MyST reads them. A guide's link to a file of the
# repository (../README.md, a Makefile) has no page in the site and stays a plain link.
extensions.append('myst_parser')
source_suffix = {'.rst': 'restructuredtext', '.md': 'markdown'}
myst_heading_anchors = 3
suppress_warnings = ['myst.xref_missing']
PY
(cd "$dest" && ./build.sh) > "$dest/build.log" 2>&1 || { cat "$dest/build.log"; echo "docs build failed" >&2; exit 1; }

# Every module, plugin and role has a page, and the page shows its options. A role that declares no option of its
# own (the backup role reads only shared integrasjonspunkt_* variables) links to them on the integrasjonspunkt
# role's page instead.
html="$dest/build/html"
pages=()
for f in "$repo"/plugins/modules/*.py; do pages+=("$(basename "$f" .py)_module"); done
for f in "$repo"/plugins/lookup/*.py; do pages+=("$(basename "$f" .py)_lookup"); done
for d in "$repo"/roles/*/; do pages+=("$(basename "$d")_role"); done
for p in "${pages[@]}"; do
  [ -f "$html/$p.html" ] || { echo "docs: no page $p.html" >&2; exit 1; }
  if [[ $p == *_role ]] && ! python3 -c 'import sys, yaml
specs = yaml.safe_load(open(sys.argv[1]))["argument_specs"]
sys.exit(0 if any((e or {}).get("options") for e in specs.values()) else 1)' "$repo/roles/${p%_role}/meta/argument_specs.yml"; then
    grep -q 'integrasjonspunkt_role.html#[a-z-]*-role-parameter-' "$html/$p.html" \
      || { echo "docs: $p.html declares no options and links to none of the integrasjonspunkt role's" >&2; exit 1; }
  else
    grep -q -- '-parameter-' "$html/$p.html" || { echo "docs: $p.html shows no options" >&2; exit 1; }
  fi
done
guides=0
for f in "$repo"/docs/*.md; do
  p="guides/$(basename "$f" .md).html"
  [ -f "$html/$p" ] || { echo "docs: no page $p for $(basename "$f")" >&2; exit 1; }
  grep -q "$p" "$html/index.html" || { echo "docs: index.html does not link $p" >&2; exit 1; }
  guides=$((guides + 1))
done
echo "docs: ${#pages[@]} pages (modules, lookup, roles) and $guides guides (docs/*.md) in $html/index.html"
