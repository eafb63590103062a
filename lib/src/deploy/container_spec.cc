#include "deploy/container_spec.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "deliveryhook/engine/client.h"
#include "util/json_fields.h"

namespace deliveryhook::deploy {
namespace {

using rapidjson::Value;
using Allocator = rapidjson::Document::AllocatorType;
using util::Find;
using util::GetBool;
using util::GetString;

// The first compose release whose volume handling we follow for "current"
// compose: Binds for short binds, long binds without a `bind:` block and
// plain named volumes. Older releases send all but short binds as Mounts.
constexpr compose::ComposeVersion kBindsForNamedVolumes{2, 27, 0};

Value Str(std::string_view text, Allocator& a) {
  return Value(text.data(), static_cast<rapidjson::SizeType>(text.size()), a);
}

// Copies a JSON array of strings, or nothing.
void CopyStringArray(const Value& service, const char* from, Value& to_object, const char* to,
                     Allocator& a) {
  const Value* list = Find(service, from);
  if (list == nullptr || !list->IsArray()) return;
  Value copy(rapidjson::kArrayType);
  for (const auto& item : list->GetArray()) {
    if (item.IsString()) copy.PushBack(Str(item.GetString(), a), a);
  }
  to_object.AddMember(Str(to, a), copy, a);
}

void AddStringIfSet(Value& object, const char* key, const std::string& value, Allocator& a) {
  if (!value.empty()) object.AddMember(Str(key, a), Str(value, a), a);
}

std::int64_t ParseInt(std::string_view text) {
  std::int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') break;
    value = value * 10 + (c - '0');
  }
  return value;
}

Value ToEnv(const Value& service, Allocator& a) {
  Value env(rapidjson::kArrayType);
  const Value* environment = Find(service, "environment");
  if (environment == nullptr || !environment->IsObject()) return env;
  for (const auto& entry : environment->GetObject()) {
    std::string line = entry.name.GetString();
    // A variable without value is passed by name, as compose does.
    if (entry.value.IsString()) line += "=" + std::string(entry.value.GetString());
    env.PushBack(Str(line, a), a);
  }
  return env;
}

struct PortBinding {
  std::string key;  // "8080/tcp"
  std::string host_ip;
  std::string host_port;
};

std::vector<PortBinding> CollectPorts(const Value& service) {
  std::vector<PortBinding> bindings;
  const Value* ports = Find(service, "ports");
  if (ports == nullptr || !ports->IsArray()) return bindings;
  for (const auto& port : ports->GetArray()) {
    std::string protocol = GetString(port, "protocol");
    if (protocol.empty()) protocol = "tcp";
    std::string target = port.HasMember("target") && port["target"].IsNumber()
                             ? std::to_string(port["target"].GetInt64())
                             : GetString(port, "target");
    bindings.push_back({target + "/" + protocol, GetString(port, "host_ip"),
                        GetString(port, "published")});
  }
  return bindings;
}

void AddPorts(const Value& service, Value& config, Value& host_config, Allocator& a) {
  Value exposed(rapidjson::kObjectType);
  if (const Value* expose = Find(service, "expose"); expose != nullptr && expose->IsArray()) {
    for (const auto& entry : expose->GetArray()) {
      if (entry.IsString() && !exposed.HasMember(entry.GetString())) {
        exposed.AddMember(Str(entry.GetString(), a), Value(rapidjson::kObjectType), a);
      }
    }
  }
  Value bindings(rapidjson::kObjectType);
  for (const auto& port : CollectPorts(service)) {
    if (!exposed.HasMember(port.key.c_str())) {
      exposed.AddMember(Str(port.key, a), Value(rapidjson::kObjectType), a);
    }
    if (!bindings.HasMember(port.key.c_str())) {
      bindings.AddMember(Str(port.key, a), Value(rapidjson::kArrayType), a);
    }
    Value binding(rapidjson::kObjectType);
    binding.AddMember("HostIp", Str(port.host_ip, a), a);
    binding.AddMember("HostPort", Str(port.host_port, a), a);
    bindings[port.key.c_str()].PushBack(binding, a);
  }
  if (exposed.MemberCount() > 0) config.AddMember("ExposedPorts", exposed, a);
  if (bindings.MemberCount() > 0) host_config.AddMember("PortBindings", bindings, a);
}

Result<Value> ToHealthcheck(const Value& healthcheck, Allocator& a) {
  Value out(rapidjson::kObjectType);
  if (GetBool(healthcheck, "disable")) {
    Value test(rapidjson::kArrayType);
    test.PushBack("NONE", a);
    out.AddMember("Test", test, a);
    return out;
  }
  if (const Value* test = Find(healthcheck, "test"); test != nullptr && test->IsArray()) {
    Value copy(test->GetArray().Size() ? rapidjson::kArrayType : rapidjson::kArrayType);
    for (const auto& item : test->GetArray()) copy.PushBack(Str(item.GetString(), a), a);
    out.AddMember("Test", copy, a);
  }
  static constexpr std::pair<const char*, const char*> kDurations[] = {
      {"interval", "Interval"},
      {"timeout", "Timeout"},
      {"start_period", "StartPeriod"},
      {"start_interval", "StartInterval"}};
  for (const auto& [from, to] : kDurations) {
    std::string text = GetString(healthcheck, from);
    if (text.empty()) continue;
    auto nanoseconds = ParseGoDuration(text);
    if (!nanoseconds) return nanoseconds.error();
    out.AddMember(Str(to, a), Value(static_cast<int64_t>(*nanoseconds)), a);
  }
  if (const Value* retries = Find(healthcheck, "retries"); retries != nullptr && retries->IsNumber()) {
    out.AddMember("Retries", Value(retries->GetInt64()), a);
  }
  return out;
}

Value ToRestartPolicy(const std::string& restart, Allocator& a) {
  Value policy(rapidjson::kObjectType);
  std::string name = restart;
  std::int64_t retries = 0;
  if (auto colon = restart.find(':'); colon != std::string::npos) {
    name = restart.substr(0, colon);
    retries = ParseInt(restart.substr(colon + 1));
  }
  policy.AddMember("Name", Str(name, a), a);
  if (retries > 0) policy.AddMember("MaximumRetryCount", Value(retries), a);
  return policy;
}

// The engine's name of a project volume, or "" when the source is no key.
std::string ProjectVolumeName(const compose::Project& project, const std::string& source) {
  auto it = project.volumes.find(source);
  return it == project.volumes.end() ? std::string() : it->second.name;
}

struct VolumeLists {
  Value binds{rapidjson::kArrayType};
  Value mounts{rapidjson::kArrayType};
  std::set<std::string> targets;
};

// Whether compose sends a bind through the Mount API rather than as a Binds
// string. 2.40 (bindRequiresMountAPI): a `bind:` block without
// create_host_path, or with a propagation or `recursive`; no block at all
// stays a Binds string. Older releases (2.26): Binds only when the block
// says create_host_path (short syntax), whatever else it holds.
bool BindRequiresMountApi(const Value& volume, bool legacy) {
  const Value* bind = Find(volume, "bind");
  if (legacy) return bind == nullptr || !GetBool(*bind, "create_host_path");
  if (bind == nullptr) return false;
  if (!GetString(*bind, "propagation").empty()) return true;
  if (!GetString(*bind, "recursive").empty()) return true;
  return !GetBool(*bind, "create_host_path");
}

bool VolumeRequiresMountApi(const Value& volume, bool legacy) {
  if (legacy) return true;
  const Value* options = Find(volume, "volume");
  if (options == nullptr) return false;
  return GetBool(*options, "nocopy") || !GetString(*options, "subpath").empty() ||
         Find(*options, "labels") != nullptr;
}

// compose's Binds string (toBindString; ServiceVolumeConfig.String() before
// 2.27): "<source>:<target>:<rw|ro>[,<selinux>][,<propagation>][,nocopy]",
// the source exactly as loaded (an absolute path is not cleaned), the
// SELinux relabel (`:z`/`:Z`) kept for named volumes too.
std::string BindString(const std::string& source, const Value& volume) {
  std::string options = GetBool(volume, "read_only") ? "ro" : "rw";
  if (const Value* bind = Find(volume, "bind")) {
    for (const char* key : {"selinux", "propagation"}) {
      if (std::string value = GetString(*bind, key); !value.empty()) options += "," + value;
    }
  }
  if (const Value* options_block = Find(volume, "volume"); options_block && GetBool(*options_block, "nocopy")) {
    options += ",nocopy";
  }
  return source + ":" + GetString(volume, "target") + ":" + options;
}

Value MountObject(const char* type, const std::string& source, const Value& volume, Allocator& a) {
  Value mount(rapidjson::kObjectType);
  mount.AddMember("Type", Str(type, a), a);
  if (!source.empty()) mount.AddMember("Source", Str(source, a), a);
  mount.AddMember("Target", Str(GetString(volume, "target"), a), a);
  if (GetBool(volume, "read_only")) mount.AddMember("ReadOnly", true, a);
  AddStringIfSet(mount, "Consistency", GetString(volume, "consistency"), a);
  return mount;
}

// buildBindOption: present whenever the service gives a `bind:` block, even
// an empty one; 2.26 only knows the propagation.
Value BindOptions(const Value& bind, bool legacy, Allocator& a) {
  Value options(rapidjson::kObjectType);
  AddStringIfSet(options, "Propagation", GetString(bind, "propagation"), a);
  if (legacy) return options;
  if (GetBool(bind, "create_host_path")) options.AddMember("CreateMountpoint", true, a);
  const std::string recursive = GetString(bind, "recursive");
  if (recursive == "disabled") options.AddMember("NonRecursive", true, a);
  if (recursive == "writable") options.AddMember("ReadOnlyNonRecursive", true, a);
  if (recursive == "readonly") options.AddMember("ReadOnlyForceRecursive", true, a);
  return options;
}

// buildVolumeOptions: present whenever the service gives a `volume:` block
// (short syntax always does); labels only from 2.27.
Value VolumeOptions(const Value& options, bool legacy, Allocator& a) {
  Value out(rapidjson::kObjectType);
  if (GetBool(options, "nocopy")) out.AddMember("NoCopy", true, a);
  AddStringIfSet(out, "Subpath", GetString(options, "subpath"), a);
  if (const Value* labels = Find(options, "labels"); !legacy && labels && labels->IsObject()) {
    Value copy(rapidjson::kObjectType);
    for (const auto& label : labels->GetObject()) {
      if (label.value.IsString()) copy.AddMember(Str(label.name.GetString(), a), Str(label.value.GetString(), a), a);
    }
    if (copy.MemberCount() > 0) out.AddMember("Labels", copy, a);
  }
  return out;
}

Status AddServiceVolume(const ContainerSpecInput& in, const Value& volume, bool legacy,
                        VolumeLists& lists, Allocator& a) {
  const std::string type = GetString(volume, "type");
  const std::string source = GetString(volume, "source");
  const std::string target = GetString(volume, "target");
  lists.targets.insert(target);
  if (type == "bind") {
    if (!BindRequiresMountApi(volume, legacy)) {
      lists.binds.PushBack(Str(BindString(source, volume), a), a);
      return Ok();
    }
    Value mount = MountObject("bind", source, volume, a);
    if (const Value* bind = Find(volume, "bind")) mount.AddMember("BindOptions", BindOptions(*bind, legacy, a), a);
    lists.mounts.PushBack(mount, a);
    return Ok();
  }
  if (type == "volume") {
    std::string name = source.empty() ? std::string() : ProjectVolumeName(*in.project, source);
    if (!source.empty() && name.empty()) name = source;  // an unknown key: let the engine decide
    if (source.empty()) {
      // Anonymous: reuse the volume the old container had at this path.
      for (const auto& old : in.old_mounts) {
        if (old.destination == target && old.type == "volume") name = old.name;
      }
    }
    const Value* options = Find(volume, "volume");
    if (!source.empty() && !VolumeRequiresMountApi(volume, legacy)) {
      lists.binds.PushBack(Str(BindString(name, volume), a), a);
      return Ok();
    }
    Value mount = MountObject("volume", name, volume, a);
    if (options != nullptr) mount.AddMember("VolumeOptions", VolumeOptions(*options, legacy, a), a);
    lists.mounts.PushBack(mount, a);
    return Ok();
  }
  if (type == "tmpfs") {
    Value mount = MountObject("tmpfs", "", volume, a);
    if (const Value* tmpfs = Find(volume, "tmpfs")) {
      Value tmpfs_options(rapidjson::kObjectType);
      std::string size = GetString(*tmpfs, "size");
      if (!size.empty()) tmpfs_options.AddMember("SizeBytes", Value(ParseInt(size)), a);
      if (const Value* mode = Find(*tmpfs, "mode"); mode != nullptr && mode->IsNumber()) {
        tmpfs_options.AddMember("Mode", Value(mode->GetInt64()), a);
      }
      mount.AddMember("TmpfsOptions", tmpfs_options, a);
    }
    lists.mounts.PushBack(mount, a);
    return Ok();
  }
  return Error(ErrorCode::kUnsupported, "volume type \"" + type + "\" is not supported");
}

Status AddVolumes(const ContainerSpecInput& in, const Value& service, Value& host_config,
                  Allocator& a) {
  const bool legacy = in.compose_version < kBindsForNamedVolumes;
  VolumeLists lists;
  if (const Value* volumes = Find(service, "volumes"); volumes != nullptr && volumes->IsArray()) {
    for (const auto& volume : volumes->GetArray()) {
      if (auto added = AddServiceVolume(in, volume, legacy, lists, a); !added) return added;
    }
  }
  // Volumes the image declares and the service does not: carry the old
  // container's over, as compose does, so data in them survives.
  for (const auto& path : in.image_volumes) {
    if (lists.targets.count(path) != 0) continue;
    for (const auto& old : in.old_mounts) {
      if (old.destination != path || old.type != "volume" || old.name.empty()) continue;
      Value mount(rapidjson::kObjectType);
      mount.AddMember("Type", "volume", a);
      mount.AddMember("Source", Str(old.name, a), a);
      mount.AddMember("Target", Str(path, a), a);
      mount.AddMember("VolumeOptions", Value(rapidjson::kObjectType), a);
      lists.mounts.PushBack(mount, a);
      lists.targets.insert(path);
    }
  }
  if (!lists.binds.Empty()) host_config.AddMember("Binds", lists.binds, a);
  if (!lists.mounts.Empty()) host_config.AddMember("Mounts", lists.mounts, a);
  return Ok();
}

Value EndpointSettings(const ContainerSpecInput& in, const Value* network_config, Allocator& a) {
  Value endpoint(rapidjson::kObjectType);
  Value aliases(rapidjson::kArrayType);
  aliases.PushBack(Str(in.container_name, a), a);
  aliases.PushBack(Str(in.service->name, a), a);
  if (network_config != nullptr) {
    if (const Value* extra = Find(*network_config, "aliases"); extra != nullptr && extra->IsArray()) {
      for (const auto& alias : extra->GetArray()) aliases.PushBack(Str(alias.GetString(), a), a);
    }
  }
  endpoint.AddMember("Aliases", aliases, a);
  if (network_config != nullptr) {
    Value ipam(rapidjson::kObjectType);
    AddStringIfSet(ipam, "IPv4Address", GetString(*network_config, "ipv4_address"), a);
    AddStringIfSet(ipam, "IPv6Address", GetString(*network_config, "ipv6_address"), a);
    if (ipam.MemberCount() > 0) endpoint.AddMember("IPAMConfig", ipam, a);
  }
  return endpoint;
}

std::string Serialize(const Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

Status AddNetworks(const ContainerSpecInput& in, const Value& service, Value& body,
                   Value& host_config, std::vector<LaterNetwork>& later, Allocator& a) {
  std::string network_mode = GetString(service, "network_mode");
  if (!network_mode.empty()) {
    if (network_mode.rfind("service:", 0) == 0) {
      const std::string other = network_mode.substr(8);
      auto it = in.service_container_ids.find(other);
      if (it == in.service_container_ids.end()) {
        return Error(ErrorCode::kFailedPrecondition,
                     "network_mode service:" + other + " has no container");
      }
      network_mode = "container:" + it->second;
    }
    host_config.AddMember("NetworkMode", Str(network_mode, a), a);
    return Ok();
  }
  const std::vector<std::string> keys = NetworkKeysByPriority(Serialize(service));
  if (keys.empty()) {
    host_config.AddMember("NetworkMode", "none", a);
    return Ok();
  }
  const bool all_at_create = engine::CompareApiVersions(in.api_version, "1.44") >= 0;
  const Value* networks = Find(service, "networks");
  Value endpoints(rapidjson::kObjectType);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    auto network = in.project->networks.find(keys[i]);
    if (network == in.project->networks.end()) {
      return Error(ErrorCode::kInvalidArgument,
                   "service \"" + in.service->name + "\" uses undefined network \"" + keys[i] + "\"");
    }
    const Value* config = networks != nullptr ? Find(*networks, keys[i].c_str()) : nullptr;
    Value endpoint = EndpointSettings(in, config, a);
    if (i == 0) host_config.AddMember("NetworkMode", Str(network->second.name, a), a);
    if (i == 0 || all_at_create) {
      endpoints.AddMember(Str(network->second.name, a), endpoint, a);
    } else {
      later.push_back({network->second.name, Serialize(endpoint)});
    }
  }
  Value networking(rapidjson::kObjectType);
  networking.AddMember("EndpointsConfig", endpoints, a);
  body.AddMember("NetworkingConfig", networking, a);
  return Ok();
}

void AddResources(const Value& service, Value& host_config, Allocator& a) {
  if (std::string memory = GetString(service, "mem_limit"); !memory.empty()) {
    host_config.AddMember("Memory", Value(ParseInt(memory)), a);
  }
  if (const Value* cpus = Find(service, "cpus"); cpus != nullptr && cpus->IsNumber()) {
    // compose keeps cpus as a float32; round as it converts to NanoCPUs.
    const double nano = static_cast<double>(static_cast<float>(cpus->GetDouble())) * 1e9;
    host_config.AddMember("NanoCpus", Value(static_cast<int64_t>(std::llround(nano))), a);
  }
  if (const Value* ulimits = Find(service, "ulimits"); ulimits != nullptr && ulimits->IsObject()) {
    Value list(rapidjson::kArrayType);
    for (const auto& entry : ulimits->GetObject()) {
      Value limit(rapidjson::kObjectType);
      limit.AddMember("Name", Str(entry.name.GetString(), a), a);
      std::int64_t soft = 0, hard = 0;
      if (entry.value.IsNumber()) {
        soft = hard = entry.value.GetInt64();
      } else if (entry.value.IsObject()) {
        if (const Value* s = Find(entry.value, "soft")) soft = s->GetInt64();
        if (const Value* h = Find(entry.value, "hard")) hard = h->GetInt64();
        if (const Value* single = Find(entry.value, "single")) soft = hard = single->GetInt64();
      }
      limit.AddMember("Hard", Value(hard), a);
      limit.AddMember("Soft", Value(soft), a);
      list.PushBack(limit, a);
    }
    host_config.AddMember("Ulimits", list, a);
  }
}

void AddStringMap(const Value& service, const char* from, Value& object, const char* to,
                  Allocator& a) {
  const Value* map = Find(service, from);
  if (map == nullptr || !map->IsObject()) return;
  Value copy(rapidjson::kObjectType);
  for (const auto& entry : map->GetObject()) {
    copy.AddMember(Str(entry.name.GetString(), a),
                   Str(entry.value.IsString() ? entry.value.GetString() : "", a), a);
  }
  object.AddMember(Str(to, a), copy, a);
}

void AddHostConfigBasics(const Value& service, Value& host_config, Allocator& a) {
  CopyStringArray(service, "cap_add", host_config, "CapAdd", a);
  CopyStringArray(service, "cap_drop", host_config, "CapDrop", a);
  CopyStringArray(service, "dns", host_config, "Dns", a);
  if (const Value* hosts = Find(service, "extra_hosts"); hosts != nullptr && hosts->IsArray()) {
    Value list(rapidjson::kArrayType);
    for (const auto& entry : hosts->GetArray()) {
      std::string line = entry.GetString();
      // compose's canonical form is host=ip; the engine takes host:ip.
      if (auto eq = line.find('='); eq != std::string::npos) line[eq] = ':';
      list.PushBack(Str(line, a), a);
    }
    host_config.AddMember("ExtraHosts", list, a);
  }
  if (GetBool(service, "privileged")) host_config.AddMember("Privileged", true, a);
  if (GetBool(service, "read_only")) host_config.AddMember("ReadonlyRootfs", true, a);
  if (const Value* init = Find(service, "init"); init != nullptr && init->IsBool()) {
    host_config.AddMember("Init", init->GetBool(), a);
  }
  if (const Value* tmpfs = Find(service, "tmpfs"); tmpfs != nullptr && tmpfs->IsArray()) {
    Value map(rapidjson::kObjectType);
    for (const auto& entry : tmpfs->GetArray()) {
      std::string line = entry.GetString();
      auto colon = line.find(':');
      std::string path = line.substr(0, colon);
      std::string options = colon == std::string::npos ? "" : line.substr(colon + 1);
      if (!map.HasMember(path.c_str())) map.AddMember(Str(path, a), Str(options, a), a);
    }
    host_config.AddMember("Tmpfs", map, a);
  }
  if (const Value* logging = Find(service, "logging")) {
    Value log_config(rapidjson::kObjectType);
    log_config.AddMember("Type", Str(GetString(*logging, "driver"), a), a);
    Value options(rapidjson::kObjectType);
    if (const Value* given = Find(*logging, "options"); given != nullptr && given->IsObject()) {
      for (const auto& entry : given->GetObject()) {
        options.AddMember(Str(entry.name.GetString(), a),
                          Str(entry.value.IsString() ? entry.value.GetString() : "", a), a);
      }
    }
    log_config.AddMember("Config", options, a);
    host_config.AddMember("LogConfig", log_config, a);
  }
  AddStringMap(service, "sysctls", host_config, "Sysctls", a);
  host_config.AddMember("RestartPolicy", ToRestartPolicy(GetString(service, "restart"), a), a);
}

Status AddConfig(const ContainerSpecInput& in, const Value& service, Value& body, Allocator& a) {
  std::string image = GetString(service, "image");
  if (image.empty()) image = in.project->name + "-" + in.service->name;
  body.AddMember("Image", Str(image, a), a);
  AddStringIfSet(body, "Hostname", GetString(service, "hostname"), a);
  AddStringIfSet(body, "User", GetString(service, "user"), a);
  AddStringIfSet(body, "WorkingDir", GetString(service, "working_dir"), a);
  AddStringIfSet(body, "StopSignal", GetString(service, "stop_signal"), a);
  if (std::string grace = GetString(service, "stop_grace_period"); !grace.empty()) {
    auto nanoseconds = ParseGoDuration(grace);
    if (!nanoseconds) return nanoseconds.error();
    body.AddMember("StopTimeout", Value(static_cast<int64_t>(*nanoseconds / 1000000000)), a);
  }
  CopyStringArray(service, "command", body, "Cmd", a);
  CopyStringArray(service, "entrypoint", body, "Entrypoint", a);
  body.AddMember("Env", ToEnv(service, a), a);
  body.AddMember("AttachStdout", true, a);
  body.AddMember("AttachStderr", true, a);
  if (const Value* healthcheck = Find(service, "healthcheck")) {
    auto converted = ToHealthcheck(*healthcheck, a);
    if (!converted) return converted.error();
    body.AddMember("Healthcheck", *converted, a);
  }
  Value labels(rapidjson::kObjectType);
  std::map<std::string, std::string> merged;
  if (const Value* user = Find(service, "labels"); user != nullptr && user->IsObject()) {
    for (const auto& entry : user->GetObject()) {
      merged[entry.name.GetString()] = entry.value.IsString() ? entry.value.GetString() : "";
    }
  }
  for (const auto& [key, value] : in.compose_labels) merged[key] = value;
  for (const auto& [key, value] : merged) labels.AddMember(Str(key, a), Str(value, a), a);
  body.AddMember("Labels", labels, a);
  return Ok();
}

}  // namespace

