#!/usr/bin/env bash
# Replay memory: every key's share filled (600 entries at the default 300 s
# window) for 1, 10, 100 and 1000 keys; RSS growth and bytes per entry.
# Needs build/bench/replay-memory (REPLAY_MEMORY_BIN to use another); no
# engine, no network. Usage: bench/replay_memory.sh [--smoke]
# Output: $BENCH_OUT/replay-memory.json
source "$(dirname "$0")/lib.sh"
bin=${REPLAY_MEMORY_BIN:-$(dirname "$HOOK_BIN")/../bench/replay-memory}
[[ -x $bin ]] || die "no replay-memory program at $bin: build the target replay-memory (or set REPLAY_MEMORY_BIN)"
"$bin" ${REPLAY_PER_KEY:-600} >"$BENCH_OUT/replay-memory.jsonl"
python3 - "$BENCH_OUT/replay-memory.jsonl" >"$BENCH_OUT/replay-memory.json" <<'PY'
import json, sys
print(json.dumps([json.loads(l) for l in open(sys.argv[1])], indent=1))
PY
python3 - "$BENCH_OUT/replay-memory.json" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1])):
    print(f"replay memory: {r['keys']} keys x {r['per_key_capacity']} = {r['entries']} entries, "
          f"RSS +{r['growth_kb']} kB, {r['bytes_per_entry']:.0f} B/entry")
PY
