#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# A project the way people write them: base file + compose.override.yaml,
# .env interpolation, an env_file, `$$` in a value, a named volume with data
# written before the deploy, a custom network where another container
# reaches the service by an alias, a published port, depends_on, and a
# container_name unlike the service key. After /pull, everything compose
# set up is exactly as compose set it up, and `compose up -d` is a no-op.
# Run once per compose version: each deploys first and then judges.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# What of `docker inspect` compose decides, normalised for comparison. Left
# out: the container's own short id (an alias on engine 20.10, a DNS name on
# 28), the image label (it must change, checked on its own), the version
# label (who wrote the container) and the replace label (compose 2.40 adds
# it to every container it recreates, naming the one replaced). Env is
# compared as a set.
inspect_view() {
  docker inspect "$1" | python3 -c '
import json, sys
c = json.load(sys.stdin)[0]
short = c["Id"][:12]
labels = {k: v for k, v in (c["Config"]["Labels"] or {}).items()
          if k not in ("com.docker.compose.image", "com.docker.compose.version",
                       "com.docker.compose.replace")}
nets = {n: {"aliases": sorted(a for a in (v.get("Aliases") or []) if a != short),
            "dns_names": sorted(a for a in (v.get("DNSNames") or []) if a != short)}
        for n, v in c["NetworkSettings"]["Networks"].items()}
mounts = sorted(({k: m.get(k) for k in ("Type", "Name", "Source", "Destination", "RW", "Driver")}
                 for m in c["Mounts"]), key=lambda m: m["Destination"])
view = {
    "name": c["Name"],
    "image_ref": c["Config"]["Image"],
    "cmd": c["Config"]["Cmd"],
    "env": sorted(c["Config"]["Env"] or []),
    "labels": labels,
    "mounts": mounts,
    "networks": nets,
    "network_mode": c["HostConfig"]["NetworkMode"],
    "port_bindings": c["HostConfig"]["PortBindings"],
    "restart": c["HostConfig"]["RestartPolicy"],
}
print(json.dumps(view, indent=1, sort_keys=True))'
}

# The value of label $2 on container $1 (empty when absent).
label_of() { docker inspect -f "{{index .Config.Labels \"$2\"}}" "$1"; }

write_project() {
  local dir=$1 project=$2 tag=$3 port=$4
  mkdir -p "$dir"
  cat >"$dir/compose.yaml" <<'EOF'
services:
  api:
    image: ${REGISTRY}/${APP_REPO}:${APP_TAG}
    container_name: ${PROJECT}-backend
    env_file:
      - ./app.env
    environment:
      FROM_DOTENV: ${DOTENV_VALUE}
      LITERAL_DOLLAR: "price: $$5"
    volumes:
      - appdata:/data
    networks:
      backend:
        aliases:
          - api.internal
    ports:
      - "127.0.0.1:${APP_PORT}:8080"
    depends_on:
      - store
  store:
    image: ${BASE_IMAGE}
    container_name: ${PROJECT}-store
    command: ["sleep", "86400"]
    stop_signal: SIGKILL
    networks:
      - backend
  client:
    image: ${BASE_IMAGE}
    container_name: ${PROJECT}-client
    command: ["sleep", "86400"]
    stop_signal: SIGKILL
    networks:
      - backend
volumes:
  appdata:
networks:
  backend:
EOF
  cat >"$dir/compose.override.yaml" <<'EOF'
services:
  api:
    environment:
      FROM_OVERRIDE: "yes"
    labels:
      com.example.tier: web
EOF
  cat >"$dir/.env" <<EOF
REGISTRY=$DH_REGISTRY
APP_REPO=$PREFIX-app
APP_TAG=$tag
PROJECT=$project
APP_PORT=$port
BASE_IMAGE=$DH_BASE_IMAGE
DOTENV_VALUE=from the .env file
EOF
  cat >"$dir/app.env" <<'EOF'
FROM_ENV_FILE=from app.env
SPACED=a b c
EOF
}

