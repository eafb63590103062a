#!/usr/bin/env bash
# Checkers the end-to-end tests use, kept in a cache folder outside the
# repository ($DELIVERYHOOK_TEST_TOOLS, default ~/.cache/deliveryhook-test-tools):
#   - promtool, unpacked from Debian's prometheus package (not installed:
#     installing it would add a Prometheus service to the machine);
#   - @apidevtools/swagger-parser from npm, an OpenAPI 3 validator;
#   - playwright-core from npm, which drives Debian's chromium in t_ui.sh
#     (the library only: it never downloads a browser).
#
#   test_tools.sh install                  fetch them all (idempotent)
#   test_tools.sh promtool ARGS...         run promtool, fetching it first
#   test_tools.sh openapi-validate FILE    validate an OpenAPI document
#   test_tools.sh node-path                install playwright-core, print its NODE_PATH
set -euo pipefail

TOOLS_DIR=${DELIVERYHOOK_TEST_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/deliveryhook-test-tools}
SWAGGER_PARSER_VERSION=10.1.1
PLAYWRIGHT_CORE_VERSION=1.49.1

install_promtool() {
  [ -x "$TOOLS_DIR/prometheus/usr/bin/promtool" ] && return 0
  local tmp
  tmp=$(mktemp -d)
  # _apt cannot write into a root-only temp dir; download as the caller.
  (cd "$tmp" && apt-get download -o APT::Sandbox::User=root prometheus >/dev/null 2>&1) ||
    { apt-get update -qq && (cd "$tmp" && apt-get download -o APT::Sandbox::User=root prometheus >/dev/null); }
  mkdir -p "$TOOLS_DIR/prometheus"
  dpkg-deb -x "$tmp"/prometheus_*.deb "$TOOLS_DIR/prometheus"
  rm -rf "$tmp"
}

install_swagger_parser() {
  [ -f "$TOOLS_DIR/npm/node_modules/@apidevtools/swagger-parser/package.json" ] && return 0
  mkdir -p "$TOOLS_DIR/npm"
  npm install --prefix "$TOOLS_DIR/npm" --no-audit --no-fund --loglevel=error \
    "@apidevtools/swagger-parser@$SWAGGER_PARSER_VERSION" >/dev/null
}

install_playwright_core() {
  [ -f "$TOOLS_DIR/npm/node_modules/playwright-core/package.json" ] && return 0
  mkdir -p "$TOOLS_DIR/npm"
  # playwright-core has no install script: no browser is downloaded.
  npm install --prefix "$TOOLS_DIR/npm" --no-audit --no-fund --loglevel=error \
    "playwright-core@$PLAYWRIGHT_CORE_VERSION" >/dev/null
}

case "${1:-}" in
  install)
    install_promtool
    install_swagger_parser
    install_playwright_core
    ;;
  node-path)
    install_playwright_core
    echo "$TOOLS_DIR/npm/node_modules"
    ;;
  promtool)
    shift
    install_promtool
    "$TOOLS_DIR/prometheus/usr/bin/promtool" "$@"
    ;;
  openapi-validate)
    install_swagger_parser
    NODE_PATH="$TOOLS_DIR/npm/node_modules" node -e '
      require("@apidevtools/swagger-parser").validate(process.argv[1]).then(
        (api) => console.log("valid: " + api.info.title + " " + api.info.version),
        (error) => { console.error(error.message); process.exit(1); });' "$2"
    ;;
  *)
    echo "usage: $0 install | promtool ARGS... | openapi-validate FILE | node-path" >&2
    exit 2
    ;;
esac
