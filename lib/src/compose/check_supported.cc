// UnsupportedKeys() / CheckSupported(): what the deployer cannot reproduce
// exactly as compose would, each with the key's file and line.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "compose/json_value.h"
#include "deliveryhook/compose/project.h"

namespace deliveryhook::compose {
namespace {

const std::set<std::string>& SupportedServiceKeys() {
  static const std::set<std::string> kKeys = {
      "image", "build", "command", "entrypoint", "environment", "env_file", "ports", "expose",
      "volumes", "networks", "network_mode", "restart", "healthcheck", "labels", "user",
      "working_dir", "hostname", "stop_signal", "stop_grace_period", "extra_hosts", "cap_add",
      "cap_drop", "privileged", "read_only", "init", "tmpfs", "logging", "ulimits", "sysctls", "dns",
      "mem_limit", "cpus", "depends_on", "profiles", "container_name", "label_file",
      // Terminal, linking, lifecycle.
      "tty", "stdin_open", "attach", "links", "external_links", "volumes_from", "pull_policy",
      "platform",
      // Security and namespaces.
      "security_opt", "shm_size", "devices", "device_cgroup_rules", "pid", "ipc", "uts",
      "userns_mode", "cgroup", "cgroup_parent", "group_add", "runtime", "isolation", "storage_opt",
      "gpus", "annotations",
      // Resources.
      "mem_reservation", "memswap_limit", "mem_swappiness", "oom_kill_disable", "oom_score_adj",
      "pids_limit", "cpu_count", "cpu_percent", "cpu_period", "cpu_quota", "cpu_rt_period",
      "cpu_rt_runtime", "cpu_shares", "cpuset", "blkio_config",
      // Networking.
      "domainname", "mac_address", "dns_opt", "dns_search",
      "secrets", "configs",  // see FileObjectProblems
      "scale",   // one replica only: see ReplicaProblem
      "deploy",  // see UnsupportedDeployKeys
  };
  return kKeys;
}

const std::set<std::string>& SupportedNetworkKeys() {
  // The hook attaches to networks compose created; their definition keys only
  // need to load as compose loads them (the golden fixtures check that).
  static const std::set<std::string> kKeys = {"name",     "external",   "driver",      "labels",     "driver_opts",
                                              "ipam",     "internal",   "attachable",  "enable_ipv4", "enable_ipv6"};
  return kKeys;
}

const std::set<std::string>& SupportedVolumeKeys() {
  static const std::set<std::string> kKeys = {"name", "external", "driver", "driver_opts", "labels"};
  return kKeys;
}

using KeyEntry = std::pair<const std::string, SourceLocation>;

// The unsupported keys in file order (config file order, then line).
std::vector<const KeyEntry*> UnsupportedInOrder(const std::map<std::string, SourceLocation>& keys,
                                                const std::set<std::string>& supported,
                                                const std::vector<std::string>& config_files) {
  auto rank = [&](const SourceLocation& location) {
    auto it = std::find(config_files.begin(), config_files.end(), location.file);
    return std::make_pair(it - config_files.begin(), location.line);
  };
  std::vector<const KeyEntry*> found;
  for (const auto& entry : keys) {
    if (supported.count(entry.first) || entry.first.rfind("x-", 0) == 0) continue;
    found.push_back(&entry);
  }
  std::stable_sort(found.begin(), found.end(),
                   [&](const KeyEntry* x, const KeyEntry* y) { return rank(x->second) < rank(y->second); });
  return found;
}

Error Unsupported(const SourceLocation& location, const std::string& what, const std::string& key,
                  const std::string& why = "is not supported by delivery-hook yet") {
  // The base name keeps host paths out of messages that may reach a client.
  std::string file = std::filesystem::path(location.file).filename().string();
  return Error(ErrorCode::kUnsupported,
               file + ":" + std::to_string(location.line) + ": " + what + ": key \"" + key + "\" " + why);
}

// compose applies `deploy.resources` (limits: cpus, memory, pids;
// reservations: memory, devices), `restart_policy` and `replicas` to the
// container, ignores the swarm-only `labels`, `placement`, `endpoint_mode`
// and reservations.cpus, and `update_config`/`rollback_config` only say how
// to replace it. `mode: global` has no meaning outside swarm.
std::vector<std::string> UnsupportedDeployKeys(const Json& deploy) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : deploy.members()) {
    if (key == "mode" && value.text() != "replicated") keys.push_back(key);
  }
  return keys;
}

// The hook recreates one container per service.
std::string ReplicaProblem(const Json& service) {
  // compose's GetScale: scale, else deploy.replicas, else 1.
  long long replicas = 1;
  if (const Json* scale = service.Find("scale")) {
    replicas = std::atoll(scale->text().c_str());
  } else if (const Json* deploy = service.Find("deploy")) {
    if (const Json* count = deploy->Find("replicas")) replicas = std::atoll(count->text().c_str());
  }
  if (replicas <= 1) return {};
  return service.Find("scale") ? "scale" : "deploy.replicas";
}

