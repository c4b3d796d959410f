#!/usr/bin/env bash
# Booted systemd test hosts with systemd-nspawn, for molecule scenarios and integration tests.
#
#   nspawn_host.sh build                 build (or reuse) the cached Debian base rootfs; print its path
#   nspawn_host.sh start NAME            copy the base to a per-host rootfs, boot it, wait until
#                                        `systemctl is-system-running` is running/degraded; print the
#                                        leader (container PID 1) pid
#   nspawn_host.sh pid NAME              print the leader pid of a running host (exit 1 if not running)
#   nspawn_host.sh exec NAME CMD...      run CMD inside the host (all namespaces)
#   nspawn_host.sh hostvars NAME         print the Ansible host variables (JSON) to reach the host
#   nspawn_host.sh stop NAME             halt cleanly (SIGTERM to systemd-nspawn), wait for it to exit
#   nspawn_host.sh destroy NAME          stop, then delete the per-host rootfs
#
# Ansible reaches a host with ansible_connection=community.docker.nsenter,
# ansible_nsenter_pid=<leader pid>, ansible_python_interpreter=/usr/bin/python3.
#
# Environment:
#   NSPAWN_SUITE     Debian suite of the base (default trixie: it has openjdk-21)
#   NSPAWN_CACHE     cache dir of base rootfs trees (default /var/cache/eformidling-tests)
#   NSPAWN_STATE     per-host rootfs + state (default /var/lib/eformidling-tests/machines)
#   NSPAWN_MIRROR    Debian mirror (default: first URIs: line of /etc/apt/sources.list.d/debian.sources)
#   NSPAWN_INCLUDE   extra packages for the base, comma separated (part of the cache key)
#   NSPAWN_PREFETCH  packages NOT installed but downloaded into the base's apt archive (/var/cache/apt/archives),
#                    space separated (part of the cache key), so a host without network can apt-get install them
#   NSPAWN_PRIVATE_NETWORK  1: boot the host with --private-network (its own network namespace, loopback only,
#                    so firewall rules inside it never touch the machine's; no route to the mirror)
#   NSPAWN_BOOT_TIMEOUT  seconds to wait for boot (default 120)
#
# By default the host shares the machine's network namespace (it reaches 127.0.0.1 of the controller and the
# Debian mirror); it never gets CAP_SYS_TIME (systemd-nspawn drops it), so it cannot step the real clock.
set -euo pipefail

SUITE=${NSPAWN_SUITE:-trixie}
CACHE=${NSPAWN_CACHE:-/var/cache/eformidling-tests}
STATE=${NSPAWN_STATE:-/var/lib/eformidling-tests/machines}
BASE_PKGS="systemd,systemd-sysv,dbus,python3,python3-apt,ca-certificates"
INCLUDE="${BASE_PKGS}${NSPAWN_INCLUDE:+,$NSPAWN_INCLUDE}"
PREFETCH=${NSPAWN_PREFETCH:-}
BOOT_TIMEOUT=${NSPAWN_BOOT_TIMEOUT:-120}

