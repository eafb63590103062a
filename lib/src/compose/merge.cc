#include "compose/merge.h"

#include <algorithm>
#include <functional>
#include <string>

#include "compose/service_fields.h"

namespace deliveryhook::compose {
namespace {

using KeyOf = std::function<std::string(const Json&)>;

std::string TextOf(const Json& value, std::string_view field) {
  const Json* found = value.Find(field);
  return found ? found->text() : std::string();
}

// Appends `extra` to `base`; an item whose key is already present replaces
// the earlier one in place.
void MergeList(Json& base, const Json& extra, const KeyOf& key_of) {
  for (const Json& item : extra.items()) {
    std::string key = key_of(item);
    bool replaced = false;
    for (Json& existing : base.items()) {
      if (key_of(existing) == key) {
        existing = item;
        replaced = true;
        break;
      }
    }
    if (!replaced) base.Append(item);
  }
}

KeyOf ListKey(const std::string& field) {
  if (field == "ports") return PortKey;
  if (field == "volumes") return [](const Json& v) { return TextOf(v, "target"); };
  if (field == "env_file") return [](const Json& v) { return TextOf(v, "path"); };
  if (field == "secrets" || field == "configs") {
    return [](const Json& v) {
      std::string target = TextOf(v, "target");
      return target.empty() ? TextOf(v, "source") : target;
    };
  }
  return [](const Json& v) { return v.is_string() ? v.text() : EncodeGoJson(v); };
}

// Field orders of the compose-go structs that two files can both define.
// Merging appends new members; Go writes struct fields in declaration order.
const std::vector<std::vector<std::string>>& StructOrders() {
  static const std::vector<std::vector<std::string>> kOrders = {
      {"test", "timeout", "interval", "retries", "start_period", "start_interval", "disable"},
      {"driver", "options"},
      {"condition", "restart", "required"},
      {"condition", "delay", "max_attempts", "window"},
      {"limits", "reservations"},
      {"cpus", "memory", "pids", "devices", "generic_resources"},
      {"aliases", "driver_opts", "gw_priority", "interface_name", "ipv4_address", "ipv6_address",
       "link_local_ips", "mac_address", "priority"},
      {"mode", "replicas", "labels", "update_config", "rollback_config", "resources", "restart_policy",
       "placement", "endpoint_mode"},
      {"context", "dockerfile", "dockerfile_inline", "entitlements", "args", "ssh", "labels", "cache_from",
       "cache_to", "no_cache", "additional_contexts", "network", "pull", "target", "shm_size", "extra_hosts",
       "isolation", "privileged", "secrets", "tags", "ulimits", "platforms"},
      {"name", "driver", "driver_opts", "ipam", "external", "internal", "attachable", "labels", "enable_ipv4",
       "enable_ipv6"},
      {"name", "driver", "driver_opts", "external", "labels"},
      {"driver", "config", "options"},
      {"soft", "hard"},
      {"parallelism", "delay", "failure_action", "monitor", "max_failure_ratio", "order"},
  };
  return kOrders;
}

void Reorder(Json& value) {
  if (!value.is_object() || value.is_map()) return;
  for (const std::vector<std::string>& order : StructOrders()) {
    bool fits = std::all_of(value.members().begin(), value.members().end(), [&](const Json::Member& member) {
      return std::find(order.begin(), order.end(), member.first) != order.end();
    });
    if (!fits) continue;
    Json ordered = Json::Struct();
    for (const std::string& key : order) {
      if (const Json* member = value.Find(key)) ordered.Set(key, *member);
    }
    value = std::move(ordered);
    return;
  }
}

bool ReplacedWholesale(const std::string& field) {
  return field == "command" || field == "entrypoint" || field == "test";
}

void MergeValue(const std::string& field, Json& base, const Json& override) {
  if (override.is_null() && base.is_object()) return;  // `net:` with no body keeps the base's
  if (base.is_object() && override.is_object()) {
    if (field == "logging") {
      std::string base_driver = TextOf(base, "driver"), new_driver = TextOf(override, "driver");
      if (!base_driver.empty() && !new_driver.empty() && base_driver != new_driver) {
        base = override;
        return;
      }
    }
    for (const auto& [key, value] : override.members()) {
      if (Json* existing = base.Find(key); existing && field != "ulimits") {
        MergeValue(key, *existing, value);
      } else {
        base.Set(key, value);
      }
    }
    Reorder(base);
    return;
  }
  if (base.is_array() && override.is_array() && !ReplacedWholesale(field)) {
    MergeList(base, override, ListKey(field));
    return;
  }
  base = override;
}

}  // namespace

void MergeJson(const std::string& field, Json& base, const Json& override) {
  MergeValue(field, base, override);
}

void MergeServiceFragment(ServiceFragment& base, const ServiceFragment& override) {
  for (const std::string& key : override.reset_keys) base.fields.Erase(key);
  for (const auto& [key, value] : override.fields.members()) {
    Json* existing = base.fields.Find(key);
    if (existing == nullptr || override.override_keys.count(key)) {
      base.fields.Set(key, value);
    } else {
      MergeValue(key, *existing, value);
    }
  }
  for (const auto& [key, location] : override.key_locations) base.key_locations[key] = location;
  for (const std::string& key : override.reset_keys) base.key_locations.erase(key);
}

}  // namespace deliveryhook::compose
