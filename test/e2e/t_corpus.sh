#!/usr/bin/env bash
# The corpus (test/corpus/README.md): 40 projects modelled on popular
# self-hosted stacks, every service checked with compose 2.40.3 and 2.26.1
# (config hash, no-op after /pull, inspect against compose's own recreate).
# Fails when a check recorded as passing in test/corpus/baseline.json fails
# now; lists the checks newly passing, so that the baseline can be raised
# (`test/corpus/run.sh --write-baseline test/corpus/baseline.json`).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
exec bash "$root/test/corpus/run.sh" --baseline "$root/test/corpus/baseline.json" "$@"
