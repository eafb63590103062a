#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) into build-fuzz and
# runs each for a bounded time; fails on any crash, leak, timeout or OOM.
#
#   scripts/fuzz.sh [seconds-per-target] [target...]     default: 20 s, every target
#
# 0 seconds replays the checked-in seeds and past findings once each and
# stops: deterministic, so it is what CI runs (scripts/test.sh); searching
# for new findings is a developer's run with a time.
#
# Seeds come from fuzz/corpus/<target>/ (read only); what a run learns goes to
# build-fuzz/corpus/<target>/, a failing input to build-fuzz/artifacts/<target>/.
# Replay one: build-fuzz/fuzz/fuzz_<target> build-fuzz/artifacts/<target>/crash-...
set -euo pipefail

seconds=${1:-20}
shift || true
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${DELIVERYHOOK_FUZZ_BUILD_DIR:-$root/build-fuzz}
jobs=${JOBS:-2}
# Warnings are errors in CI (CI=true, or DELIVERYHOOK_WERROR=ON as scripts/test.sh sets).
werror=${DELIVERYHOOK_WERROR:-$([ "${CI:-}" = true ] && echo ON || echo OFF)}

command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }

cmake -S "$root" -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DDELIVERYHOOK_BUILD_FUZZERS=ON -DDELIVERYHOOK_SANITIZE=ON \
  -DDELIVERYHOOK_BUILD_TESTS=OFF -DDELIVERYHOOK_INSTALL=OFF -DDELIVERYHOOK_WERROR="$werror" >/dev/null
cmake --build "$build" -j"$jobs"

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for dir in "$root"/fuzz/corpus/*/; do targets+=("$(basename "$dir")"); done
fi

failed=()
for target in "${targets[@]}"; do
  binary=$build/fuzz/fuzz_$target
  [ -x "$binary" ] || { echo "fuzz.sh: no target $target" >&2; exit 1; }
  corpus=$build/corpus/$target
  artifacts=$build/artifacts/$target
  mkdir -p "$corpus" "$artifacts"
  if [ "$seconds" -eq 0 ]; then
    echo "== fuzz_$target: replaying fuzz/corpus/$target"
    mode=(-runs=0 "$root/fuzz/corpus/$target")
  else
    echo "== fuzz_$target: ${seconds}s"
    mode=(-max_total_time="$seconds" "$corpus" "$root/fuzz/corpus/$target")
  fi
  # -timeout: one input taking 10 s is a hang; -rss_limit_mb: a blowup is an
  # OOM. The outer timeout is the watchdog for libFuzzer itself: a process
  # wedged while reporting must fail the run, not stall it.
  if ! UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      timeout -k 10 $((seconds + 300)) \
      "$binary" "${mode[@]}" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -print_final_stats=1 -artifact_prefix="$artifacts/" >"$build/fuzz_$target.log" 2>&1; then
    tail -n 60 "$build/fuzz_$target.log"
    failed+=("$target")
  else
    grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$build/fuzz_$target.log" | tail -n 2 || true
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: FAILED: ${failed[*]} (inputs in $build/artifacts/)" >&2
  exit 1
fi
if [ "$seconds" -eq 0 ]; then
  echo "fuzz.sh: every target replayed its corpus without a finding"
else
  echo "fuzz.sh: every target ran ${seconds}s without a finding"
fi
