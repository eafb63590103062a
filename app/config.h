// The hook's settings, read from the environment (the original design's
// variable names keep working).
#ifndef DELIVERYHOOK_APP_CONFIG_H_
#define DELIVERYHOOK_APP_CONFIG_H_

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "deliveryhook/result.h"
#include "deliveryhook/webhook/keys.h"
#include "deliveryhook/webhook/trusted_proxies.h"

namespace deliveryhook::app {

struct Config {
  std::string secret;            // SECRET_KEY or SECRET_KEY_FILE's content; may be empty with KEYS_FILE
  bool secret_generated = false; // --dev without SECRET_KEY: a random one
  std::string listen_address = "0.0.0.0";  // LISTEN_ADDRESS
  int port = 8000;               // PORT, or the original's UVICORN_PORT
  bool show_docs = false;        // SHOW_DOCS non-empty
  std::string docker_host;       // DOCKER_HOST; empty: the default socket
  std::size_t workers = 2;       // WORKERS: deploys of different services at once
  std::size_t max_body_bytes = 64 * 1024;  // MAX_BODY_BYTES
  int timestamp_window_seconds = 300;      // TIMESTAMP_WINDOW
  int settle_milliseconds = 1000;          // SETTLE_MS: a new container must run this long
  std::string data_dir = "/var/lib/delivery-hook";  // DATA_DIR: the job database lives here
  bool data_dir_given = false;                      // DATA_DIR was set explicitly
  int job_retention_days = 30;                      // JOB_RETENTION_DAYS
  std::size_t job_history = 1000;                   // JOB_HISTORY: jobs kept at most
  // Observability and notifications.
  std::string log_level = "info";    // LOG_LEVEL: debug, info, warn, error
  bool metrics = true;               // METRICS: serve GET /metrics
  std::string notify_url;            // NOTIFY_URL: generic JSON when a job ends
  std::string notify_secret;         // NOTIFY_SECRET: signs NOTIFY_URL's requests
  std::string notify_slack_url;      // NOTIFY_SLACK_URL
  std::string notify_discord_url;    // NOTIFY_DISCORD_URL
  int notify_timeout_seconds = 5;    // NOTIFY_TIMEOUT: per try
  int notify_attempts = 3;           // NOTIFY_ATTEMPTS
  std::string notify_ca_file;        // NOTIFY_CA_FILE: CAs for https receivers
  // Every key: "default" (the secret above) first, then KEYS_FILE's. Never empty.
  std::vector<deliveryhook::webhook::Key> keys;
  bool require_opt_in = false;        // REQUIRE_OPT_IN: only containers labelled to opt in
  std::size_t auth_fail_limit = 20;   // AUTH_FAIL_LIMIT: failed authentications per client; 0: off
  int auth_fail_window_seconds = 60;  // AUTH_FAIL_WINDOW_SECONDS
  // TRUSTED_PROXIES: peers whose X-Forwarded-For / Forwarded name the client.
  deliveryhook::webhook::TrustedProxies trusted_proxies;
  // REPLAY_PER_KEY: accepted requests remembered per key; 0 (unset): twice
  // TIMESTAMP_WINDOW, one accepted request per second per key on average.
  std::size_t replay_per_key = 0;
  std::string tls_cert_file;                        // TLS_CERT_FILE: HTTPS with TLS_KEY_FILE
  std::string tls_key_file;                         // TLS_KEY_FILE
  int stop_grace_seconds = 8;       // STOP_GRACE_SECONDS: running jobs' time to end on SIGTERM
  int read_timeout_seconds = 10;    // READ_TIMEOUT_SECONDS
  int write_timeout_seconds = 10;   // WRITE_TIMEOUT_SECONDS
  // Total deadlines, however steadily the bytes come: a request's line and
  // headers within HEADER_TIMEOUT_SECONDS of the accept (or of the previous
  // answer), its body within BODY_TIMEOUT_SECONDS of its headers.
  int header_timeout_seconds = 10;  // HEADER_TIMEOUT_SECONDS
  int body_timeout_seconds = 10;    // BODY_TIMEOUT_SECONDS
  std::size_t max_header_bytes = 16 * 1024;  // MAX_HEADER_BYTES
  std::size_t max_header_count = 100;        // MAX_HEADER_COUNT
  std::size_t max_connections = 512;         // MAX_CONNECTIONS
  // The operator's page.
  bool ui = false;                 // UI: serve /ui
  std::string ui_token;            // UI_TOKEN: logs in with an unrestricted view
  std::string ui_base_path;        // UI_BASE_PATH: "" or "/prefix"
  int ui_session_hours = 8;        // UI_SESSION_HOURS
};

// Reads the settings from `env`. With `dev_mode`, a missing SECRET_KEY is
// replaced by a random one instead of being an error.
deliveryhook::Result<Config> ConfigFromEnvironment(const std::map<std::string, std::string>& env,
                                                   bool dev_mode);

// Names of the variables the hook reads, so they can be kept out of the
// compose interpolation environment.
bool IsHookSetting(const std::string& name);

}  // namespace deliveryhook::app

#endif  // DELIVERYHOOK_APP_CONFIG_H_
