#include "compose/merge.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

#include "compose/service_fields.h"

namespace deliveryhook::compose {
namespace {

using KeyOf = std::function<std::string(const Json&)>;

std::string TextOf(const Json& value, std::string_view field) {
  const Json* found = value.Find(field);
  return found ? found->text() : std::string();
}

// Appends `extra` to `base`; an item whose key is already present replaces
// the earlier one in place (compose-go's EnforceUnicity).
void MergeList(Json& base, const Json& extra, const KeyOf& key_of) {
  // Keyed once each: a port range expands to thousands of entries, and a
  // pairwise search made "0-65535" take minutes.
  std::unordered_map<std::string, size_t> index_of_key;
  for (size_t i = 0; i < base.items().size(); ++i) index_of_key.emplace(key_of(base.items()[i]), i);
  for (const Json& item : extra.items()) {
    auto [it, inserted] = index_of_key.emplace(key_of(item), base.items().size());
    if (inserted) {
      base.Append(item);
    } else {
      base.items()[it->second] = item;
    }
  }
}

// compose-go's portIndexer on the long syntax.
std::string PortIndex(const Json& port) {
  std::string host = TextOf(port, "host_ip"), protocol = TextOf(port, "protocol");
  return (host.empty() ? "0.0.0.0" : host) + ":" + TextOf(port, "published") + ":" + TextOf(port, "target") +
         "/" + (protocol.empty() ? "tcp" : protocol);
}

// keyValueIndexer: a string list item is known by what precedes its first '='.
std::string KeyValueIndex(const Json& item) {
  if (!item.is_string()) return EncodeGoJson(item);
  return item.text().substr(0, item.text().find('='));
}

// The key compose-go's EnforceUnicity knows the items of a list by
// (override/uncity.go), or nullptr for the lists it leaves alone: those
// (security_opt, volumes_from, group_add, external_links, label_file,
// device_cgroup_rules, deploy's device requests, ...) are appended,
// duplicates and all.
std::optional<KeyOf> ListKey(const std::string& field) {
  if (field == "ports") return KeyOf(PortIndex);
  if (field == "volumes") return KeyOf([](const Json& v) { return TextOf(v, "target"); });
  if (field == "env_file") return KeyOf([](const Json& v) { return TextOf(v, "path"); });
  if (field == "secrets" || field == "configs") {
    std::string prefix = field == "secrets" ? "/run/secrets/" : "/";
    return KeyOf([prefix](const Json& v) {
      std::string target = TextOf(v, "target");
      return target.empty() ? prefix + TextOf(v, "source") : target;
    });
  }
  if (field == "devices") {  // deviceMappingIndexer; deploy device requests have no target
    return KeyOf([](const Json& v) {
      if (v.is_string()) {
        size_t colon = v.text().find(':');
        return colon == std::string::npos ? v.text() : v.text().substr(colon + 1, v.text().find(':', colon + 1) - colon - 1);
      }
      return v.Find("target") ? TextOf(v, "target") : EncodeGoJson(v);
    });
  }
  static const std::set<std::string> kKeyValueLists = {
      "annotations", "cap_add", "cap_drop", "dns",     "dns_opt",  "dns_search", "links",
      "tmpfs",       "profiles", "aliases", "link_local_ips", "tags", "expose"};
  if (kKeyValueLists.count(field)) return KeyOf(KeyValueIndex);
  // mergeExtraHosts: an entry already there is not added again.
  if (field == "extra_hosts") return KeyOf([](const Json& v) { return v.is_string() ? v.text() : EncodeGoJson(v); });
  return std::nullopt;
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
      {"subnet", "gateway", "ip_range", "aux_addresses"},
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

void MergeValue(const std::string& field, Json& base, const Json& override);

// compose-go's mergeIPAMConfig, quirks included: the result is built from
// the override's entries only; one whose subnet differs from an original's
// is added once, else it is merged onto that original (the override's
// fields winning) and replaces the entry of the same subnet. An original
// that no override entry touches is dropped.
Json MergeIpamConfig(const Json& base, const Json& override) {
  Json result = Json::Array();
  auto find = [&](const std::string& subnet) -> Json* {
    for (Json& entry : result.items()) {
      if (TextOf(entry, "subnet") == subnet) return &entry;
    }
    return nullptr;
  };
  for (const Json& original : base.items()) {
    for (const Json& entry : override.items()) {
      if (TextOf(entry, "subnet") != TextOf(original, "subnet") && find(TextOf(entry, "subnet")) == nullptr) {
        result.Append(entry);
        continue;
      }
      Json merged = original;
      MergeValue("ipam_config", merged, entry);
      if (Json* existing = find(TextOf(merged, "subnet"))) {
        *existing = std::move(merged);
      } else {
        result.Append(std::move(merged));
      }
    }
  }
  return result;
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
  if (field == "config" && base.is_array() && override.is_array()) {  // networks.*.ipam.config
    base = MergeIpamConfig(base, override);
    return;
  }
  if (base.is_array() && override.is_array() && !ReplacedWholesale(field)) {
    if (std::optional<KeyOf> key_of = ListKey(field)) {
      MergeList(base, override, *key_of);
    } else {
      for (const Json& item : override.items()) base.Append(item);
    }
    return;
  }
  base = override;
}

}  // namespace

void EnforceUnicity(Json& service) {
  for (auto& [key, value] : service.members()) {
    if (!value.is_array()) continue;
    std::optional<KeyOf> key_of = ListKey(key);
    if (!key_of) continue;
    Json unique = Json::Array();
    MergeList(unique, value, *key_of);
    value = std::move(unique);
  }
  if (Json* networks = service.Find("networks"); networks && networks->is_object()) {
    for (auto& [name, network] : networks->members()) {
      if (!network.is_object()) continue;
      for (const char* list : {"aliases", "link_local_ips"}) {
        if (Json* items = network.Find(list); items && items->is_array()) {
          Json unique = Json::Array();
          MergeList(unique, *items, *ListKey(list));
          *items = std::move(unique);
        }
      }
    }
  }
}

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
