#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The YAML as compose reads it, deployed: the service's `restart` and labels
# come from a merge key inside a mapping that is itself merged (with a list
# of merges and an override after them) and a label_file, its volumes carry `:z`/`:Z`, an
# absolute bind source with a trailing slash and one with a double slash
# (compose keeps both as written). After /pull the container is recreated
# and compose's `up -d` changes nothing. A second service comes from an
# included file and extends a service of a third file (relative paths
# resolving against their own directories); /pull recreates it too. Once per compose version, each
# creating first and judging after.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

write_project() {
  local dir=$1 tag=$2
  mkdir -p "$dir/conf" "$WORK/host-$tag"
  echo config >"$dir/conf/app.conf"
  printf 'com.example.from-file=yes\ncom.example.own=overridden by the service\n' >"$dir/app.labels"
  cat >"$dir/compose.yaml" <<EOF
x-restart: &restart
  restart: unless-stopped
x-base: &base
  <<: *restart
  stop_signal: SIGKILL
  labels: &labels
    com.example.tier: web
x-more: &more
  com.example.team: ops
  com.example.tier: ignored
services:
  app:
    <<: *base
    image: $(app_ref "$tag")
    container_name: $PREFIX-$tag-app
    labels:
      <<: [*labels, *more]
      com.example.own: "yes"
    label_file: ./app.labels
    volumes:
      - ./conf:/etc/app:ro,z
      - data:/data:Z
      - $WORK/host-$tag/:/host-trailing
      - $WORK//host-$tag:/host-double
      - type: bind
        source: $WORK/host-$tag/
        target: /host-long
include:
  - path: lib/worker.yaml
    env_file: lib/worker.env
volumes:
  data:
EOF
  mkdir -p "$dir/lib/shared/conf" "$dir/lib/state"
  echo shared >"$dir/lib/shared/conf/base.conf"
  cat >"$dir/lib/worker.yaml" <<EOF
services:
  worker:
    extends:
      file: shared/base.yaml
      service: base
    image: $(app_ref "$tag")
    container_name: $PREFIX-$tag-worker
    environment:
      ROLE: \${WORKER_ROLE}
    volumes:
      - ./state:/state
EOF
  echo "WORKER_ROLE=batch" >"$dir/lib/worker.env"
  cat >"$dir/lib/shared/base.yaml" <<'EOF'
services:
  base:
    restart: on-failure:3
    stop_signal: SIGKILL
    environment:
      ROLE: base
      SHARED: "yes"
    volumes:
      - ./conf:/etc/base:ro
EOF
}

# HostConfig.$1 of container $2, its entries sorted (compose builds them
# from a Go map, in no fixed order).
sorted_host_config() {
  docker inspect -f "{{json .HostConfig.$1}}" "$2" |
    python3 -c 'import json, sys; print(sorted(json.dumps(m, sort_keys=True) for m in json.load(sys.stdin) or []))'
}

yaml_flow() {
  local version=$1 tag project dir app v1 v2 old_id
  tag=y${version//./}
  project=$PREFIX-$tag
  dir=$WORK/$project
  app=$PREFIX-$tag-app
  log "--- compose $version, project $project"
  v1=$(build_app_image "$tag" "v1 of $project")
  write_project "$dir" "$tag"
  compose_in "$version" "$dir" up -d 2>&1 | sed 's/^/  compose: /' >&2
  container_running "$app" || fail "compose $version did not start $app"
  assert_eq unless-stopped "$(docker inspect -f '{{.HostConfig.RestartPolicy.Name}}' "$app")" \
    "restart from the nested merge (compose itself)"
  local binds_before mounts_before
  binds_before=$(sorted_host_config Binds "$app")
  mounts_before=$(sorted_host_config Mounts "$app")
  old_id=$(container_id "$app")

  v2=$(build_app_image "$tag" "v2 of $project")
  [ -n "$HOOK_PID" ] || hook_start
  accept_job "$(pipeline_post openssl /pull "{\"container_name\": \"$app\"}")"
  wait_for_job "$JOB_ID" "$JOB_TOKEN"
  assert_eq succeeded "$JOB_STATE" "job state (error: $JOB_ERROR)"
  assert_ne "$old_id" "$(container_id "$app")" "$app was recreated"
  assert_eq "$v2" "$(container_image_id "$app")" "$app runs v2"
  assert_eq unless-stopped "$(docker inspect -f '{{.HostConfig.RestartPolicy.Name}}' "$app")" "restart kept"
  assert_eq yes "$(docker inspect -f '{{index .Config.Labels "com.example.from-file"}}' "$app")" "label_file"
  assert_eq "yes ops web" "$(docker inspect -f '{{index .Config.Labels "com.example.own"}} {{index .Config.Labels "com.example.team"}} {{index .Config.Labels "com.example.tier"}}' "$app")" "merged labels"
  assert_eq "$binds_before" "$(sorted_host_config Binds "$app")" "Binds as compose wrote them"
  assert_eq "$mounts_before" "$(sorted_host_config Mounts "$app")" "Mounts as compose wrote them"

  local worker=$PREFIX-$tag-worker worker_binds worker_id
  container_running "$worker" || fail "compose $version did not start $worker"
  worker_binds=$(sorted_host_config Binds "$worker")
  assert_contains "$worker_binds" "$dir/lib/shared/conf:/etc/base:ro" "extended bind (compose itself)"
  worker_id=$(container_id "$worker")
  accept_job "$(pipeline_post openssl /pull "{\"container_name\": \"$worker\"}")"
  wait_for_job "$JOB_ID" "$JOB_TOKEN"
  assert_eq succeeded "$JOB_STATE" "worker job state (error: $JOB_ERROR)"
  assert_ne "$worker_id" "$(container_id "$worker")" "$worker was recreated"
  assert_eq "$worker_binds" "$(sorted_host_config Binds "$worker")" "worker Binds as compose wrote them"
  assert_contains "$(docker exec "$worker" env)" "ROLE=batch" "include env_file interpolation"
  assert_eq on-failure:3 "$(docker inspect -f '{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}' "$worker")" "extended restart"
  compose_noop "$version" "$dir"
}

yaml_flow 2.40.3
yaml_flow 2.26.1
log "PASS"
