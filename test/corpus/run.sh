#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The corpus harness: every project of test/corpus/projects, every service,
# with compose 2.40.3 and 2.26.1, each version creating the project and
# judging the hook's work:
#   hash     the hook's config hash (`delivery-hook check`) equals compose's
#            `config --hash '*'`;
#   noop     after compose's `up -d` and a /pull of each service through the
#            hook (`delivery-hook trigger --wait`), `up -d` recreates nothing;
#   inspect  the container the hook made equals, normalised, the one
#            compose's own `up -d --force-recreate` makes.
# Prints pass rates per check and version and every failure with its reason;
# writes a JSON summary to $DELIVERYHOOK_BUILD_DIR/corpus/summary.json.
#
#   DELIVERY_HOOK_BIN=build/app/delivery-hook bash test/corpus/run.sh [options]
#     --all                 deploy checks for every project (default: the
#                           subset in ci-subset.txt; the hash check always
#                           covers all)
#     --projects a,b        only these projects
#     --versions 2.40.3,..  only these compose versions
#     --jobs N              projects at once (default 3)
#     --baseline FILE       fail (exit 1) when a check that passes in FILE
#                           fails now; report the ones newly passing
#     --write-baseline FILE write today's passes to FILE
set -euo pipefail
CORPUS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# lib.sh: the test bed, $PREFIX/$WORK, hook_start and the cleanup at exit.
source "$CORPUS_DIR/../e2e/lib.sh"

harness_args=("$@")
BUILD_OUT=${DELIVERYHOOK_BUILD_DIR:-$CORPUS_DIR/../../build}/corpus
mkdir -p "$BUILD_OUT"

# Every image of the corpus is the base image with the stub as its
# entrypoint, pushed under the corpus's names to the loopback registry.
# Not CORPUS_REGISTRY itself: each project run gets its own in its .env.
export CORPUS_REGISTRY_BASE="$DH_REGISTRY/$PREFIX"
STUB_REF="$CORPUS_REGISTRY_BASE/corpus-stub:v1"
STUB2_REF="$CORPUS_REGISTRY_BASE/corpus-stub:v2"
build_stub_image() {
  local ctx=$WORK/stub-image stubs
  mkdir -p "$ctx"
  cp "$CORPUS_DIR/image/stub.sh" "$ctx/stub.sh"
  stubs=$(grep -v '^#' "$CORPUS_DIR/image/stubs.txt" | tr '\n' ' ')
  sed -e "s|@BASE@|$DH_BASE_IMAGE|" -e "s|@LABEL@|$E2E_LABEL=$PREFIX|" -e "s|@STUBS@|$stubs|" \
    "$CORPUS_DIR/image/Dockerfile.in" >"$ctx/Dockerfile"
  # --network none: the RUN steps need no network, and so do not depend on
  # the engine's default bridge (docker0), which this machine has been seen
  # to lose while the engine kept running.
  DOCKER_BUILDKIT=0 docker build -q --network none -t "$STUB_REF" "$ctx" >"$ctx.log" 2>&1 ||
    fail "docker build of the corpus image failed: $(cat "$ctx.log")"
  # The next release: the same image with one more layer of metadata.
  printf 'FROM %s\nLABEL org.deliveryhook.corpus.release=2\n' "$STUB_REF" >"$ctx/Dockerfile.v2"
  DOCKER_BUILDKIT=0 docker build -q --network none -t "$STUB2_REF" -f "$ctx/Dockerfile.v2" "$ctx" >>"$ctx.log" 2>&1 ||
    fail "docker build of the corpus image v2 failed: $(cat "$ctx.log")"
}

# Deletes the tags the harness pushed (the list is kept in $WORK/pushed).
registry_forget_corpus() {
  local ref repo tag digest
  [ -f "$WORK/pushed" ] || return 0
  while read -r ref; do
    repo=${ref#"$DH_REGISTRY"/}
    tag=${repo##*:}
    repo=${repo%:*}
    digest=$(curl -fsSI -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
      "http://$DH_REGISTRY/v2/$repo/manifests/$tag" 2>/dev/null |
      awk -F': ' 'tolower($1) == "docker-content-digest" {print $2}' | tr -d '\r')
    [ -z "$digest" ] || curl -fsS -X DELETE "http://$DH_REGISTRY/v2/$repo/manifests/$digest" >/dev/null 2>&1 || true
  done <"$WORK/pushed"
}
on_cleanup registry_forget_corpus

build_stub_image
# What the engine allows (the harness lowers the rest in its copies).
CORPUS_NOFILE_MAX=$(docker run --rm --network none --entrypoint sh "$STUB_REF" -c 'ulimit -Hn')
CORPUS_PRIVILEGED=false
docker run --rm --network none --privileged --entrypoint true "$STUB_REF" >/dev/null 2>&1 && CORPUS_PRIVILEGED=true
export CORPUS_NOFILE_MAX CORPUS_PRIVILEGED
log "engine: nofile hard limit $CORPUS_NOFILE_MAX, privileged containers: $CORPUS_PRIVILEGED"
# SETTLE_MS: how long a new container must run before the old one goes;
# shorter than the default to keep the run short, it changes no container.
hook_start WORKERS=4 SETTLE_MS=300
export HOOK_URL=$API_BASE SECRET_KEY=$HOOK_SECRET
export CORPUS_PREFIX_BASE=$PREFIX CORPUS_WORK=$WORK CORPUS_STUB_REF=$STUB_REF CORPUS_STUB2_REF=$STUB2_REF
export CORPUS_OUT=$BUILD_OUT
python3 "$CORPUS_DIR/harness.py" "${harness_args[@]}"
