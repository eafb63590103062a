// CheckSupported(): refuses, with the key's file and line, what the deployer
// cannot yet reproduce exactly as compose would.
#include <algorithm>
#include <filesystem>
#include <set>

#include "compose/json_value.h"
#include "deliveryhook/compose/project.h"

namespace deliveryhook::compose {
namespace {

const std::set<std::string>& SupportedServiceKeys() {
  static const std::set<std::string> kKeys = {
      "image",       "build",      "command",      "entrypoint",        "environment", "env_file",
      "ports",       "expose",     "volumes",      "networks",          "network_mode", "restart",
      "healthcheck", "labels",     "user",         "working_dir",       "hostname",    "stop_signal",
      "stop_grace_period", "extra_hosts", "cap_add", "cap_drop",        "privileged",  "read_only",
      "init",        "tmpfs",      "logging",      "ulimits",           "sysctls",     "dns",
      "mem_limit",   "cpus",       "depends_on",   "profiles",          "container_name", "label_file",
      "deploy",  // only the parts that do not shape the container: see UnsupportedDeployKey
  };
  return kKeys;
}

const std::set<std::string>& SupportedNetworkKeys() {
  static const std::set<std::string> kKeys = {"name", "external", "driver", "labels", "driver_opts", "ipam"};
  return kKeys;
}

const std::set<std::string>& SupportedVolumeKeys() {
  static const std::set<std::string> kKeys = {"name", "external", "driver", "driver_opts", "labels"};
  return kKeys;
}

// The first unsupported key in file order (config file order, then line).
const std::pair<const std::string, SourceLocation>* FirstUnsupported(
    const std::map<std::string, SourceLocation>& keys, const std::set<std::string>& supported,
    const std::vector<std::string>& config_files) {
  auto rank = [&](const SourceLocation& location) {
    auto it = std::find(config_files.begin(), config_files.end(), location.file);
    return std::make_pair(it - config_files.begin(), location.line);
  };
  const std::pair<const std::string, SourceLocation>* first = nullptr;
  for (const auto& entry : keys) {
    if (supported.count(entry.first) || entry.first.rfind("x-", 0) == 0) continue;
    if (first == nullptr || rank(entry.second) < rank(first->second)) first = &entry;
  }
  return first;
}

Status Unsupported(const SourceLocation& location, const std::string& what, const std::string& key) {
  // The base name keeps host paths out of messages that may reach a client.
  std::string file = std::filesystem::path(location.file).filename().string();
  return Error(ErrorCode::kUnsupported, file + ":" + std::to_string(location.line) + ": " + what + ": key \"" +
                                            key + "\" is not supported by delivery-hook yet");
}

// compose creates a container from `deploy.resources`, `restart_policy` and
// `replicas`, which the deployer does not reproduce yet; `update_config` and
// `rollback_config` only say how to replace it. `resources` and `placement`
// are always present in the canonical form, so only a non-empty one counts.
std::string UnsupportedDeployKey(const Json& deploy) {
  for (const auto& [key, value] : deploy.members()) {
    if (key == "update_config" || key == "rollback_config") continue;
    if ((key == "resources" || key == "placement") && value.members().empty()) continue;
    return key;
  }
  return {};
}

}  // namespace

Status CheckSupported(const Project& project, const Service& service) {
  if (auto* key = FirstUnsupported(service.key_locations, SupportedServiceKeys(), project.config_files)) {
    return Unsupported(key->second, "service \"" + service.name + "\"", key->first);
  }
  Result<Json> canonical = ParseJson(service.canonical_json);
  if (!canonical) return canonical.error();

  if (const Json* deploy = canonical->Find("deploy")) {
    if (std::string key = UnsupportedDeployKey(*deploy); !key.empty()) {
      auto where = service.key_locations.find("deploy");
      return Unsupported(where == service.key_locations.end() ? SourceLocation{} : where->second,
                         "service \"" + service.name + "\"", "deploy." + key);
    }
  }
  if (const Json* networks = canonical->Find("networks")) {
    for (const auto& [name, config] : networks->members()) {
      auto network = project.networks.find(name);
      if (network == project.networks.end()) continue;
      if (auto* key = FirstUnsupported(network->second.key_locations, SupportedNetworkKeys(), project.config_files)) {
        return Unsupported(key->second, "network \"" + name + "\"", key->first);
      }
    }
  }
  if (const Json* volumes = canonical->Find("volumes")) {
    for (const Json& mount : volumes->items()) {
      const Json* type = mount.Find("type");
      const Json* source = mount.Find("source");
      if (type == nullptr || type->text() != "volume" || source == nullptr) continue;
      auto volume = project.volumes.find(source->text());
      if (volume == project.volumes.end()) continue;
      if (auto* key = FirstUnsupported(volume->second.key_locations, SupportedVolumeKeys(), project.config_files)) {
        return Unsupported(key->second, "volume \"" + source->text() + "\"", key->first);
      }
    }
  }
  return Ok();
}

}  // namespace deliveryhook::compose
