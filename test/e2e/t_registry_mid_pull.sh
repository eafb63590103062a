#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The registry goes away in the middle of a pull. A throwaway registry (not
# the shared one) serves through a throttling proxy, so pulling a large v2
# takes seconds; while the job is downloading, both are killed. The job
# fails saying the pull failed, and exactly one container serves the
# service: the old one, untouched (same id, still running), which compose
# confirms with a no-op.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REG_PID=
PROXY_PID=
stop_ours() {
  local pid
  for pid in "$PROXY_PID" "$REG_PID"; do
    [ -n "$pid" ] || continue
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  PROXY_PID=
  REG_PID=
}
on_cleanup stop_ours

# A registry of our own on a free loopback port, storage under $WORK.
reg_port=$(free_port)
mkdir -p "$WORK/registry/data"
cat >"$WORK/registry/config.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $WORK/registry/data
http:
  addr: 127.0.0.1:$reg_port
EOF
docker-registry serve "$WORK/registry/config.yml" >"$WORK/registry/registry.log" 2>&1 &
REG_PID=$!
retry 30 curl -fsS --max-time 2 "http://127.0.0.1:$reg_port/v2/" >/dev/null 2>&1 ||
  fail "our registry did not start: $(cat "$WORK/registry/registry.log")"

# The proxy passes requests through and slows the answers to ~4 MB/s.
cat >"$WORK/proxy.py" <<'EOF'
import socket, sys, threading, time

listen_port, target_port, rate = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])

def pipe(source, sink, throttle):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            sink.sendall(data)
            if throttle:
                time.sleep(len(data) / rate)
    except OSError:
        pass
    finally:
        for s in (source, sink):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

def serve(client):
    upstream = socket.create_connection(("127.0.0.1", target_port))
    threading.Thread(target=pipe, args=(client, upstream, False), daemon=True).start()
    threading.Thread(target=pipe, args=(upstream, client, True), daemon=True).start()

server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", listen_port))
server.listen(64)
while True:
    connection, _ = server.accept()
    threading.Thread(target=serve, args=(connection,), daemon=True).start()
EOF
proxy_port=$(free_port)
python3 "$WORK/proxy.py" "$proxy_port" "$reg_port" $((4 * 1024 * 1024)) >"$WORK/proxy.log" 2>&1 &
PROXY_PID=$!
retry 30 curl -fsS --max-time 2 "http://127.0.0.1:$proxy_port/v2/" >/dev/null 2>&1 ||
  fail "the proxy did not start: $(cat "$WORK/proxy.log")"

ref="127.0.0.1:$proxy_port/$PREFIX-app:latest"
# Builds $ref from the base with /version = $1 and the random files $2...
# (one layer each), pushes it through the proxy, prints the image id.
build_and_push() {
  local text=$1 ctx blob
  shift
  ctx=$(mktemp -d "$WORK/image.XXXX")
  printf '%s\n' "$text" >"$ctx/version"
  {
    echo "FROM $DH_BASE_IMAGE"
    echo "LABEL $E2E_LABEL=$PREFIX"
    echo "COPY version /version"
    for blob in "$@"; do
      head -c $((15 * 1024 * 1024)) /dev/urandom >"$ctx/$blob"
      echo "COPY $blob /$blob"
    done
    echo "STOPSIGNAL SIGKILL"
    echo 'CMD ["httpd", "-f", "-p", "8080", "-h", "/"]'
  } >"$ctx/Dockerfile"
  DOCKER_BUILDKIT=0 docker build -q -t "$ref" "$ctx" >"$ctx.log" 2>&1 ||
    fail "docker build failed: $(cat "$ctx.log")"
  docker push -q "$ref" >/dev/null || fail "docker push of $ref failed"
  image_id "$ref"
}

v1=$(build_and_push "v1")
project=$PREFIX-midpull
dir=$WORK/$project
name=$project-web
port=$(free_port)
mkdir -p "$dir"
cat >"$dir/compose.yaml" <<EOF
services:
  web:
    image: $ref
    container_name: $name
    ports:
      - "127.0.0.1:$port:8080"
EOF
compose_in 2.40.3 "$dir" up -d 2>&1 | sed 's/^/  compose: /' >&2
container_running "$name" || fail "compose did not start $name"
assert_eq "v1" "$(http_get "$port" /version)" "v1 served"
old_id=$(container_id "$name")

# v2: 45 MB of random layers, pushed; then the local tag goes back to v1 so
# only a real pull brings v2 here.
v2=$(build_and_push "v2" blob1 blob2 blob3)
docker tag "$v1" "$ref"
docker rmi "$v2" >/dev/null
log "pushed v2 ($v2) through the proxy"

hook_start
sign_and_post /pull "{\"container_name\": \"$name\"}"
assert_eq 202 "$RESP_CODE" "trigger: $RESP_BODY"
accept_job "$RESP_BODY"

# Wait until the job reports layer downloads, then kill the registry.
downloading=
for ((i = 0; i < 120; i++)); do
  job=$(curl -sS --max-time 5 -H "Authorization: Bearer $JOB_TOKEN" "$API_BASE/jobs/$JOB_ID")
  state=$(json_get state <<<"$job")
  [ "$state" = running ] || [ "$state" = queued ] || fail "the job ended before the registry stopped: $job"
  if [ "$(json_get step <<<"$job")" = pulling ] && [[ "$job" == *Downloading* ]]; then
    downloading=yes
    break
  fi
  sleep 0.25
done
[ -n "$downloading" ] || fail "the job never reported downloading: $job"
log "the job is downloading; killing the registry and the proxy"
stop_ours

wait_for_job "$JOB_ID" "$JOB_TOKEN" 300
assert_eq failed "$JOB_STATE" "job state after the registry went away"
assert_contains "$JOB_ERROR" "pull $ref" "the job says the pull failed"
assert_eq pulling "$(json_get step <<<"$JOB_JSON")" "the job failed while pulling"

containers=$(project_containers "$project")
assert_eq 1 "$(wc -l <<<"$containers")" "one container serves ($containers)"
container_running "$name" || fail "$name is not running"
assert_eq "$old_id" "$(container_id "$name")" "the old container serves, untouched"
assert_eq "$v1" "$(container_image_id "$name")" "it still runs v1"
assert_eq "$v1" "$(image_id "$ref")" "the tag still names v1"
assert_eq "v1" "$(http_get "$port" /version)" "v1 still served"
compose_noop 2.40.3 "$dir"
log "PASS"
