#!/usr/bin/env bash
# Deploy time: the hook against the real `docker compose pull <svc> &&
# docker compose up -d <svc>` on the same service and the same image change,
# interleaved: each round runs compose, the hook with the default SETTLE_MS
# (1000) and a second hook with SETTLE_MS=0, and before each run the
# registry's :latest is pointed at the other of two images (A/B) and the
# previous image is removed locally, so every run really downloads a layer.
# Step times come from the engine's event stream, the same for both.
# ORDER=start-first gives the service `deploy.update_config.order:
# start-first`, which the hook honours and compose ignores.
# Usage: bench/deploy.sh [--smoke] [--services N] [--rounds R] [--name NAME]
# Output: $BENCH_OUT/NAME.json (default deploy.json)
source "$(dirname "$0")/lib.sh"
services=1; rounds=""; name=deploy
while (($#)); do
  case $1 in
    --smoke) SMOKE=1 ;;
    --services) services=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --name) name=$2; shift ;;
    *) die "unknown argument $1" ;;
  esac
  shift
done
rounds=${rounds:-$([[ $SMOKE == 1 ]] && echo 1 || echo 7)}
payload_mb=${PAYLOAD_MB:-$([[ $SMOKE == 1 ]] && echo 1 || echo 8)}
need python3 python3
need curl curl
need_hook
need_engine
need_registry
need_base_image
compose_line=$(find_compose) || exit 1
read -r -a compose_cmd <<<"$compose_line"

id=dhbench-$$-$services
repo=$id-app
project=$id
work=$(mktemp -d)
hook_pids=()
compose() { "${compose_cmd[@]}" -f "$work/project/compose.yaml" -p "$project" "$@"; }
cleanup() {
  set +e
  for p in "${hook_pids[@]}"; do kill "$p" 2>/dev/null; done
  compose down --remove-orphans -t 0 >/dev/null 2>&1
  docker ps -aq --filter "label=com.docker.compose.project=$project" | xargs -r docker rm -f >/dev/null 2>&1
  docker images -q "127.0.0.1:5000/$repo" | sort -u | xargs -r docker image rm -f >/dev/null 2>&1
  for tag in a b latest; do
    digest=$(curl -sI -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
      "http://127.0.0.1:5000/v2/$repo/manifests/$tag" | tr -d '\r' | awk -F': ' 'tolower($1)=="docker-content-digest"{print $2}')
    [[ -n $digest ]] && curl -s -X DELETE "http://127.0.0.1:5000/v2/$repo/manifests/$digest" >/dev/null
  done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# Two images that differ in one layer of PAYLOAD_MB random bytes.
for v in a b; do
  mkdir -p "$work/$v"
  head -c $((payload_mb * 1024 * 1024)) /dev/urandom >"$work/$v/payload"
  echo "$v $$" >"$work/$v/version"
  printf 'FROM %s\nCOPY payload version /\nSTOPSIGNAL SIGKILL\nCMD ["sleep", "3600"]\n' \
    "$BASE_IMAGE" >"$work/$v/Dockerfile"
  DOCKER_BUILDKIT=0 docker build -q -t "127.0.0.1:5000/$repo:$v" "$work/$v" >/dev/null 2>&1 \
    || die "docker build of the test image failed"
  # Saved, so that it can be pushed again if the shared registry restarts empty.
  docker save -o "$work/$v.tar" "127.0.0.1:5000/$repo:$v"
  docker image rm "127.0.0.1:5000/$repo:$v" >/dev/null
  python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import bench; bench.ensure_variant(*sys.argv[2:])' \
    "$BENCH_DIR" "$repo" "$v" "$work/$v.tar"
done

# The compose project: the service under test, plus N-1 idle siblings.
mkdir -p "$work/project"
{
  echo "services:"
  echo "  app:"
  echo "    image: 127.0.0.1:5000/$repo:latest"
  if [[ ${ORDER:-stop-first} != stop-first ]]; then
    printf '    deploy:\n      update_config:\n        order: %s\n' "$ORDER"
  fi
  for i in $(seq 2 "$services"); do
    echo "  s$i:"
    echo "    image: $BASE_IMAGE"
    echo "    command: [\"sleep\", \"3600\"]"
    echo "    stop_signal: SIGKILL"
  done
} >"$work/project/compose.yaml"
python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import bench; bench.wait_registry(); bench.registry_point(sys.argv[2], "a", "latest")' \
  "$BENCH_DIR" "$repo"
compose up -d --quiet-pull >/dev/null 2>&1 || { compose up -d; die "compose up failed"; }
container=$(docker ps --filter "label=com.docker.compose.project=$project" \
  --filter "label=com.docker.compose.service=app" --format '{{.Names}}')
[[ -n $container ]] || die "the app container did not start"

secret=dhbench-deploy-secret
hooks_json="{"
for settle in 1000 0; do
  port=$(free_port)
  SECRET_KEY=$secret PORT=$port LISTEN_ADDRESS=127.0.0.1 SETTLE_MS=$settle \
    "$HOOK_BIN" serve 2>>"$work/hook-$settle.log" &
  hook_pids+=($!)
  for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.05; done
  [[ $hooks_json == "{" ]] || hooks_json+=","
  hooks_json+="\"hook-settle$settle\": {\"port\": $port, \"pid\": $!}"
done
hooks_json+="}"

compose_json=$(python3 -c 'import json,sys; print(json.dumps(sys.argv[1:]))' \
  "${compose_cmd[@]}" -f "$work/project/compose.yaml" -p "$project")
cat >"$work/cfg.json" <<JSON
{"compose": $compose_json, "project": "$project", "container": "$container",
 "repo": "$repo", "variants": ["a", "b"], "tars": {"a": "$work/a.tar", "b": "$work/b.tar"}, "rounds": $rounds, "hooks": $hooks_json,
 "secret": "$secret", "services": $services, "out": "$BENCH_OUT/$name.json"}
JSON
note "deploy: $services service(s), $rounds interleaved round(s), ${payload_mb} MB layer per pull, order ${ORDER:-stop-first}"
python3 "$BENCH_DIR/bench.py" deploy "$work/cfg.json" || { tail -n 5 "$work"/hook-*.log >&2; die "deploy benchmark failed"; }
python3 - "$BENCH_OUT/$name.json" "$services" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(f"deploy ({sys.argv[2]} services), medians in ms from trigger:")
print(f"  {'':16s} {'pulled':>7s} {'created':>7s} {'stopped':>7s} {'started':>7s} {'old rm':>7s} {'done':>7s} {'RSS kB':>7s}")
f = lambda x: f"{x:7.0f}" if x is not None else "      -"
for m, t in d["medians_ms"].items():
    print(f"  {m:16s} {f(t['pulled'])} {f(t['created'])} {f(t['old_stopped'])} {f(t['new_started'])} "
          f"{f(t['old_removed'])} {f(t['done'])} {f(t.get('hook_rss_kb_max'))}")
for m, r in d["ratio_vs_compose"].items():
    print(f"  {m}: hook/compose, new container running {r['new_running']:.2f}, command/job done {r['done']:.2f}")
PY
