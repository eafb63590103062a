#!/usr/bin/env bash
# Installs everything the tests need, brings up the test bed (Docker engine,
# loopback registry, base image, real docker compose v2 as the judge), and runs:
#   1. the fuzzers over their corpora of seeds and past findings, the unit
#      and package tests under AddressSanitizer + UndefinedBehaviorSanitizer,
#      and the unit tests under ThreadSanitizer (clang builds; the TSan one
#      also checks the thread-safety annotations);
#   2. every test of the normal build: unit, fault injection, packaging,
#      benchmarks (smoke) and end to end, on Debian's engine 20.10 (API 1.41);
#   3. the end-to-end suite again on a current engine (28.5, API 1.51), this
#      time with the sanitized build, so the whole suite has run under
#      ASan + UBSan and on both engines.
# FUZZ_SECONDS (default 0: replay only, deterministic) is each fuzzer's time.
# Every build here treats compiler warnings as errors (g++ and clang).
set -euo pipefail
cd "$(dirname "$0")/.."
export DELIVERYHOOK_WERROR=ON
./scripts/install-deps.sh --with-test-tools
./test/e2e/testbed.sh up

echo "== fuzzers (FUZZ_SECONDS=${FUZZ_SECONDS:-0})"
./scripts/fuzz.sh "${FUZZ_SECONDS:-0}"
echo "== unit and package tests under ASan + UBSan"
./scripts/sanitize.sh
echo "== unit tests under ThreadSanitizer"
./scripts/tsan.sh

./scripts/build.sh
build_dir=$(cd "${BUILD_DIR:-build}" && pwd)
echo "== all tests, Debian's engine 20.10 (API 1.41)"
ctest --test-dir "$build_dir" --output-on-failure --timeout 900 "$@"

echo "== end-to-end tests under ASan + UBSan, engine 28.5 (API 1.51)"
./test/e2e/testbed.sh engine28 up
eval "$(./test/e2e/testbed.sh env)"
DOCKER_HOST=$DH_ENGINE28_HOST ./scripts/sanitize.sh --e2e-only --timeout 900 "$@"
