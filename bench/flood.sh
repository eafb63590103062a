#!/usr/bin/env bash
# Front door under a flood, and memory: wrk -t2 -c64 on loopback sends requests
# with bad signatures; meanwhile valid, signed triggers for unknown containers
# measure how fast a genuine request still gets through (401 vs 404 path);
# the hook's resident memory is sampled idle, during and after the flood.
# One run floods the hook twice: with the failed-authentication limiter off
# (AUTH_FAIL_LIMIT=0) and on (20, the hook's default), so both sit beside the
# same nginx figure. With the limiter on the flood's answers turn to 429 once
# it trips; the probes, from another loopback address, are not limited.
# FLOOD_LIMITS="0 20" chooses the passes (AUTH_FAIL_LIMIT=n: that one only).
# The same wrk run then floods Debian's nginx on loopback, configured to answer
# every request with a fixed 401 (no signature checked: the floor of what an
# HTTP server costs on this machine), and prints the hook's share of it.
# Without nginx installed that part is skipped (NGINX_BIN to use another).
# Usage: [FLOOD_LIMITS="0 20"] bench/flood.sh [--smoke]      Output: $BENCH_OUT/flood.json
# (limiter_off, limiter_on, nginx_fixed_401, and each pass's hook/nginx ratio)
source "$(dirname "$0")/lib.sh"
[[ ${1:-} == --smoke ]] && SMOKE=1
need wrk wrk
need python3 python3
need_hook

duration=${FLOOD_SECONDS:-$([[ $SMOKE == 1 ]] && echo 2 || echo 15)}
probes=${PROBES:-$([[ $SMOKE == 1 ]] && echo 10 || echo 50)}
spacing_ms=$(( duration * 1000 / (probes + 2) ))
secret=dhbench-flood-secret
port=$(free_port)
work=$(mktemp -d)
hook_pid=""
nginx_pid=""
cleanup() {
  [[ -n $hook_pid ]] && kill "$hook_pid" 2>/dev/null
  [[ -n $nginx_pid ]] && kill "$nginx_pid" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# The engine is only asked about the probes' unknown names (404); without an
# engine they get 503, which the script reports (DOCKER_HOST is passed on).
limits=${FLOOD_LIMITS:-${AUTH_FAIL_LIMIT:-0 20}}
# flood_pass LIMIT: the hook with AUTH_FAIL_LIMIT=LIMIT under the flood;
# results in $work/pass-LIMIT/.
flood_pass() {
  local limit=$1 dir=$work/pass-$1 idle_kb after_kb sampler wrk_pid n401 n429 nother
  mkdir -p "$dir"
  SECRET_KEY=$secret PORT=$port LISTEN_ADDRESS=127.0.0.1 AUTH_FAIL_LIMIT=$limit "$HOOK_BIN" serve 2>"$dir/hook.log" &
  hook_pid=$!
  # Any answer from /healthz will do: it is 503 without an engine.
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.05; done
  curl -s -o /dev/null "http://127.0.0.1:$port/healthz" || die "the hook did not start"
  sleep 1
  idle_kb=$(rss_kb "$hook_pid")
  python3 "$BENCH_DIR/bench.py" sample "$hook_pid" 50 "$dir/rss.json" &
  sampler=$!
  wrk -t2 -c64 -d"${duration}s" --latency -s "$BENCH_DIR/bad_signature.lua" \
    "http://127.0.0.1:$port/pull" >"$dir/wrk.txt" &
  wrk_pid=$!
  sleep 0.5
  python3 "$BENCH_DIR/bench.py" probe "$port" "$secret" "$probes" "$spacing_ms" "$dir/probe.json"
  wait "$wrk_pid" || die "wrk failed: $(cat "$dir/wrk.txt")"
  kill "$sampler"; wait "$sampler" || true
  sleep 3
  after_kb=$(rss_kb "$hook_pid")
  # 429s are logged in aggregate (one line per address per window), so they
  # are counted from /metrics.
  n429=$(curl -s "http://127.0.0.1:$port/metrics" |
    awk '/^deliveryhook_auth_rate_limited_total /{print $2}')
  kill "$hook_pid"; wait "$hook_pid" 2>/dev/null || true; hook_pid=""
  grep -q '^WRK_JSON ' "$dir/wrk.txt" || die "no wrk summary: $(cat "$dir/wrk.txt")"
  # Every flood answer must be a 401, or a 429 once the limiter trips: count
  # the hook's own decisions.
  n401=$(grep -c 'endpoint=/pull decision=unauthenticated status=401' "$dir/hook.log" || true)
  nother=$(grep 'event=request' "$dir/hook.log" | grep -v 'status=401' | grep -v 'status=429' | grep -v 'event=rate_limited' |
    grep -vc 'target=dhbench-nosuch-' || true)
  echo "$limit $idle_kb $after_kb $n401 $n429 $nother" >"$dir/counts"
  [[ -n $n429 ]] || die "no deliveryhook_auth_rate_limited_total in /metrics"
}
for limit in $limits; do flood_pass "$limit"; done

# nginx, a plain process on 127.0.0.1 with a throw-away configuration: one
# worker per CPU, as many as the hook's threads can use.
nginx_bin=${NGINX_BIN:-$(command -v nginx || echo /usr/sbin/nginx)}
echo '{}' >"$work/nginx.json"
if [[ -x $nginx_bin ]]; then
  nginx_port=$(free_port)
  mkdir -p "$work/nginx"
  cat >"$work/nginx/nginx.conf" <<CONF
worker_processes $(nproc);
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  server {
    listen 127.0.0.1:$nginx_port;
    location / {
      default_type application/json;
      return 401 '{"error":"invalid signature"}';
    }
  }
}
CONF
  "$nginx_bin" -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" &
  nginx_pid=$!
  for _ in $(seq 100); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$nginx_port/pull") == 401 ]] && break
    sleep 0.05
  done
  wrk -t2 -c64 -d"${duration}s" --latency -s "$BENCH_DIR/bad_signature.lua" \
    "http://127.0.0.1:$nginx_port/pull" >"$work/nginx-wrk.txt" || die "wrk on nginx failed"
  kill "$nginx_pid"; wait "$nginx_pid" 2>/dev/null || true; nginx_pid=""
  sed -n 's/^WRK_JSON //p' "$work/nginx-wrk.txt" >"$work/nginx.json"
  [[ -s $work/nginx.json ]] || die "no wrk summary for nginx: $(cat "$work/nginx-wrk.txt")"
