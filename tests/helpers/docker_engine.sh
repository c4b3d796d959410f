#!/usr/bin/env bash
# A private Docker engine (Debian's docker.io) and a private image registry for tests, each in the
# test's own network namespace, leaving nothing behind on destroy.
#
#   docker_engine.sh rootfs               build (or reuse) the cached Debian 13 + Java 21 rootfs
#                                         tarball of the stand-in image; print its path
#   docker_engine.sh start NAME           create netns eft-NAME (loopback only), start dockerd in it
#                                         with its own --data-root, --exec-root, --pidfile and socket;
#                                         wait until it answers; print the DOCKER_HOST value
#   docker_engine.sh registry NAME PORT [STORAGE [ro]]
#                                         start a registry (docker-registry, Distribution 2.x) on
#                                         127.0.0.1:PORT inside the same netns; storage under the
#                                         engine's state dir unless STORAGE is given (`ro`: serve it
#                                         read-only, e.g. a cache); wait until it answers
#   docker_engine.sh registry-stop NAME   stop that registry
#   docker_engine.sh host NAME            print the DOCKER_HOST value (exit 1 if not running)
#   docker_engine.sh python NAME          print the path of a python3 wrapper that runs inside the
#                                         netns (an Ansible interpreter for a "host" in it)
#   docker_engine.sh destroy NAME         stop registry and engine (containers first), unmount and
#                                         remove the data root, exec root, socket and the netns
#
# The engine never touches the machine's firewall or its network: it runs with --iptables=false
# --ip-masq=false --ip-forward=false inside netns eft-NAME, whose only interfaces are its loopback
# and the engine's own bridge; published ports are reachable on that netns's 127.0.0.1 only.
# No registry outside the netns can be reached, so images come from `docker import` of a rootfs.
#
# Environment:
#   DOCKER_ENGINE_STATE   per-engine state dir (default /var/lib/eformidling-tests/docker)
#   DOCKER_ENGINE_CACHE   rootfs cache (default /var/cache/eformidling-tests, shared with nspawn_host.sh)
#   DOCKER_ENGINE_SUITE   Debian suite of the stand-in rootfs (default trixie: it has openjdk-21)
#   DOCKER_ENGINE_MIRROR  Debian mirror (default: first URIs: line of /etc/apt/sources.list.d/debian.sources)
#   DOCKER_ENGINE_USERLAND_PROXY  true (default: docker-proxy listens on published ports) or false: published
#                         ports are NAT rules only, nothing listens on the host (the rules go into the netns's
#                         own iptables, never the machine's)
set -euo pipefail

STATE=${DOCKER_ENGINE_STATE:-/var/lib/eformidling-tests/docker}
CACHE=${DOCKER_ENGINE_CACHE:-/var/cache/eformidling-tests}
SUITE=${DOCKER_ENGINE_SUITE:-trixie}
ROOTFS_PKGS="openjdk-21-jre-headless,ca-certificates"

