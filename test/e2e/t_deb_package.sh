#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The .deb that `cpack -G DEB` makes from the build folder: its control data
# and contents, installed with dpkg on this host, its systemd unit checked
# with `systemd-analyze verify`, the service started as the unit starts it,
# a real /pull deploy through it (judged by compose), then purged, leaving
# the host as it was.
#
# What is NOT exercised: systemd itself. PID 1 here is not systemd, so the
# unit is never started by it and its sandboxing (ProtectSystem=strict,
# ProtectHome, PrivateTmp, RestrictAddressFamilies, SystemCallFilter, ...)
# is not applied. The test does by hand what the unit asks for: the
# EnvironmentFile's variables, ExecStart, as User/Group with the
# SupplementaryGroups, and the StateDirectory created for that user.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ -n "${DELIVERYHOOK_BUILD_DIR:-}" ] || fail "DELIVERYHOOK_BUILD_DIR is not set (run through ctest)"
command -v systemd-analyze >/dev/null || fail "systemd-analyze not found; run scripts/install-deps.sh --with-test-tools"

PACKAGE=delivery-hook
UNIT=/usr/lib/systemd/system/$PACKAGE.service
DEFAULTS=/etc/default/$PACKAGE

if dpkg-query -W -f='${Status}' "$PACKAGE" 2>/dev/null | grep -q installed; then
  fail "$PACKAGE is already installed on this host; this test installs and purges its own"
fi
getent passwd "$PACKAGE" >/dev/null && fail "a user $PACKAGE exists already; this test's package creates and removes it"

# A hook once run as root without DATA_DIR leaves /var/lib/delivery-hook
# behind; the package's purge removes that folder, so keep a copy aside.
state_dir=/var/lib/$PACKAGE
if [ -e "$state_dir" ]; then
  mv "$state_dir" "$WORK/state-dir-before"
  on_cleanup "rm -rf $state_dir; mv $WORK/state-dir-before $state_dir"
fi
on_cleanup "dpkg --purge $PACKAGE >/dev/null 2>&1 || true"

# --- the packages --------------------------------------------------------------
log "cpack -G DEB"
cpack -G DEB --config "$DELIVERYHOOK_BUILD_DIR/CPackConfig.cmake" -B "$WORK/packages" \
  >"$WORK/cpack.log" 2>&1 || fail "cpack failed: $(tail -n 20 "$WORK/cpack.log")"
deb=$(ls "$WORK"/packages/${PACKAGE}_*.deb)
dev_deb=$(ls "$WORK"/packages/libdeliveryhook-dev_*.deb)

info=$(dpkg-deb -I "$deb")
assert_eq "$PACKAGE" "$(dpkg-deb -f "$deb" Package)" "package name"
depends=$(dpkg-deb -f "$deb" Depends)
log "Depends: $depends"
for dependency in adduser libc6 libcurl4 libssl3 libyaml-cpp0.7 libsqlite3-0 libcpp-httplib0.11; do
  assert_contains "$depends" "$dependency" "dpkg-shlibdeps' dependencies"
done
for script in postinst prerm postrm conffiles; do
  assert_contains "$info" " $script " "the control archive"
done
assert_eq "$DEFAULTS" "$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles)" "conffiles"

contents=$(dpkg-deb -c "$deb")
assert_contains "$contents" "-rwxr-xr-x root/root" "the executable's mode"
for path in ./usr/bin/delivery-hook ".$UNIT" ".$DEFAULTS" ./usr/share/man/man1/delivery-hook.1.gz; do
  assert_contains "$contents" "$path" "the package's files"
done
assert_contains "$(grep " .$DEFAULTS\$" <<<"$contents")" "-rw------- root/root" "$DEFAULTS is root's only (it holds SECRET_KEY)"
dev_contents=$(dpkg-deb -c "$dev_deb")
for path in include/deliveryhook/deploy/deployer.h lib/cmake/deliveryhook/deliveryhookConfig.cmake \
  lib/pkgconfig/deliveryhook.pc lib/libdeliveryhook.a; do
  assert_contains "$dev_contents" "./usr/$path" "libdeliveryhook-dev's files"
done

# --- installed ---------------------------------------------------------------
log "dpkg -i $(basename "$deb")"
dpkg -i "$deb" >"$WORK/dpkg-install.log" 2>&1 || fail "dpkg -i failed: $(cat "$WORK/dpkg-install.log")"
assert_eq "delivery-hook 0.1.0" "$(/usr/bin/delivery-hook --version)" "the installed executable"
hook_uid=$(id -u "$PACKAGE") || fail "postinst did not create the user $PACKAGE"
[ "$hook_uid" -lt 1000 ] || fail "the user $PACKAGE is not a system user (uid $hook_uid)"
man -w delivery-hook >/dev/null 2>&1 || [ -f /usr/share/man/man1/delivery-hook.1.gz ] || fail "no man page"
zcat /usr/share/man/man1/delivery-hook.1.gz | grep -q 'healthcheck' || fail "the man page lacks the commands"
verify=$(systemd-analyze verify "$UNIT" 2>&1) || fail "systemd-analyze verify $UNIT: $verify"
log "systemd-analyze verify: ok${verify:+ ($verify)}"

