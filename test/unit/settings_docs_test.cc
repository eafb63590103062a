// The settings table (app/settings.cc) is the one list of the hook's
// environment variables: the docs' table, the packaged settings file and
// --help must name exactly its settings, with its defaults.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli.h"
#include "config.h"
#include "settings.h"

namespace {

using deliveryhook::app::FindSetting;
using deliveryhook::app::IsHookSetting;
using deliveryhook::app::Settings;

std::string ReadSourceFile(const std::string& relative) {
  std::ifstream in(std::string(DELIVERYHOOK_SOURCE_DIR) + "/" + relative);
  EXPECT_TRUE(in) << "cannot read " << relative;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string WithoutBackticks(std::string text) {
  std::erase(text, '`');
  return text;
}

std::string Trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(' ');
  if (first == std::string::npos) return {};
  return text.substr(first, text.find_last_not_of(' ') - first + 1);
}

// name -> default as written in the "| variable | default | meaning |" table,
// backticks dropped and "(empty)" read as empty.
std::map<std::string, std::string> DocumentedDefaults(const std::string& markdown) {
  std::map<std::string, std::string> defaults;
  std::istringstream lines(markdown);
  std::string line;
  bool in_table = false;
  while (std::getline(lines, line)) {
    if (line.rfind("| variable | default | meaning |", 0) == 0) {
      in_table = true;
      continue;
    }
    if (!in_table) continue;
    if (line.rfind("|", 0) != 0) break;
    if (line.rfind("|---", 0) == 0) continue;
    std::vector<std::string> cells;
    std::istringstream row(line.substr(1));
    for (std::string cell; std::getline(row, cell, '|');) cells.push_back(Trimmed(cell));
    if (cells.size() < 2) continue;
    std::string value = WithoutBackticks(cells[1]);
    if (value == "(empty)") value.clear();
    defaults[WithoutBackticks(cells[0])] = value;
  }
  return defaults;
}

TEST(SettingsDocs, ConfigurationTableMatchesTheCode) {
  const auto documented = DocumentedDefaults(ReadSourceFile("docs/configuration.md"));
  ASSERT_FALSE(documented.empty()) << "no settings table in docs/configuration.md";
  for (const auto& setting : Settings()) {
    const auto it = documented.find(std::string(setting.name));
    ASSERT_NE(it, documented.end()) << setting.name << " is not in docs/configuration.md";
    EXPECT_EQ(it->second, setting.default_shown) << "the default of " << setting.name;
  }
  for (const auto& [name, value] : documented) {
    const auto* setting = FindSetting(name);
    EXPECT_TRUE(setting != nullptr && setting->name == name)
        << name << " is documented but not in the settings table (app/settings.cc)";
  }
}

TEST(SettingsDocs, PackagedDefaultsFileListsEverySetting) {
  const std::string text = ReadSourceFile("packaging/delivery-hook.default");
  const std::regex assignment(R"(^#?([A-Z][A-Z0-9_]*)=(.*)$)");
  std::map<std::string, std::string> listed;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::smatch match;
    if (std::regex_match(line, match, assignment)) listed[match[1]] = match[2];
  }
  for (const auto& setting : Settings()) {
    EXPECT_TRUE(listed.count(std::string(setting.name)))
        << setting.name << " is not in packaging/delivery-hook.default";
  }
  for (const auto& [name, value] : listed) {
    const auto* setting = FindSetting(name);
    ASSERT_TRUE(setting != nullptr && setting->name == name)
        << name << " is in packaging/delivery-hook.default but not in the settings table";
    // A literal default shown there must be the code's (the file may leave
    // one empty where the service's default differs, as DOCKER_CONFIG's).
    const bool literal = setting->default_shown.find(' ') == std::string_view::npos;
    if (!value.empty() && literal) {
      EXPECT_EQ(value, setting->default_shown) << name;
    }
  }
}

TEST(SettingsDocs, HelpListsEverySettingWithItsDefault) {
  const auto help = deliveryhook::app::cli::ParseCommandLine({"--help"});
  ASSERT_TRUE(help.finished);
  ASSERT_NE(help.out.find("Environment:\n"), std::string::npos) << help.out;
  const std::string environment = help.out.substr(help.out.find("Environment:\n"));
  for (const auto& setting : Settings()) {
    const std::string tag = "\n  " + std::string(setting.name) + " (";
    const auto at = environment.find(tag);
    ASSERT_NE(at, std::string::npos) << setting.name << " in:\n" << environment;
    const std::string line = environment.substr(at + 1, environment.find('\n', at + 1) - at - 1);
    const std::string shown = setting.default_shown.empty() ? "(empty)" : std::string(setting.default_shown);
    EXPECT_NE(line.find(shown), std::string::npos) << line;
  }
  EXPECT_NE(environment.find("  PORT (8000; UVICORN_PORT is read too)\n"), std::string::npos);
}

// The table decides what compose interpolation never sees: exactly the
// names the hand-written list held before the table.
TEST(SettingsDocs, HookSettingsAreKeptFromCompose) {
  const std::set<std::string> hook_settings = {
      "SECRET_KEY", "LISTEN_ADDRESS", "PORT", "UVICORN_PORT", "SHOW_DOCS", "WORKERS",
      "MAX_BODY_BYTES", "TIMESTAMP_WINDOW", "SETTLE_MS", "DATA_DIR", "JOB_RETENTION_DAYS",
      "JOB_HISTORY", "DELIVERY_HOOK_FAULT_KILL_AFTER", "LOG_LEVEL", "METRICS", "NOTIFY_URL",
      "NOTIFY_SECRET", "NOTIFY_SLACK_URL", "NOTIFY_DISCORD_URL", "NOTIFY_TIMEOUT",
      "NOTIFY_ATTEMPTS", "NOTIFY_CA_FILE", "SECRET_KEY_FILE", "KEYS_FILE", "REQUIRE_OPT_IN",
      "AUTH_FAIL_LIMIT", "AUTH_FAIL_WINDOW_SECONDS", "TLS_CERT_FILE", "TLS_KEY_FILE",
      "STOP_GRACE_SECONDS", "READ_TIMEOUT_SECONDS", "WRITE_TIMEOUT_SECONDS",
      "HEADER_TIMEOUT_SECONDS", "BODY_TIMEOUT_SECONDS", "MAX_HEADER_BYTES", "MAX_HEADER_COUNT",
      "MAX_CONNECTIONS", "TRUSTED_PROXIES", "REPLAY_PER_KEY", "UI", "UI_TOKEN", "UI_BASE_PATH",
      "UI_SESSION_HOURS"};
  for (const auto& name : hook_settings) EXPECT_TRUE(IsHookSetting(name)) << name;
  for (const auto& setting : Settings()) {
    EXPECT_EQ(IsHookSetting(std::string(setting.name)), hook_settings.count(std::string(setting.name)) == 1)
        << setting.name;
  }
  // Docker's own variables reach compose, as `docker compose` sees them.
  EXPECT_FALSE(IsHookSetting("DOCKER_HOST"));
  EXPECT_FALSE(IsHookSetting("DOCKER_CONFIG"));
  EXPECT_FALSE(IsHookSetting("APP_TAG"));
}

}  // namespace
