#!/usr/bin/env bash
# Installs every Debian package the project needs to build, run and test.
# Idempotent: packages already present are not fetched again.
set -euo pipefail

build_packages=(
  build-essential cmake pkg-config
  libcpp-httplib-dev libcurl4-openssl-dev libssl-dev rapidjson-dev libyaml-cpp-dev
  libarchive-dev libsqlite3-dev libcli11-dev libgtest-dev libgmock-dev
)
test_packages=(
  docker.io docker-registry busybox-static curl openssl python3 nodejs iproute2 ca-certificates
  wrk binutils                # bench/
  debootstrap                 # test/e2e/testbed.sh debian-images (Dockerfile base images)
  clang libclang-rt-14-dev   # scripts/fuzz.sh (libFuzzer) and scripts/sanitize.sh
  npm                         # test/e2e/test_tools.sh (OpenAPI validator)
)

want=("${build_packages[@]}")
[ "${1:-}" = "--with-test-tools" ] && want+=("${test_packages[@]}")

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The e2e checkers kept outside the repository: promtool (unpacked from
# Debian's prometheus package) and an OpenAPI validator from npm.
if [ "${1:-}" = "--with-test-tools" ]; then
  "$(dirname "$0")/../test/e2e/test_tools.sh" install
fi
