#!/usr/bin/env bash
# Growth: deploy time and the hook's memory for compose projects of 1, 10 and
# 50 services, redeploying one of them (bench/deploy.sh --services N).
# Usage: bench/growth.sh [--smoke]    Output: $BENCH_OUT/growth-N.json
source "$(dirname "$0")/lib.sh"
[[ ${1:-} == --smoke ]] && SMOKE=1
sizes=${GROWTH_SIZES:-$([[ $SMOKE == 1 ]] && echo "1 10" || echo "1 10 50")}
rounds=${GROWTH_ROUNDS:-$([[ $SMOKE == 1 ]] && echo 1 || echo 3)}
smoke=(); [[ $SMOKE == 1 ]] && smoke=(--smoke)
for n in $sizes; do
  "$BENCH_DIR/deploy.sh" "${smoke[@]}" --services "$n" --rounds "$rounds" --name "growth-$n"
done
