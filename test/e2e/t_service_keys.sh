#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The service keys beyond the basics, deployed as compose deploys them: a
# project whose `app` sets terminal, namespace, resource, security, linking
# and DNS keys and whose `limited` sets deploy.resources and
# deploy.restart_policy, has file, environment and content secrets and
# configs, and joins an internal network with per-attachment
# priority, link-local address and driver options. compose brings it up; the hook's /pull recreates
# each; compose's `up -d` then changes nothing; and the hook's container,
# normalised, equals the one compose's own `up -d --force-recreate` makes.
# A service with pull_policy never is not pulled. Redeploying db, whose volumes app uses, recreates app as compose would.
# Run once per compose version, each creator and judge. Keys this machine
# cannot run (GPUs, SELinux labels, other runtimes, blkio devices,
# storage_opt quotas) are covered by the unit tests only.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# `docker inspect` reduced to what compose decides: Config, HostConfig,
# Mounts and the networks, without ids, names, times and what the engine
# derives from the container id (hostname, short-id alias, addresses). The
# depends_on label is left out: `up --no-deps` writes it empty.
# With $2 = no-hash the config-hash label is left out too: compose before
# 2.29.3 hashes depends_on, which `up --no-deps` drops, so its own recreate
# writes another hash (compose_noop has checked the hook's by then).
inspect_view() {
  docker inspect "$1" | python3 -c '
import json, sys
c = json.load(sys.stdin)[0]
skip_hash = sys.argv[1] == "no-hash"
short = c["Id"][:12]
config = dict(c["Config"])
config.pop("Hostname", None)
config["Env"] = sorted(config.get("Env") or [])
config["Labels"] = {k: v for k, v in (config.get("Labels") or {}).items()
                    if k not in ("com.docker.compose.replace", "com.docker.compose.version",
                                 "com.docker.compose.depends_on")
                    and not (skip_hash and k == "com.docker.compose.config-hash")}
host = dict(c["HostConfig"])
# compose builds Binds and Mounts from a Go map: their order is random.
host["Binds"] = sorted(host.get("Binds") or [])
host["Mounts"] = sorted(host.get("Mounts") or [], key=lambda m: m["Target"])
nets = {}
for name, n in c["NetworkSettings"]["Networks"].items():
    nets[name] = {"Aliases": sorted(a for a in (n.get("Aliases") or []) if a != short),
                  "Links": n.get("Links"), "IPAMConfig": n.get("IPAMConfig"),
                  "DriverOpts": n.get("DriverOpts"), "NetworkID": n.get("NetworkID"),
                  # Engine 28 picks random addresses; the one this project sets stays.
                  "MacAddress": n.get("MacAddress") if (n.get("MacAddress") or "").startswith("02:42:ac:11:65:") else None}
mounts = sorted(c["Mounts"], key=lambda m: m["Destination"])
print(json.dumps({"Config": config, "HostConfig": host, "Mounts": mounts, "Networks": nets},
                 indent=1, sort_keys=True))' "${2:-}"
}