Result<std::int64_t> ParseGoDuration(std::string_view text) {
  const std::string original(text);
  auto invalid = [&] {
    return Error(ErrorCode::kInvalidArgument, "invalid duration \"" + original + "\"");
  };
  if (text == "0") return std::int64_t{0};
  if (text.empty()) return invalid();
  static constexpr std::pair<std::string_view, double> kUnits[] = {
      {"ns", 1.0}, {"us", 1e3}, {"\xC2\xB5s", 1e3}, {"ms", 1e6},
      {"s", 1e9},  {"m", 60e9}, {"h", 3600e9}};
  double total = 0;
  while (!text.empty()) {
    std::size_t digits = 0;
    while (digits < text.size() && ((text[digits] >= '0' && text[digits] <= '9') || text[digits] == '.')) {
      ++digits;
    }
    if (digits == 0) return invalid();
    const double number = std::stod(std::string(text.substr(0, digits)));
    text.remove_prefix(digits);
    std::size_t unit_length = 0;
    while (unit_length < text.size() && !((text[unit_length] >= '0' && text[unit_length] <= '9') ||
                                          text[unit_length] == '.')) {
      ++unit_length;
    }
    const std::string_view unit = text.substr(0, unit_length);
    text.remove_prefix(unit_length);
    auto match = std::find_if(std::begin(kUnits), std::end(kUnits),
                              [&](const auto& u) { return u.first == unit; });
    if (match == std::end(kUnits)) return invalid();
    total += number * match->second;
  }
  return static_cast<std::int64_t>(std::llround(total));
}