die() { echo "docker_engine: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root"

check_name() { [[ ${1:-} =~ ^[a-z0-9][a-z0-9-]{0,15}$ ]] || die "bad engine name '${1:-}' (a-z, 0-9, '-', at most 16)"; }
netns() { echo "eft-$1"; }
sock() { echo "/run/eft-$1.sock"; }
exec_root() { echo "/run/eft-$1"; }
pid_file() { echo "/run/eft-$1.pid"; }
dir() { echo "$STATE/$1"; }

mirror() {
  if [ -n "${DOCKER_ENGINE_MIRROR:-}" ]; then echo "$DOCKER_ENGINE_MIRROR"; return; fi
  local m
  m=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  echo "${m:-http://deb.debian.org/debian}"
}

cmd_rootfs() {
  local key tar tmp
  key=$(printf '%s %s' "$SUITE" "$ROOTFS_PKGS" | sha1sum | cut -c1-8)
  tar="$CACHE/standin-image-${SUITE}-jre21-${key}.tar"
  if [ -f "$tar" ]; then echo "$tar"; return; fi
  command -v debootstrap >/dev/null || die "debootstrap missing (make system-deps)"
  mkdir -p "$CACHE"
  tmp="$CACHE/standin-image-${SUITE}.tmp.$$"
  rm -rf "$tmp"
  echo "docker_engine: debootstrap $SUITE minbase + $ROOTFS_PKGS from $(mirror)" >&2
  debootstrap --variant=minbase --include="$ROOTFS_PKGS" "$SUITE" "$tmp" "$(mirror)" >&2 \
    || { rm -rf "$tmp"; die "debootstrap failed"; }
  # An image needs no package caches, docs or apt lists.
  rm -rf "$tmp"/var/cache/apt/archives/*.deb "$tmp"/var/lib/apt/lists/* "$tmp"/usr/share/doc/* \
    "$tmp"/usr/share/man/* "$tmp"/usr/share/locale/*
  tar --numeric-owner -C "$tmp" -cf "$tar.part" . && mv "$tar.part" "$tar"
  rm -rf "$tmp"
  echo "$tar"
}

running_pid() {  # pid of the engine's dockerd, if it runs
  local f; f=$(pid_file "$1")
  [ -f "$f" ] || return 1
  local p; p=$(cat "$f")
  [ -n "$p" ] && kill -0 "$p" 2>/dev/null && [ "$(cat /proc/"$p"/comm 2>/dev/null)" = dockerd ] || return 1
  echo "$p"
}

cmd_host() { check_name "$1"; running_pid "$1" >/dev/null || die "engine $1 is not running"; echo "unix://$(sock "$1")"; }

cmd_start() {
  local name=${1:-}; check_name "$name"
  command -v dockerd >/dev/null || die "dockerd missing: apt-get install docker.io (make system-deps)"
  if running_pid "$name" >/dev/null; then echo "unix://$(sock "$name")"; return; fi
  local ns d; ns=$(netns "$name"); d=$(dir "$name")
  local -a proxy_opts
  case "${DOCKER_ENGINE_USERLAND_PROXY:-true}" in
    true) proxy_opts=(--iptables=false --userland-proxy=true) ;;
    false) proxy_opts=(--iptables=true --userland-proxy=false) ;;  # iptables of the netns only
    *) die "DOCKER_ENGINE_USERLAND_PROXY must be true or false" ;;
  esac
  mkdir -p "$d/data"; chmod 0711 "$d"
  ip netns list | grep -qx "$ns\( .*\)\?" || ip netns add "$ns"
  ip netns exec "$ns" ip link set lo up
  rm -f "$(sock "$name")"
  # nsenter, not `ip netns exec`: that remounts /sys and hides the cgroup mounts from dockerd.
  setsid nsenter --net="/run/netns/$ns" dockerd \
    --host "unix://$(sock "$name")" --data-root "$d/data" --exec-root "$(exec_root "$name")" \
    --pidfile "$(pid_file "$name")" "${proxy_opts[@]}" --ip-masq=false --ip-forward=false \
    --ip6tables=false --log-level=warn --no-new-privileges=false \
    </dev/null >"$d/dockerd.log" 2>&1 &
  local _ DOCKER_HOST
  DOCKER_HOST="unix://$(sock "$name")"
  export DOCKER_HOST
  for _ in $(seq 1 120); do
    if docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then echo "$DOCKER_HOST"; return 0; fi
    sleep 0.5
  done
  cat "$d/dockerd.log" >&2
  die "dockerd $name did not answer within 60 s (log above)"
}

cmd_registry() {
  local name=${1:-} port=${2:-} storage=${3:-} mode=${4:-rw}; check_name "$name"
  [[ $port =~ ^[0-9]+$ ]] || die "registry needs a PORT"
  command -v docker-registry >/dev/null || die "docker-registry missing: apt-get install docker-registry"
  local d; d=$(dir "$name")
  running_pid "$name" >/dev/null || die "start engine $name first"
  storage=${storage:-$d/registry}
  mkdir -p "$storage"
  if [ -f "$d/registry.pid" ] && kill -0 "$(cat "$d/registry.pid")" 2>/dev/null; then die "registry of $name runs already"; fi
  local readonly=false; [ "$mode" = ro ] && readonly=true
  cat >"$d/registry.yml" <<EOF
version: 0.1
log: {level: warn, accesslog: {disabled: true}}
storage:
  filesystem: {rootdirectory: $storage}
  maintenance: {uploadpurging: {enabled: false}, readonly: {enabled: $readonly}}
http: {addr: 127.0.0.1:$port}
EOF
  setsid nsenter --net="/run/netns/$(netns "$name")" docker-registry serve "$d/registry.yml" \
    </dev/null >"$d/registry.log" 2>&1 &
  echo $! >"$d/registry.pid"
  for _ in $(seq 1 60); do
    nsenter --net="/run/netns/$(netns "$name")" python3 -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$port/v2/', timeout=2)" \
      2>/dev/null && return 0
    sleep 0.5
  done
  cat "$d/registry.log" >&2
  die "registry of $name did not answer on 127.0.0.1:$port"
}

cmd_registry_stop() {
  local name=${1:-}; check_name "$name"
  local f p; f="$(dir "$name")/registry.pid"
  [ -f "$f" ] || return 0
  p=$(cat "$f")
  if kill "$p" 2>/dev/null; then
    for _ in $(seq 1 40); do kill -0 "$p" 2>/dev/null || break; sleep 0.25; done
  fi
  rm -f "$f"
}

cmd_python() {
  local name=${1:-}; check_name "$name"
  local d w; d=$(dir "$name"); w="$d/python3-in-netns"
  mkdir -p "$d"
  printf '#!/bin/sh\n# Ansible interpreter for a test host inside netns %s\nexec nsenter --net=/run/netns/%s /usr/bin/python3 "$@"\n' \
    "$(netns "$name")" "$(netns "$name")" >"$w"
  chmod 0755 "$w"
  echo "$w"
}

cmd_destroy() {
  local name=${1:-}; check_name "$name"
  local d p ns; d=$(dir "$name"); ns=$(netns "$name")
  cmd_registry_stop "$name"
  if p=$(running_pid "$name"); then
    # Containers first (dockerd stops them on SIGTERM too, but a stop with a timeout is kinder).
    DOCKER_HOST="unix://$(sock "$name")" docker ps -q 2>/dev/null | xargs -r \
      env DOCKER_HOST="unix://$(sock "$name")" docker stop -t 10 >/dev/null 2>&1 || true
    kill -TERM "$p"
    for _ in $(seq 1 60); do kill -0 "$p" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$p" 2>/dev/null; then echo "docker_engine: dockerd $name did not stop in 30 s, killing" >&2; kill -KILL "$p"; fi
  fi
  # Mounts the engine may leave (overlay layers, shm, netns files), deepest first.
  local m
  awk -v a="$d/" -v b="$(exec_root "$name")/" 'index($2, a) == 1 || index($2, b) == 1 {print $2}' /proc/self/mounts \
    | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  rm -rf "${d:?}" "$(exec_root "$name")" "$(sock "$name")" "$(pid_file "$name")"
  if ip netns list | grep -q "^$ns\b"; then ip netns delete "$ns"; fi
  rmdir --ignore-fail-on-non-empty "$STATE" 2>/dev/null || true
}

sub=${1:-}; shift || true
case "$sub" in
  rootfs) cmd_rootfs ;;
  start) cmd_start "$@" ;;
  registry) cmd_registry "$@" ;;
  registry-stop) cmd_registry_stop "$@" ;;
  host) cmd_host "$@" ;;
  python) cmd_python "$@" ;;
  destroy) cmd_destroy "$@" ;;
  *) sed -n '2,33p' "$0" >&2; exit 2 ;;
esac
