#include "engine/registry_auth.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>

#include "util/base64.h"
#include "util/json_fields.h"

namespace deliveryhook::engine {
namespace {

constexpr std::string_view kTokenUsername = "<token>";
constexpr auto kHelperTimeout = std::chrono::seconds(30);

void WriteAuthConfig(rapidjson::Writer<rapidjson::StringBuffer>& writer, const AuthConfig& config) {
  writer.StartObject();
  auto field = [&](const char* name, const std::string& value) {
    if (value.empty()) return;
    writer.Key(name);
    writer.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  };
  field("username", config.username);
  field("password", config.password);
  field("auth", config.auth);
  field("email", config.email);
  field("serveraddress", config.server_address);
  field("identitytoken", config.identity_token);
  field("registrytoken", config.registry_token);
  writer.EndObject();
}

using util::GetString;

// config.json, parsed; nullopt when there is none.
Result<std::optional<rapidjson::Document>> LoadConfig(const std::string& dir) {
  const std::string path = dir + "/config.json";
  std::ifstream file(path, std::ios::binary);
  if (!file) return std::optional<rapidjson::Document>();
  std::stringstream content;
  content << file.rdbuf();
  const std::string text = content.str();
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return Error(ErrorCode::kInvalidArgument, "the docker config.json is not a JSON object");
  }
  return std::optional<rapidjson::Document>(std::move(doc));
}

// auths[key] -> AuthConfig: "auth" is base64(user:password).
Result<AuthConfig> DecodeFileEntry(const std::string& key, const rapidjson::Value& entry) {
  AuthConfig config;
  config.username = GetString(entry, "username");
  config.password = GetString(entry, "password");
  config.email = GetString(entry, "email");
  config.identity_token = GetString(entry, "identitytoken");
  config.registry_token = GetString(entry, "registrytoken");
  const std::string auth = GetString(entry, "auth");
  if (!auth.empty()) {
    const auto decoded = util::Base64Decode(auth);
    const auto colon = decoded ? decoded->find(':') : std::string::npos;
    if (colon == std::string::npos) {
      return Error(ErrorCode::kInvalidArgument,
                   "the docker config.json has a malformed auth entry for " + key);
    }
    config.username = decoded->substr(0, colon);
    config.password = decoded->substr(colon + 1);
  }
  if (config.empty()) return config;  // an entry without credentials: anonymous
  config.server_address = key;
  return config;
}

Result<ProcessOutput> RunHelper(const std::vector<std::string>& argv, std::string_view input) {
  return RunProcess(argv, input, kHelperTimeout);
}

std::string TrimmedText(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

std::string AuthConfigJson(const AuthConfig& config) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  WriteAuthConfig(writer, config);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string EncodeRegistryAuth(const AuthConfig& config) { return util::Base64UrlEncode(AuthConfigJson(config)); }

std::string EncodeRegistryConfig(const std::map<std::string, AuthConfig>& configs) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  for (const auto& [registry, config] : configs) {
    writer.Key(registry.data(), static_cast<rapidjson::SizeType>(registry.size()));
    WriteAuthConfig(writer, config);
  }
  writer.EndObject();
  return util::Base64UrlEncode(std::string_view(buffer.GetString(), buffer.GetSize()));
}

std::string AuthConfigKey(std::string_view domain) {
  if (domain == "docker.io" || domain == "index.docker.io" || domain == "registry-1.docker.io") {
    return std::string(kDockerHubAuthKey);
  }
  return std::string(domain);
}

std::string ConvertToHostname(std::string_view url) {
  if (url.starts_with("http://")) {
    url.remove_prefix(7);
  } else if (url.starts_with("https://")) {
    url.remove_prefix(8);
  }
  return std::string(url.substr(0, url.find('/')));
}

std::string ResolveDockerConfigDir(std::string_view configured) {
  if (!configured.empty()) return std::string(configured);
  if (const char* dir = std::getenv("DOCKER_CONFIG"); dir != nullptr && *dir != '\0') return dir;
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : "") + "/.docker";
}

CredentialStore::CredentialStore(std::string config_dir, HelperRunner runner)
    : config_dir_(std::move(config_dir)), runner_(runner ? std::move(runner) : HelperRunner(&RunHelper)) {}

