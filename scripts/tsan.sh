#!/usr/bin/env bash
# Builds the unit tests with ThreadSanitizer (DELIVERYHOOK_SANITIZE_THREAD,
# clang) into build-tsan and runs them; fails on any test failure and on any
# data race or lock-order inversion TSan reports. Built with
# -DDELIVERYHOOK_WERROR=ON, clang's -Wthread-safety (the DELIVERYHOOK_GUARDED_BY
# annotations) is checked here too. Only the unit-test binary is built: the
# end-to-end suite, benchmarks and fuzzers would cost CI time for nothing new.
#
#   scripts/tsan.sh [extra ctest args]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib/sanitizer_reports.sh
. "$root/scripts/lib/sanitizer_reports.sh"
build=${DELIVERYHOOK_TSAN_BUILD_DIR:-$root/build-tsan}
compiler=${CXX:-clang++}
jobs=${JOBS:-2}

cmake -S "$root" -B "$build" -DCMAKE_CXX_COMPILER="$compiler" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DDELIVERYHOOK_SANITIZE_THREAD=ON -DDELIVERYHOOK_WERROR=ON -DDELIVERYHOOK_INSTALL=OFF >/dev/null
cmake --build "$build" -j"$jobs" --target deliveryhook_unit_tests

logs=$build/sanitizer-logs
rm -rf "$logs"
mkdir -p "$logs"
# halt_on_error: a race fails its test, not only the log; reports also go to
# $logs/tsan.<pid>, so one from a thread that outlived its test is not lost.
# ignore_noninstrumented_modules: Debian's libraries (libcpp-httplib above
# all) are not built with TSan, so it cannot see their synchronisation: the
# fast path of a function-local static's guard is a plain atomic load, and
# every request's memcmp on httplib's static set of methods then looks like a
# race with the thread that built it. Our own code stays fully checked.
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:ignore_noninstrumented_modules=1:log_path=$logs/tsan"

status=0
(cd "$build" && ctest -L unit -j"$jobs" --output-on-failure "$@") || status=1

finish_sanitized_run tsan.sh "$logs" 60 "$status"
