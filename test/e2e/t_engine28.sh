#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The t_pull_openssl flow against Engine 28.5 (API 1.51, the current API;
# the Debian engine of the other scenarios speaks 1.41). DOCKER_HOST points
# the scenario's docker CLI, the compose judge and the hook at it.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

"$E2E_DIR/testbed.sh" engine28 up || fail "engine 28 did not come up (see above)"
export DOCKER_HOST=$DH_ENGINE28_HOST
assert_eq 1.51 "$(docker version -f '{{.Server.APIVersion}}')" "engine 28 API version"

pull_flow openssl 2.40.3
log "PASS"