# What the fixture itself must give (checks the test, not the hook).
assert_compose_env() {
  local env
  env=$(docker exec "$1" env)
  assert_contains "$env" "FROM_DOTENV=from the .env file" ".env interpolation"
  # shellcheck disable=SC2016  # a literal dollar is the point
  assert_contains "$env" 'LITERAL_DOLLAR=price: $5' '$$ escape'
  assert_contains "$env" "FROM_ENV_FILE=from app.env" "env_file"
  assert_contains "$env" "SPACED=a b c" "env_file value with spaces"
  assert_contains "$env" "FROM_OVERRIDE=yes" "compose.override.yaml"
}

# Body of http://api.internal:8080/version fetched from the client container.
# busybox nc, not wget: the static busybox wget segfaults (exit 139) under
# Engine 28, even for localhost, while nc and name resolution work there.
via_alias() {
  retry 15 alias_fetch "$1"
}
alias_fetch() {
  local response
  response=$(docker exec "$1" sh -c \
    'printf "GET /version HTTP/1.0\r\n\r\n" | nc -w 3 api.internal 8080') || return 1
  case "$response" in "HTTP/1.0 200"* | "HTTP/1.1 200"*) ;; *) return 1 ;; esac
  # The body: everything after the first empty line.
  printf '%s\n' "$response" | tr -d '\r' | sed '1,/^$/d'
}

realistic_flow() {
  local version=$1 tag project dir port backend store client v1 v2
  tag=c${version//./}
  project=$PREFIX-$tag
  dir=$WORK/$project
  backend=$project-backend store=$project-store client=$project-client
  port=$(free_port)
  log "--- compose $version, project $project"

  v1=$(build_app_image "$tag" "v1 of $project")
  write_project "$dir" "$project" "$tag" "$port"
  compose_in "$version" "$dir" up -d 2>&1 | sed 's/^/  compose: /' >&2
  container_running "$backend" || fail "compose $version did not start $backend"
  assert_eq "$v1" "$(container_image_id "$backend")" "v1 deployed"
  assert_compose_env "$backend"
  assert_eq "v1 of $project" "$(via_alias "$client")" "v1 through the alias"
  docker exec "$backend" sh -c 'echo precious > /data/keep'

  local before old_id store_id client_id
  before=$(inspect_view "$backend")
  old_id=$(container_id "$backend")
  store_id=$(container_id "$store")
  client_id=$(container_id "$client")

  v2=$(build_app_image "$tag" "v2 of $project")
  [ -n "$HOOK_PID" ] || hook_start
  accept_job "$(pipeline_post openssl /pull "{\"container_name\": \"$backend\"}")"
  wait_for_job "$JOB_ID" "$JOB_TOKEN"
  assert_eq succeeded "$JOB_STATE" "job state (error: $JOB_ERROR)"

  container_running "$backend" || fail "$backend is not running after the job"
  assert_ne "$old_id" "$(container_id "$backend")" "$backend was recreated"
  assert_eq "$v2" "$(container_image_id "$backend")" "$backend runs v2"
  local after
  after=$(inspect_view "$backend")
  [ "$before" = "$after" ] ||
    fail "inspect of $backend differs after the job:
$(diff -u <(echo "$before") <(echo "$after") || true)"
  if [ -n "$(label_of "$backend" com.docker.compose.image)" ]; then
    assert_eq "$v2" "$(label_of "$backend" com.docker.compose.image)" "com.docker.compose.image label"
  fi
  assert_compose_env "$backend"
  assert_eq precious "$(docker exec "$backend" cat /data/keep)" "data in the named volume"
  assert_eq "v2 of $project" "$(via_alias "$client")" "v2 through the alias"
  assert_eq "v2 of $project" "$(http_get "$port" /version)" "v2 on the published port"
  assert_eq "$store_id" "$(container_id "$store")" "the dependency is untouched"
  assert_eq "$client_id" "$(container_id "$client")" "the other container is untouched"
  compose_noop "$version" "$dir"
}

realistic_flow 2.40.3
realistic_flow 2.26.1
log "PASS"