else
  note "no nginx at $nginx_bin: the comparison is skipped"
fi

python3 - "$work" "$duration" $limits >"$BENCH_OUT/flood.json" <<'PY'
import json, sys
work, duration, limits = sys.argv[1], sys.argv[2], sys.argv[3:]
def wrk_summary(path):
  return json.loads(open(path).read().split("WRK_JSON ", 1)[1].splitlines()[0])
out = {"seconds": int(duration)}
nginx = json.load(open(work + "/nginx.json"))
nginx_rps = None
if nginx:
  nginx_rps = nginx["requests"] / (nginx["duration_us"] / 1e6)
  out["nginx_fixed_401"] = {"wrk": nginx, "requests_per_s": nginx_rps,
                            "p50_ms": nginx["p50_us"] / 1000, "p99_ms": nginx["p99_us"] / 1000}
for limit in limits:
  d = work + "/pass-" + limit
  _, idle, after, n401, n429, nother = open(d + "/counts").read().split()
  wrk = wrk_summary(d + "/wrk.txt")
  p = {
    "wrk": wrk,
    "requests_per_s": wrk["requests"] / (wrk["duration_us"] / 1e6),
    "p50_ms": wrk["p50_us"] / 1000, "p99_ms": wrk["p99_us"] / 1000,
    "flood_answers_401": int(n401), "flood_answers_429": int(n429),
    "flood_answers_other": int(nother),
    "failed_auth_limit": int(limit),
    "valid_triggers_during_flood": json.load(open(d + "/probe.json")),
    "rss_kb": {"idle": int(idle), "flood_max": json.load(open(d + "/rss.json"))["max_kb"],
               "after_3s": int(after)},
  }
  if nginx_rps: p["hook_to_nginx_ratio"] = p["requests_per_s"] / nginx_rps
  out["limiter_off" if limit == "0" else f"limiter_on_{limit}" if limit != "20" else "limiter_on"] = p
print(json.dumps(out, indent=1))
PY
python3 - "$BENCH_OUT/flood.json" <<'PY'
import json, sys
out = json.load(open(sys.argv[1]))
for name, d in out.items():
    if not name.startswith("limiter_"): continue
    v = d["valid_triggers_during_flood"]
    ratio = f"; hook/nginx {d['hook_to_nginx_ratio']:.2f}" if "hook_to_nginx_ratio" in d else ""
    print(f"flood, limit {d['failed_auth_limit']}: {d['requests_per_s']:.0f} req/s, p50 {d['p50_ms']:.2f} ms, "
          f"p99 {d['p99_ms']:.2f} ms, 401s {d['flood_answers_401']}, 429s {d['flood_answers_429']}, "
          f"other {d['flood_answers_other']}; "
          f"valid triggers {v['statuses']} p50 {v['latency_ms'].get('p50', 0):.2f} ms "
          f"p99 {v['latency_ms'].get('p99', 0):.2f} ms; RSS idle {d['rss_kb']['idle']} kB, "
          f"flood max {d['rss_kb']['flood_max']} kB, after {d['rss_kb']['after_3s']} kB{ratio}")
n = out.get("nginx_fixed_401")
if n:
    print(f"nginx, fixed 401, same flood: {n['requests_per_s']:.0f} req/s, p50 {n['p50_ms']:.2f} ms, "
          f"p99 {n['p99_ms']:.2f} ms")
PY
other=$(cat "$work"/pass-*/counts | awk '{s += $6} END {print s + 0}')
[[ $other == 0 ]] || die "$other flood answers were neither 401 nor 429"
