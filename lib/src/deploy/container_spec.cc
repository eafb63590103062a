#include "deploy/container_spec.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "compose/json_value.h"
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

Value Str(std::string_view text, Allocator& a);
std::int64_t IntOf(const Value* value);
void AddInt(Value& object, const char* key, std::int64_t value, Allocator& a);
Value StringMapOrNull(const Value* map, Allocator& a);
Value StringVector(const std::vector<std::string>& items, Allocator& a);
std::vector<std::string> Links(const ContainerSpecInput& in, const Value& service);

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
  // compose always sends the port map, empty or not (the engine keeps {}).
  host_config.AddMember("PortBindings", bindings, a);
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

// compose's mapRestartPolicyCondition: deploy.restart_policy's words too.
std::string RestartPolicyName(const std::string& condition) {
  if (condition == "none") return "no";
  if (condition == "any") return "always";
  return condition;
}

// `restart`, overridden by `deploy.restart_policy` (compose's getRestartPolicy).
Value ToRestartPolicy(const Value& service, Allocator& a) {
  const std::string restart = GetString(service, "restart");
  std::string name;
  std::int64_t retries = 0;
  if (!restart.empty()) {
    name = restart.substr(0, restart.find(':'));
    if (auto colon = restart.find(':'); colon != std::string::npos) {
      retries = ParseInt(restart.substr(colon + 1, restart.find(':', colon + 1) - colon - 1));
    }
    name = RestartPolicyName(name);
  }
  const Value* deploy = Find(service, "deploy");
  if (const Value* policy = deploy != nullptr ? Find(*deploy, "restart_policy") : nullptr) {
    name = RestartPolicyName(GetString(*policy, "condition"));
    retries = IntOf(Find(*policy, "max_attempts"));
  }
  Value out(rapidjson::kObjectType);
  out.AddMember("Name", Str(name, a), a);
  if (retries > 0) out.AddMember("MaximumRetryCount", Value(retries), a);
  return out;
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

// A secret's or config's file, mounted as compose mounts it.
Value ReadOnlyBind(const std::string& source, const std::string& target, Allocator& a) {
  Value mount(rapidjson::kObjectType);
  mount.AddMember("Type", "bind", a);
  mount.AddMember("Source", Str(source, a), a);
  mount.AddMember("Target", Str(target, a), a);
  mount.AddMember("ReadOnly", true, a);
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

// File-based secrets and configs as compose mounts them (fillBindMounts,
// buildContainerSecretMounts/ConfigMounts): a read-only bind at the target
// (secrets: /run/secrets/<target or source>; configs: /<target or source>),
// unless a service volume already uses that path. uid, gid and mode do not
// apply to binds; compose ignores them too. environment and content
// sources are copied in before start instead (CheckSupported decides).
void AddFileObjectMounts(const ContainerSpecInput& in, const Value& service, Value& host_config, Allocator& a) {
  std::set<std::string> taken;
  if (const Value* binds = Find(host_config, "Binds"); binds != nullptr && binds->IsArray()) {
    for (const auto& bind : binds->GetArray()) {
      const std::string text = bind.GetString();
      const auto first = text.find(':');
      if (first == std::string::npos) continue;
      taken.insert(text.substr(first + 1, text.find(':', first + 1) - first - 1));
    }
  }
  if (const Value* mounts = Find(host_config, "Mounts"); mounts != nullptr && mounts->IsArray()) {
    for (const auto& mount : mounts->GetArray()) taken.insert(GetString(mount, "Target"));
  }
  Value added(rapidjson::kArrayType);
  for (const bool secrets : {true, false}) {
    const Value* references = Find(service, secrets ? "secrets" : "configs");
    if (references == nullptr || !references->IsArray()) continue;
    const auto& defined = secrets ? in.project->secrets : in.project->configs;
    const std::string base = secrets ? "/run/secrets/" : "/";
    std::vector<std::pair<std::string, const compose::FileObject*>> by_target;  // later wins, as in compose's map
    for (const auto& reference : references->GetArray()) {
      const std::string source = GetString(reference, "source");
      std::string target = GetString(reference, "target");
      if (target.empty()) target = base + source;
      else if (target[0] != '/') target = base + target;
      auto object = defined.find(source);
      if (object == defined.end() || object->second.file.empty()) continue;
      auto same = std::find_if(by_target.begin(), by_target.end(), [&](const auto& entry) { return entry.first == target; });
      if (same != by_target.end()) same->second = &object->second;
      else by_target.emplace_back(target, &object->second);
    }
    for (const auto& [target, object] : by_target) {
      if (!taken.insert(target).second) continue;
      Value mount = ReadOnlyBind(object->file, target, a);
      // From 2.30.0 compose gives secrets an explicit (empty) bind option set.
      if (secrets && !(in.compose_version < compose::ComposeVersion{2, 30, 0})) {
        mount.AddMember("BindOptions", Value(rapidjson::kObjectType), a);
      }
      added.PushBack(mount, a);
    }
  }
  if (added.Empty()) return;
  if (!host_config.HasMember("Mounts")) host_config.AddMember("Mounts", Value(rapidjson::kArrayType), a);
  for (auto& mount : added.GetArray()) host_config["Mounts"].PushBack(Value(mount, a), a);
}

// compose's injectSecrets/injectConfigs: environment and content sources
// become files copied in before start (mode 0444 unless given); an empty
// value is skipped; a read-only service cannot get them.
Status AddCopyIns(const ContainerSpecInput& in, const Value& service, std::vector<CopyIn>& copy_in) {
  for (const bool secrets : {true, false}) {
    const Value* references = Find(service, secrets ? "secrets" : "configs");
    if (references == nullptr || !references->IsArray()) continue;
    const auto& defined = secrets ? in.project->secrets : in.project->configs;
    const char* kind = secrets ? "secret" : "config";
    for (const auto& reference : references->GetArray()) {
      const std::string source = GetString(reference, "source");
      auto object = defined.find(source);
      if (object == defined.end() || !object->second.file.empty()) continue;
      std::string content = object->second.content;
      if (!object->second.has_content && !object->second.environment.empty()) {
        auto value = in.project->environment.find(object->second.environment);
        if (value == in.project->environment.end()) {
          return Error(ErrorCode::kInvalidArgument, "environment variable \"" + object->second.environment +
                                                        "\" required by " + kind + " \"" + object->second.name +
                                                        "\" is not set");
        }
        content = value->second;
      }
      if (content.empty()) continue;
      if (GetBool(service, "read_only")) {
        return Error(ErrorCode::kInvalidArgument, std::string("cannot create ") + kind + " \"" +
                                                      object->second.name + "\" in read-only service " +
                                                      in.service->name + ": `file` is the sole supported option");
      }
      std::string target = GetString(reference, "target");
      if (target.empty()) target = (secrets ? "/run/secrets/" : "/") + source;
      else if (secrets && target[0] != '/') target = "/run/secrets/" + target;
      unsigned mode = 0444;
      if (const Value* given = Find(reference, "mode")) {
        mode = given->IsString() ? static_cast<unsigned>(std::strtoul(given->GetString(), nullptr, 8))
                                 : static_cast<unsigned>(IntOf(given));
      }
      const std::string uid = GetString(reference, "uid"), gid = GetString(reference, "gid");
      copy_in.push_back({target,
                         SingleFileTar(target, content, mode, ParseInt(uid), ParseInt(gid),
                                       static_cast<long long>(std::time(nullptr))),
                         !uid.empty() || !gid.empty()});
    }
  }
  return Ok();
}

Value EndpointSettings(const ContainerSpecInput& in, const Value* network_config, bool primary,
                       const Value& service, Allocator& a) {
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
    CopyStringArray(*network_config, "link_local_ips", ipam, "LinkLocalIPs", a);
    // compose sends the IPAM config for every network declared with a body.
    if (ipam.MemberCount() > 0 || network_config->IsObject()) endpoint.AddMember("IPAMConfig", ipam, a);
  }
  if (std::vector<std::string> links = Links(in, service); !links.empty()) {
    endpoint.AddMember("Links", StringVector(links, a), a);
  }
  // From API 1.44 the service's mac_address moves to the primary endpoint,
  // when that network is declared with a body (compose's own rule).
  std::string mac = network_config != nullptr && network_config->IsObject()
                        ? GetString(*network_config, "mac_address") : std::string();
  if (mac.empty() && primary && network_config != nullptr && network_config->IsObject() &&
      engine::CompareApiVersions(in.api_version, "1.44") >= 0) {
    mac = GetString(service, "mac_address");
  }
  AddStringIfSet(endpoint, "MacAddress", mac, a);
  // compose sends the endpoint's driver options from 2.28.0, its gateway
  // priority and interface name from 2.36.0.
  const bool driver_opts_sent = !(in.compose_version < compose::ComposeVersion{2, 28, 0});
  const bool gw_priority_sent = !(in.compose_version < compose::ComposeVersion{2, 36, 0});
  if (network_config != nullptr && network_config->IsObject() && driver_opts_sent) {
    Value driver_opts = StringMapOrNull(Find(*network_config, "driver_opts"), a);
    std::string ifname = gw_priority_sent ? GetString(*network_config, "interface_name") : std::string();
    if (!ifname.empty()) {
      if (!driver_opts.IsObject()) driver_opts.SetObject();
      driver_opts.RemoveMember("com.docker.network.endpoint.ifname");
      driver_opts.AddMember("com.docker.network.endpoint.ifname", Str(ifname, a), a);
    }
    if (driver_opts.IsObject()) endpoint.AddMember("DriverOpts", driver_opts, a);
    if (gw_priority_sent) AddInt(endpoint, "GwPriority", IntOf(Find(*network_config, "gw_priority")), a);
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
    Value endpoint = EndpointSettings(in, config, i == 0, service, a);
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

std::int64_t IntOf(const Value* value) {
  if (value == nullptr) return 0;
  if (value->IsInt64()) return value->GetInt64();
  if (value->IsNumber()) return static_cast<std::int64_t>(value->GetDouble());
  if (value->IsString()) return ParseInt(value->GetString());  // UnitBytes
  return 0;
}

// compose multiplies float32 values in float32 and truncates (int64(f * 1e9)).
std::int64_t Float32Times(const Value* value, float factor) {
  if (value == nullptr || !value->IsNumber()) return 0;
  const float product = static_cast<float>(value->GetDouble()) * factor;
  return static_cast<std::int64_t>(product);
}

void AddInt(Value& object, const char* key, std::int64_t value, Allocator& a) {
  if (value != 0) object.AddMember(Str(key, a), Value(value), a);
}

Value StringArrayOrNull(const Value* list, Allocator& a) {
  if (list == nullptr || !list->IsArray()) return Value(rapidjson::kNullType);
  Value copy(rapidjson::kArrayType);
  for (const auto& item : list->GetArray()) {
    if (item.IsString()) copy.PushBack(Str(item.GetString(), a), a);
  }
  return copy;
}

Value StringMapOrNull(const Value* map, Allocator& a) {
  if (map == nullptr || !map->IsObject()) return Value(rapidjson::kNullType);
  Value copy(rapidjson::kObjectType);
  for (const auto& entry : map->GetObject()) {
    copy.AddMember(Str(entry.name.GetString(), a), Str(entry.value.IsString() ? entry.value.GetString() : "", a), a);
  }
  return copy;
}

// A container.DeviceRequest; compose adds "gpu" to the capabilities of `gpus`.
Value DeviceRequest(const Value& request, bool gpu, Allocator& a) {
  Value out(rapidjson::kObjectType);
  out.AddMember("Driver", Str(GetString(request, "driver"), a), a);
  out.AddMember("Count", Value(IntOf(Find(request, "count"))), a);
  out.AddMember("DeviceIDs", StringArrayOrNull(Find(request, "device_ids"), a), a);
  Value capabilities(rapidjson::kArrayType);
  Value inner = StringArrayOrNull(Find(request, "capabilities"), a);
  if (gpu) {
    if (!inner.IsArray()) inner.SetArray();
    inner.PushBack("gpu", a);
  }
  capabilities.PushBack(inner, a);
  out.AddMember("Capabilities", capabilities, a);
  out.AddMember("Options", StringMapOrNull(Find(request, "options"), a), a);
  return out;
}

// A CDI device name, "vendor.com/class=name" (cdi.IsQualifiedName).
bool IsCdiName(const std::string& name) {
  const auto slash = name.find('/');
  const auto equals = name.find('=');
  return slash != std::string::npos && slash > 0 && equals != std::string::npos && equals > slash + 1 &&
         equals + 1 < name.size() && name.find('/', slash + 1) > equals;
}

void AddBlkio(const Value& blkio, Value& host_config, Allocator& a) {
  AddInt(host_config, "BlkioWeight", IntOf(Find(blkio, "weight")), a);
  static constexpr std::pair<const char*, const char*> kLists[] = {
      {"weight_device", "BlkioWeightDevice"},       {"device_read_bps", "BlkioDeviceReadBps"},
      {"device_read_iops", "BlkioDeviceReadIOps"}, {"device_write_bps", "BlkioDeviceWriteBps"},
      {"device_write_iops", "BlkioDeviceWriteIOps"}};
  for (const auto& [from, to] : kLists) {
    const Value* list = Find(blkio, from);
    if (list == nullptr || !list->IsArray()) continue;
    Value devices(rapidjson::kArrayType);
    for (const auto& device : list->GetArray()) {
      Value out(rapidjson::kObjectType);
      out.AddMember("Path", Str(GetString(device, "Path"), a), a);
      if (std::string(from) == "weight_device") {
        out.AddMember("Weight", Value(IntOf(Find(device, "Weight"))), a);
      } else {
        out.AddMember("Rate", Value(IntOf(Find(device, "Rate"))), a);
      }
      devices.PushBack(out, a);
    }
    host_config.AddMember(Str(to, a), devices, a);
  }
}

// compose's getDeployResources (create.go).
void AddResources(const Value& service, Value& host_config, Allocator& a) {
  AddStringIfSet(host_config, "CgroupParent", GetString(service, "cgroup_parent"), a);
  std::int64_t memory = IntOf(Find(service, "mem_limit"));
  std::int64_t reservation = IntOf(Find(service, "mem_reservation"));
  std::int64_t nano_cpus = Float32Times(Find(service, "cpus"), 1e9f);
  std::int64_t pids = IntOf(Find(service, "pids_limit"));
  Value device_requests(rapidjson::kArrayType);
  const Value* deploy = Find(service, "deploy");
  const Value* resources = deploy != nullptr ? Find(*deploy, "resources") : nullptr;
  if (const Value* limits = resources != nullptr ? Find(*resources, "limits") : nullptr) {
    if (std::int64_t value = IntOf(Find(*limits, "memory")); value != 0) memory = value;
    if (std::int64_t value = Float32Times(Find(*limits, "cpus"), 1e9f); value != 0) nano_cpus = value;
    if (std::int64_t value = IntOf(Find(*limits, "pids")); value > 0) pids = value;
  }
  if (const Value* reservations = resources != nullptr ? Find(*resources, "reservations") : nullptr) {
    // cpus is a swarm reservation, pids only a limit.
    if (std::int64_t value = IntOf(Find(*reservations, "memory")); value != 0) reservation = value;
    if (const Value* devices = Find(*reservations, "devices"); devices != nullptr && devices->IsArray()) {
      for (const auto& device : devices->GetArray()) device_requests.PushBack(DeviceRequest(device, false, a), a);
    }
  }
  AddInt(host_config, "Memory", memory, a);
  AddInt(host_config, "MemorySwap", IntOf(Find(service, "memswap_limit")), a);
  AddInt(host_config, "MemorySwappiness", IntOf(Find(service, "mem_swappiness")), a);
  AddInt(host_config, "MemoryReservation", reservation, a);
  host_config.AddMember("OomKillDisable", GetBool(service, "oom_kill_disable"), a);  // always a pointer
  AddInt(host_config, "CpuCount", IntOf(Find(service, "cpu_count")), a);
  AddInt(host_config, "CpuPeriod", IntOf(Find(service, "cpu_period")), a);
  AddInt(host_config, "CpuQuota", IntOf(Find(service, "cpu_quota")), a);
  AddInt(host_config, "CpuRealtimePeriod", IntOf(Find(service, "cpu_rt_period")), a);
  AddInt(host_config, "CpuRealtimeRuntime", IntOf(Find(service, "cpu_rt_runtime")), a);
  AddInt(host_config, "CpuShares", IntOf(Find(service, "cpu_shares")), a);
  AddInt(host_config, "NanoCpus", nano_cpus, a);
  AddInt(host_config, "CpuPercent", Float32Times(Find(service, "cpu_percent"), 100.0f), a);
  AddStringIfSet(host_config, "CpusetCpus", GetString(service, "cpuset"), a);
  CopyStringArray(service, "device_cgroup_rules", host_config, "DeviceCgroupRules", a);
  AddInt(host_config, "PidsLimit", pids, a);
  if (const Value* blkio = Find(service, "blkio_config"); blkio != nullptr && blkio->IsObject()) {
    AddBlkio(*blkio, host_config, a);
  }
  Value devices(rapidjson::kArrayType);
  Value cdi_names(rapidjson::kArrayType);
  if (const Value* list = Find(service, "devices"); list != nullptr && list->IsArray()) {
    for (const auto& device : list->GetArray()) {
      const std::string source = GetString(device, "source");
      if (source == GetString(device, "target") && IsCdiName(source)) {
        cdi_names.PushBack(Str(source, a), a);
        continue;
      }
      Value mapping(rapidjson::kObjectType);
      mapping.AddMember("PathOnHost", Str(source, a), a);
      mapping.AddMember("PathInContainer", Str(GetString(device, "target"), a), a);
      mapping.AddMember("CgroupPermissions", Str(GetString(device, "permissions"), a), a);
      devices.PushBack(mapping, a);
    }
  }
  if (!devices.Empty()) host_config.AddMember("Devices", devices, a);
  if (!cdi_names.Empty()) {
    Value request(rapidjson::kObjectType);
    request.AddMember("Driver", "cdi", a);
    request.AddMember("Count", 0, a);
    request.AddMember("DeviceIDs", cdi_names, a);
    request.AddMember("Capabilities", Value(rapidjson::kNullType), a);
    request.AddMember("Options", Value(rapidjson::kNullType), a);
    device_requests.PushBack(request, a);
  }
  if (const Value* gpus = Find(service, "gpus"); gpus != nullptr && gpus->IsArray()) {
    for (const auto& gpu : gpus->GetArray()) device_requests.PushBack(DeviceRequest(gpu, true, a), a);
  }
  if (!device_requests.Empty()) host_config.AddMember("DeviceRequests", device_requests, a);
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
  {
    // compose always sends the list, empty or not (the engine keeps []).
    Value list(rapidjson::kArrayType);
    const Value* given = Find(service, "extra_hosts");
    const Value none(rapidjson::kArrayType);
    const Value& hosts = given != nullptr && given->IsArray() ? *given : none;
    for (const auto& entry : hosts.GetArray()) {
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
  host_config.AddMember("RestartPolicy", ToRestartPolicy(service, a), a);
}

// compose's parseSecurityOpts: a seccomp profile file is sent as its
// compacted JSON, `systempaths=unconfined` empties the masked and read-only
// paths.
Status AddSecurityOpts(const ContainerSpecInput& in, const Value& service, Value& host_config, Allocator& a) {
  const Value* options = Find(service, "security_opt");
  if (options == nullptr || !options->IsArray()) return Ok();
  Value parsed(rapidjson::kArrayType);
  bool unconfined = false;
  for (const auto& item : options->GetArray()) {
    const std::string option = item.IsString() ? item.GetString() : "";
    if (option == "systempaths=unconfined") {
      unconfined = true;
      continue;
    }
    std::string name = option, value;
    if (auto eq = option.find('='); eq != std::string::npos) {
      name = option.substr(0, eq);
      value = option.substr(eq + 1);
    } else if (option != "no-new-privileges") {
      auto colon = option.find(':');
      if (colon == std::string::npos) {
        return Error(ErrorCode::kInvalidArgument, "invalid security-opt: \"" + option + "\"");
      }
      name = option.substr(0, colon);
      value = option.substr(colon + 1);
    }
    if (name == "seccomp" && value != "unconfined" && value != "builtin") {
      std::filesystem::path file = value;
      if (file.is_relative()) file = std::filesystem::path(in.project->working_dir) / file;
      std::ifstream stream(file, std::ios::binary);
      if (!stream.is_open()) {
        return Error(ErrorCode::kInvalidArgument, "opening seccomp profile (" + value + ") failed");
      }
      std::string text((std::istreambuf_iterator<char>(stream)), std::istreambuf_iterator<char>());
      rapidjson::Document profile;
      profile.Parse(text.c_str(), text.size());
      if (text.empty() || profile.HasParseError()) {
        return Error(ErrorCode::kInvalidArgument, "compacting json for seccomp profile (" + value + ") failed");
      }
      parsed.PushBack(Str("seccomp=" + Serialize(profile), a), a);
    } else {
      parsed.PushBack(Str(option, a), a);
    }
  }
  if (!parsed.Empty()) host_config.AddMember("SecurityOpt", parsed, a);
  if (unconfined) {
    host_config.AddMember("MaskedPaths", Value(rapidjson::kArrayType), a);
    host_config.AddMember("ReadonlyPaths", Value(rapidjson::kArrayType), a);
  }
  return Ok();
}

// compose's getLinks: each container of a linked service under the link
// name, `<service>-<N>` and `<project>-<service>-<N>`, N being the number of
// the container being made (compose's own quirk); external links as written.
std::vector<std::string> Links(const ContainerSpecInput& in, const Value& service) {
  std::vector<std::string> links;
  const std::string number = std::to_string(in.container_number);
  if (const Value* list = Find(service, "links"); list != nullptr && list->IsArray()) {
    for (const auto& item : list->GetArray()) {
      const std::string link = item.GetString();
      const std::string linked = link.substr(0, link.find(':'));
      const std::string alias = link.find(':') == std::string::npos ? linked : link.substr(link.find(':') + 1);
      auto names = in.service_container_names.find(linked);
      if (names == in.service_container_names.end()) continue;
      for (const std::string& name : names->second) {
        links.push_back(name + ":" + alias);
        links.push_back(name + ":" + linked + "-" + number);
        links.push_back(name + ":" + in.project->name + "-" + linked + "-" + number);
      }
    }
  }
  if (const Value* list = Find(service, "external_links"); list != nullptr && list->IsArray()) {
    for (const auto& item : list->GetArray()) {
      const std::string link = item.GetString();
      const std::string name = link.substr(0, link.find(':'));
      links.push_back(name + ":" + (link.find(':') == std::string::npos ? name : link.substr(link.find(':') + 1)));
    }
  }
  return links;
}

Value StringVector(const std::vector<std::string>& items, Allocator& a) {
  Value list(rapidjson::kArrayType);
  for (const auto& item : items) list.PushBack(Str(item, a), a);
  return list;
}

// The keys compose copies to HostConfig as they are.
Status AddNamespacesAndOptions(const ContainerSpecInput& in, const Value& service, Value& host_config,
                               Allocator& a) {
  AddStringIfSet(host_config, "IpcMode", GetString(service, "ipc"), a);
  AddStringIfSet(host_config, "PidMode", GetString(service, "pid"), a);
  AddStringIfSet(host_config, "UTSMode", GetString(service, "uts"), a);
  AddStringIfSet(host_config, "UsernsMode", GetString(service, "userns_mode"), a);
  AddStringIfSet(host_config, "CgroupnsMode", GetString(service, "cgroup"), a);
  AddStringIfSet(host_config, "Isolation", GetString(service, "isolation"), a);
  AddStringIfSet(host_config, "Runtime", GetString(service, "runtime"), a);
  AddInt(host_config, "ShmSize", IntOf(Find(service, "shm_size")), a);
  AddInt(host_config, "OomScoreAdj", IntOf(Find(service, "oom_score_adj")), a);
  CopyStringArray(service, "group_add", host_config, "GroupAdd", a);
  CopyStringArray(service, "dns_search", host_config, "DnsSearch", a);
  CopyStringArray(service, "dns_opt", host_config, "DnsOptions", a);
  if (Find(service, "storage_opt") != nullptr) AddStringMap(service, "storage_opt", host_config, "StorageOpt", a);
  if (Find(service, "annotations") != nullptr) AddStringMap(service, "annotations", host_config, "Annotations", a);
  const std::string resolved = ResolveVolumesFrom(Serialize(service), in.service_container_ids);
  rapidjson::Document with_ids;
  with_ids.Parse(resolved.c_str());
  if (const Value* from = Find(with_ids, "volumes_from"); from != nullptr && from->IsArray()) {
    // A service without a container stays unresolved: compose fails there too.
    for (const auto& item : Find(service, "volumes_from")->GetArray()) {
      const std::string source = item.GetString();
      const std::string name = source.substr(0, source.find(':'));
      if (name != "container" && in.service_container_ids.count(name) == 0) {
        return Error(ErrorCode::kFailedPrecondition,
                     "cannot share volume with service " + name + ": container missing");
      }
    }
    CopyStringArray(with_ids, "volumes_from", host_config, "VolumesFrom", a);
  }
  if (std::vector<std::string> links = Links(in, service); !links.empty()) {
    host_config.AddMember("Links", StringVector(links, a), a);
  }
  return AddSecurityOpts(in, service, host_config, a);
}

// compose's prepareContainerMACAddress: before API 1.44 the container-wide
// MacAddress is the service's, or the primary network's.
std::string ContainerMacAddress(const ContainerSpecInput& in, const Value& service) {
  if (engine::CompareApiVersions(in.api_version, "1.44") >= 0) return {};
  std::string mac = GetString(service, "mac_address");
  const std::vector<std::string> keys = NetworkKeysByPriority(Serialize(service));
  const Value* networks = Find(service, "networks");
  if (!keys.empty() && networks != nullptr) {
    if (const Value* primary = Find(*networks, keys.front().c_str()); primary != nullptr && primary->IsObject()) {
      // Before 2.33.0 compose took the primary network's (even empty) over the
      // service's as soon as that network had a body.
      std::string own = GetString(*primary, "mac_address");
      if (!own.empty() || in.compose_version < compose::ComposeVersion{2, 33, 0}) mac = own;
    }
  }
  return mac;
}

Status AddConfig(const ContainerSpecInput& in, const Value& service, Value& body, Allocator& a) {
  std::string image = GetString(service, "image");
  if (image.empty()) image = in.project->name + "-" + in.service->name;
  body.AddMember("Image", Str(image, a), a);
  AddStringIfSet(body, "Hostname", GetString(service, "hostname"), a);
  AddStringIfSet(body, "Domainname", GetString(service, "domainname"), a);
  if (GetBool(service, "tty")) body.AddMember("Tty", true, a);
  if (GetBool(service, "stdin_open")) body.AddMember("OpenStdin", true, a);
  AddStringIfSet(body, "MacAddress", ContainerMacAddress(in, service), a);
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

std::string SingleFileTar(const std::string& target, const std::string& content, unsigned mode, long long uid,
                          long long gid, long long mtime) {
  // A ustar header (what Go's archive/tar writes for such a file), the
  // content padded to 512 bytes, and two zero blocks.
  std::string header(512, '\0');
  auto put = [&](std::size_t offset, std::size_t width, const std::string& text) {
    header.replace(offset, std::min(width, text.size()), text.substr(0, width));
  };
  auto octal = [&](std::size_t offset, std::size_t width, long long value) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%0*llo", static_cast<int>(width - 1), value);
    put(offset, width - 1, buffer);
  };
  std::string name = target, prefix;
  if (name.size() > 100) {  // ustar splits long names at a '/'
    auto slash = name.rfind('/', 155);
    if (slash != std::string::npos && name.size() - slash - 1 <= 100) {
      prefix = name.substr(0, slash);
      name = name.substr(slash + 1);
    }
  }
  put(0, 100, name);
  octal(100, 8, mode & 07777);
  octal(108, 8, uid);
  octal(116, 8, gid);
  octal(124, 12, static_cast<long long>(content.size()));
  octal(136, 12, mtime);
  header[156] = '0';
  put(257, 6, std::string("ustar\0", 6));
  put(263, 2, "00");
  put(345, 155, prefix);
  header.replace(148, 8, std::string(8, ' '));
  unsigned sum = 0;
  for (unsigned char c : header) sum += c;
  char checksum[8];
  std::snprintf(checksum, sizeof checksum, "%06o", sum);
  header.replace(148, 7, std::string(checksum, 6) + '\0');
  std::string tar = header + content;
  tar.append((512 - content.size() % 512) % 512, '\0');
  tar.append(1024, '\0');
  return tar;
}

std::string ServicePlatform(const compose::Project& project, const compose::Service& service) {
  rapidjson::Document json;
  json.Parse(service.canonical_json.c_str());
  if (!json.HasParseError() && json.IsObject()) {
    if (std::string platform = GetString(json, "platform"); !platform.empty()) return platform;
  }
  auto fallback = project.environment.find("DOCKER_DEFAULT_PLATFORM");
  return fallback == project.environment.end() ? std::string() : fallback->second;
}

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

std::string ResolveVolumesFrom(const std::string& service_canonical_json,
                               const std::map<std::string, std::string>& service_container_ids) {
  Result<compose::Json> service = compose::ParseJson(service_canonical_json);
  if (!service) return service_canonical_json;
  compose::Json* from = service->Find("volumes_from");
  if (from == nullptr || !from->is_array()) return service_canonical_json;
  for (compose::Json& item : from->items()) {
    const std::string source = item.text();
    const std::string name = source.substr(0, source.find(':'));
    if (name == "container") {
      const std::string rest = source.size() > name.size() ? source.substr(name.size() + 1) : "";
      item = compose::Json::String(rest.substr(0, rest.find(':')));
    } else if (auto id = service_container_ids.find(name); id != service_container_ids.end()) {
      item = compose::Json::String(id->second);
    }
  }
  return compose::EncodeGoJson(*service);
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
  AddFileObjectMounts(in, service, host_config, a);
  AddHostConfigBasics(service, host_config, a);
  AddResources(service, host_config, a);
  if (auto added = AddNamespacesAndOptions(in, service, host_config, a); !added) return added.error();
  ContainerSpec spec;
  if (auto added = AddNetworks(in, service, body, host_config, spec.later_networks, a); !added) {
    return added.error();
  }
  body.AddMember("HostConfig", host_config, a);
  spec.create_body = Serialize(body);
  if (auto added = AddCopyIns(in, service, spec.copy_in); !added) return added.error();
  if (engine::CompareApiVersions(in.api_version, "1.41") >= 0) spec.platform = ServicePlatform(*in.project, *in.service);
  return spec;
}

}  // namespace deliveryhook::deploy
