#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The README's other signature recipes (python, node) in its Pipeline
# Example, with compose 2.26.1 deploying first and judging the result.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

pull_flow python 2.26.1
pull_flow node 2.26.1
log "PASS"