std::vector<std::string> NetworkKeysByPriority(std::string_view service_canonical_json) {
  rapidjson::Document service;
  service.Parse(service_canonical_json.data(), service_canonical_json.size());
  std::vector<std::pair<std::int64_t, std::string>> ranked;
  if (service.HasParseError() || !GetString(service, "network_mode").empty()) return {};
  const Value* networks = Find(service, "networks");
  if (networks == nullptr || !networks->IsObject()) return {};
  for (const auto& entry : networks->GetObject()) {
    std::int64_t priority = 0;
    if (const Value* p = Find(entry.value, "priority"); p != nullptr && p->IsNumber()) {
      priority = p->GetInt64();
    }
    ranked.emplace_back(priority, entry.name.GetString());
  }
  std::sort(ranked.begin(), ranked.end(), [](const auto& x, const auto& y) {
    return x.first != y.first ? x.first > y.first : x.second < y.second;
  });
  std::vector<std::string> keys;
  for (auto& [priority, key] : ranked) keys.push_back(std::move(key));
  return keys;
}

Result<ContainerSpec> BuildContainerSpec(const ContainerSpecInput& in) {
  rapidjson::Document service;
  service.Parse(in.service->canonical_json.c_str());
  if (service.HasParseError() || !service.IsObject()) {
    return Error(ErrorCode::kInternal, "the loaded service is not valid JSON");
  }
  rapidjson::Document body(rapidjson::kObjectType);
  Allocator& a = body.GetAllocator();
  if (auto added = AddConfig(in, service, body, a); !added) return added.error();

  Value host_config(rapidjson::kObjectType);
  AddPorts(service, body, host_config, a);
  if (auto added = AddVolumes(in, service, host_config, a); !added) return added.error();
  AddHostConfigBasics(service, host_config, a);
  AddResources(service, host_config, a);
  ContainerSpec spec;
  if (auto added = AddNetworks(in, service, body, host_config, spec.later_networks, a); !added) {
    return added.error();
  }
  body.AddMember("HostConfig", host_config, a);
  spec.create_body = Serialize(body);
  return spec;
}

}  // namespace deliveryhook::deploy
