#!/usr/bin/env bash
# Quick start: install what the build needs, build, and run the hook in dev
# mode (a generated secret and a ready-to-paste signed request are printed).
# Set SECRET_KEY, PORT, DOCKER_HOST... to override the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
exec ./build/app/delivery-hook serve --dev
