#!/bin/sh
# Regenerate data/docs_pages.txt: the page source paths of Digdir's docs repository (felleslosninger/docs), with
# the commit they were read at. The link test (tests/unit/plugins/plugin_utils/test_docs_links.py) checks every
# docs.digdir.no link of the collection against this list, so a page deleted upstream fails a test.
#
# Usage: tests/helpers/docs_pages.sh GIT_DIR [REF]     (or: make docs-pages DOCS_GIT=GIT_DIR [DOCS_REF=REF])
#   GIT_DIR  a clone of https://github.com/felleslosninger/docs (its .git directory or work tree) or a bare mirror
#   REF      the published branch, default gh-pages
set -eu
git_dir=${1:?usage: $0 GIT_DIR [REF]}
ref=${2:-gh-pages}
out=$(dirname "$0")/../../data/docs_pages.txt
commit=$(git --git-dir="$git_dir" rev-parse --verify "$ref^{commit}" 2>/dev/null \
  || git -C "$git_dir" rev-parse --verify "$ref^{commit}")
run_git() { git --git-dir="$git_dir" "$@" 2>/dev/null || git -C "$git_dir" "$@"; }
date=$(run_git log -1 --format=%cs "$commit")
tmp=$(mktemp)
{
  echo "# felleslosninger/docs $ref @ $commit ($date): every page source under _docs/ (one path a line)."
  echo "# Regenerate: tests/helpers/docs_pages.sh GIT_DIR [REF]  (make docs-pages DOCS_GIT=GIT_DIR)"
  run_git ls-tree -r --name-only "$commit" -- _docs | grep -E '\.(md|html)$' | LC_ALL=C sort
} >"$tmp"
mv "$tmp" "$out"
echo "wrote $out ($(grep -vc '^#' "$out") pages at $commit)"
