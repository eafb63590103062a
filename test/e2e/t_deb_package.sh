#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The .deb that `cpack -G DEB` makes from the build folder: its control data
# and contents; then, in a Debian 12 machine booted with systemd-nspawn
# (systemd as PID 1, the host's network, the engine's socket bound in):
# installed with dpkg, its unit checked with `systemd-analyze verify`, the
# service started by systemd with all of the unit's sandboxing, a real /pull
# deploy through it (judged by compose on the host), stopped (exit status
# 0), the package purged with its user and state, the machine powered off.
# The host's own packages, users and /etc are never touched.
#
# The machine's root is `testbed.sh systemd-root`: the test bed's debootstrap
# root plus systemd and the package's dependencies, made once per dependency
# list and cached; this scenario lays a throwaway overlay over it.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ -n "${DELIVERYHOOK_BUILD_DIR:-}" ] || fail "DELIVERYHOOK_BUILD_DIR is not set (run through ctest)"
command -v systemd-nspawn >/dev/null || fail "systemd-nspawn not found; run scripts/install-deps.sh --with-test-tools"

PACKAGE=delivery-hook
UNIT=/usr/lib/systemd/system/$PACKAGE.service
DEFAULTS=/etc/default/$PACKAGE
STATE_DIR=/var/lib/$PACKAGE

# The machine: a valid host name, unique like everything the scenario makes.
MACHINE=$PREFIX
MACHINE_ROOT=$WORK/machine/root
MACHINE_CGROUP=
NSPAWN_PID=
LEADER_PID=
# The compose projects: outside /tmp (the unit's PrivateTmp hides the host's
# /tmp from the service), bound into the machine at the same path, so the
# paths in the containers' compose labels are valid on both sides.
APP_ROOT=/srv/$PREFIX

# A command in the running machine (all its namespaces), with a clean
# environment.
in_machine() {
  nsenter --target "$LEADER_PID" --all -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
}

# The service's journal, for the log at failure and for the checks.
service_journal() { in_machine journalctl --no-pager -o cat -u "$PACKAGE.service" 2>&1; }

machine_running() { [ -n "$NSPAWN_PID" ] && kill -0 "$NSPAWN_PID" 2>/dev/null; }

# Powers the machine off (systemd's SIGRTMIN+4), killing it when it does not
# go within 60 s; then its overlay, cgroup and the project folder go.
machine_remove() {
  local i
  if machine_running; then
    service_journal >"$HOOK_LOG" 2>&1
    [ -z "$LEADER_PID" ] || kill -s SIGRTMIN+4 "$LEADER_PID" 2>/dev/null
    for ((i = 0; i < 120; i++)); do machine_running || break; sleep 0.5; done
    # SIGKILL to the machine's PID 1 ends everything in it, then nspawn.
    if machine_running; then
      [ -z "$LEADER_PID" ] || kill -KILL "$LEADER_PID" 2>/dev/null
      sleep 1
      kill -KILL "$NSPAWN_PID" 2>/dev/null
    fi
    wait "$NSPAWN_PID" 2>/dev/null
  fi
  NSPAWN_PID=
  HOOK_PID=
  mountpoint -q "$MACHINE_ROOT" && umount "$MACHINE_ROOT"
  [ -z "$MACHINE_CGROUP" ] || [ ! -d "$MACHINE_CGROUP" ] ||
    find "$MACHINE_CGROUP" -depth -type d -exec rmdir {} + 2>/dev/null
  rm -rf "$APP_ROOT"
}
on_cleanup machine_remove

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
# Each package has its own files only: the daemon's are not in the -dev
# package, the library's are not in the daemon's.
for path in ./usr/bin/delivery-hook ".$UNIT" ".$DEFAULTS" ./usr/share/man/man1/delivery-hook.1.gz \
  ./usr/share/doc/delivery-hook/; do
  assert_not_contains "$dev_contents" "$path" "libdeliveryhook-dev's files"
done
for path in ./usr/include/ ./usr/lib/cmake/ ./usr/lib/pkgconfig/ libdeliveryhook.a; do
  assert_not_contains "$contents" "$path" "$PACKAGE's files"
done

