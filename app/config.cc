#include "config.h"

#include <cctype>
#include <charconv>
#include <filesystem>
#include <functional>
#include <stdexcept>

#include "settings.h"
#include "util/crypto.h"

namespace deliveryhook::app {
namespace {

using deliveryhook::Error;
using deliveryhook::ErrorCode;

// The value of setting `name`. A name missing from the settings table
// (settings.cc) is a programming error, not a user's: every test that parses
// a configuration reads every name and so catches it.
std::string Get(const std::map<std::string, std::string>& env, const std::string& name) {
  if (FindSetting(name) == nullptr) throw std::logic_error(name + " is not in the settings table");
  auto it = env.find(name);
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

// "0", "false", "no", "off" (any case).
bool IsFalse(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text == "0" || text == "false" || text == "no" || text == "off";
}

bool IsTrue(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text == "1" || text == "true" || text == "yes" || text == "on";
}

// A yes/no setting that is set: IsTrue or IsFalse, else an error naming it.
deliveryhook::Result<bool> ParseBool(const std::string& name, const std::string& text) {
  if (IsTrue(text)) return true;
  if (IsFalse(text)) return false;
  return Error(ErrorCode::kInvalidArgument, name + " must be true or false, not \"" + text + "\"");
}

// UI, UI_TOKEN, UI_BASE_PATH.
deliveryhook::Status ReadUi(const std::map<std::string, std::string>& env, Config& config) {
  if (auto ui = Get(env, "UI"); !ui.empty()) {
    auto enabled = ParseBool("UI", ui);
    if (!enabled) return enabled.error();
    config.ui = *enabled;
  }
  config.ui_token = Get(env, "UI_TOKEN");
  // The message never shows the token.
  if (!config.ui_token.empty() && config.ui_token.size() < 16) {
    return Error(ErrorCode::kInvalidArgument, "UI_TOKEN must be 16 characters or more");
  }
  for (char c : config.ui_token) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      return Error(ErrorCode::kInvalidArgument, "UI_TOKEN must not contain spaces or control characters");
    }
  }
  std::string base = Get(env, "UI_BASE_PATH");
  while (!base.empty() && base.back() == '/') base.pop_back();
  bool sane = base.empty() || base.front() == '/';
  for (char c : base) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                         c == '/' || c == '-' || c == '_' || c == '.' || c == '~';
    if (!allowed) sane = false;
  }
  if (!sane || base.find("//") != std::string::npos || base.find("/..") != std::string::npos) {
    return Error(ErrorCode::kInvalidArgument,
                 "UI_BASE_PATH must be a path such as /hook (letters, digits, / - _ . ~), not \"" +
                     Get(env, "UI_BASE_PATH") + "\"");
  }
  config.ui_base_path = base;
  return deliveryhook::Ok();
}

// LOG_LEVEL, METRICS and the NOTIFY_* settings.
deliveryhook::Status ReadObservability(const std::map<std::string, std::string>& env,
                                       Config& config) {
  if (auto level = Get(env, "LOG_LEVEL"); !level.empty()) {
    for (char& c : level) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (level == "warning") level = "warn";
    if (level != "debug" && level != "info" && level != "warn" && level != "error") {
      return Error(ErrorCode::kInvalidArgument, "LOG_LEVEL must be debug, info, warn or error, not \"" +
                                                    Get(env, "LOG_LEVEL") + "\"");
    }
    config.log_level = level;
  }
  if (auto metrics = Get(env, "METRICS"); !metrics.empty()) {
    auto enabled = ParseBool("METRICS", metrics);
    if (!enabled) return enabled.error();
    config.metrics = *enabled;
  }
  // The URLs are secrets of their own (Slack's and Discord's carry the
  // token in the path): messages name the variable, never the value.
  for (auto [name, field] : {std::pair{"NOTIFY_URL", &config.notify_url},
                             std::pair{"NOTIFY_SLACK_URL", &config.notify_slack_url},
                             std::pair{"NOTIFY_DISCORD_URL", &config.notify_discord_url}}) {
    const std::string url = Get(env, name);
    if (url.empty()) continue;
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
      return Error(ErrorCode::kInvalidArgument,
                   std::string(name) + " must be an http:// or https:// URL");
    }
    *field = url;
  }
  config.notify_secret = Get(env, "NOTIFY_SECRET");
  config.notify_ca_file = Get(env, "NOTIFY_CA_FILE");
  return deliveryhook::Ok();
}

// KEYS_FILE's keys; a relative file: secret is read next to the keys file.
deliveryhook::Result<std::vector<deliveryhook::webhook::Key>> ReadKeysFile(const std::string& path) {
  auto text = deliveryhook::webhook::ReadSecretFile(path);
  if (!text) return Error(ErrorCode::kInvalidArgument, "KEYS_FILE: " + text.error().message());
  const auto folder = std::filesystem::path(path).parent_path();
  auto keys = deliveryhook::webhook::ParseKeysFile(*text, [&](const std::string& secret_path) {
    const std::filesystem::path file(secret_path);
    return deliveryhook::webhook::ReadSecretFile(file.is_absolute() ? file : folder / file);
  });
  if (!keys) return Error(ErrorCode::kInvalidArgument, "KEYS_FILE " + path + ": " + keys.error().message());
  return keys;
}

