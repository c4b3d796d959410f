#!/usr/bin/env bash
# A private Podman engine (Debian's podman, rootful) serving the Docker-compatible API on its own socket, and
# a private image registry, each in the test's own network namespace, leaving nothing behind on destroy.
# The Podman counterpart of docker_engine.sh (which builds the stand-in rootfs both use).
#
#   podman_engine.sh start NAME           create netns eft-NAME (loopback only), start `podman system service`
#                                         in it with its own --root, --runroot, containers.conf (CNI config,
#                                         tmp dir) and registries.conf (the test registry, plain HTTP), on
#                                         unix:///run/eft-NAME.sock; wait until it answers; print that URL
#   podman_engine.sh registry NAME PORT [STORAGE [ro]]
#                                         start docker-registry on 127.0.0.1:PORT inside the netns
#   podman_engine.sh registry-stop NAME   stop that registry
#   podman_engine.sh host NAME            print the socket URL (exit 1 if not running)
#   podman_engine.sh podman NAME ARGS...  run the podman CLI against this engine's storage, in its netns
#   podman_engine.sh python NAME          print the path of a python3 wrapper that runs inside the netns
#   podman_engine.sh destroy NAME         stop containers, service, registry; unmount and remove everything
#
# podman has no daemon: the API service and `podman NAME ...` share the storage under --root; containers
# outlive the service through conmon, so destroy stops them first. The CNI bridge and its NAT rules live in
# the netns only: nothing touches the machine's network or firewall.
#
# Environment: PODMAN_ENGINE_STATE  per-engine state dir (default /var/lib/eformidling-tests/podman)
set -euo pipefail

STATE=${PODMAN_ENGINE_STATE:-/var/lib/eformidling-tests/podman}

