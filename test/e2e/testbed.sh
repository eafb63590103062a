#!/usr/bin/env bash
# The end-to-end test bed: a real Docker engine, a loopback registry, an
# offline busybox base image and the real Docker Compose v2 (the judge),
# all from Debian's archive (nothing can be pulled from the internet).
#
#   testbed.sh up              engine on /var/run/docker.sock, registry on
#                              127.0.0.1:5000, base image, compose binaries
#   testbed.sh env             prints `export ...` lines for the paths (eval it)
#   testbed.sh registry-stop   stops the registry (the "registry down" fault)
#   testbed.sh systemd-root PACKAGE...
#                              prints a Debian 12 root with systemd and the
#                              packages, for systemd-nspawn (cached)
#   testbed.sh engine28 up     Engine 28.5 (API 1.51) on its own socket
#   testbed.sh engine28 down
#   testbed.sh down            stops what `up` started
#
# Idempotent: every step checks first and only acts when needed. Must run as
# root. Paths can be moved with DELIVERYHOOK_TESTBED_STATE / _CACHE.
set -euo pipefail

STATE_DIR=${DELIVERYHOOK_TESTBED_STATE:-/var/lib/deliveryhook-testbed}
CACHE_DIR=${DELIVERYHOOK_TESTBED_CACHE:-/var/cache/deliveryhook-testbed}
APT_DIR=$CACHE_DIR/apt

MAIN_SOCK=/var/run/docker.sock
MAIN_PIDFILE=/var/run/docker.pid
# dockerd's default exec root; its managed containerd lives below it.
MAIN_EXEC_ROOT=/var/run/docker

REGISTRY_ADDR=127.0.0.1:5000
BASE_IMAGE=deliveryhook-test/busybox:latest

# The compose versions the scenarios judge with, and the suite shipping each.
COMPOSE_VERSIONS=(2.40.3 2.26.1)
declare -A COMPOSE_SUITE=([2.40.3]=sid [2.26.1]=trixie)

ENGINE28_VERSION=28.5.2
ENGINE28_SUITE=sid
# Kept short: unix socket paths are limited to ~108 bytes.
ENGINE28_RUN=/run/deliveryhook-engine28
ENGINE28_SOCK=$ENGINE28_RUN/docker.sock
ENGINE28_BRIDGE=dh28br0
# Addresses no default docker pool (172.17-31/16, 192.168/16) hands out, so
# the two engines never pick overlapping subnets.
ENGINE28_BRIDGE_CIDR=10.227.28.1/24
ENGINE28_POOL=10.228.0.0/16

log() { printf 'testbed: %s\n' "$*" >&2; }
die() { printf 'testbed: ERROR: %s\n' "$*" >&2; exit 1; }

need_cmd() {
  command -v "$1" >/dev/null 2>&1 ||
    die "'$1' not found; run scripts/install-deps.sh --with-test-tools"
}

compose_bin() { echo "$CACHE_DIR/compose-$1/usr/libexec/docker/cli-plugins/docker-compose"; }
engine28_root() { echo "$CACHE_DIR/docker.io-$ENGINE28_VERSION"; }

# --- helpers ---------------------------------------------------------------

# True when an engine answers _ping on the given unix socket.
engine_answers() {
  [ -S "$1" ] && curl -fsS --max-time 5 --unix-socket "$1" http://localhost/_ping >/dev/null 2>&1
}

