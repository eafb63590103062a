#include "config.h"

#include <charconv>
#include <functional>
#include <set>

#include "deliveryhook/jobs/job_store.h"

namespace delivery_hook {
namespace {

using deliveryhook::Error;
using deliveryhook::ErrorCode;

std::string Get(const std::map<std::string, std::string>& env, const std::string& key) {
  auto it = env.find(key);
  return it == env.end() ? std::string() : it->second;
}

// Parses a whole decimal number within [low, high].
deliveryhook::Result<long long> ParseNumber(const std::string& name, const std::string& text,
                                            long long low, long long high) {
  long long value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < low || value > high) {
    return Error(ErrorCode::kInvalidArgument, name + " must be a whole number from " +
                                                  std::to_string(low) + " to " +
                                                  std::to_string(high) + ", not \"" + text + "\"");
  }
  return value;
}

}  // namespace

bool IsHookSetting(const std::string& name) {
  static const std::set<std::string> kNames = {
      "SECRET_KEY", "LISTEN_ADDRESS", "PORT", "UVICORN_PORT", "SHOW_DOCS", "WORKERS",
      "MAX_BODY_BYTES", "TIMESTAMP_WINDOW", "SETTLE_MS", "DATA_DIR", "JOB_RETENTION_DAYS",
      "JOB_HISTORY", "DELIVERY_HOOK_FAULT_KILL_AFTER",
      "TLS_CERT_FILE", "TLS_KEY_FILE", "STOP_GRACE_SECONDS", "READ_TIMEOUT_SECONDS",
      "WRITE_TIMEOUT_SECONDS", "MAX_HEADER_BYTES", "MAX_HEADER_COUNT", "MAX_CONNECTIONS"};
  return kNames.count(name) != 0;
}

deliveryhook::Result<Config> ConfigFromEnvironment(const std::map<std::string, std::string>& env,
                                                   bool dev_mode) {
  Config config;
  config.secret = Get(env, "SECRET_KEY");
  if (config.secret.empty()) {
    if (!dev_mode) {
      return Error(ErrorCode::kInvalidArgument,
                   "SECRET_KEY is not set: set it to the secret your pipeline signs with "
                   "(or run `delivery-hook serve --dev` to try the hook with a generated one)");
    }
    config.secret = deliveryhook::jobs::JobStore::RandomHex(24);
    config.secret_generated = true;
  }
  if (auto address = Get(env, "LISTEN_ADDRESS"); !address.empty()) config.listen_address = address;
  if (dev_mode && Get(env, "LISTEN_ADDRESS").empty()) config.listen_address = "127.0.0.1";

  struct NumberSetting {
    const char* name;
    long long low, high;
    std::function<void(long long)> apply;
  };
  const NumberSetting numbers[] = {
      {"UVICORN_PORT", 1, 65535, [&](long long v) { config.port = static_cast<int>(v); }},
      {"PORT", 1, 65535, [&](long long v) { config.port = static_cast<int>(v); }},
      {"WORKERS", 1, 64, [&](long long v) { config.workers = static_cast<std::size_t>(v); }},
      {"MAX_BODY_BYTES", 64, 16 * 1024 * 1024,
       [&](long long v) { config.max_body_bytes = static_cast<std::size_t>(v); }},
      {"TIMESTAMP_WINDOW", 1, 86400,
       [&](long long v) { config.timestamp_window_seconds = static_cast<int>(v); }},
      {"SETTLE_MS", 0, 600000, [&](long long v) { config.settle_milliseconds = static_cast<int>(v); }},
      {"JOB_RETENTION_DAYS", 1, 3650,
       [&](long long v) { config.job_retention_days = static_cast<int>(v); }},
      {"JOB_HISTORY", 10, 1000000,
       [&](long long v) { config.job_history = static_cast<std::size_t>(v); }},
      {"STOP_GRACE_SECONDS", 0, 3600,
       [&](long long v) { config.stop_grace_seconds = static_cast<int>(v); }},
      {"READ_TIMEOUT_SECONDS", 1, 300,
       [&](long long v) { config.read_timeout_seconds = static_cast<int>(v); }},
      {"WRITE_TIMEOUT_SECONDS", 1, 300,
       [&](long long v) { config.write_timeout_seconds = static_cast<int>(v); }},
      {"MAX_HEADER_BYTES", 1024, 1024 * 1024,
       [&](long long v) { config.max_header_bytes = static_cast<std::size_t>(v); }},
      {"MAX_HEADER_COUNT", 10, 10000,
       [&](long long v) { config.max_header_count = static_cast<std::size_t>(v); }},
      {"MAX_CONNECTIONS", 1, 100000,
       [&](long long v) { config.max_connections = static_cast<std::size_t>(v); }},
  };
  for (const auto& setting : numbers) {
    const std::string text = Get(env, setting.name);
    if (text.empty()) continue;
    auto value = ParseNumber(setting.name, text, setting.low, setting.high);
    if (!value) return value.error();
    setting.apply(*value);
  }
  config.show_docs = !Get(env, "SHOW_DOCS").empty();
  config.docker_host = Get(env, "DOCKER_HOST");
  config.tls_cert_file = Get(env, "TLS_CERT_FILE");
  config.tls_key_file = Get(env, "TLS_KEY_FILE");
  if (config.tls_cert_file.empty() != config.tls_key_file.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "TLS_CERT_FILE and TLS_KEY_FILE go together: set both for HTTPS, or neither");
  }
  if (auto data_dir = Get(env, "DATA_DIR"); !data_dir.empty()) {
    config.data_dir = data_dir;
    config.data_dir_given = true;
  }
  return config;
}

}  // namespace delivery_hook