SourceLocation LocationOf(const Service& service, const std::string& key);

// The secrets or configs the service uses that the hook cannot provide as
// compose does: undefined or external ones (compose refuses those too), a
// driver or template_driver (same).
void FileObjectProblems(const Project& project, const Service& service, const Json& canonical, const char* kind,
                        std::vector<Error>& problems) {
  const Json* references = canonical.Find(kind);
  if (references == nullptr) return;
  const auto& defined = std::string(kind) == "secrets" ? project.secrets : project.configs;
  const std::string singular = std::string(kind) == "secrets" ? "secret" : "config";
  std::set<std::string> seen;
  for (const Json& reference : references->items()) {
    const Json* source = reference.Find("source");
    if (source == nullptr || !seen.insert(source->text()).second) continue;
    auto it = defined.find(source->text());
    const SourceLocation at = LocationOf(service, kind);
    if (it == defined.end()) {
      problems.push_back(Error(ErrorCode::kInvalidArgument,
                               std::filesystem::path(at.file).filename().string() + ":" + std::to_string(at.line) +
                                   ": service \"" + service.name + "\" uses undefined " + singular + " \"" +
                                   source->text() + "\""));
      continue;
    }
    const FileObject& object = it->second;
    const std::string what = singular + " \"" + object.key + "\"";
    auto where = [&](const char* field) {
      auto location = object.key_locations.find(field);
      return location == object.key_locations.end() ? at : location->second;
    };
    if (object.external) problems.push_back(Unsupported(where("external"), what, "external"));
    if (!object.driver.empty()) problems.push_back(Unsupported(where("driver"), what, "driver"));
    if (!object.template_driver.empty()) problems.push_back(Unsupported(where("template_driver"), what, "template_driver"));
    // `environment` and `content` sources are copied in before start.
  }
}

SourceLocation LocationOf(const Service& service, const std::string& key) {
  auto where = service.key_locations.find(key);
  return where == service.key_locations.end() ? SourceLocation{} : where->second;
}

}  // namespace

std::vector<Error> UnsupportedKeys(const Project& project, const Service& service) {
  std::vector<Error> problems;
  const std::string what = "service \"" + service.name + "\"";
  for (const KeyEntry* key : UnsupportedInOrder(service.key_locations, SupportedServiceKeys(), project.config_files)) {
    problems.push_back(Unsupported(key->second, what, key->first));
  }
  Result<Json> canonical = ParseJson(service.canonical_json);
  if (!canonical) {
    problems.push_back(canonical.error());
    return problems;
  }
  if (const Json* deploy = canonical->Find("deploy")) {
    for (const std::string& key : UnsupportedDeployKeys(*deploy)) {
      problems.push_back(Unsupported(LocationOf(service, "deploy"), what, "deploy." + key));
    }
  }
  FileObjectProblems(project, service, *canonical, "secrets", problems);
  FileObjectProblems(project, service, *canonical, "configs", problems);
  if (std::string key = ReplicaProblem(*canonical); !key.empty()) {
    problems.push_back(Unsupported(LocationOf(service, key == "scale" ? "scale" : "deploy"), what, key,
                                   "asks for more than one replica; delivery-hook recreates one container "
                                   "per service"));
  }
  if (const Json* networks = canonical->Find("networks")) {
    for (const auto& [name, config] : networks->members()) {
      auto network = project.networks.find(name);
      if (network == project.networks.end()) continue;
      for (const KeyEntry* key :
           UnsupportedInOrder(network->second.key_locations, SupportedNetworkKeys(), project.config_files)) {
        problems.push_back(Unsupported(key->second, "network \"" + name + "\"", key->first));
      }
    }
  }
  if (const Json* volumes = canonical->Find("volumes")) {
    std::set<std::string> seen;
    for (const Json& mount : volumes->items()) {
      const Json* type = mount.Find("type");
      const Json* source = mount.Find("source");
      if (type == nullptr || type->text() != "volume" || source == nullptr) continue;
      auto volume = project.volumes.find(source->text());
      if (volume == project.volumes.end() || !seen.insert(source->text()).second) continue;
      for (const KeyEntry* key :
           UnsupportedInOrder(volume->second.key_locations, SupportedVolumeKeys(), project.config_files)) {
        problems.push_back(Unsupported(key->second, "volume \"" + source->text() + "\"", key->first));
      }
    }
  }
  return problems;
}

Status CheckSupported(const Project& project, const Service& service) {
  std::vector<Error> problems = UnsupportedKeys(project, service);
  if (!problems.empty()) return problems.front();
  return Ok();
}

}  // namespace deliveryhook::compose