# Alive and not a zombie: a daemon killed after its parent exited may never
# be reaped (PID 1 of a container need not reap), and kill -0 succeeds on it.
pid_alive() {
  [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null || return 1
  [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]
}
pid_from() { if [ -f "$1" ]; then cat "$1"; fi; }

# Waits up to $2 seconds for command "$@"(from $3 on) to succeed.
wait_until() {
  local what=$1 seconds=$2; shift 2
  local i
  for ((i = 0; i < seconds * 4; i++)); do
    "$@" && return 0
    sleep 0.25
  done
  die "timed out after ${seconds}s waiting for $what"
}

# Stops a daemon by pid file: TERM, then KILL after a grace period.
stop_pidfile() {
  local pidfile=$1 name=$2 pid i
  pid=$(pid_from "$pidfile")
  if pid_alive "$pid"; then
    log "stopping $name (pid $pid)"
    kill "$pid"
    for ((i = 0; i < 60; i++)); do pid_alive "$pid" || break; sleep 0.5; done
    pid_alive "$pid" && { log "$name ignores TERM, killing"; kill -9 "$pid"; }
  fi
  rm -f "$pidfile"
}

# Starts "$@" detached in its own session (it outlives this script and the
# test that called it), stdout+stderr appended to $1.
spawn() {
  local logfile=$1; shift
  mkdir -p "$(dirname "$logfile")"
  setsid "$@" >>"$logfile" 2>&1 </dev/null &
}

# --- the main engine -------------------------------------------------------

# Clears what a dead dockerd leaves behind: its pid file (dockerd refuses to
# start while it exists) and the managed containerd's folder (a new dockerd
# waits forever on the dead containerd socket otherwise).
clear_stale_engine() {
  local pidfile=$1 exec_root=$2 pid
  pid=$(pid_from "$pidfile")
  if [ -n "$pid" ] && ! pid_alive "$pid"; then
    log "removing stale pid file $pidfile (pid $pid is gone)"
    rm -f "$pidfile"
  fi
  if [ ! -f "$pidfile" ] && [ -d "$exec_root/containerd" ]; then
    log "removing stale $exec_root/containerd"
    rm -rf "$exec_root/containerd"
  fi
}

main_engine_up() {
  if engine_answers "$MAIN_SOCK"; then
    log "engine answers on $MAIN_SOCK"
    return 0
  fi
  need_cmd dockerd
  local pid
  pid=$(pid_from "$MAIN_PIDFILE")
  if pid_alive "$pid"; then
    # Started by someone else a moment ago (or still starting): wait for it.
    log "dockerd pid $pid is running but not answering yet; waiting"
  else
    clear_stale_engine "$MAIN_PIDFILE" "$MAIN_EXEC_ROOT"
    log "starting dockerd (log: $STATE_DIR/dockerd.log)"
    spawn "$STATE_DIR/dockerd.log" dockerd --host "unix://$MAIN_SOCK" --pidfile "$MAIN_PIDFILE"
  fi
  wait_until "dockerd on $MAIN_SOCK (see $STATE_DIR/dockerd.log)" 90 engine_answers "$MAIN_SOCK"
  log "engine answers on $MAIN_SOCK"
}

main_engine_down() {
  # Only a daemon this script started logs to our state dir; leave others be.
  if [ -f "$STATE_DIR/dockerd.log" ] && [ -f "$MAIN_PIDFILE" ]; then
    stop_pidfile "$MAIN_PIDFILE" dockerd
  fi
}

# --- the registry ----------------------------------------------------------

registry_answers() { curl -fsS --max-time 3 "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1; }

registry_up() {
  if registry_answers; then
    log "registry answers on $REGISTRY_ADDR"
    return 0
  fi
  need_cmd docker-registry
  local dir=$STATE_DIR/registry pid
  mkdir -p "$dir/data"
  # delete.enabled lets scenarios remove their tags again.
  cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDR
EOF
  pid=$(pid_from "$dir/pid")
  if ! pid_alive "$pid"; then
    log "starting docker-registry on $REGISTRY_ADDR (log: $dir/registry.log)"
    spawn "$dir/registry.log" docker-registry serve "$dir/config.yml"
    echo $! >"$dir/pid"
  fi
  wait_until "registry on $REGISTRY_ADDR (see $dir/registry.log)" 30 registry_answers
  log "registry answers on $REGISTRY_ADDR"
}

registry_down() {
  stop_pidfile "$STATE_DIR/registry/pid" docker-registry
  if registry_answers; then
    die "something else still answers on $REGISTRY_ADDR (not started by testbed.sh)"
  fi
}

# --- the base image --------------------------------------------------------

# A root folder with a static busybox and a link per applet, imported as an
# image: the only base image available offline besides debootstrap.
base_image_up() {
  local host=$1
  if DOCKER_HOST=$host docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    log "base image $BASE_IMAGE exists on $host"
    return 0
  fi
  need_cmd busybox
  local busybox root applet
  busybox=$(dpkg -L busybox-static 2>/dev/null | grep -m1 '/bin/busybox$' || true)
  if [ -z "$busybox" ] || [ ! -x "$busybox" ]; then die "busybox-static is not installed"; fi
  root=$(mktemp -d)
  # shellcheck disable=SC2064  # expand now: root is local
  trap "rm -rf '$root'" RETURN
  mkdir -p "$root"/{bin,etc,tmp,root,proc,sys,dev}
  chmod 1777 "$root/tmp"
  cp "$busybox" "$root/bin/busybox"
  for applet in $("$root/bin/busybox" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
  done
  echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
  echo 'root:x:0:' >"$root/etc/group"
  log "importing $BASE_IMAGE into $host"
  tar -C "$root" -c . |
    DOCKER_HOST=$host docker import \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["sh"]' - "$BASE_IMAGE" >/dev/null
}

# --- packages of other Debian suites, unpacked without installing ----------

# The archive address comes from the system's own sources (never hard-coded):
# the first URIs line of debian.sources is the main archive.
debian_archive_uri() {
  local src=/etc/apt/sources.list.d/debian.sources uri
  [ -f "$src" ] || die "$src not found; cannot tell the Debian archive address"
  uri=$(awk '/^URIs:/ {print $2; exit}' "$src")
  [ -n "$uri" ] || die "no URIs: line in $src"
  echo "$uri"
}

# apt with a private configuration so the system's sources, lists and
# preferences stay untouched.
apt_private() {
  local cmd=$1; shift
  "$cmd" -o Dir::Etc::SourceList="$APT_DIR/sources.list" \
    -o Dir::Etc::SourceParts=/dev/null \
    -o Dir::State::Lists="$APT_DIR/lists" \
    -o Dir::Cache="$APT_DIR/cache" \
    -o Dir::Etc::Preferences=/dev/null \
    -o Dir::Etc::PreferencesParts=/dev/null \
    "$@"
}

apt_private_ready=
apt_private_update() {
  [ -n "$apt_private_ready" ] && return 0
  local uri want
  uri=$(debian_archive_uri)
  mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial" "$APT_DIR/debs"
  want="deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri trixie main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri sid main"
  if [ "$(cat "$APT_DIR/sources.list" 2>/dev/null)" != "$want" ]; then
    printf '%s\n' "$want" >"$APT_DIR/sources.list"
  fi
  log "apt-get update (private config in $APT_DIR)"
  apt_private apt-get -qq update || die "apt-get update of the private config failed"
  apt_private_ready=1
}

# The cached .deb of package $1 at upstream version $2, or nothing.
cached_deb() {
  [ -d "$APT_DIR/debs" ] || return 0
  find "$APT_DIR/debs" -maxdepth 1 -name "${1}_${2}[-+]*_amd64.deb" | sort | head -n1
}

# Downloads package $1 at upstream version $2 from suite $3 into the cache
# and unpacks it into $4. Exact version, so a moving suite fails loudly
# instead of silently changing the judge.
unpack_package() {
  local pkg=$1 upstream=$2 suite=$3 dest=$4 version deb
  deb=$(cached_deb "$pkg" "$upstream")
  if [ -z "$deb" ]; then
    apt_private_update
    version=$(apt_private apt-cache madison "$pkg" |
      awk -F' *\\| *' -v s="$suite/" -v u="$upstream" \
        'index($3, s) && index($2, u) == 1 {print $2; exit}')
    [ -n "$version" ] || die "$pkg $upstream not found in $suite (apt-cache madison $pkg)"
    log "downloading $pkg=$version from $suite"
    # Sandbox user root: the _apt user cannot write into a root-only cache.
    (cd "$APT_DIR/debs" && apt_private apt-get -qq -o APT::Sandbox::User=root download "$pkg=$version") ||
      die "download of $pkg=$version failed"
    deb=$(cached_deb "$pkg" "$upstream")
    [ -n "$deb" ] || die "apt-get download left no ${pkg}_${upstream}*.deb in $APT_DIR/debs"
  fi
  log "unpacking $(basename "$deb") into $dest"
  rm -rf "$dest.tmp"
  dpkg -x "$deb" "$dest.tmp"
  rm -rf "$dest"
  mv "$dest.tmp" "$dest"
}

compose_up() {
  local v bin
  for v in "${COMPOSE_VERSIONS[@]}"; do
    bin=$(compose_bin "$v")
    if [ -x "$bin" ] && "$bin" version 2>/dev/null | grep -q "version $v"; then
      log "compose $v at $bin"
      continue
    fi
    unpack_package docker-compose "$v" "${COMPOSE_SUITE[$v]}" "$CACHE_DIR/compose-$v"
    "$bin" version | grep -q "version $v" || die "$bin does not report version $v"
    log "compose $v at $bin"
  done
}

# --- Engine 28 -------------------------------------------------------------

engine28_unpack() {
  local root dockerd
  root=$(engine28_root)
  dockerd=$root/usr/sbin/dockerd
  if [ -x "$dockerd" ] && "$dockerd" --version | grep -q "version $ENGINE28_VERSION"; then
    return 0
  fi
  # containerd, runc and iptables come from bookworm (enough for 28.5);
  # tini-static only backs `init: true`, which no scenario uses.
  unpack_package docker.io "$ENGINE28_VERSION" "$ENGINE28_SUITE" "$root"
  "$dockerd" --version | grep -q "version $ENGINE28_VERSION" ||
    die "$dockerd does not report version $ENGINE28_VERSION"
}

# Its own bridge: with --bridge=none dockerd would delete the shared docker0
# and break the main engine's default network.
engine28_bridge_up() {
  if ! ip link show "$ENGINE28_BRIDGE" >/dev/null 2>&1; then
    log "creating bridge $ENGINE28_BRIDGE ($ENGINE28_BRIDGE_CIDR)"
    ip link add "$ENGINE28_BRIDGE" type bridge
  fi
  ip addr show dev "$ENGINE28_BRIDGE" | grep -q "inet $ENGINE28_BRIDGE_CIDR" ||
    ip addr add "$ENGINE28_BRIDGE_CIDR" dev "$ENGINE28_BRIDGE"
  ip link set "$ENGINE28_BRIDGE" up
  engine28_forward_rules
}

# The main engine sets the FORWARD policy to DROP and bridged frames go
# through iptables (br_netfilter), so without rules of its own engine 28's
# containers could not talk to each other, not even on one network. Accept
# traffic inside its address ranges only: the main engine's rules stay as
# they are.
engine28_forward_rules() {
  local cidr rule
  for cidr in "${ENGINE28_BRIDGE_CIDR%.*}.0/24" "$ENGINE28_POOL"; do
    rule=(FORWARD -s "$cidr" -d "$cidr" -m comment --comment deliveryhook-engine28 -j ACCEPT)
    iptables -C "${rule[@]}" 2>/dev/null || iptables -I "${rule[@]}"
  done
}

engine28_forward_rules_down() {
  local cidr rule
  for cidr in "${ENGINE28_BRIDGE_CIDR%.*}.0/24" "$ENGINE28_POOL"; do
    rule=(FORWARD -s "$cidr" -d "$cidr" -m comment --comment deliveryhook-engine28 -j ACCEPT)
    while iptables -C "${rule[@]}" 2>/dev/null; do iptables -D "${rule[@]}"; done
  done
}

engine28_up() {
  need_cmd ip
  need_cmd iptables
  need_cmd containerd
  need_cmd runc
  engine28_unpack
  if engine_answers "$ENGINE28_SOCK"; then
    log "engine 28 answers on $ENGINE28_SOCK"
    engine28_forward_rules
  else
    local root pid data=$STATE_DIR/engine28
    root=$(engine28_root)
    engine28_bridge_up
    mkdir -p "$ENGINE28_RUN" "$data/root"
    pid=$(pid_from "$ENGINE28_RUN/docker.pid")
    if pid_alive "$pid"; then
      log "engine 28 pid $pid is running but not answering yet; waiting"
    else
      clear_stale_engine "$ENGINE28_RUN/docker.pid" "$ENGINE28_RUN/exec"
      log "starting engine $ENGINE28_VERSION on $ENGINE28_SOCK (log: $data/dockerd.log)"
      # --iptables=false: its chains would share names with the main
      # engine's and fight over them. Published ports still work through
      # docker-proxy; pulls from the loopback registry happen in the host
      # namespace. Its own PATH first so it runs its own docker-proxy.
      spawn "$data/dockerd.log" env PATH="$root/usr/sbin:$root/usr/bin:$root/usr/libexec/docker:$PATH" \
        "$root/usr/sbin/dockerd" \
        --host "unix://$ENGINE28_SOCK" \
        --data-root "$data/root" \
        --exec-root "$ENGINE28_RUN/exec" \
        --pidfile "$ENGINE28_RUN/docker.pid" \
        --bridge "$ENGINE28_BRIDGE" \
        --default-address-pool "base=$ENGINE28_POOL,size=24" \
        --iptables=false --ip6tables=false --ip-masq=false
    fi
    wait_until "engine 28 on $ENGINE28_SOCK (see $data/dockerd.log)" 90 engine_answers "$ENGINE28_SOCK"
    log "engine 28 answers on $ENGINE28_SOCK"
  fi
  base_image_up "unix://$ENGINE28_SOCK"
  log "use: DOCKER_HOST=unix://$ENGINE28_SOCK"
}

engine28_down() {
  stop_pidfile "$ENGINE28_RUN/docker.pid" "engine 28"
  rm -rf "$ENGINE28_RUN/exec/containerd"
  engine28_forward_rules_down
  if ip link show "$ENGINE28_BRIDGE" >/dev/null 2>&1; then
    log "deleting bridge $ENGINE28_BRIDGE"
    ip link del "$ENGINE28_BRIDGE"
  fi
}

# --- commands --------------------------------------------------------------

# A debootstrap root of Debian 12 (minbase) from Debian's archive, made once.
# Prints its path.
bookworm_root() {
  need_cmd debootstrap
  local root=$CACHE_DIR/bookworm-root
  if [ ! -x "$root/bin/bash" ]; then
    mkdir -p "$STATE_DIR" "$CACHE_DIR"
    log "debootstrap of Debian 12 into $root"
    rm -rf "$root"
    debootstrap --variant=minbase bookworm "$root" "$(debian_archive_uri)" >"$STATE_DIR/debootstrap.log" 2>&1 ||
      die "debootstrap failed: $(tail -n 5 "$STATE_DIR/debootstrap.log")"
  fi
  echo "$root"
}

# The bookworm root plus systemd and the packages "$@" (a .deb's
# dependencies), to boot under systemd-nspawn: a unit then runs under a real
# systemd as PID 1 with all its sandboxing. Made once per package list (from
# the archive, with the root's own apt; about 15 s) and never changed after:
# users lay an overlay over it. Prints its path.
systemd_root() {
  need_cmd systemd-nspawn
  local base key root log_file
  base=$(bookworm_root)
  key=$(printf '%s\n' systemd "$@" | sort -u | sha256sum | cut -c1-16)
  root=$CACHE_DIR/systemd-root-$key
  # Two scenarios preparing the same root at once: one does, the other waits.
  exec 9>"$CACHE_DIR/systemd-root.lock"
  flock 9
  if [ ! -d "$root" ]; then
    log "preparing $root: $base + systemd $*"
    rm -rf "$root.tmp"
    cp -a "$base" "$root.tmp"
    log_file=$STATE_DIR/systemd-root.log
    mkdir -p "$STATE_DIR"
    # nspawn as a chroot with /proc, /sys and /dev. Without a systemd on the
    # host there is neither a bus nor a scope to register in (hence
    # --register=no --keep-unit); with one, those flags are harmless.
    if ! systemd-nspawn --quiet --register=no --keep-unit --directory="$root.tmp" --pipe \
      /bin/sh -ec 'export DEBIAN_FRONTEND=noninteractive
        apt-get -qq update
        apt-get install -y -qq --no-install-recommends systemd "$@"
        apt-get clean' sh "$@" </dev/null >"$log_file" 2>&1; then
      rm -rf "$root.tmp"
      die "installing systemd $* into the root failed: $(tail -n 5 "$log_file")"
    fi
    mv "$root.tmp" "$root"
  fi
  flock -u 9
  echo "$root"
}

# The Debian images the project's Dockerfile builds FROM, which cannot be
# pulled here: a debootstrap root of Debian 12 from Debian's archive,
# imported under both names the Dockerfile uses.
debian_images_up() {
  if docker image inspect debian:bookworm debian:bookworm-slim >/dev/null 2>&1; then
    log "debian:bookworm and debian:bookworm-slim exist"
    return 0
  fi
  local root
  root=$(bookworm_root)
  log "importing debian:bookworm"
  tar -C "$root" -c . | docker import - deliveryhook-test/debian:bookworm >/dev/null
  docker tag deliveryhook-test/debian:bookworm debian:bookworm
  docker tag deliveryhook-test/debian:bookworm debian:bookworm-slim
}

print_env() {
  local v
  echo "export DELIVERYHOOK_TESTBED_STATE='$STATE_DIR'"
  echo "export DELIVERYHOOK_TESTBED_CACHE='$CACHE_DIR'"
  echo "export DH_REGISTRY='$REGISTRY_ADDR'"
  echo "export DH_BASE_IMAGE='$BASE_IMAGE'"
  for v in "${COMPOSE_VERSIONS[@]}"; do
    echo "export DH_COMPOSE_${v//./_}='$(compose_bin "$v")'"
  done
  echo "export DH_ENGINE28_HOST='unix://$ENGINE28_SOCK'"
}

cmd_up() {
  local started=$SECONDS
  need_cmd curl
  need_cmd docker
  mkdir -p "$STATE_DIR" "$CACHE_DIR"
  main_engine_up
  registry_up
  base_image_up "unix://$MAIN_SOCK"
  compose_up
  log "up in $((SECONDS - started))s"
  print_env
}

main() {
  [ "$(id -u)" = 0 ] || die "must run as root"
  case "${1:-}" in
    up) cmd_up ;;
    env) print_env ;;
    registry-stop) registry_down ;;
    debian-images) debian_images_up ;;
    systemd-root) shift; systemd_root "$@" ;;
    engine28)
      case "${2:-}" in
        up) engine28_up ;;
        down) engine28_down ;;
        *) die "usage: $0 engine28 up|down" ;;
      esac ;;
    down)
      engine28_down
      registry_down
      main_engine_down ;;
    *) die "usage: $0 up|env|registry-stop|debian-images|systemd-root [PACKAGE...]|engine28 up|down|down" ;;
  esac
}

main "$@"
