#include "deploy/swap_order.h"

#include <rapidjson/document.h>

#include "util/json_fields.h"

namespace deliveryhook::deploy {
namespace {

using rapidjson::Value;
using util::Find;
using util::GetString;

// The first published host port, e.g. "8080/tcp"; empty when the engine
// picks every host port (`ports: ["80"]`), as those cannot clash.
std::string FirstFixedHostPort(const Value& service) {
  const Value* ports = Find(service, "ports");
  if (ports == nullptr || !ports->IsArray()) return {};
  for (const auto& port : ports->GetArray()) {
    std::string published = GetString(port, "published");
    if (published.empty()) continue;
    std::string protocol = GetString(port, "protocol");
    return published + "/" + (protocol.empty() ? "tcp" : protocol);
  }
  return {};
}

// A fixed address on one of the service's networks, as "<address> on
// network <key>"; two containers cannot both hold it.
std::string FirstFixedAddress(const Value& service) {
  const Value* networks = Find(service, "networks");
  if (networks == nullptr || !networks->IsObject()) return {};
  for (const auto& network : networks->GetObject()) {
    for (const char* key : {"ipv4_address", "ipv6_address", "mac_address"}) {
      std::string address = GetString(network.value, key);
      if (!address.empty()) return address + " on network " + network.name.GetString();
    }
  }
  return {};
}

// Why two containers of the service could not run side by side; empty when
// they can.
std::string WhyNotSideBySide(const Value& service) {
  if (std::string port = FirstFixedHostPort(service); !port.empty()) {
    return "it publishes host port " + port;
  }
  const std::string network_mode = GetString(service, "network_mode");
  if (network_mode == "host") return "it uses the host's network";
  // Sharing another container's network namespace, both would listen on the
  // same ports there.
  if (network_mode.rfind("service:", 0) == 0 || network_mode.rfind("container:", 0) == 0) {
    return "it shares the network of " + network_mode;
  }
  if (std::string address = FirstFixedAddress(service); !address.empty()) {
    return "it has the fixed address " + address;
  }
  return {};
}

}  // namespace

SwapOrderChoice ChooseSwapOrder(std::string_view service_canonical_json) {
  rapidjson::Document service;
  service.Parse(service_canonical_json.data(), service_canonical_json.size());
  SwapOrderChoice choice;
  if (service.HasParseError()) return choice;
  const Value* deploy = Find(service, "deploy");
  const Value* update = deploy != nullptr ? Find(*deploy, "update_config") : nullptr;
  if (update == nullptr || GetString(*update, "order") != "start-first") return choice;
  choice.fallback_reason = WhyNotSideBySide(service);
  if (choice.fallback_reason.empty()) choice.order = SwapOrder::kStartFirst;
  return choice;
}

}  // namespace deliveryhook::deploy
