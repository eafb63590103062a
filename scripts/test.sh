#!/usr/bin/env bash
# Installs everything the tests need, brings up the test bed (Docker engine,
# loopback registry, base image, real docker compose v2 as the judge), builds,
# and runs every test: unit, fault injection, packaging and end to end; then
# the end-to-end suite once more against a current engine (28.5, API 1.51).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh --with-test-tools
./test/e2e/testbed.sh up
./scripts/build.sh
build_dir=$(cd "${BUILD_DIR:-build}" && pwd)

echo "== all tests, Debian's engine 20.10 (API 1.41)"
ctest --test-dir "$build_dir" --output-on-failure --timeout 900 "$@"

echo "== end-to-end tests, engine 28.5 (API 1.51)"
./test/e2e/testbed.sh engine28 up
eval "$(./test/e2e/testbed.sh env)"
DOCKER_HOST=$DH_ENGINE28_HOST ctest --test-dir "$build_dir" -L e2e --output-on-failure --timeout 900 "$@"
