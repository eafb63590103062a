# Sourced by sanitize.sh and tsan.sh: the end of a sanitized run.
# finish_sanitized_run NAME LOG_DIR LINES STATUS prints every report the
# sanitizers wrote into LOG_DIR (its first LINES lines), and exits 1 if there
# was one or STATUS was not 0, else 0 with "NAME: clean".
finish_sanitized_run() {
  local name=$1 logs=$2 lines=$3 status=$4 report
  if compgen -G "$logs/*" >/dev/null; then
    echo "$name: sanitizer reports:" >&2
    for report in "$logs"/*; do echo "--- $(basename "$report")" >&2; head -n "$lines" "$report" >&2; done
    status=1
  fi
  [ "$status" = 0 ] && echo "$name: clean"
  exit "$status"
}
