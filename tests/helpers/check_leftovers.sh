#!/usr/bin/env bash
# Fail when a test process of this checkout outlived the tests: the install scenario's release
# server (http.server on 18093), test chronyd (-x) and tinyproxy instances, systemd-nspawn hosts,
# the unshare test hosts and the simulated endpoints.
#
# "Of this checkout": the Makefile exports EFORMIDLING_TEST_CHECKOUT=<this checkout> and every
# process the tests start inherits it, so runs of other checkouts on the same machine are not
# reported (the install scenario's destroy also checks its own release server by its directory).
set -uo pipefail
checkout=${EFORMIDLING_TEST_CHECKOUT:-$(cd "$(dirname "$0")/../.." && pwd)}
pattern='http[.]server 18093|(^|/)chronyd .*-x|(^|/)tinyproxy|systemd-nspawn|nshost[.]py _init|simulated_endpoints[.]py'
left=()
while read -r pid args; do
  [[ $args =~ $pattern ]] || continue
  # grep -z reads the NUL-separated environment directly (no pipe that could hide a match).
  if grep -qzxF "EFORMIDLING_TEST_CHECKOUT=$checkout" "/proc/$pid/environ" 2>/dev/null; then
    left+=("$pid $args")
  fi
done < <(ps -eo pid=,args=)
# Files: the integration harness's scratch directory of a process that is gone (tests/integration/harness.py
# names it after this checkout and the pid), and inventories of older harness versions (/tmp/inv-*.json).
tmp=${TMPDIR:-/tmp}
tag=$(printf '%s' "$checkout" | sha1sum | cut -c1-12)
shopt -s nullglob
for dir in "$tmp/eformidling-harness-$tag-"*; do
  kill -0 "${dir##*-}" 2>/dev/null || left+=("file: $dir (scratch directory of a test process that is gone)")
done
for inv in "$tmp"/inv-*.json; do
  left+=("file: $inv (an inventory an older harness left)")
done
if [ ${#left[@]} -gt 0 ]; then
  echo "test processes or files left behind:" >&2
  printf '  %s\n' "${left[@]}" >&2
  exit 1
fi
echo "no test process or file left behind (http.server 18093, chronyd -x, tinyproxy, nspawn, test hosts, harness scratch, /tmp/inv-*.json)"
