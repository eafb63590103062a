#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The README's use case with its Pipeline Example (openssl) verbatim:
# deploy v1 with compose 2.40.3, push v2, POST /pull, the container runs v2
# and compose 2.40.3 sees nothing left to do.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

pull_flow openssl 2.40.3
log "PASS"