// SECRET_KEY or SECRET_KEY_FILE (Docker secrets), as the key "default";
// then KEYS_FILE. Sets config.secret and config.keys.
deliveryhook::Status ReadKeys(const std::map<std::string, std::string>& env, Config& config) {
  config.secret = Get(env, "SECRET_KEY");
  const std::string secret_file = Get(env, "SECRET_KEY_FILE");
  if (!config.secret.empty() && !secret_file.empty()) {
    return Error(ErrorCode::kInvalidArgument, "SECRET_KEY and SECRET_KEY_FILE are both set: set only one");
  }
  if (!secret_file.empty()) {
    auto secret = deliveryhook::webhook::ReadSecretFile(secret_file);
    if (!secret) return Error(ErrorCode::kInvalidArgument, "SECRET_KEY_FILE: " + secret.error().message());
    config.secret = *secret;
  }
  if (!config.secret.empty()) config.keys.push_back(deliveryhook::webhook::DefaultKey(config.secret));
  if (const std::string keys_file = Get(env, "KEYS_FILE"); !keys_file.empty()) {
    auto keys = ReadKeysFile(keys_file);
    if (!keys) return keys.error();
    for (auto& key : *keys) {
      if (key.id == deliveryhook::webhook::kDefaultKeyId && !config.keys.empty()) {
        return Error(ErrorCode::kInvalidArgument,
                     "KEYS_FILE " + keys_file + ": the key id \"default\" is SECRET_KEY's; name it otherwise");
      }
      config.keys.push_back(std::move(key));
    }
  }
  return deliveryhook::Ok();
}

}  // namespace

bool IsHookSetting(const std::string& name) {
  // The crash tests' fault switch (serve_command.cc) is no setting to
  // document, but compose files must not see it either.
  if (name == "DELIVERY_HOOK_FAULT_KILL_AFTER") return true;
  const Setting* setting = FindSetting(name);
  return setting != nullptr && !setting->shared_with_compose;
}

deliveryhook::Result<Config> ConfigFromEnvironment(const std::map<std::string, std::string>& env,
                                                   bool dev_mode) {
  Config config;
  if (auto keys = ReadKeys(env, config); !keys) return keys.error();
  if (config.keys.empty()) {
    if (!dev_mode) {
      return Error(ErrorCode::kInvalidArgument,
                   "SECRET_KEY is not set: set it to the secret your pipeline signs with "
                   "(or SECRET_KEY_FILE, or KEYS_FILE; or run `delivery-hook serve --dev` to try "
                   "the hook with a generated one)");
    }
    config.secret = deliveryhook::util::RandomHex(24);
    config.secret_generated = true;
    config.keys.push_back(deliveryhook::webhook::DefaultKey(config.secret));
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
      {"NOTIFY_TIMEOUT", 1, 300,
       [&](long long v) { config.notify_timeout_seconds = static_cast<int>(v); }},
      {"NOTIFY_ATTEMPTS", 1, 10,
       [&](long long v) { config.notify_attempts = static_cast<int>(v); }},
      {"AUTH_FAIL_LIMIT", 0, 1000000,
       [&](long long v) { config.auth_fail_limit = static_cast<std::size_t>(v); }},
      {"AUTH_FAIL_WINDOW_SECONDS", 1, 86400,
       [&](long long v) { config.auth_fail_window_seconds = static_cast<int>(v); }},
      {"STOP_GRACE_SECONDS", 0, 3600,
       [&](long long v) { config.stop_grace_seconds = static_cast<int>(v); }},
      {"READ_TIMEOUT_SECONDS", 1, 300,
       [&](long long v) { config.read_timeout_seconds = static_cast<int>(v); }},
      {"WRITE_TIMEOUT_SECONDS", 1, 300,
       [&](long long v) { config.write_timeout_seconds = static_cast<int>(v); }},
      {"HEADER_TIMEOUT_SECONDS", 1, 300,
       [&](long long v) { config.header_timeout_seconds = static_cast<int>(v); }},
      {"BODY_TIMEOUT_SECONDS", 1, 300,
       [&](long long v) { config.body_timeout_seconds = static_cast<int>(v); }},
      {"MAX_HEADER_BYTES", 1024, 1024 * 1024,
       [&](long long v) { config.max_header_bytes = static_cast<std::size_t>(v); }},
      {"MAX_HEADER_COUNT", 10, 10000,
       [&](long long v) { config.max_header_count = static_cast<std::size_t>(v); }},
      {"MAX_CONNECTIONS", 1, 100000,
       [&](long long v) { config.max_connections = static_cast<std::size_t>(v); }},
      {"UI_SESSION_HOURS", 1, 720,
       [&](long long v) { config.ui_session_hours = static_cast<int>(v); }},
      {"REPLAY_PER_KEY", 1, 10000000,
       [&](long long v) { config.replay_per_key = static_cast<std::size_t>(v); }},
  };
  for (const auto& setting : numbers) {
    const std::string text = Get(env, setting.name);
    if (text.empty()) continue;
    auto value = ParseNumber(setting.name, text, setting.low, setting.high);
    if (!value) return value.error();
    setting.apply(*value);
  }
  config.show_docs = !Get(env, "SHOW_DOCS").empty() && !IsFalse(Get(env, "SHOW_DOCS"));
  if (auto status = ReadObservability(env, config); !status) return status.error();
  if (auto opt_in = Get(env, "REQUIRE_OPT_IN"); !opt_in.empty()) {
    auto required = ParseBool("REQUIRE_OPT_IN", opt_in);
    if (!required) return required.error();
    config.require_opt_in = *required;
  }
  if (config.replay_per_key == 0) {
    config.replay_per_key = 2 * static_cast<std::size_t>(config.timestamp_window_seconds);
  }
  if (auto proxies = Get(env, "TRUSTED_PROXIES"); !proxies.empty()) {
    auto parsed = deliveryhook::webhook::TrustedProxies::Parse(proxies);
    if (!parsed) return parsed.error();
    config.trusted_proxies = std::move(*parsed);
  }
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
  if (auto status = ReadUi(env, config); !status) return status.error();
  return config;
}

}  // namespace deliveryhook::app
