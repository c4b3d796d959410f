#!/usr/bin/env bash
# Cut a release: `make release VERSION=X.Y.Z` (docs/releasing.md). From a clean, linted checkout only:
#  1. refuse a VERSION that is not X.Y.Z (semantic versioning, no leading zeros, no "v"), or not newer
#     than galaxy.yml's version and every release in changelogs/changelog.yaml;
#  2. refuse a tree with uncommitted or untracked changes, and changelog fragments that do not lint;
#  3. add a release_summary fragment unless one exists (SUMMARY="..." or a default); write VERSION into galaxy.yml; antsibull-changelog release (consumes the fragments into
#     changelogs/changelog.yaml and generates CHANGELOG.md);
#  4. commit "Release X.Y.Z" and tag it X.Y.Z (annotated). The Makefile then builds the tarball.
# Nothing is pushed or published: docs/releasing.md says how.
set -euo pipefail
version=${1:-}
cd "$(dirname "$0")/../.."
refuse() { echo "make release: $*; nothing was changed" >&2; exit 2; }

[ -n "$version" ] || refuse "set VERSION, for example make release VERSION=1.0.0"
[[ $version =~ ^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$ ]] ||
  refuse "VERSION=$version is not a release version X.Y.Z (digits, no leading zeros, no 'v', no pre-release)"
current=$(sed -n 's/^version: *//p' galaxy.yml)
python - "$version" "$current" <<'PY' || exit 2
import sys
import yaml

new, current = sys.argv[1], sys.argv[2]
key = lambda v: tuple(int(p) for p in v.split("."))
released = list((yaml.safe_load(open("changelogs/changelog.yaml")) or {}).get("releases") or {})
newest = max([current, *released], key=key)
if key(new) <= key(newest) and not (new == current and current not in released):
    sys.exit("make release: VERSION=%s is not newer than %s (galaxy.yml %s, released %s); nothing was changed"
             % (new, newest, current, ", ".join(sorted(released, key=key)) or "none"))
PY
if [ -n "$(git status --porcelain --untracked-files=normal)" ]; then
  git status --short >&2
  refuse "the checkout has uncommitted or untracked changes (above); commit or remove them first"
fi
antsibull-changelog lint >&2 || refuse "antsibull-changelog lint failed on the fragments (above)"
ls changelogs/fragments/*.yml >/dev/null 2>&1 || refuse "no changelog fragment in changelogs/fragments: nothing to release"

# Every release has a summary: SUMMARY="..." or a release_summary fragment of your own, else a plain one.
if ! grep -qs '^release_summary:' changelogs/fragments/*.yml; then
  summary=${SUMMARY:-"Release $version of eformidling.integrasjonspunkt. Versioning and deprecation policy: docs/releasing.md."}
  python -c 'import sys, yaml; yaml.safe_dump({"release_summary": sys.argv[2]}, open(sys.argv[1], "w"), width=1000)' \
    "changelogs/fragments/$version.yml" "$summary"
fi
sed -i "s/^version: .*/version: $version/" galaxy.yml
grep -qx "version: $version" galaxy.yml || { echo "make release: could not write the version into galaxy.yml" >&2; exit 1; }
antsibull-changelog release --version "$version"
git add -A galaxy.yml changelogs CHANGELOG.md
git commit -q -m "Release $version"
git tag -a "$version" -m "eformidling.integrasjonspunkt $version"
echo "make release: $version committed and tagged; CHANGELOG.md generated"