# --- the machine ----------------------------------------------------------------
# The package's dependencies by name (the first of each alternative).
dependency_names=$(tr ',' '\n' <<<"$depends" | sed -E 's/\|.*//; s/\(.*\)//; s/[[:space:]]//g' | grep -v '^$')
started=$SECONDS
# shellcheck disable=SC2086  # one argument per package
base_root=$("$E2E_DIR/testbed.sh" systemd-root $dependency_names) || fail "no root with systemd (see above)"
log "root with systemd and $(wc -w <<<"$dependency_names") dependencies: $((SECONDS - started)) s"

mkdir -p "$WORK/machine/upper" "$WORK/machine/work" "$MACHINE_ROOT" "$APP_ROOT"
mount -t overlay overlay \
  -o "lowerdir=$base_root,upperdir=$WORK/machine/upper,workdir=$WORK/machine/work" "$MACHINE_ROOT" ||
  fail "cannot mount the overlay over $base_root"

# The engine's socket, bound in at the same path; its group (the unit's
# SupplementaryGroups) gets the same gid inside.
engine_socket=${DOCKER_HOST:-unix:///var/run/docker.sock}
case "$engine_socket" in unix://*) ;; *) fail "the machine reaches the engine by its unix socket; DOCKER_HOST=$engine_socket" ;; esac
engine_socket=$(readlink -f "${engine_socket#unix://}")
[ -S "$engine_socket" ] || fail "no engine socket at $engine_socket"
socket_gid=$(stat -c %g "$engine_socket")
assert_eq docker "$(stat -c %G "$engine_socket")" "the docker socket's group"

nspawn_flags=(--quiet --machine="$MACHINE" --directory="$MACHINE_ROOT" --boot --console=read-only
  --bind="$engine_socket" --bind="$APP_ROOT")
if [ ! -d /run/systemd/system ]; then
  # No systemd on the host: no bus to register the machine on, no manager to
  # make its scope. nspawn then stays in the cgroup it starts in, so it gets
  # one of its own, where the machine's systemd builds its tree.
  nspawn_flags+=(--register=no --keep-unit)
  if [ -d /sys/fs/cgroup/systemd ]; then
    MACHINE_CGROUP=/sys/fs/cgroup/systemd$(sed -n 's/^[0-9]*:name=systemd://p' /proc/self/cgroup)
  else
    MACHINE_CGROUP=/sys/fs/cgroup$(sed -n 's/^0:://p' /proc/self/cgroup)
  fi
  MACHINE_CGROUP=${MACHINE_CGROUP%/}/$MACHINE
  mkdir "$MACHINE_CGROUP"
fi

log "booting $MACHINE: systemd-nspawn ${nspawn_flags[*]}"
started=$SECONDS
(
  [ -z "$MACHINE_CGROUP" ] || echo "$BASHPID" >"$MACHINE_CGROUP/cgroup.procs"
  exec systemd-nspawn "${nspawn_flags[@]}"
) </dev/null >"$WORK/machine-console.log" 2>&1 &
NSPAWN_PID=$!
# Stands for the hook in lib.sh (pull_flow starts none when it is set).
HOOK_PID=$NSPAWN_PID
# PID 1 of the machine: nspawn's child once it runs systemd.
for ((i = 0; i < 60; i++)); do
  machine_running || fail "systemd-nspawn exited: $(tail -n 20 "$WORK/machine-console.log")"
  for pid in $(pgrep -P "$NSPAWN_PID" || true); do
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = systemd ] && LEADER_PID=$pid
  done
  [ -n "$LEADER_PID" ] && break
  sleep 0.5
done
[ -n "$LEADER_PID" ] || fail "the machine's systemd did not start: $(tail -n 20 "$WORK/machine-console.log")"
state=$(timeout 90 nsenter --target "$LEADER_PID" --all systemctl is-system-running --wait 2>&1 || true)
[ "$state" = running ] ||
  fail "the machine is '$state' after boot: $(in_machine systemctl --failed --no-legend 2>&1)"
log "machine $MACHINE booted in $((SECONDS - started)) s (systemd $(in_machine systemctl --version | awk 'NR == 1 {print $2}'))"

