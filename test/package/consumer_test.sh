#!/usr/bin/env bash
# Installs the library into a staging prefix and builds a small consumer
# against it with find_package(deliveryhook) and with pkg-config.
set -euo pipefail
build_dir=$1
source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null

cmake -S "$source_dir/examples/redeploy" -B "$work/consumer" \
  -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/consumer" >/dev/null
"$work/consumer/redeploy" --help | grep -q "usage: redeploy"
echo "find_package consumer: ok"

export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig:$work/prefix/lib/x86_64-linux-gnu/pkgconfig"
# The same example, built with nothing but pkg-config's flags (and the
# caller's CXX, CXXFLAGS and LDFLAGS, as cmake above takes them: a sanitized
# library needs a sanitized consumer).
# shellcheck disable=SC2086
${CXX:-g++} -std=c++20 ${CXXFLAGS:-} "$source_dir/examples/redeploy/main.cc" -o "$work/redeploy-pc" \
  $(pkg-config --cflags --libs deliveryhook) ${LDFLAGS:-}
"$work/redeploy-pc" --help | grep -q "usage: redeploy"
echo "pkg-config consumer: ok"
