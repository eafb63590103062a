#!/usr/bin/env bash
# Configures and builds the project into ./build (or $BUILD_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
# Warnings are errors in CI (CI=true, or DELIVERYHOOK_WERROR=ON as scripts/test.sh sets).
werror=${DELIVERYHOOK_WERROR:-$([ "${CI:-}" = true ] && echo ON || echo OFF)}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" \
  -DDELIVERYHOOK_WERROR="$werror" "$@" >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
