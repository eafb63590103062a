#include "settings.h"

#include <array>
#include <cstddef>

namespace deliveryhook::app {
namespace {

// A setting of the hook's own: kept out of the compose interpolation.
constexpr Setting Own(std::string_view name, std::string_view default_shown,
                      std::string_view meaning, std::string_view alias = {}) {
  return Setting{name, default_shown, meaning, alias, false};
}

// Docker's own variable, which compose files see as `docker compose` would.
constexpr Setting Docker(std::string_view name, std::string_view default_shown,
                         std::string_view meaning) {
  return Setting{name, default_shown, meaning, {}, true};
}

// Keep in the order of docs/configuration.md's table; the unit test
// settings_docs_test.cc compares names and defaults both ways.
constexpr std::array kSettings = {
    Own("SECRET_KEY", "(required, or SECRET_KEY_FILE or KEYS_FILE)",
        "the shared secret requests are signed with: the key \"default\""),
    Own("SECRET_KEY_FILE", "", "a file holding SECRET_KEY (a Docker secret)"),
    Own("KEYS_FILE", "", "more keys, with ids and scopes, one per line"),
    Own("REQUIRE_OPT_IN", "false",
        "true: only containers labelled org.deliveryhook.enable=true are deployed"),
    Own("AUTH_FAIL_LIMIT", "20",
        "failed authentications per client within the window before its failing "
        "requests get 429; 0 disables"),
    Own("AUTH_FAIL_WINDOW_SECONDS", "60", "that window"),
    Own("TRUSTED_PROXIES", "",
        "reverse proxies (addresses, CIDR networks) whose X-Forwarded-For names the client"),
    Own("REPLAY_PER_KEY", "twice TIMESTAMP_WINDOW",
        "accepted requests remembered per key within the window"),
    Own("PORT", "8000", "listening port", "UVICORN_PORT"),
    Own("LISTEN_ADDRESS", "0.0.0.0", "listening address"),
    Docker("DOCKER_HOST", "unix:///var/run/docker.sock",
           "the engine: unix://path or tcp://host:port"),
    Docker("DOCKER_CONFIG", "~/.docker", "folder of config.json, for registry credentials"),
    Own("WORKERS", "2", "deploys of different services run at once"),
    Own("MAX_BODY_BYTES", "65536", "larger bodies get 413"),
    Own("TIMESTAMP_WINDOW", "300", "seconds a timestamp may be old or ahead"),
    Own("SETTLE_MS", "1000",
        "how long a new container must keep running before the old one is removed"),
    Own("DATA_DIR", "/var/lib/delivery-hook",
        "the job history database, which also keeps the replay memory"),
    Own("JOB_RETENTION_DAYS", "30",
        "jobs older than this are pruned; rollbacks reach back this far at most"),
    Own("JOB_HISTORY", "1000",
        "at most this many jobs are kept (all services); rollbacks reach back this far at most"),
    Own("SHOW_DOCS", "",
        "any value but 0, false, no, off serves GET /docs and GET /openapi.json"),
    Own("LOG_LEVEL", "info", "debug, info, warn or error"),
    Own("METRICS", "true", "false: GET /metrics answers 404"),
    Own("NOTIFY_URL", "", "when a job ends, POST the job as JSON here"),
    Own("NOTIFY_SECRET", "", "signs NOTIFY_URL's requests; empty: unsigned"),
    Own("NOTIFY_SLACK_URL", "", "a Slack incoming-webhook URL, told when a job ends"),
    Own("NOTIFY_DISCORD_URL", "", "a Discord webhook URL, told when a job ends"),
    Own("NOTIFY_TIMEOUT", "5", "seconds one notification try may take"),
    Own("NOTIFY_ATTEMPTS", "3", "tries per notification"),
    Own("NOTIFY_CA_FILE", "",
        "certificate authorities (PEM) https:// receivers are verified with"),
    Own("TLS_CERT_FILE", "", "PEM certificate (chain): with TLS_KEY_FILE, HTTPS only"),
    Own("TLS_KEY_FILE", "", "PEM private key of TLS_CERT_FILE"),
    Own("STOP_GRACE_SECONDS", "8",
        "on SIGTERM, how long running jobs may take before they are rolled back"),
    Own("READ_TIMEOUT_SECONDS", "10", "longest wait for the next bytes of a request"),
    Own("HEADER_TIMEOUT_SECONDS", "10",
        "a request's line and headers must be in within this many seconds"),
    Own("BODY_TIMEOUT_SECONDS", "10",
        "a request's body must be in within this many seconds of its headers"),
    Own("WRITE_TIMEOUT_SECONDS", "10",
        "longest wait for a client to take the next bytes of an answer"),
    Own("MAX_HEADER_COUNT", "100", "requests with more headers get 431"),
    Own("MAX_HEADER_BYTES", "16384", "requests with larger headers get 431"),
    Own("MAX_CONNECTIONS", "512", "connections held at once"),
    Own("UI", "false",
        "true: serve the read-only operator's page at /ui (docs/ui.md); a read key or "
        "UI_TOKEN logs in"),
    Own("UI_TOKEN", "",
        "a token (16 characters or more) that logs in to the page with a view of everything"),
    Own("UI_BASE_PATH", "",
        "the path prefix a reverse proxy serves the hook under, e.g. /hook (the cookie's Path)"),
    Own("UI_SESSION_HOURS", "8", "a page login lasts this long"),
};

}  // namespace

std::span<const Setting> Settings() { return kSettings; }

const Setting* FindSetting(std::string_view name) {
  for (const Setting& setting : kSettings) {
    if (setting.name == name || (!setting.alias.empty() && setting.alias == name)) return &setting;
  }
  return nullptr;
}

namespace {

// "(8000; UVICORN_PORT is read too)", "(empty)"; a default that is already a
// parenthesised phrase keeps its own parentheses.
std::string ShownDefault(const Setting& setting) {
  std::string shown = setting.default_shown.empty() ? "empty" : std::string(setting.default_shown);
  if (!setting.alias.empty()) shown += "; " + std::string(setting.alias) + " is read too";
  return shown.front() == '(' ? shown : "(" + shown + ")";
}

// `text` in lines of at most `width` columns, each indented by `indent`.
std::string Wrapped(std::string_view text, std::size_t indent, std::size_t width) {
  std::string out;
  std::string line(indent, ' ');
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(' ', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view word = text.substr(start, end - start);
    if (line.size() > indent && line.size() + 1 + word.size() > width) {
      out += line + "\n";
      line.assign(indent, ' ');
    }
    if (line.size() > indent) line += ' ';
    line += word;
    start = end + 1;
  }
  return out + line + "\n";
}

}  // namespace

std::string SettingsHelp() {
  // help2man turns an "Environment:" paragraph into the man page's
  // ENVIRONMENT section; a tag line followed by lines indented 20 or more
  // columns becomes one entry per setting.
  constexpr std::size_t kMeaningIndent = 22;
  constexpr std::size_t kWidth = 80;
  std::string help = "Environment:\n";
  for (const Setting& setting : kSettings) {
    help += "  " + std::string(setting.name) + " " + ShownDefault(setting) + "\n";
    help += Wrapped(setting.meaning, kMeaningIndent, kWidth);
  }
  return help;
}

}  // namespace deliveryhook::app
