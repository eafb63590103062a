#!/usr/bin/env bash
# Runs every benchmark. --smoke: each one briefly (CI), to check the scripts
# still work; a script that breaks fails the run, a missed target does not.
# Results: $BENCH_OUT (default build/bench), one JSON file per benchmark.
source "$(dirname "$0")/lib.sh"
args=()
[[ ${1:-} == --smoke ]] && { SMOKE=1; args=(--smoke); }
export SMOKE
failed=()
# name, then the command line; deploy-start-first is deploy.sh for a service
# that asks for `order: start-first`.
benchmarks=(
  "startup|$BENCH_DIR/startup.sh"
  "flood|$BENCH_DIR/flood.sh"
  "image|$BENCH_DIR/image.sh"
  "deploy|$BENCH_DIR/deploy.sh"
  "deploy-start-first|env ORDER=start-first $BENCH_DIR/deploy.sh --name deploy-start-first"
  "growth|$BENCH_DIR/growth.sh"
  "replay-memory|$BENCH_DIR/replay_memory.sh"
)
for entry in "${benchmarks[@]}"; do
  name=${entry%%|*}
  read -r -a command <<<"${entry#*|}"
  echo "== $name"
  if ! timeout "$([[ $SMOKE == 1 ]] && echo 90 || echo 1800)" "${command[@]}" "${args[@]}"; then
    failed+=("$name")
  fi
done
if ((${#failed[@]})); then die "failed: ${failed[*]}"; fi
echo "all benchmarks ran; results in $BENCH_OUT"
