#!/usr/bin/env bash
# Builds everything with AddressSanitizer + UndefinedBehaviorSanitizer
# (DELIVERYHOOK_SANITIZE, clang by default) into build-asan and runs the unit
# and package tests; with --e2e also the end-to-end scenarios, which then run
# the sanitized delivery-hook; --e2e-only runs just those (CI runs the unit
# and package tests first, and the scenarios later, on the second engine).
# Fails on any test failure and on any sanitizer report, including one from a
# process a test started and did not check.
#
#   scripts/sanitize.sh [--e2e | --e2e-only] [extra ctest args]
set -euo pipefail

unit=1
e2e=0
case "${1:-}" in
  --e2e) e2e=1; shift ;;
  --e2e-only) unit=0; e2e=1; shift ;;
esac
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib/sanitizer_reports.sh
. "$root/scripts/lib/sanitizer_reports.sh"
build=${DELIVERYHOOK_ASAN_BUILD_DIR:-$root/build-asan}
compiler=${CXX:-clang++}
jobs=${JOBS:-2}
# Warnings are errors in CI (CI=true, or DELIVERYHOOK_WERROR=ON as scripts/test.sh sets).
werror=${DELIVERYHOOK_WERROR:-$([ "${CI:-}" = true ] && echo ON || echo OFF)}

cmake -S "$root" -B "$build" -DCMAKE_CXX_COMPILER="$compiler" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DDELIVERYHOOK_SANITIZE=ON -DDELIVERYHOOK_WERROR="$werror" >/dev/null
cmake --build "$build" -j"$jobs"

logs=$build/sanitizer-logs
rm -rf "$logs"
mkdir -p "$logs"
# Every report is also written to $logs/<tool>.<pid>, so one from a server a
# test ran in the background is not lost.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1:strict_string_checks=1:log_path=$logs/asan"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$logs/ubsan"
export LSAN_OPTIONS="log_path=$logs/lsan"
# The package test builds a consumer of the sanitized static library.
sanitize_flags="-fsanitize=address,undefined"

status=0
if [ "$unit" = 1 ]; then
  (cd "$build" && ctest -L unit -j"$jobs" --output-on-failure "$@") || status=1
  (cd "$build" && CXX="$compiler" CXXFLAGS="$sanitize_flags" LDFLAGS="$sanitize_flags" \
    ctest -L package --output-on-failure "$@") || status=1
fi
if [ "$e2e" = 1 ]; then
  (cd "$build" && ctest -L e2e --output-on-failure "$@") || status=1
fi

finish_sanitized_run sanitize.sh "$logs" 40 "$status"
