#include "deploy/dependants.h"

#include <rapidjson/document.h>

namespace deliveryhook::deploy {
namespace {

bool IsTrue(const rapidjson::Value& object, const char* key) {
  auto it = object.FindMember(key);
  return it != object.MemberEnd() && it->value.IsBool() && it->value.GetBool();
}

bool SharesNamespaceWith(const rapidjson::Value& service, std::string_view other) {
  const std::string reference = "service:" + std::string(other);
  for (const char* key : {"network_mode", "ipc", "pid"}) {
    auto it = service.FindMember(key);
    if (it != service.MemberEnd() && it->value.IsString() && reference == it->value.GetString()) {
      return true;
    }
  }
  return false;
}

bool RestartsWith(const compose::Service& candidate, std::string_view service) {
  rapidjson::Document json;
  json.Parse(candidate.canonical_json.c_str(), candidate.canonical_json.size());
  if (json.HasParseError() || !json.IsObject() || SharesNamespaceWith(json, service)) return false;
  auto depends_on = json.FindMember("depends_on");
  if (depends_on == json.MemberEnd() || !depends_on->value.IsObject()) return false;
  const rapidjson::Value name(rapidjson::StringRef(service.data(), service.size()));
  auto entry = depends_on->value.FindMember(name);
  return entry != depends_on->value.MemberEnd() && entry->value.IsObject() &&
         IsTrue(entry->value, "restart");
}

}  // namespace

std::vector<std::string> ServicesToRestartAfter(const compose::Project& project,
                                                std::string_view service) {
  std::vector<std::string> names;
  for (const auto& candidate : project.services) {
    if (candidate.name != service && RestartsWith(candidate, service)) {
      names.push_back(candidate.name);
    }
  }
  return names;
}

}  // namespace deliveryhook::deploy
