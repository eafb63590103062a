#!/usr/bin/env bash
# Shared helpers for the benchmark scripts. Source it; do not run it.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
HOOK_BIN=${HOOK_BIN:-$REPO_DIR/build/app/delivery-hook}
BENCH_OUT=${BENCH_OUT:-$REPO_DIR/build/bench}
SMOKE=${SMOKE:-0}
mkdir -p "$BENCH_OUT"

die() { echo "bench: $*" >&2; exit 1; }
note() { echo "bench: $*" >&2; }

# need TOOL PACKAGE: fail with the Debian package to install.
need() {
  command -v "$1" >/dev/null 2>&1 || die "$1 is missing: apt-get install -y $2"
}

need_hook() {
  [[ -x $HOOK_BIN ]] || die "no hook binary at $HOOK_BIN: run ./scripts/build.sh (or set HOOK_BIN)"
}

need_engine() {
  need docker docker.io
  docker info >/dev/null 2>&1 || die "no Docker engine answers (start it, e.g. test/e2e/testbed.sh up)"
}

need_registry() {
  curl -fsS -o /dev/null http://127.0.0.1:5000/v2/ \
    || die "no registry on 127.0.0.1:5000 (start it, e.g. test/e2e/testbed.sh up)"
}

BASE_IMAGE=${BASE_IMAGE:-deliveryhook-test/busybox:latest}
need_base_image() {
  docker image inspect "$BASE_IMAGE" >/dev/null 2>&1 \
    || die "base image $BASE_IMAGE is missing (test/e2e/testbed.sh up imports it)"
}

# The real compose v2, as a command line: $COMPOSE if set, else the docker
# CLI plugin, else docker-compose on PATH.
find_compose() {
  if [[ -n ${COMPOSE:-} ]]; then
    "$COMPOSE" version >/dev/null 2>&1 || die "COMPOSE=$COMPOSE does not run"
    echo "$COMPOSE"; return
  fi
  if docker compose version >/dev/null 2>&1; then echo "docker compose"; return; fi
  for c in docker-compose "$HOME/.docker/cli-plugins/docker-compose" \
           /usr/libexec/docker/cli-plugins/docker-compose; do
    if command -v "$c" >/dev/null 2>&1 && "$c" version >/dev/null 2>&1; then echo "$c"; return; fi
  done
  die "no docker compose v2 found: set COMPOSE=/path/to/docker-compose (the CLI plugin binary)"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

rss_kb() { awk '/^VmRSS:/{print $2}' "/proc/$1/status"; }