# --- installed ---------------------------------------------------------------
# The docker group first, with the socket's gid, as on a host with the engine.
in_machine groupadd --system --gid "$socket_gid" docker || fail "groupadd docker ($socket_gid) in the machine failed"
cp "$deb" "$MACHINE_ROOT/root/"
log "dpkg -i $(basename "$deb") in the machine"
in_machine dpkg -i "/root/$(basename "$deb")" >"$WORK/dpkg-install.log" 2>&1 ||
  fail "dpkg -i failed: $(cat "$WORK/dpkg-install.log")"
assert_eq "delivery-hook 0.1.0" "$(in_machine /usr/bin/delivery-hook --version)" "the installed executable"
hook_uid=$(in_machine id -u "$PACKAGE") || fail "postinst did not create the user $PACKAGE"
[ "$hook_uid" -lt 1000 ] || fail "the user $PACKAGE is not a system user (uid $hook_uid)"
zcat "$MACHINE_ROOT/usr/share/man/man1/delivery-hook.1.gz" | grep -q 'healthcheck' || fail "the man page lacks the commands"
# --man=no: the machine has no man-db; the man page was checked above.
verify=$(in_machine systemd-analyze verify --man=no "$UNIT" 2>&1) || fail "systemd-analyze verify $UNIT: $verify"
log "systemd-analyze verify: ok${verify:+ ($verify)}"
assert_eq "disabled" "$(in_machine systemctl is-enabled "$PACKAGE" 2>&1 || true)" "the unit after dpkg -i (needs SECRET_KEY first)"

# What an administrator does: the secret and the address go into the
# environment file (the engine too, when it is not the default one).
HOOK_PORT=$(free_port)
API_BASE="http://127.0.0.1:$HOOK_PORT"
{
  echo "SECRET_KEY=$HOOK_SECRET"
  echo "PORT=$HOOK_PORT"
  echo "LISTEN_ADDRESS=127.0.0.1"
  [ -z "${DOCKER_HOST:-}" ] || echo "DOCKER_HOST=$DOCKER_HOST"
} | in_machine sh -c "cat >>$DEFAULTS"
# A sanitized build's executable: LeakSanitizer's exit-time check needs
# ptrace, which the unit's SystemCallFilter forbids (the service then hangs
# at exit until systemd kills it), so it is off here (the other scenarios
# check for leaks); any other report goes to the journal, checked below.
if grep -q '^DELIVERYHOOK_SANITIZE:BOOL=ON' "$DELIVERYHOOK_BUILD_DIR/CMakeCache.txt"; then
  in_machine mkdir -p "/etc/systemd/system/$PACKAGE.service.d"
  printf '[Service]\nEnvironment=ASAN_OPTIONS=detect_leaks=0\n' |
    in_machine sh -c "cat >/etc/systemd/system/$PACKAGE.service.d/sanitizer.conf"
  in_machine systemctl daemon-reload
fi

# --- started by systemd -------------------------------------------------------
# docs/install.md's command. Enabled, the unit also stays loaded once stopped
# (multi-user.target wants it), so its exit status can be read then.
log "systemctl enable --now $PACKAGE"
in_machine systemctl enable --now "$PACKAGE" 2>"$WORK/enable.log" ||
  fail "systemctl enable --now $PACKAGE failed: $(cat "$WORK/enable.log") $(service_journal)"
assert_eq enabled "$(in_machine systemctl is-enabled "$PACKAGE" || true)" "systemctl is-enabled $PACKAGE"
for ((i = 0; i < 60; i++)); do
  hook_answers && break
  in_machine systemctl is-failed --quiet "$PACKAGE" && fail "the service failed at start: $(service_journal)"
  sleep 0.25
done
hook_answers || fail "the service does not answer on $API_BASE: $(service_journal)"
assert_eq active "$(in_machine systemctl is-active "$PACKAGE" || true)" "systemctl is-active $PACKAGE"
assert_contains "$(service_journal)" "event=listening address=127.0.0.1" "the service's journal"
health=$(curl -fsS --max-time 5 "$API_BASE/healthz") || fail "GET /healthz from the host failed: $(service_journal)"
assert_eq ok "$(json_get engine <<<"$health")" "the engine in /healthz (the docker socket through SupplementaryGroups)"
assert_eq ok "$(json_get database <<<"$health")" "the database in /healthz (the StateDirectory)"
in_machine env PORT="$HOOK_PORT" /usr/bin/delivery-hook healthcheck || fail "delivery-hook healthcheck does not see the service"

