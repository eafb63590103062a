#include "deliveryhook/webhook/keys.h"

#include <fstream>
#include <map>
#include <sstream>

#include "util/base64.h"

namespace deliveryhook::webhook {
namespace {

constexpr std::string_view kWhsecPrefix = "whsec_";
constexpr std::string_view kFilePrefix = "file:";
constexpr std::size_t kMaxIdLength = 64;

Error Invalid(std::string message) { return Error(ErrorCode::kInvalidArgument, std::move(message)); }

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

bool IsValidName(std::string_view name, std::size_t max_length) {
  if (name.empty() || name.size() > max_length) return false;
  for (char c : name) {
    if (!IsNameChar(c)) return false;
  }
  return true;
}

std::vector<std::string> SplitOn(std::string_view text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const auto end = text.find(separator, start);
    parts.emplace_back(text.substr(start, end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

std::vector<std::string> Words(std::string_view line) {
  std::vector<std::string> words;
  std::istringstream stream{std::string(line)};
  for (std::string word; stream >> word;) words.push_back(word);
  return words;
}

// projects=a,b
Status ParseProjects(const std::string& value, Key& key) {
  if (value.empty()) return Invalid("projects= needs at least one project");
  for (const auto& project : SplitOn(value, ',')) {
    if (!IsValidName(project, 255)) {
      return Invalid("\"" + project + "\" in projects= is not a compose project name");
    }
    key.projects.push_back(project);
  }
  return Ok();
}

// services=p/s,q/t
Status ParseServices(const std::string& value, Key& key) {
  if (value.empty()) return Invalid("services= needs at least one project/service");
  for (const auto& entry : SplitOn(value, ',')) {
    const auto slash = entry.find('/');
    const std::string project = entry.substr(0, slash);
    const std::string service = slash == std::string::npos ? "" : entry.substr(slash + 1);
    if (slash == std::string::npos || !IsValidName(project, 255) || !IsValidName(service, 255)) {
      return Invalid("\"" + entry + "\" in services= must be project/service");
    }
    key.services.emplace_back(project, service);
  }
  return Ok();
}

Status ParseOption(const std::string& option, Key& key) {
  if (option == "allow_self") {
    key.allow_self = true;
    return Ok();
  }
  if (option == "read") {
    key.read_only = true;
    return Ok();
  }
  const auto equals = option.find('=');
  const std::string name = option.substr(0, equals);
  const std::string value = equals == std::string::npos ? "" : option.substr(equals + 1);
  if (equals != std::string::npos && name == "projects") return ParseProjects(value, key);
  if (equals != std::string::npos && name == "services") return ParseServices(value, key);
  return Invalid("unknown option \"" + option + "\" (expected projects=, services=, allow_self or read)");
}

Result<Key> ParseLine(std::string_view line, const SecretFileReader& read_file) {
  const auto words = Words(line);
  if (words.size() < 2) {
    return Invalid("expected \"<id> <secret> [projects=...] [services=...] [allow_self] [read]\"");
  }
  Key key;
  key.id = words[0];
  if (!IsValidName(key.id, kMaxIdLength)) {
    return Invalid("key id \"" + key.id + "\" must be 1 to 64 letters, digits, '.', '_' or '-'");
  }
  key.secret = words[1];
  if (key.secret.rfind(kFilePrefix, 0) == 0) {
    const std::string path = key.secret.substr(kFilePrefix.size());
    if (path.empty()) return Invalid("file: needs a path");
    auto content = read_file(path);
    if (!content) return content.error();
    key.secret = *content;
  }
  if (auto checked = CheckSecret("the secret", key.secret); !checked) return checked.error();
  for (std::size_t i = 2; i < words.size(); ++i) {
    if (auto parsed = ParseOption(words[i], key); !parsed) return parsed.error();
  }
  return key;
}

}  // namespace

std::string Key::StandardWebhooksKey() const {
  if (secret.rfind(kWhsecPrefix, 0) != 0) return secret;
  auto decoded = util::Base64Decode(std::string_view(secret).substr(kWhsecPrefix.size()));
  // Never an empty key, which anyone could sign with: a SECRET_KEY that only
  // looks like whsec_ is used as it is written.
  return decoded && !decoded->empty() ? *decoded : secret;
}

bool Key::Covers(std::string_view project, std::string_view service) const {
  if (Unrestricted()) return true;
  for (const auto& allowed : projects) {
    if (allowed == project) return true;
  }
  for (const auto& [allowed_project, allowed_service] : services) {
    if (allowed_project == project && allowed_service == service) return true;
  }
  return false;
}

Key DefaultKey(std::string secret) {
  Key key;
  key.id = std::string(kDefaultKeyId);
  key.secret = std::move(secret);
  return key;
}

Result<std::string> ReadSecretFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return Invalid("cannot read secret file " + path);
  std::ostringstream content;
  content << file.rdbuf();
  std::string secret = content.str();
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (secret.empty()) return Invalid("secret file " + path + " is empty");
  return secret;
}

Status CheckSecret(std::string_view where, std::string_view secret) {
  if (secret.empty()) return Invalid(std::string(where) + " is empty");
  if (secret.rfind(kWhsecPrefix, 0) == 0) {
    auto decoded = util::Base64Decode(secret.substr(kWhsecPrefix.size()));
    if (!decoded || decoded->empty()) {
      return Invalid(std::string(where) + " starts with whsec_ but the rest is not base64");
    }
  }
  return Ok();
}

Result<std::vector<Key>> ParseKeysFile(std::string_view text, const SecretFileReader& read_file) {
  std::vector<Key> keys;
  std::map<std::string, int> line_of_id;
  int number = 0;
  for (const auto& raw_line : SplitOn(text, '\n')) {
    ++number;
    std::string_view line = raw_line;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') continue;
    const std::string where = "line " + std::to_string(number) + ": ";
    auto key = ParseLine(line, read_file);
    if (!key) return Invalid(where + key.error().message());
    if (auto [it, inserted] = line_of_id.emplace(key->id, number); !inserted) {
      return Invalid(where + "key id \"" + key->id + "\" is already used on line " +
                     std::to_string(it->second));
    }
    keys.push_back(std::move(*key));
  }
  if (keys.empty()) return Invalid("the keys file has no keys");
  return keys;
}

}  // namespace deliveryhook::webhook