write_project() {
  local dir=$1 tag=$2
  mkdir -p "$dir"
  cat >"$dir/compose.yaml" <<EOF
services:
  db:
    image: $(app_ref "$tag-db")
    command: ["sleep", "86400"]
    stop_signal: SIGKILL
    volumes:
      - shared:/shared
  app:
    image: $(app_ref "$tag")
    pull_policy: if_not_present
    platform: \${NO_SUCH_PLATFORM:-}
    tty: true
    stdin_open: true
    attach: false
    shm_size: 32m
    pids_limit: 200
    security_opt: ["no-new-privileges:true"]
    runtime: runc
    links: ["db:database", db]
    external_links: ["$(basename "$dir")-db-1:extdb"]
    group_add: ["1001", "1002"]
    devices: ["/dev/null:/dev/mynull:rwm", "/dev/zero"]
    device_cgroup_rules: ["c 1:3 mr"]
    domainname: example.test
    mac_address: "02:42:ac:11:65:43"
    dns_opt: ["ndots:2", use-vc]
    dns_search: [example.test, other.test]
    ipc: shareable
    cgroup: private
    cgroup_parent: /$PREFIX
    mem_limit: 256m
    mem_reservation: 32m
    memswap_limit: 512m
    oom_score_adj: 100
    cpu_shares: 512
    cpu_period: 100000
    cpu_quota: 50000
    cpuset: "0"
    blkio_config:
      weight: 300
    isolation: default
    annotations:
      com.example.note: e2e
    volumes_from: ["db:ro"]
    stop_grace_period: 3s
    networks:
      default:
        aliases: [app.alias]
  pinned:
    image: $(app_ref "$tag-pinned")
    pull_policy: never
  limited:
    image: $(app_ref "$tag-limited")
    platform: linux/amd64
    deploy:
      replicas: 1
      resources:
        limits:
          cpus: "0.5"
          memory: 64M
          pids: 50
        reservations:
          cpus: "0.25"
          memory: 16M
      restart_policy:
        condition: on-failure
        max_attempts: 3
    secrets:
      - token
      - source: token
        target: /etc/token
        mode: 0400
      - source: fromenv
        mode: 0440
    configs:
      - conf
      - source: conf
        target: /etc/app.conf
      - source: inline
        target: /etc/inline.conf
    networks:
      default:
      inside:
        priority: 5
        aliases: [limited.inside]
        link_local_ips: [169.254.10.10]
        driver_opts:
          com.example.opt: "1"
volumes:
  shared:
secrets:
  token:
    file: ./token.txt
  fromenv:
    environment: E2E_SECRET
configs:
  conf:
    file: ./app.conf
  inline:
    content: |
      inline for \${COMPOSE_PROJECT_NAME}
networks:
  inside:
    internal: true
    attachable: true
    enable_ipv6: false
    ipam:
      config:
        - subnet: 172.29.$((RANDOM % 200 + 10)).0/24
EOF
  echo "s3cret" >"$dir/token.txt"
  echo "[app]" >"$dir/app.conf"
  echo "E2E_SECRET=from the env file" >"$dir/.env"
}

# The hook's /pull recreates service $3 of project dir $2 (compose $1) with
# image $4, and compose's up -d then changes nothing. Records the hook's
# container in HOOK_VIEW_<service>.
hook_pull() {
  local version=$1 dir=$2 service=$3 name old
  name=$(basename "$dir")-$service-1
  old=$(container_id "$name")
  accept_job "$(pipeline_post openssl /pull "{\"container_name\": \"$name\"}")"
  wait_for_job "$JOB_ID" "$JOB_TOKEN"
  assert_eq succeeded "$JOB_STATE" "$service job state (error: $JOB_ERROR)"
  container_running "$name" || fail "$name is not running after the job"
  assert_ne "$old" "$(container_id "$name")" "$name was recreated"
  assert_eq "$4" "$(container_image_id "$name")" "$name runs v2"
  compose_noop "$version" "$dir"
}

# compose's own `up -d --force-recreate --no-deps` of service $3 gives the
# container the hook made. Run after every hook job: compose 2.26.1's
# --no-deps recreate writes a hash its plain up -d then disagrees with.
same_as_compose() {
  local version=$1 dir=$2 service=$3 name hash='' hook_view compose_view
  name=$(basename "$dir")-$service-1
  [ "$version" != 2.26.1 ] || hash=no-hash
  hook_view=$(inspect_view "$name" $hash)
  compose_in "$version" "$dir" up -d --force-recreate --no-deps "$service" 2>&1 | sed 's/^/  compose: /' >&2
  compose_view=$(inspect_view "$name" $hash)
  [ "$hook_view" = "$compose_view" ] ||
    fail "compose $version: the hook's $service differs from compose's:
$(diff -u <(echo "$hook_view") <(echo "$compose_view") || true)"
  log "compose $version: $service as the hook made it = as compose makes it"
}

