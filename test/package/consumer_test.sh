#!/usr/bin/env bash
# Installs the library's component (what libdeliveryhook-dev ships) into a
# staging prefix, checks that it holds nothing but the library, its headers
# and the package files, and builds a small consumer against it with
# find_package(deliveryhook) and with pkg-config.
set -euo pipefail
build_dir=$1
source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build_dir" --prefix "$work/prefix" --component development >/dev/null

# lib/ or lib/<multiarch>/, as GNUInstallDirs chose for the prefix.
allowed='^(include/deliveryhook/.+\.h|lib(/[^/]+-linux-gnu)?/(libdeliveryhook\.(a|so[.0-9]*)|cmake/deliveryhook/[^/]+\.cmake|pkgconfig/deliveryhook\.pc))$'
unexpected=$(find "$work/prefix" ! -type d -printf '%P\n' | grep -Ev "$allowed" || true)
if [ -n "$unexpected" ]; then
  echo "the development component installs more than the library: $unexpected" >&2
  exit 1
fi
echo "development component: only the library, headers and package files"

cmake -S "$source_dir/examples/redeploy" -B "$work/consumer" \
  -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/consumer" >/dev/null
"$work/consumer/redeploy" --help | grep -q "usage: redeploy"
echo "find_package consumer: ok"

export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig:$work/prefix/lib/x86_64-linux-gnu/pkgconfig"
# The same example, built with nothing but pkg-config's flags (and the
# caller's CXX, CXXFLAGS and LDFLAGS, as cmake above takes them: a sanitized
# library needs a sanitized consumer). No -std here: the headers need C++20,
# and the .pc's Cflags must say so.
# shellcheck disable=SC2046,SC2086  # one argument per flag
${CXX:-g++} ${CXXFLAGS:-} "$source_dir/examples/redeploy/main.cc" -o "$work/redeploy-pc" \
  $(pkg-config --cflags --libs deliveryhook) ${LDFLAGS:-}
"$work/redeploy-pc" --help | grep -q "usage: redeploy"
echo "pkg-config consumer: ok"