# The sandbox is on: the process as systemd made it.
main_pid=$(in_machine systemctl show -p MainPID --value "$PACKAGE")
status=$(in_machine cat "/proc/$main_pid/status")
proc_field() { awk -v k="$1:" '$1 == k {$1 = ""; sub(/^ /, ""); print}' <<<"$status"; }
assert_eq "$hook_uid" "$(proc_field Uid | awk '{print $1}')" "the service's uid"
assert_contains " $(proc_field Groups) " " $socket_gid " "the service's groups (SupplementaryGroups=docker)"
assert_eq 1 "$(proc_field NoNewPrivs)" "NoNewPrivs"
assert_eq 2 "$(proc_field Seccomp)" "Seccomp (SystemCallFilter)"
assert_eq 0000000000000000 "$(proc_field CapBnd)" "the capability bounding set"
assert_ne "$(in_machine readlink /proc/1/ns/mnt)" "$(in_machine readlink "/proc/$main_pid/ns/mnt")" \
  "the service's mount namespace (ProtectSystem, PrivateTmp, ...)"

# systemctl reload: SIGHUP, the keys read again, the same process.
in_machine systemctl reload "$PACKAGE" || fail "systemctl reload $PACKAGE failed: $(service_journal)"
for ((i = 0; i < 40; i++)); do
  service_journal | grep -q 'event=keys_reloaded' && break
  sleep 0.25
done
assert_contains "$(service_journal)" "event=keys_reloaded ids=default" "the journal after systemctl reload"
assert_eq "$main_pid" "$(in_machine systemctl show -p MainPID --value "$PACKAGE")" "the same process after the reload"

pull_flow openssl 2.40.3
in_machine test -f "$STATE_DIR/jobs.sqlite3" || fail "no job history in $STATE_DIR"
assert_eq "$PACKAGE" "$(in_machine stat -c %U "$STATE_DIR/jobs.sqlite3")" "the job history's owner"

# --- stopped -------------------------------------------------------------------
log "systemctl stop $PACKAGE"
in_machine systemctl stop "$PACKAGE" || fail "systemctl stop $PACKAGE failed"
assert_eq "Result=success
ExecMainCode=1
ExecMainStatus=0" "$(in_machine systemctl show -p Result -p ExecMainCode -p ExecMainStatus "$PACKAGE")" \
  "the service's end (exited, status 0)"
journal=$(service_journal)
assert_contains "$journal" "event=stopped" "the service's journal after stop"
assert_contains "$journal" "Deactivated successfully" "the service's journal after stop"
assert_not_contains "$journal" "Sanitizer" "the service's journal"

# --- purged --------------------------------------------------------------------
in_machine dpkg --purge "$PACKAGE" >"$WORK/dpkg-purge.log" 2>&1 || fail "dpkg --purge failed: $(cat "$WORK/dpkg-purge.log")"
# shellcheck disable=SC2016  # dpkg-query expands ${Status}
in_machine dpkg-query -W -f='${Status}' "$PACKAGE" 2>/dev/null | grep -q installed && fail "$PACKAGE is still installed"
for path in /usr/bin/delivery-hook "$UNIT" "$DEFAULTS" "$STATE_DIR" \
  "/etc/systemd/system/multi-user.target.wants/$PACKAGE.service"; do
  in_machine test ! -e "$path" || fail "$path is left after the purge"
done
in_machine getent passwd "$PACKAGE" >/dev/null && fail "the user $PACKAGE is left after the purge"
in_machine getent group "$PACKAGE" >/dev/null && fail "the group $PACKAGE is left after the purge"

# --- powered off ---------------------------------------------------------------
kill -s SIGRTMIN+4 "$LEADER_PID"
for ((i = 0; i < 120; i++)); do machine_running || break; sleep 0.5; done
machine_running && fail "the machine did not power off within 60 s"
code=0
wait "$NSPAWN_PID" || code=$?
NSPAWN_PID=
HOOK_PID=
assert_eq 0 "$code" "systemd-nspawn's exit code after poweroff"
log "PASS"