# The environment secret and the content config are copied in as compose
# copies them: the hook's container (checked right after its job) and
# compose's hold the same files with the same modes.
copied_files() {
  docker exec "$1" sh -c 'for f in /run/secrets/fromenv /etc/inline.conf; do
    printf "%s %s %s\n" "$f" "$(stat -c %a "$f")" "$(cat "$f")"; done'
}
copied_in() {
  local name want
  name=$(basename "$2")-limited-1
  want="/run/secrets/fromenv 440 from the env file
/etc/inline.conf 444 inline for $(basename "$2")"
  assert_eq "$want" "$HOOK_COPIED" "compose $1: files the hook copied in"
  assert_eq "$want" "$(copied_files "$name")" "compose $1: files compose copied in"
}

keys_flow() {
  local version=$1 tag dir
  tag=k${version//./}
  dir=$WORK/$PREFIX-$tag
  log "--- compose $version, project $(basename "$dir")"
  build_app_image "$tag" "v1" >/dev/null
  build_app_image "$tag-limited" "v1" >/dev/null
  build_app_image "$tag-db" "v1" >/dev/null
  local pinned_v1
  pinned_v1=$(build_app_image "$tag-pinned" "v1")
  docker pull -q "$(app_ref "$tag-pinned")" >/dev/null  # pull_policy never: compose needs it local
  write_project "$dir" "$tag"
  compose_in "$version" "$dir" up -d 2>&1 | sed 's/^/  compose: /' >&2
  container_running "$(basename "$dir")-app-1" || fail "compose $version did not start app"
  local app_v2 limited_v2
  app_v2=$(build_app_image "$tag" "v2")
  limited_v2=$(build_app_image "$tag-limited" "v2")
  [ -n "$HOOK_PID" ] || hook_start
  hook_pull "$version" "$dir" app "$app_v2"
  hook_pull "$version" "$dir" limited "$limited_v2"
  HOOK_COPIED=$(copied_files "$(basename "$dir")-limited-1")
  same_as_compose "$version" "$dir" app
  same_as_compose "$version" "$dir" limited
  assert_eq s3cret "$(docker exec "$(basename "$dir")-limited-1" cat /run/secrets/token)" "file secret mounted"
  assert_eq "[app]" "$(docker exec "$(basename "$dir")-limited-1" cat /etc/app.conf)" "file config mounted"
  copied_in "$version" "$dir"
  # pull_policy never: the hook does not pull; the local image is current.
  local pinned pinned_old
  pinned=$(basename "$dir")-pinned-1
  pinned_old=$(container_id "$pinned")
  build_app_image "$tag-pinned" "v2" >/dev/null
  accept_job "$(pipeline_post openssl /pull "{\"container_name\": \"$pinned\"}")"
  wait_for_job "$JOB_ID" "$JOB_TOKEN"
  assert_eq succeeded "$JOB_STATE" "pinned job state (error: $JOB_ERROR)"
  assert_contains "$JOB_JSON" "pull_policy never: not pulling" "the job says why it did not pull"
  assert_eq "$pinned_old" "$(container_id "$pinned")" "pull_policy never: nothing recreated"
  assert_eq "$pinned_v1" "$(container_image_id "$pinned")" "pull_policy never: the local image runs"
  # app's volumes_from resolves to db's container: redeploying db recreates
  # app too, or compose's next up -d would.
  local app_before db_v2
  app_before=$(container_id "$(basename "$dir")-app-1")
  db_v2=$(build_app_image "$tag-db" "v2")
  hook_pull "$version" "$dir" db "$db_v2"
  assert_ne "$app_before" "$(container_id "$(basename "$dir")-app-1")" "app followed db's new container"
}

keys_flow 2.40.3
keys_flow 2.26.1
log "PASS"
