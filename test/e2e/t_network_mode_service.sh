#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# A service that shares another's network namespace (network_mode:
# service:web): compose hashes the reference as the container it resolves
# to, so after /pull of the sidecar `docker compose up -d` must still be a
# no-op with both compose versions. When web itself is redeployed, the
# sidecar follows it into the new namespace.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

for version in 2.40.3 2.26.1; do
  deploy_app "ns-${version//./}" "$version"
  # Its own tag, so that only the sidecar has a new image.
  build_app_image "$APP_TAG-sidecar" "sidecar v1" >/dev/null
  cat >>"$APP_DIR/compose.yaml" <<YAML
  sidecar:
    image: $(app_ref "$APP_TAG-sidecar")
    container_name: $APP_NAME-sidecar
    network_mode: "service:web"
    command: ["sleep", "3600"]
YAML
  compose_in "$version" "$APP_DIR" up -d 2>&1 | sed 's/^/  compose: /' >&2
  old=$(container_id "$APP_NAME-sidecar")
  v2=$(build_app_image "$APP_TAG-sidecar" "sidecar v2")
  [ -n "$HOOK_PID" ] || hook_start
  sign_and_post "/pull?wait=120" "{\"container_name\": \"$APP_NAME-sidecar\"}"
  assert_eq 200 "$RESP_CODE" "sidecar deploy with compose $version: $RESP_BODY"
  assert_ne "$old" "$(container_id "$APP_NAME-sidecar")" "the sidecar was recreated"
  assert_eq "$v2" "$(container_image_id "$APP_NAME-sidecar")" "the sidecar runs v2"
  assert_eq "container:$(container_id "$APP_NAME")" \
    "$(docker inspect -f '{{.HostConfig.NetworkMode}}' "$APP_NAME-sidecar")" "the sidecar shares web's network"
  compose_noop "$version" "$APP_DIR"

  # Redeploying web takes the sidecar's network namespace away with the old
  # container: the sidecar is recreated into the new one, as compose does.
  sidecar_before=$(container_id "$APP_NAME-sidecar")
  build_app_image "$APP_TAG" "v2 of $PREFIX-ns-$version" >/dev/null
  sign_and_post "/pull?wait=120" "{\"container_name\": \"$APP_NAME\"}"
  assert_eq 200 "$RESP_CODE" "web deploy with compose $version: $RESP_BODY"
  assert_ne "$sidecar_before" "$(container_id "$APP_NAME-sidecar")" "the sidecar was recreated"
  container_running "$APP_NAME-sidecar" || fail "the sidecar is not running"
  assert_eq "container:$(container_id "$APP_NAME")" \
    "$(docker inspect -f '{{.HostConfig.NetworkMode}}' "$APP_NAME-sidecar")" "the sidecar joined the new web"
  compose_noop "$version" "$APP_DIR"
done
log "PASS"
