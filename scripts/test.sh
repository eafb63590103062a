#!/usr/bin/env bash
# Installs everything the tests need, brings up the test bed (Docker engine,
# loopback registry, base image, real docker compose v2 as the judge), builds,
# and runs every test: unit, fault injection, packaging and end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh --with-test-tools
./test/e2e/testbed.sh up
./scripts/build.sh
cd "${BUILD_DIR:-build}"
ctest --output-on-failure --timeout 900 "$@"
