#!/usr/bin/env bash
# Start time: from exec of `delivery-hook serve` until GET /healthz answers 200
# (the poller retries the connection every 0.5 ms). No engine is contacted
# at start, so this is the hook's own start.
# Usage: bench/startup.sh [--smoke]      Output: $BENCH_OUT/startup.json
source "$(dirname "$0")/lib.sh"
[[ ${1:-} == --smoke ]] && SMOKE=1
need python3 python3
need_hook
runs=${RUNS:-$([[ $SMOKE == 1 ]] && echo 5 || echo 50)}
python3 "$BENCH_DIR/bench.py" startup "$HOOK_BIN" "$runs" "$BENCH_OUT/startup.json"
python3 - "$BENCH_OUT/startup.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["exec_to_answer_ms"]
print(f"startup: exec to first answer p50 {d['p50']:.1f} ms, p90 {d['p90']:.1f} ms, max {d['max']:.1f} ms over {d['n']} runs")
PY