die() { echo "nspawn_host: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root"

mirror() {
  if [ -n "${NSPAWN_MIRROR:-}" ]; then echo "$NSPAWN_MIRROR"; return; fi
  local m
  m=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  echo "${m:-http://deb.debian.org/debian}"
}

base_dir() {
  local key
  # Without NSPAWN_PREFETCH the key is the one earlier versions used, so existing caches stay valid.
  key=$(printf '%s' "$INCLUDE${PREFETCH:+|$PREFETCH}" | sha1sum | cut -c1-8)
  echo "$CACHE/${SUITE}-base-${key}"
}

cmd_build() {
  local base; base=$(base_dir)
  if [ -f "$base/.complete" ]; then echo "$base"; return; fi
  command -v debootstrap >/dev/null || die "debootstrap missing (make system-deps)"
  mkdir -p "$CACHE"
  local tmp="$base.tmp.$$"
  rm -rf "$tmp"
  echo "nspawn_host: debootstrap $SUITE minbase from $(mirror) into $tmp" >&2
  debootstrap --variant=minbase --include="$INCLUDE" "$SUITE" "$tmp" "$(mirror)" >&2 \
    || { rm -rf "$tmp"; die "debootstrap failed"; }
  # Trim what a test host never needs, keep the apt lists (apt-get update runs again anyway).
  rm -rf "$tmp"/var/cache/apt/archives/*.deb "$tmp"/usr/share/doc/* "$tmp"/usr/share/man/*
  if [ -n "$PREFETCH" ]; then
    # shellcheck disable=SC2086  # a space separated package list
    chroot "$tmp" apt-get install -y -qq --download-only --no-install-recommends $PREFETCH >&2 \
      || { rm -rf "$tmp"; die "prefetch of $PREFETCH failed"; }
  fi
  # Boot faster and quieter: no getty on the passive console, no network waits.
  chroot "$tmp" systemctl mask console-getty.service getty@.service systemd-networkd-wait-online.service \
    systemd-timesyncd.service >/dev/null 2>&1 || true
  echo "$SUITE" > "$tmp/etc/hostname"
  : > "$tmp/etc/machine-id"
  touch "$tmp/.complete"
  mv "$tmp" "$base"
  echo "$base"
}

nspawn_pid_file() { echo "$STATE/$1.nspawn.pid"; }

nspawn_pid() {
  local f; f=$(nspawn_pid_file "$1")
  [ -f "$f" ] || return 1
  local p; p=$(cat "$f")
  kill -0 "$p" 2>/dev/null || return 1
  echo "$p"
}

leader_pid() {
  local np; np=$(nspawn_pid "$1") || return 1
  local c
  for c in $(pgrep -P "$np" || true); do
    if [ "$(cat /proc/"$c"/comm 2>/dev/null)" = systemd ]; then echo "$c"; return 0; fi
  done
  return 1
}

cmd_start() {
  local name=${1:?NAME}
  [[ $name =~ ^[a-zA-Z0-9][a-zA-Z0-9-]{0,30}$ ]] || die "bad host name '$name' (letters, digits, '-')"
  if p=$(leader_pid "$name"); then echo "$p"; return; fi
  local base; base=$(cmd_build)
  local root="$STATE/$name"
  mkdir -p "$STATE"
  if [ ! -d "$root" ]; then
    cp -a --reflink=auto "$base" "$root.tmp" && mv "$root.tmp" "$root"
    echo "$name" > "$root/etc/hostname"
    printf '127.0.0.1 localhost\n127.0.1.1 %s\n' "$name" > "$root/etc/hosts"
  fi
  local log="$STATE/$name.log"
  local net=()
  [ "${NSPAWN_PRIVATE_NETWORK:-0}" = 1 ] && net=(--private-network)
  setsid systemd-nspawn --boot --register=no --keep-unit --console=passive "${net[@]}" \
    --resolv-conf=copy-host -D "$root" -M "$name" </dev/null >"$log" 2>&1 &
  echo $! > "$(nspawn_pid_file "$name")"
  local deadline=$((SECONDS + BOOT_TIMEOUT)) lp="" st=""
  while [ $SECONDS -lt $deadline ]; do
    if ! nspawn_pid "$name" >/dev/null; then cat "$log" >&2; die "systemd-nspawn for $name exited"; fi
    if lp=$(leader_pid "$name"); then
      st=$(nsenter -t "$lp" -m -u -i -n -p systemctl is-system-running 2>/dev/null || true)
      case "$st" in running|degraded) echo "$lp"; return 0;; esac
    fi
    sleep 0.5
  done
  die "$name did not finish booting within ${BOOT_TIMEOUT}s (state '${st:-unknown}'); log: $log"
}

cmd_pid() { leader_pid "${1:?NAME}" || die "${1} is not running"; }

cmd_exec() {
  local name=${1:?NAME}; shift
  local lp; lp=$(cmd_pid "$name")
  nsenter -t "$lp" -m -u -i -n -p "$@"
}

cmd_hostvars() {
  local lp; lp=$(cmd_pid "${1:?NAME}")
  printf '{"ansible_connection": "community.docker.nsenter", "ansible_nsenter_pid": %s, "ansible_python_interpreter": "/usr/bin/python3"}\n' "$lp"
}

cmd_stop() {
  local name=${1:?NAME} np
  np=$(nspawn_pid "$name") || { rm -f "$(nspawn_pid_file "$name")"; return 0; }
  kill -TERM "$np"
  local _
  for _ in $(seq 1 120); do kill -0 "$np" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$np" 2>/dev/null; then echo "nspawn_host: $name did not halt in 60s, killing" >&2; kill -KILL "$np"; fi
  rm -f "$(nspawn_pid_file "$name")"
}

cmd_destroy() {
  local name=${1:?NAME}
  cmd_stop "$name"
  [[ $name =~ ^[a-zA-Z0-9][a-zA-Z0-9-]{0,30}$ ]] || die "bad host name '$name'"
  rm -rf "${STATE:?}/$name" "$STATE/$name.log"
}

sub=${1:-}; shift || true
case "$sub" in
  build) cmd_build ;;
  start) cmd_start "$@" ;;
  pid) cmd_pid "$@" ;;
  exec) cmd_exec "$@" ;;
  hostvars) cmd_hostvars "$@" ;;
  stop) cmd_stop "$@" ;;
  destroy) cmd_destroy "$@" ;;
  *) sed -n '2,30p' "$0" >&2; exit 2 ;;
esac
