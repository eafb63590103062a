#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Networks and volumes a service gains after the first `up`: compose starts
# a project, then the service is given a new network and a new named volume
# in its file. `/pull` creates both, as compose's own `up` would (same
# driver settings, same labels, compose's config hash from 2.31/2.32), and
# attaches the new container to them; `compose up -d` afterwards is a no-op
# and leaves the network and volume alone. The labels equal those compose's
# own `up` gives the same file in a second project. Run once per compose
# version.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

write_file() {
  local dir=$1 tag=$2 grown=$3
  mkdir -p "$dir"
  if [ "$grown" = no ]; then
    printf 'services:\n  web:\n    image: %s\n' "$(app_ref "$tag")" >"$dir/compose.yaml"
    return
  fi
  cat >"$dir/compose.yaml" <<EOF
services:
  web:
    image: $(app_ref "$tag")
    networks: [default, front]
    volumes:
      - data:/data
networks:
  front:
    driver: bridge
    driver_opts:
      com.docker.network.bridge.enable_icc: "true"
    attachable: true
    labels:
      com.example.tier: front
volumes:
  data:
    labels:
      com.example.backup: nightly
EOF
}

# `docker network inspect` / `volume inspect` of what compose decides, with
# the project name $2 replaced by PROJECT and the config-hash label left out
# (it hashes the name; checked on its own).
network_view() {
  docker network inspect "$1" | python3 -c '
import json, sys
n = json.load(sys.stdin)[0]
p = sys.argv[1]
labels = {k: v.replace(p, "PROJECT") for k, v in (n["Labels"] or {}).items()
          if k != "com.docker.compose.config-hash"}
print(json.dumps({"name": n["Name"].replace(p, "PROJECT"), "driver": n["Driver"],
                  "options": n["Options"], "internal": n["Internal"], "attachable": n["Attachable"],
                  "ipv6": n["EnableIPv6"], "ipam_driver": n["IPAM"]["Driver"],
                  "ipam_options": n["IPAM"]["Options"], "labels": labels}, sort_keys=True))' "$2"
}
volume_view() {
  docker volume inspect "$1" | python3 -c '
import json, sys
v = json.load(sys.stdin)[0]
p = sys.argv[1]
labels = {k: x.replace(p, "PROJECT") for k, x in (v["Labels"] or {}).items()
          if k != "com.docker.compose.config-hash"}
print(json.dumps({"name": v["Name"].replace(p, "PROJECT"), "driver": v["Driver"],
                  "options": v["Options"], "labels": labels}, sort_keys=True))' "$2"
}

# compose's NetworkHash/VolumeHash of $2.$3 ($2: networks or volumes) as
# `compose $1 config` in dir $4 prints the definition.
expected_hash() {
  compose_in "$1" "$4" config --format json | python3 -c '
import hashlib, json, sys
kind, key = sys.argv[1], sys.argv[2]
config = json.load(sys.stdin)[kind][key]
if kind == "volumes" and not config.get("driver"):
    config = dict([("name", config["name"]), ("driver", "local")] +
                  [(k, v) for k, v in config.items() if k != "name"])
print(hashlib.sha256(json.dumps(config, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest())' "$2" "$3"
}
net_label() { docker network inspect -f "{{index .Labels \"$2\"}}" "$1"; }
vol_label() { docker volume inspect -f "{{index .Labels \"$2\"}}" "$1"; }

resources_flow() {
  local version=$1 tag project dir judge_project judge web old_id
  tag=c${version//./}
  project=$PREFIX-$tag
  dir=$WORK/$project
  judge_project=$PREFIX-$tag-judge
  judge=$WORK/$judge_project
  web=$project-web-1
  log "--- compose $version, project $project"

  build_app_image "$tag" "v1 of $project" >/dev/null
  write_file "$dir" "$tag" no
  compose_in "$version" "$dir" up -d 2>&1 | sed 's/^/  compose: /' >&2
  container_running "$web" || fail "compose $version did not start $web"
  old_id=$(container_id "$web")
  if docker network inspect "${project}_front" >/dev/null 2>&1; then fail "the network exists already"; fi

  write_file "$dir" "$tag" yes
  [ -n "$HOOK_PID" ] || hook_start
  accept_job "$(pipeline_post openssl /pull "{\"container_name\": \"$web\"}")"
  wait_for_job "$JOB_ID" "$JOB_TOKEN"
  assert_eq succeeded "$JOB_STATE" "job state (error: $JOB_ERROR)"

  container_running "$web" || fail "$web is not running after the job"
  assert_ne "$old_id" "$(container_id "$web")" "$web was recreated"
  local networks net_id vol_created
  networks=$(docker inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}' "$web")
  assert_contains "$networks" "${project}_front" "$web is attached to the new network"
  assert_contains "$networks" "${project}_default" "$web stays on the default network"
  assert_eq "${project}_data" \
    "$(docker inspect -f '{{range .Mounts}}{{if eq .Destination "/data"}}{{.Name}}{{end}}{{end}}' "$web")" \
    "$web mounts the new volume"
  net_id=$(docker network inspect -f '{{.Id}}' "${project}_front")
  vol_created=$(docker volume inspect -f '{{.CreatedAt}}' "${project}_data")

  compose_noop "$version" "$dir"
  assert_eq "$net_id" "$(docker network inspect -f '{{.Id}}' "${project}_front")" \
    "compose $version up -d kept the network"
  assert_eq "$vol_created" "$(docker volume inspect -f '{{.CreatedAt}}' "${project}_data")" \
    "compose $version up -d kept the volume"

  # The same file in a second project, set up by compose itself.
  mkdir -p "$judge"
  cp "$dir/compose.yaml" "$judge/compose.yaml"
  compose_in "$version" "$judge" up -d 2>&1 | sed 's/^/  compose: /' >&2
  assert_eq "$(network_view "${judge_project}_front" "$judge_project")" \
    "$(network_view "${project}_front" "$project")" "the network is the one compose $version creates"
  assert_eq "$(volume_view "${judge_project}_data" "$judge_project")" \
    "$(volume_view "${project}_data" "$project")" "the volume is the one compose $version creates"
  local network_hash volume_hash
  network_hash=$(net_label "${judge_project}_front" com.docker.compose.config-hash)
  volume_hash=$(vol_label "${judge_project}_data" com.docker.compose.config-hash)
  if [ "$version" = 2.26.1 ]; then
    assert_eq "" "$network_hash" "compose 2.26.1 puts no hash on networks"
    assert_eq "" "$volume_hash" "compose 2.26.1 puts no hash on volumes"
    assert_eq "" "$(net_label "${project}_front" com.docker.compose.config-hash)" "no network hash"
    assert_eq "" "$(vol_label "${project}_data" com.docker.compose.config-hash)" "no volume hash"
  else
    # The judge's own labels confirm the way the hashes are computed here ...
    assert_eq "$(expected_hash "$version" networks front "$judge")" "$network_hash" "compose's network hash"
    assert_eq "$(expected_hash "$version" volumes data "$judge")" "$volume_hash" "compose's volume hash"
    # ... which the network and volume the hook made must carry.
    assert_eq "$(expected_hash "$version" networks front "$dir")" \
      "$(net_label "${project}_front" com.docker.compose.config-hash)" "the network's config hash"
    assert_eq "$(expected_hash "$version" volumes data "$dir")" \
      "$(vol_label "${project}_data" com.docker.compose.config-hash)" "the volume's config hash"
  fi
  log "compose $version: the network and volume match compose's own"
}

resources_flow 2.40.3
resources_flow 2.26.1
log "PASS"