Result<AuthConfig> CredentialStore::FromHelper(const std::string& helper, const std::string& server) const {
  if (helper.find('/') != std::string::npos) {
    return Error(ErrorCode::kInvalidArgument, "invalid credential helper name \"" + helper + "\"");
  }
  const std::string program = "docker-credential-" + helper;
  auto output = runner_({program, "get"}, server);
  if (!output) return output.error().WithContext("credential helper " + program);
  const std::string out = TrimmedText(output->out);
  if (output->exit_code != 0) {
    if (out.find("credentials not found") != std::string::npos) return AuthConfig{};
    const std::string detail = out.empty() ? TrimmedText(output->err) : out;
    return Error(ErrorCode::kUnauthenticated,
                 "credential helper " + program + " failed for " + server + ": " + detail);
  }
  rapidjson::Document doc;
  doc.Parse(out.data(), out.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return Error(ErrorCode::kUnauthenticated, "credential helper " + program + " printed malformed JSON");
  }
  AuthConfig config;
  const std::string username = GetString(doc, "Username");
  if (username == kTokenUsername) {
    config.identity_token = GetString(doc, "Secret");
  } else {
    config.username = username;
    config.password = GetString(doc, "Secret");
  }
  config.server_address = server;
  return config;
}

Result<std::vector<std::string>> CredentialStore::ListHelper(const std::string& helper) const {
  const std::string program = "docker-credential-" + helper;
  auto output = runner_({program, "list"}, "");
  if (!output) return output.error().WithContext("credential helper " + program);
  if (output->exit_code != 0) {
    return Error(ErrorCode::kUnauthenticated,
                 "credential helper " + program + " list failed: " + TrimmedText(output->out));
  }
  rapidjson::Document doc;
  doc.Parse(output->out.data(), output->out.size());
  std::vector<std::string> servers;
  if (!doc.HasParseError() && doc.IsObject()) {
    for (const auto& member : doc.GetObject()) {
      servers.emplace_back(member.name.GetString(), member.name.GetStringLength());
    }
  }
  return servers;
}

Result<AuthConfig> CredentialStore::Get(std::string_view domain) const {
  auto loaded = LoadConfig(config_dir_);
  if (!loaded) return loaded.error();
  if (!loaded->has_value()) return AuthConfig{};
  const rapidjson::Document& config = **loaded;
  const std::string key = AuthConfigKey(domain);

  if (const auto* helpers = util::FindObject(config, "credHelpers")) {
    const std::string helper = GetString(*helpers, key.c_str());
    if (!helper.empty()) return FromHelper(helper, key);
  }
  if (const std::string store = GetString(config, "credsStore"); !store.empty()) {
    return FromHelper(store, key);
  }
  if (const auto* auths = util::FindObject(config, "auths")) {
    if (const auto* entry = util::FindObject(*auths, key.c_str())) {
      return DecodeFileEntry(key, *entry);
    }
    const std::string hostname = ConvertToHostname(key);
    for (const auto& member : auths->GetObject()) {
      const std::string name(member.name.GetString(), member.name.GetStringLength());
      if (member.value.IsObject() && ConvertToHostname(name) == hostname) {
        return DecodeFileEntry(name, member.value);
      }
    }
  }
  return AuthConfig{};
}

Result<std::map<std::string, AuthConfig>> CredentialStore::GetAll() const {
  auto loaded = LoadConfig(config_dir_);
  if (!loaded) return loaded.error();
  std::map<std::string, AuthConfig> all;
  if (!loaded->has_value()) return all;
  const rapidjson::Document& config = **loaded;

  std::vector<std::string> keys;
  if (const auto* auths = util::FindObject(config, "auths")) {
    for (const auto& member : auths->GetObject()) keys.emplace_back(member.name.GetString());
  }
  if (const std::string store = GetString(config, "credsStore"); !store.empty()) {
    if (auto listed = ListHelper(store)) keys.insert(keys.end(), listed->begin(), listed->end());
  }
  if (const auto* helpers = util::FindObject(config, "credHelpers")) {
    for (const auto& member : helpers->GetObject()) keys.emplace_back(member.name.GetString());
  }
  for (const auto& key : keys) {
    if (all.contains(key)) continue;
    // Get() takes a domain; a key that is a URL is looked up by hostname.
    const std::string domain = key == kDockerHubAuthKey ? "docker.io" : ConvertToHostname(key);
    auto found = Get(domain);
    if (found && !found->empty()) all.emplace(key, std::move(*found));
  }
  return all;
}

}  // namespace deliveryhook::engine