# --- started as the unit would start it -----------------------------------------
unit_value() { sed -n "s/^$1=//p" "$UNIT" | tail -n 1; }
exec_start=$(unit_value ExecStart)
user=$(unit_value User)
group=$(unit_value Group)
extra_group=$(unit_value SupplementaryGroups)
environment_file=$(unit_value EnvironmentFile)
state_directory=/var/lib/$(unit_value StateDirectory)
assert_eq "$DEFAULTS" "$environment_file" "the unit's EnvironmentFile"
assert_eq "$state_dir" "$state_directory" "the unit's StateDirectory is the default DATA_DIR"

# The engine's socket must let the unit's SupplementaryGroups in.
engine_socket=${DOCKER_HOST:-unix:///var/run/docker.sock}
engine_socket=${engine_socket#unix://}
assert_eq "$extra_group" "$(stat -c %G "$engine_socket")" "the docker socket's group"

# What an administrator does: the secret and the address go into the
# environment file (the engine too, when it is not the default one).
HOOK_PORT=$(free_port)
API_BASE="http://127.0.0.1:$HOOK_PORT"
{
  echo "SECRET_KEY=$HOOK_SECRET"
  echo "PORT=$HOOK_PORT"
  echo "LISTEN_ADDRESS=127.0.0.1"
  [ -z "${DOCKER_HOST:-}" ] || echo "DOCKER_HOST=$DOCKER_HOST"
} >>"$DEFAULTS"

# What systemd does for StateDirectory= and StateDirectoryMode=.
install -d -o "$user" -g "$group" -m "$(unit_value StateDirectoryMode)" "$state_directory"
# The service user reads the compose project below $WORK (mktemp made it 0700).
chmod 755 "$WORK"

log "starting: $exec_start (as $user:$group +$extra_group, $environment_file)"
# A clean environment with the file's variables (its KEY=value lines, as
# systemd reads them) plus what systemd sets for a User= service.
# shellcheck disable=SC2046,SC2086  # the file's lines and ExecStart are word lists
env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$state_directory" USER="$user" LOGNAME="$user" \
  $(grep -E '^[A-Za-z_][A-Za-z0-9_]*=' "$environment_file") \
  setpriv --reuid="$user" --regid="$group" --groups="$(getent group "$extra_group" | cut -d: -f3)" \
  --no-new-privs -- $exec_start >"$HOOK_LOG" 2>&1 &
HOOK_PID=$!
for ((i = 0; i < 60; i++)); do
  hook_answers && break
  kill -0 "$HOOK_PID" 2>/dev/null || fail "the service exited at start: $(tail -n 20 "$HOOK_LOG")"
  sleep 0.25
done
hook_answers || fail "the service does not answer on $API_BASE"
assert_eq "$hook_uid" "$(stat -c %u "/proc/$HOOK_PID")" "the service runs as $user"
PORT=$HOOK_PORT /usr/bin/delivery-hook healthcheck || fail "delivery-hook healthcheck does not see the service"

pull_flow openssl 2.40.3
[ -f "$state_directory/jobs.sqlite3" ] || fail "no job history in $state_directory"
assert_eq "$user" "$(stat -c %U "$state_directory/jobs.sqlite3")" "the job history's owner"

# SIGTERM, as systemd's stop sends it.
kill -TERM "$HOOK_PID"
code=0
wait "$HOOK_PID" || code=$?
HOOK_PID=
assert_eq 0 "$code" "the service's exit code after SIGTERM"

# --- purged --------------------------------------------------------------------
dpkg --purge "$PACKAGE" >"$WORK/dpkg-purge.log" 2>&1 || fail "dpkg --purge failed: $(cat "$WORK/dpkg-purge.log")"
dpkg-query -W -f='${Status}' "$PACKAGE" 2>/dev/null | grep -q installed && fail "$PACKAGE is still installed"
for path in /usr/bin/delivery-hook "$UNIT" "$DEFAULTS" "$state_directory"; do
  [ ! -e "$path" ] || fail "$path is left after the purge"
done
getent passwd "$PACKAGE" >/dev/null && fail "the user $PACKAGE is left after the purge"
getent group "$PACKAGE" >/dev/null && fail "the group $PACKAGE is left after the purge"
log "PASS"