die() { echo "podman_engine: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root"

check_name() { [[ ${1:-} =~ ^[a-z0-9][a-z0-9-]{0,15}$ ]] || die "bad engine name '${1:-}' (a-z, 0-9, '-', at most 16)"; }
netns() { echo "eft-$1"; }
sock() { echo "/run/eft-$1.sock"; }
dir() { echo "$STATE/$1"; }

pod() {  # podman with this engine's storage and configuration, inside its netns
  local name=$1 d; shift; d=$(dir "$name")
  CONTAINERS_CONF="$d/containers.conf" CONTAINERS_REGISTRIES_CONF="$d/registries.conf" \
    nsenter --net="/run/netns/$(netns "$name")" podman --root "$d/root" --runroot "$d/run" \
    --cgroup-manager cgroupfs --events-backend file "$@"
}

running_pid() {
  local f; f="$(dir "$1")/service.pid"
  [ -f "$f" ] || return 1
  local p; p=$(cat "$f")
  [ -n "$p" ] && kill -0 "$p" 2>/dev/null && [ "$(cat /proc/"$p"/comm 2>/dev/null)" = podman ] || return 1
  echo "$p"
}

answers() { python3 - "$(sock "$1")" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(2); s.connect(sys.argv[1])
s.sendall(b"GET /_ping HTTP/1.0\r\nHost: d\r\n\r\n")
sys.exit(0 if s.recv(64).split()[1:2] == [b"200"] else 1)
PY
}

cmd_host() { check_name "$1"; running_pid "$1" >/dev/null || die "engine $1 is not running"; echo "unix://$(sock "$1")"; }

cmd_start() {
  local name=${1:-}; check_name "$name"
  command -v podman >/dev/null || die "podman missing: apt-get install podman (make system-deps)"
  if running_pid "$name" >/dev/null; then echo "unix://$(sock "$name")"; return; fi
  local ns d port; ns=$(netns "$name"); d=$(dir "$name")
  mkdir -p "$d/root" "$d/run" "$d/tmp" "$d/cni"; chmod 0711 "$d"
  ip netns list | grep -qx "$ns\( .*\)\?" || ip netns add "$ns"
  ip netns exec "$ns" ip link set lo up
  # Podman's default nofile/nproc limits (1048576; 4194304) are above the hard limits of some CI sandboxes,
  # where the runtime then fails with "setrlimit RLIMIT_NOFILE/RLIMIT_NPROC: Operation not permitted":
  # containers get this shell's hard limits instead, nproc at most the kernel's pid_max (podman lowers its
  # own RLIMIT_NPROC to that, and a container may not ask for more than its engine has).
  local nofile nproc pid_max; nofile=$(ulimit -Hn); nproc=$(ulimit -Hu); pid_max=$(cat /proc/sys/kernel/pid_max)
  [ "$nofile" = unlimited ] && nofile=1048576
  [ "$nproc" = unlimited ] && nproc=4194304
  [ "$nproc" -gt "$pid_max" ] && nproc=$pid_max
  cat >"$d/containers.conf" <<C
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
[engine]
# runc, not Debian 12's default crun 1.8: crun refuses the hybrid cgroup layout of these machines ("cgroups in
# hybrid mode not supported").
runtime = "runc"
tmp_dir = "$d/tmp"
cgroup_manager = "cgroupfs"
events_logger = "file"
[network]
network_config_dir = "$d/cni"
C
  : >"$d/registries.conf"
  for port in ${PODMAN_ENGINE_INSECURE_PORTS:-15094}; do
    printf '[[registry]]\nlocation = "127.0.0.1:%s"\ninsecure = true\n' "$port" >>"$d/registries.conf"
  done
  rm -f "$(sock "$name")"
  CONTAINERS_CONF="$d/containers.conf" CONTAINERS_REGISTRIES_CONF="$d/registries.conf" \
    setsid nsenter --net="/run/netns/$ns" podman --root "$d/root" --runroot "$d/run" \
    --cgroup-manager cgroupfs --events-backend file --log-level=warn \
    system service --time=0 "unix://$(sock "$name")" </dev/null >"$d/service.log" 2>&1 &
  echo $! >"$d/service.pid"
  for _ in $(seq 1 60); do
    if answers "$name" 2>/dev/null; then echo "unix://$(sock "$name")"; return 0; fi
    sleep 0.5
  done
  cat "$d/service.log" >&2
  die "podman service $name did not answer within 30 s (log above)"
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
  cat >"$d/registry.yml" <<R
version: 0.1
log: {level: warn, accesslog: {disabled: true}}
storage:
  filesystem: {rootdirectory: $storage}
  maintenance: {uploadpurging: {enabled: false}, readonly: {enabled: $readonly}}
http: {addr: 127.0.0.1:$port}
R
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
  if [ -d "$d/root" ]; then
    pod "$name" rm --all --force --time 10 >/dev/null 2>&1 || true
    pod "$name" network prune --force >/dev/null 2>&1 || true
  fi
  if p=$(running_pid "$name"); then
    kill -TERM "$p"
    for _ in $(seq 1 40); do kill -0 "$p" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$p" 2>/dev/null && kill -KILL "$p"
  fi
  # conmon of a container the rm missed: only those of this engine (their command line names its root).
  for p in $(pgrep -x conmon || true); do
    if tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q -- "$d/"; then kill -KILL "$p" 2>/dev/null || true; fi
  done
  local m
  awk -v a="$d/" 'index($2, a) == 1 {print $2}' /proc/self/mounts \
    | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  rm -rf "${d:?}" "$(sock "$name")"
  if ip netns list | grep -q "^$ns\b"; then ip netns delete "$ns"; fi
  rmdir --ignore-fail-on-non-empty "$STATE" 2>/dev/null || true
}

sub=${1:-}; shift || true
case "$sub" in
  start) cmd_start "$@" ;;
  registry) cmd_registry "$@" ;;
  registry-stop) cmd_registry_stop "$@" ;;
  host) cmd_host "$@" ;;
  podman) n=${1:-}; check_name "$n"; shift; pod "$n" "$@" ;;
  python) cmd_python "$@" ;;
  destroy) cmd_destroy "$@" ;;
  *) sed -n '2,22p' "$0" >&2; exit 2 ;;
esac
