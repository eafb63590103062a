#include "deploy/swap_order.h"

#include <rapidjson/document.h>

namespace deliveryhook::deploy {
namespace {

using rapidjson::Value;

const Value* Member(const Value& object, const char* key) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(key);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

std::string StringMember(const Value& object, const char* key) {
  const Value* value = Member(object, key);
  return value != nullptr && value->IsString() ? value->GetString() : "";
}

// The first published host port, e.g. "8080/tcp"; empty when the engine
// picks every host port (`ports: ["80"]`), as those cannot clash.
std::string FirstFixedHostPort(const Value& service) {
  const Value* ports = Member(service, "ports");
  if (ports == nullptr || !ports->IsArray()) return {};
  for (const auto& port : ports->GetArray()) {
    std::string published = StringMember(port, "published");
    if (published.empty()) continue;
    std::string protocol = StringMember(port, "protocol");
    return published + "/" + (protocol.empty() ? "tcp" : protocol);
  }
  return {};
}

}  // namespace

SwapOrderChoice ChooseSwapOrder(std::string_view service_canonical_json) {
  rapidjson::Document service;
  service.Parse(service_canonical_json.data(), service_canonical_json.size());
  SwapOrderChoice choice;
  if (service.HasParseError()) return choice;
  const Value* deploy = Member(service, "deploy");
  const Value* update = deploy != nullptr ? Member(*deploy, "update_config") : nullptr;
  if (update == nullptr || StringMember(*update, "order") != "start-first") return choice;
  if (std::string port = FirstFixedHostPort(service); !port.empty()) {
    choice.fallback_reason = "it publishes host port " + port;
  } else if (StringMember(service, "network_mode") == "host") {
    choice.fallback_reason = "it uses the host's network";
  } else {
    choice.order = SwapOrder::kStartFirst;
  }
  return choice;
}

}  // namespace deliveryhook::deploy
