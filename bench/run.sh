#!/usr/bin/env bash
# Runs every benchmark. --smoke: each one briefly (CI), to check the scripts
# still work; a script that breaks fails the run, a missed target does not.
# Results: $BENCH_OUT (default build/bench), one JSON file per benchmark.
source "$(dirname "$0")/lib.sh"
args=()
[[ ${1:-} == --smoke ]] && { SMOKE=1; args=(--smoke); }
export SMOKE
failed=()
for b in startup flood image deploy growth; do
  echo "== $b"
  if ! timeout "$([[ $SMOKE == 1 ]] && echo 90 || echo 1800)" "$BENCH_DIR/$b.sh" "${args[@]}"; then
    failed+=("$b")
  fi
done
if ((${#failed[@]})); then die "failed: ${failed[*]}"; fi
echo "all benchmarks ran; results in $BENCH_OUT"
