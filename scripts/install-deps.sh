#!/usr/bin/env bash
# Installs every Debian package the project needs to build, run and test.
# Idempotent: packages already present are not fetched again.
set -euo pipefail

build_packages=(
  build-essential cmake pkg-config
  libcpp-httplib-dev libcurl4-openssl-dev libssl-dev rapidjson-dev libyaml-cpp-dev
  libarchive-dev libsqlite3-dev libcli11-dev libgtest-dev libgmock-dev
  help2man                    # the man page of the .deb (cmake/packaging.cmake)
)
test_packages=(
  docker.io docker-registry busybox-static curl openssl python3 nodejs iproute2 ca-certificates
  wrk binutils                # bench/
  debootstrap                 # test/e2e/testbed.sh debian-images (Dockerfile base images)
  systemd                     # systemd-analyze verify in test/e2e/t_deb_package.sh
  systemd-container           # systemd-nspawn: t_deb_package.sh boots the .deb's unit under systemd
  clang libclang-rt-14-dev   # scripts/fuzz.sh (libFuzzer) and scripts/sanitize.sh
  nginx                       # the reverse proxy of test/e2e/t_front_door_proxy.sh (run as a plain process)
  chromium                    # the headless browser of test/e2e/t_ui.sh (driven by playwright-core)
)
# test/e2e/test_tools.sh fetches the OpenAPI validator with npm: Debian's npm
# package, unless an npm is already there (a nodejs package built elsewhere,
# e.g. NodeSource's, brings its own and conflicts with Debian's).
if ! command -v npm >/dev/null 2>&1; then test_packages+=(npm); fi

# The Dockerfile's build stage: CA certificates for the runtime image, and
# the static libraries libarchive.a leaves unresolved (its other formats
# need them at link time; --gc-sections then drops them, see the Dockerfile).
image_packages=(
  ca-certificates
  libxml2-dev libicu-dev nettle-dev liblzma-dev libbz2-dev zlib1g-dev
)

want=("${build_packages[@]}")
for option in "$@"; do
  case "$option" in
    --with-test-tools) want+=("${test_packages[@]}") ;;
    --for-image) want+=("${image_packages[@]}") ;;
    *) echo "usage: $0 [--with-test-tools] [--for-image]" >&2; exit 2 ;;
  esac
done

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
