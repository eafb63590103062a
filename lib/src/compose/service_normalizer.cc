#include "compose/service_normalizer.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <unordered_map>

#include "compose/go_format.h"
#include "compose/shellwords.h"
#include "compose/value_convert.h"

namespace deliveryhook::compose {
namespace {

// A normalizer returns the canonical value, or nullopt when Go's omitempty
// would leave the key out.
using Canonical = Result<std::optional<Json>>;
using Normalizer = std::function<Canonical(const YamlNode&, const std::string&, const NormalizeContext&)>;

Canonical Omit() { return std::optional<Json>(); }
Canonical Keep(Json value) { return std::optional<Json>(std::move(value)); }

Canonical String(const YamlNode& node, const std::string& path, const NormalizeContext&) {
  if (node.IsNull()) return Omit();
  Result<std::string> text = ToStr(node, path);
  if (!text) return text.error();
  return text->empty() ? Omit() : Keep(Json::String(*text));
}

Canonical PullPolicy(const YamlNode& node, const std::string& path, const NormalizeContext& context) {
  Canonical value = String(node, path, context);
  if (value && *value && (*value)->text() == "if_not_present") return Keep(Json::String("missing"));
  return value;
}

Canonical Bool(const YamlNode& node, const std::string& path, const NormalizeContext&) {
  if (node.IsNull()) return Omit();
  Result<bool> flag = ToBool(node, path);
  if (!flag) return flag.error();
  return *flag ? Keep(Json::Bool(true)) : Omit();
}

// A *bool in compose-go: `false` is written too.
Canonical BoolPointer(const YamlNode& node, const std::string& path, const NormalizeContext&) {
  if (node.IsNull()) return Omit();
  Result<bool> flag = ToBool(node, path);
  if (!flag) return flag.error();
  return Keep(Json::Bool(*flag));
}

Canonical Int(const YamlNode& node, const std::string& path, const NormalizeContext&) {
  if (node.IsNull()) return Omit();
  Result<long long> number = ToInt(node, path);
  if (!number) return number.error();
  return *number == 0 ? Omit() : Keep(Json::Int(*number));
}

Canonical Float32(const YamlNode& node, const std::string& path, const NormalizeContext&) {
  if (node.IsNull()) return Omit();
  double value = 0;
  if (node.kind == YamlNode::Kind::kInt) {
    value = static_cast<double>(node.int_value);
  } else if (node.kind == YamlNode::Kind::kFloat) {
    value = node.float_value;
  } else {
    Result<std::string> text = ToStr(node, path);
    if (!text) return text.error();
    char* end = nullptr;
    value = std::strtod(text->c_str(), &end);
    if (text->empty() || *end != '\0') return InvalidValue(path, "must be a number");
  }
  float narrow = static_cast<float>(value);
  return narrow == 0 ? Omit() : Keep(Json::Number(FormatJsonFloat32(narrow)));
}

Canonical UnitBytes(const YamlNode& node, const std::string& path, const NormalizeContext&) {
  if (node.IsNull()) return Omit();
  long long bytes = 0;
  if (node.kind == YamlNode::Kind::kInt) {
    bytes = node.int_value;
  } else {
    Result<std::string> text = ToStr(node, path);
    if (!text) return text.error();
    std::optional<int64_t> parsed = ParseRamInBytes(*text);
    if (!parsed) return InvalidValue(path, "invalid size: '" + *text + "'");
    bytes = *parsed;
  }
  return bytes == 0 ? Omit() : Keep(Json::String(std::to_string(bytes)));
}

Result<std::optional<std::string>> DurationText(const YamlNode& node, const std::string& path) {
  if (node.IsNull()) return std::optional<std::string>();
  Result<std::string> text = ToStr(node, path);
  if (!text) return text.error();
  std::optional<int64_t> nanos = ParseDuration(*text);
  if (!nanos) return InvalidValue(path, "invalid duration " + *text);
  return std::optional<std::string>(FormatDuration(*nanos));
}

Canonical Duration(const YamlNode& node, const std::string& path, const NormalizeContext&) {
  Result<std::optional<std::string>> text = DurationText(node, path);
  if (!text) return text.error();
  if (!*text || **text == "0s") return Omit();
  return Keep(Json::String(**text));
}

Canonical StringList(const YamlNode& node, const std::string& path, const NormalizeContext&) {
  if (node.IsNull()) return Omit();
  Result<std::vector<std::string>> items = ToStrList(node, path);
  if (!items) return items.error();
  return items->empty() ? Omit() : Keep(Json::StringArray(*items));
}

// `command` and `entrypoint` have no omitempty: unset is null, [] stays [].
Canonical ShellCommand(const YamlNode& node, const std::string& path, const NormalizeContext&) {
  if (node.IsNull()) return Keep(Json::Null());
  if (node.IsSequence()) {
    Result<std::vector<std::string>> items = ToStrList(node, path);
    if (!items) return items.error();
    return Keep(Json::StringArray(*items));
  }
  Result<std::string> text = ToStr(node, path);
  if (!text) return text.error();
  Result<std::vector<std::string>> words = SplitShellWords(*text);
  if (!words) return words.error().WithContext(path);
  return Keep(Json::StringArray(*words));
}

Canonical MapOf(MissingValue missing, const YamlNode& node, const std::string& path,
                const NormalizeContext& context) {
  if (node.IsNull()) return Omit();
  Result<Json> map = ToStringMap(node, path, missing, context.lookup);
  if (!map) return map.error();
  return map->empty() ? Omit() : Keep(*map);
}

Canonical Environment(const YamlNode& node, const std::string& path, const NormalizeContext& context) {
  return MapOf(MissingValue::kNull, node, path, context);
}

Canonical Labels(const YamlNode& node, const std::string& path, const NormalizeContext& context) {
  return MapOf(MissingValue::kEmptyString, node, path, context);
}

Canonical EnvFile(const YamlNode& node, const std::string& path, const NormalizeContext& context) {
  if (node.IsNull()) return Omit();
  Json files = Json::Array();
  auto add = [&](const std::string& file, bool required, const std::string& format) {
    Json entry = Json::Struct();
    entry.Set("path", Json::String(AbsolutePath(file, context.paths.working_dir, context.paths.home_dir)));
    entry.Set("required", Json::Bool(required));
    if (!format.empty()) entry.Set("format", Json::String(format));
    files.Append(std::move(entry));
  };
  std::vector<const YamlNode*> items;
  if (node.IsSequence()) {
    for (const YamlNode& item : node.items) items.push_back(&item);
  } else {
    items.push_back(&node);
  }
  for (const YamlNode* item : items) {
    if (item->IsScalar()) {
      add(ScalarToString(*item), true, "");
      continue;
    }
    if (!item->IsMapping() || item->Find("path") == nullptr) return InvalidValue(path, "invalid env_file entry");
    Result<std::string> file = ToStr(*item->Find("path"), path + ".path");
    if (!file) return file.error();
    bool required = true;
    if (const YamlNode* flag = item->Find("required")) {
      Result<bool> value = ToBool(*flag, path + ".required");
      if (!value) return value.error();
      required = *value;
    }
    std::string format;
    if (const YamlNode* value = item->Find("format")) format = ScalarToString(*value);
    add(*file, required, format);
  }
  return files.items().empty() ? Omit() : Keep(files);
}

constexpr size_t kMaxPortBindings = 65536;

Canonical Ports(const YamlNode& node, const std::string& path, const NormalizeContext&) {
  if (node.IsNull()) return Omit();
  if (!node.IsSequence()) return InvalidValue(path, "must be a list");
  Json ports = Json::Array();
  for (const YamlNode& item : node.items) {
    Result<std::vector<Json>> entries = NormalizePort(item, path + ".[]");
    if (!entries) return entries.error();
    // A range expands to one binding per port; past every port of one
    // protocol a file is a mistake (or an attack on the loader's memory).
    if (ports.items().size() + entries->size() > kMaxPortBindings) {
      return InvalidValue(path, "expands to more than " + std::to_string(kMaxPortBindings) + " port bindings");
    }
    for (Json& entry : *entries) ports.Append(std::move(entry));
  }
  return ports.items().empty() ? Omit() : Keep(ports);
}

Canonical Volumes(const YamlNode& node, const std::string& path, const NormalizeContext& context) {
  if (node.IsNull()) return Omit();
  if (!node.IsSequence()) return InvalidValue(path, "must be a list");
  Json volumes = Json::Array();
  for (const YamlNode& item : node.items) {
    Result<Json> volume = NormalizeServiceVolume(item, path + ".[]", context.paths);
    if (!volume) return volume.error();
    volumes.Append(std::move(*volume));
  }
  return volumes.items().empty() ? Omit() : Keep(volumes);
}

Canonical ExtraHosts(const YamlNode& node, const std::string& path, const NormalizeContext&) {
  if (node.IsNull()) return Omit();
  Result<Json> hosts = NormalizeExtraHosts(node, path);
  if (!hosts) return hosts.error();
  return hosts->items().empty() ? Omit() : Keep(*hosts);
}

// Runs `fields` (name, normalizer) over a mapping into a struct, in order.
Result<Json> StructOf(const YamlNode& node, const std::string& path, const NormalizeContext& context,
                      const std::vector<std::pair<std::string, Normalizer>>& fields) {
  Json out = Json::Struct();
  if (node.IsNull()) return out;
  if (!node.IsMapping()) return InvalidValue(path, "must be a mapping");
  for (const auto& [name, normalize] : fields) {
    const YamlNode* value = node.Find(name);
    if (value == nullptr) continue;
    Canonical canonical = normalize(*value, path + "." + name, context);
    if (!canonical) return canonical.error();
    if (*canonical) out.Set(name, std::move(**canonical));
  }
  return out;
}

Canonical Networks(const YamlNode& node, const std::string& path, const NormalizeContext& context) {
  if (node.IsNull()) return Omit();
  Json networks = Json::Map();
  if (node.IsSequence()) {
    for (const YamlNode& item : node.items) {
      Result<std::string> name = ToStr(item, path + ".[]");
      if (!name) return name.error();
      networks.Set(*name, Json::Null());
    }
    return networks.empty() ? Omit() : Keep(networks);
  }
  if (!node.IsMapping()) return InvalidValue(path, "must be a list or a mapping");
  static const std::vector<std::pair<std::string, Normalizer>> kFields = {
      {"aliases", StringList},        {"driver_opts", Labels},     {"gw_priority", Int},
      {"interface_name", String},     {"ipv4_address", String},    {"ipv6_address", String},
      {"link_local_ips", StringList}, {"mac_address", String},     {"priority", Int},
  };
  for (const YamlEntry& entry : node.entries) {
    if (entry.value.IsNull()) {
      networks.Set(entry.key, Json::Null());
      continue;
    }
    Result<Json> network = StructOf(entry.value, path + "." + entry.key, context, kFields);
    if (!network) return network.error();
    networks.Set(entry.key, std::move(*network));
  }
  return networks.empty() ? Omit() : Keep(networks);
}

Canonical Retries(const YamlNode& node, const std::string& path, const NormalizeContext&) {
  if (node.IsNull()) return Omit();
  Result<long long> number = ToInt(node, path);
  if (!number) return number.error();
  return Keep(Json::Int(*number));  // *uint64: 0 is written
}

Canonical HealthcheckTest(const YamlNode& node, const std::string& path, const NormalizeContext& context) {
  if (node.IsNull()) return Omit();
  if (node.IsScalar()) {
    return Keep(Json::StringArray({"CMD-SHELL", ScalarToString(node)}));
  }
  return StringList(node, path, context);
}

Canonical Healthcheck(const YamlNode& node, const std::string& path, const NormalizeContext& context) {
  Result<Json> check = StructOf(node, path, context,
                                {{"test", HealthcheckTest},
                                 {"timeout", Duration},
                                 {"interval", Duration},
                                 {"retries", Retries},
                                 {"start_period", Duration},
                                 {"start_interval", Duration},
                                 {"disable", Bool}});
  if (!check) return check.error();
  return Keep(*check);
}

Canonical Logging(const YamlNode& node, const std::string& path, const NormalizeContext& context) {
  Result<Json> logging = StructOf(node, path, context, {{"driver", String}, {"options", Labels}});
  if (!logging) return logging.error();
  return Keep(*logging);
}

Canonical Ulimits(const YamlNode& node, const std::string& path, const NormalizeContext&) {
  if (node.IsNull()) return Omit();
  if (!node.IsMapping()) return InvalidValue(path, "must be a mapping");
  Json ulimits = Json::Map();
  for (const YamlEntry& entry : node.entries) {
    std::string entry_path = path + "." + entry.key;
    if (entry.value.IsMapping()) {
      Json limit = Json::Struct();
      for (const char* bound : {"soft", "hard"}) {
        const YamlNode* value = entry.value.Find(bound);
        long long number = 0;
        if (value != nullptr) {
          Result<long long> parsed = ToInt(*value, entry_path + "." + bound);
          if (!parsed) return parsed.error();
          number = *parsed;
        }
        if (number != 0) limit.Set(bound, Json::Int(number));
      }
      ulimits.Set(entry.key, std::move(limit));
    } else {
      Result<long long> single = ToInt(entry.value, entry_path);
      if (!single) return single.error();
      ulimits.Set(entry.key, Json::Int(*single));
    }
  }
  return ulimits.empty() ? Omit() : Keep(ulimits);
}

Json Dependency(const std::string& condition, bool restart, bool required) {
  Json dependency = Json::Struct();
  dependency.Set("condition", Json::String(condition));
  if (restart) dependency.Set("restart", Json::Bool(true));
  dependency.Set("required", Json::Bool(required));
  return dependency;
}

Canonical DependsOn(const YamlNode& node, const std::string& path, const NormalizeContext&) {
  if (node.IsNull()) return Omit();
  Json dependencies = Json::Map();
  if (node.IsSequence()) {
    for (const YamlNode& item : node.items) {
      Result<std::string> name = ToStr(item, path + ".[]");
      if (!name) return name.error();
      dependencies.Set(*name, Dependency("service_started", false, true));
    }
  } else if (node.IsMapping()) {
    for (const YamlEntry& entry : node.entries) {
      std::string condition = "service_started";
      bool restart = false, required = true;
      if (const YamlNode* value = entry.value.Find("condition")) condition = ScalarToString(*value);
      if (const YamlNode* value = entry.value.Find("restart")) {
        Result<bool> flag = ToBool(*value, path + "." + entry.key + ".restart");
        if (!flag) return flag.error();
        restart = *flag;
      }
      if (const YamlNode* value = entry.value.Find("required")) {
        Result<bool> flag = ToBool(*value, path + "." + entry.key + ".required");
        if (!flag) return flag.error();
        required = *flag;
      }
      dependencies.Set(entry.key, Dependency(condition, restart, required));
    }
  } else {
    return InvalidValue(path, "must be a list or a mapping");
  }
  return dependencies.empty() ? Omit() : Keep(dependencies);
}

Canonical BuildArgs(const YamlNode& node, const std::string& path, const NormalizeContext& context) {
  return MapOf(MissingValue::kDrop, node, path, context);
}

Canonical Plain(const YamlNode& node, const std::string&, const NormalizeContext&) {
  if (node.IsNull()) return Omit();
  return Keep(ToPlainJson(node));
}

Canonical Build(const YamlNode& node, const std::string& path, const NormalizeContext& context) {
  if (node.IsNull()) return Omit();
  auto context_path = [&](const std::string& dir) {
    if (dir.find("://") != std::string::npos || dir.rfind("git@", 0) == 0) return dir;
    return AbsolutePath(dir, context.paths.working_dir, context.paths.home_dir);
  };
  if (node.IsScalar()) {
    Json build = Json::Struct();
    build.Set("context", Json::String(context_path(ScalarToString(node))));
    build.Set("dockerfile", Json::String("Dockerfile"));
    return Keep(build);
  }
  Result<Json> build = StructOf(node, path, context,
                                {{"context", String},        {"dockerfile", String},
                                 {"dockerfile_inline", String}, {"entitlements", StringList},
                                 {"args", BuildArgs},        {"ssh", Plain},
                                 {"labels", Labels},         {"cache_from", StringList},
                                 {"cache_to", StringList},   {"no_cache", Bool},
                                 {"additional_contexts", Labels}, {"network", String},
                                 {"pull", Bool},             {"target", String},
                                 {"shm_size", UnitBytes},    {"extra_hosts", ExtraHosts},
                                 {"isolation", String},      {"privileged", Bool},
                                 {"secrets", Plain},         {"tags", StringList},
                                 {"ulimits", Ulimits},       {"platforms", StringList}});
  if (!build) return build.error();
  const Json* dir = build->Find("context");
  build->Set("context", Json::String(context_path(dir ? dir->text() : ".")));
  if (build->Find("dockerfile") == nullptr && build->Find("dockerfile_inline") == nullptr) {
    // Keep compose's order: dockerfile right after context.
    Json ordered = Json::Struct();
    for (auto& [key, value] : build->members()) {
      ordered.Set(key, value);
      if (key == "context") ordered.Set("dockerfile", Json::String("Dockerfile"));
    }
    *build = std::move(ordered);
  }
  return Keep(*build);
}

// `devices`: "src[:dst[:permissions]]" or {source, target, permissions}.
Canonical Devices(const YamlNode& node, const std::string& path, const NormalizeContext&) {
  if (node.IsNull()) return Omit();
  if (!node.IsSequence()) return InvalidValue(path, "must be a list");
  Json devices = Json::Array();
  for (const YamlNode& item : node.items) {
    Json device = Json::Struct();
    if (item.IsScalar()) {
      const std::string text = ScalarToString(item);
      std::vector<std::string> parts;
      for (std::size_t start = 0;;) {
        std::size_t colon = text.find(':', start);
        parts.push_back(text.substr(start, colon == std::string::npos ? std::string::npos : colon - start));
        if (colon == std::string::npos) break;
        start = colon + 1;
      }
      if (parts.size() > 3) {
        return InvalidValue(path, "confusing device mapping, please use long syntax: " + text);
      }
      std::string target = parts.size() > 1 && !parts[1].empty() ? parts[1] : parts[0];
      if (!parts[0].empty()) device.Set("source", Json::String(parts[0]));
      if (!target.empty()) device.Set("target", Json::String(target));
      device.Set("permissions", Json::String(parts.size() > 2 ? parts[2] : "rwm"));
    } else if (item.IsMapping()) {
      // The long syntax gets no default permissions.
      for (const char* key : {"source", "target", "permissions"}) {
        const YamlNode* value = item.Find(key);
        if (value == nullptr || value->IsNull()) continue;
        std::string text = ScalarToString(*value);
        if (!text.empty()) device.Set(key, Json::String(text));
      }
    } else {
      return InvalidValue(path, "invalid device mapping");
    }
    devices.Append(std::move(device));
  }
  return devices.items().empty() ? Omit() : Keep(devices);
}

// compose-go's DeviceCount: a number, or "all" (-1).
Canonical DeviceCount(const YamlNode& node, const std::string& path, const NormalizeContext& context) {
  if (node.IsScalar() && node.kind != YamlNode::Kind::kInt) {
    std::string text = ScalarToString(node);
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
    if (text == "all") return Keep(Json::Int(-1));
  }
  return Int(node, path, context);
}

// One DeviceRequest (gpus, deploy.resources.reservations.devices); without
// count nor device_ids, compose-go counts all devices.
Result<Json> DeviceRequest(const YamlNode& node, const std::string& path, const NormalizeContext& context) {
  Result<Json> request = StructOf(node, path, context,
                                  {{"capabilities", StringList},
                                   {"driver", String},
                                   {"count", DeviceCount},
                                   {"device_ids", StringList},
                                   {"options", Labels}});
  if (!request) return request.error();
  if (node.IsMapping() && node.Find("count") == nullptr && node.Find("device_ids") == nullptr) {
    Json ordered = Json::Struct();
    for (const char* key : {"capabilities", "driver"}) {
      if (const Json* value = request->Find(key)) ordered.Set(key, *value);
    }
    ordered.Set("count", Json::Int(-1));
    if (const Json* value = request->Find("options")) ordered.Set("options", *value);
    return ordered;
  }
  return request;
}

Canonical DeviceRequests(const YamlNode& node, const std::string& path, const NormalizeContext& context) {
  if (node.IsNull()) return Omit();
  Json requests = Json::Array();
  if (node.IsScalar()) {  // `gpus: all`
    Json all = Json::Struct();
    all.Set("count", Json::Int(-1));
    requests.Append(std::move(all));
    return Keep(requests);
  }
  if (!node.IsSequence()) return InvalidValue(path, "must be a list");
  for (const YamlNode& item : node.items) {
    Result<Json> request = DeviceRequest(item, path + ".[]", context);
    if (!request) return request.error();
    requests.Append(std::move(*request));
  }
  return requests.items().empty() ? Omit() : Keep(requests);
}

// blkio_config: WeightDevice and ThrottleDevice have no JSON tags in
// compose-go, so their keys are Go's field names, always written.
Canonical BlkioConfig(const YamlNode& node, const std::string& path, const NormalizeContext& context) {
  if (node.IsNull()) return Omit();
  if (!node.IsMapping()) return InvalidValue(path, "must be a mapping");
  Json out = Json::Struct();
  if (const YamlNode* weight = node.Find("weight")) {
    Canonical value = Int(*weight, path + ".weight", context);
    if (!value) return value.error();
    if (*value) out.Set("weight", **value);
  }
  for (const char* kind : {"weight_device", "device_read_bps", "device_read_iops", "device_write_bps",
                           "device_write_iops"}) {
    const YamlNode* list = node.Find(kind);
    if (list == nullptr || list->IsNull()) continue;
    if (!list->IsSequence()) return InvalidValue(path + "." + kind, "must be a list");
    const bool weights = std::string(kind) == "weight_device";
    Json devices = Json::Array();
    for (const YamlNode& item : list->items) {
      std::string item_path = path + "." + kind + ".[]";
      Json device = Json::Struct();
      const YamlNode* device_path = item.Find("path");
      device.Set("Path", Json::String(device_path ? ScalarToString(*device_path) : ""));
      if (weights) {
        long long number = 0;
        if (const YamlNode* value = item.Find("weight")) {
          Result<long long> parsed = ToInt(*value, item_path + ".weight");
          if (!parsed) return parsed.error();
          number = *parsed;
        }
        device.Set("Weight", Json::Int(number));
      } else {
        std::string rate = "0";
        if (const YamlNode* value = item.Find("rate")) {
          Canonical bytes = UnitBytes(*value, item_path + ".rate", context);
          if (!bytes) return bytes.error();
          if (*bytes) rate = (*bytes)->text();
        }
        device.Set("Rate", Json::String(rate));
      }
      devices.Append(std::move(device));
    }
    if (!devices.items().empty()) out.Set(kind, std::move(devices));
  }
  return Keep(out);
}

Canonical Resources(const YamlNode& node, const std::string& path, const NormalizeContext& context) {
  std::vector<std::pair<std::string, Normalizer>> resource = {
      {"cpus", Float32}, {"memory", UnitBytes}, {"pids", Int}, {"devices", DeviceRequests},
      {"generic_resources", Plain}};
  Json out = Json::Struct();
  for (const char* kind : {"limits", "reservations"}) {
    const YamlNode* value = node.Find(kind);
    if (value == nullptr || value->IsNull()) continue;
    Result<Json> limits = StructOf(*value, path + "." + kind, context, resource);
    if (!limits) return limits.error();
    out.Set(kind, std::move(*limits));
  }
  return Keep(out);
}

// compose's schema allows only these two orders; anything else fails to load.
Canonical UpdateOrder(const YamlNode& node, const std::string& path, const NormalizeContext& context) {
  Canonical order = String(node, path, context);
  if (order && *order && (*order)->text() != "start-first" && (*order)->text() != "stop-first") {
    return InvalidValue(path, "value must be one of 'start-first', 'stop-first'");
  }
  return order;
}

// `update_config` and `rollback_config` (compose-go's UpdateConfig).
Canonical UpdateConfig(const YamlNode& node, const std::string& path, const NormalizeContext& context) {
  if (node.IsNull()) return Omit();
  Result<Json> config = StructOf(node, path, context,
                                 {{"parallelism", Retries},
                                  {"delay", Duration},
                                  {"failure_action", String},
                                  {"monitor", Duration},
                                  {"max_failure_ratio", Float32},
                                  {"order", UpdateOrder}});
  if (!config) return config.error();
  return Keep(*config);
}

Canonical Deploy(const YamlNode& node, const std::string& path, const NormalizeContext& context) {
  if (node.IsNull()) return Omit();
  Result<Json> deploy = StructOf(node, path, context,
                                 {{"mode", String},
                                  {"replicas", Retries},
                                  {"labels", Labels},
                                  {"update_config", UpdateConfig},
                                  {"rollback_config", UpdateConfig},
                                  {"restart_policy", [](const YamlNode& n, const std::string& p,
                                                        const NormalizeContext& c) -> Canonical {
                                     Result<Json> policy = StructOf(n, p, c,
                                                                    {{"condition", String},
                                                                     {"delay", Duration},
                                                                     {"max_attempts", Retries},
                                                                     {"window", Duration}});
                                     if (!policy) return policy.error();
                                     return Keep(*policy);
                                   }},
                                  {"endpoint_mode", String}});
  if (!deploy) return deploy.error();
  // `resources` and `placement` are value structs: always written.
  Json ordered = Json::Struct();
  auto copy = [&](const char* key) {
    if (const Json* value = deploy->Find(key)) ordered.Set(key, *value);
  };
  for (const char* key : {"mode", "replicas", "labels", "update_config", "rollback_config"}) copy(key);
  const YamlNode* resources = node.Find("resources");
  Canonical resources_json = resources ? Resources(*resources, path + ".resources", context) : Keep(Json::Struct());
  if (!resources_json) return resources_json.error();
  ordered.Set("resources", **resources_json);
  copy("restart_policy");
  const YamlNode* placement = node.Find("placement");
  ordered.Set("placement", placement ? ToPlainJson(*placement) : Json::Struct());
  copy("endpoint_mode");
  return Keep(ordered);
}

Canonical FileReferences(const std::string& default_prefix, const YamlNode& node, const std::string& path) {
  if (node.IsNull()) return Omit();
  if (!node.IsSequence()) return InvalidValue(path, "must be a list");
  Json out = Json::Array();
  for (const YamlNode& item : node.items) {
    Json reference = Json::Struct();
    if (item.IsScalar()) {
      reference.Set("source", Json::String(ScalarToString(item)));
    } else if (item.IsMapping()) {
      for (const char* key : {"source", "target", "uid", "gid"}) {
        if (const YamlNode* value = item.Find(key)) reference.Set(key, Json::String(ScalarToString(*value)));
      }
      if (const YamlNode* mode = item.Find("mode")) {
        std::string octal = mode->kind == YamlNode::Kind::kInt
                                ? [&] { char buffer[32]; std::snprintf(buffer, sizeof buffer, "0%llo", mode->int_value); return std::string(buffer); }()
                                : ScalarToString(*mode);
        reference.Set("mode", Json::String(octal));
      }
    }
    if (!default_prefix.empty() && reference.Find("target") == nullptr && reference.Find("source")) {
      // Keep compose's field order: source, target, uid, gid, mode.
      Json ordered = Json::Struct();
      for (auto& [key, value] : reference.members()) {
        ordered.Set(key, value);
        if (key == "source") ordered.Set("target", Json::String(default_prefix + value.text()));
      }
      reference = std::move(ordered);
    }
    out.Append(std::move(reference));
  }
  return Keep(out);
}

Canonical Secrets(const YamlNode& node, const std::string& path, const NormalizeContext&) {
  return FileReferences("/run/secrets/", node, path);
}

Canonical Configs(const YamlNode& node, const std::string& path, const NormalizeContext&) {
  return FileReferences("", node, path);
}

Canonical LabelFiles(const YamlNode& node, const std::string& path, const NormalizeContext& context) {
  Canonical files = StringList(node, path, context);
  if (!files || !*files) return files;
  Json absolute = Json::Array();
  for (const Json& file : (*files)->items()) {
    absolute.Append(Json::String(AbsolutePath(file.text(), context.paths.working_dir, context.paths.home_dir)));
  }
  return Keep(absolute);
}

const std::unordered_map<std::string, Normalizer>& Normalizers() {
  static const std::unordered_map<std::string, Normalizer> kNormalizers = {
      {"annotations", Labels},      {"attach", BoolPointer},       {"blkio_config", BlkioConfig},
      {"build", Build},             {"cap_add", StringList},       {"cap_drop", StringList},
      {"cgroup", String},           {"cgroup_parent", String},     {"command", ShellCommand},
      {"configs", Configs},         {"container_name", String},    {"cpu_count", Int},
      {"cpu_percent", Float32},     {"cpu_period", Int},           {"cpu_quota", Int},
      {"cpu_rt_period", Int},       {"cpu_rt_runtime", Int},       {"cpu_shares", Int},
      {"cpus", Float32},            {"cpuset", String},            {"credential_spec", Plain},
      {"depends_on", DependsOn},    {"deploy", Deploy},            {"develop", Plain},
      {"device_cgroup_rules", StringList}, {"devices", Devices},     {"dns", StringList},
      {"dns_opt", StringList},      {"dns_search", StringList},    {"domainname", String},
      {"entrypoint", ShellCommand}, {"env_file", EnvFile},         {"environment", Environment},
      {"expose", StringList},       {"external_links", StringList}, {"extra_hosts", ExtraHosts},
      {"gpus", DeviceRequests},              {"group_add", StringList},     {"healthcheck", Healthcheck},
      {"hostname", String},         {"image", String},             {"init", BoolPointer},
      {"ipc", String},              {"isolation", String},         {"label_file", LabelFiles},
      {"labels", Labels},           {"links", StringList},         {"log_driver", String},
      {"log_opt", Labels},          {"logging", Logging},          {"mac_address", String},
      {"mem_limit", UnitBytes},     {"mem_reservation", UnitBytes}, {"mem_swappiness", UnitBytes},
      {"memswap_limit", UnitBytes}, {"models", Plain},             {"net", String},
      {"network_mode", String},     {"networks", Networks},        {"oom_kill_disable", Bool},
      {"oom_score_adj", Int},       {"pid", String},               {"pids_limit", Int},
      {"platform", String},         {"ports", Ports},              {"post_start", Plain},
      {"pre_stop", Plain},          {"privileged", Bool},          {"profiles", StringList},
      {"provider", Plain},          {"pull_policy", PullPolicy},   {"read_only", Bool},
      {"restart", String},          {"runtime", String},           {"scale", Int},
      {"secrets", Secrets},         {"security_opt", StringList},  {"shm_size", UnitBytes},
      {"stdin_open", Bool},         {"stop_grace_period", Duration}, {"stop_signal", String},
      {"storage_opt", Labels},      {"sysctls", Labels},           {"tmpfs", StringList},
      {"tty", Bool},                {"ulimits", Ulimits},          {"use_api_socket", Bool},
      {"user", String},             {"userns_mode", String},       {"uts", String},
      {"volume_driver", String},    {"volumes", Volumes},          {"volumes_from", StringList},
      {"working_dir", String},
  };
  return kNormalizers;
}

// compose-go v2.9 types.ServiceConfig, in declaration order.
const std::vector<std::string>& FieldOrder() {
  static const std::vector<std::string> kOrder = {
      "profiles", "annotations", "attach", "build", "develop", "blkio_config", "cap_add", "cap_drop",
      "cgroup_parent", "cgroup", "cpu_count", "cpu_percent", "cpu_period", "cpu_quota", "cpu_rt_period",
      "cpu_rt_runtime", "cpus", "cpuset", "cpu_shares", "command", "configs", "container_name",
      "credential_spec", "depends_on", "deploy", "device_cgroup_rules", "devices", "dns", "dns_opt",
      "dns_search", "dockerfile", "domainname", "entrypoint", "provider", "environment", "env_file",
      "expose", "extends", "external_links", "extra_hosts", "group_add", "gpus", "hostname",
      "healthcheck", "image", "init", "ipc", "isolation", "labels", "label_file", "links", "logging",
      "log_driver", "log_opt", "mem_limit", "mem_reservation", "memswap_limit", "mem_swappiness",
      "mac_address", "models", "net", "network_mode", "networks", "oom_kill_disable", "oom_score_adj",
      "pid", "pids_limit", "platform", "ports", "privileged", "pull_policy", "read_only", "restart",
      "runtime", "scale", "secrets", "security_opt", "shm_size", "stdin_open", "stop_grace_period",
      "stop_signal", "storage_opt", "sysctls", "tmpfs", "tty", "ulimits", "use_api_socket", "user",
      "userns_mode", "uts", "volume_driver", "volumes", "volumes_from", "working_dir", "post_start",
      "pre_stop", "pre_start",
  };
  return kOrder;
}

}  // namespace

Result<ServiceFragment> NormalizeService(const std::string& name, const YamlNode& node,
                                         const NormalizeContext& context) {
  ServiceFragment fragment;
  std::string path = "services." + name;
  if (node.IsNull()) return fragment;
  if (!node.IsMapping()) return InvalidValue(path, "must be a mapping");
  for (const YamlEntry& entry : node.entries) {
    fragment.key_locations[entry.key] = SourceLocation{context.file, entry.key_line};
    if (entry.value.tag == "!reset") {
      fragment.reset_keys.insert(entry.key);
      continue;
    }
    if (entry.value.tag == "!override") fragment.override_keys.insert(entry.key);
    if (entry.key.rfind("x-", 0) == 0) continue;  // extensions never reach the model's JSON
    auto normalizer = Normalizers().find(entry.key);
    Canonical canonical = normalizer == Normalizers().end() ? Plain(entry.value, path, context)
                                                            : normalizer->second(entry.value, path + "." + entry.key, context);
    if (!canonical) return canonical.error();
    if (*canonical) fragment.fields.Set(entry.key, std::move(**canonical));
  }
  return fragment;
}

// compose-go's implicit dependencies: links, `service:X` namespaces and
// volumes_from make the service depend on X unless depends_on names it.
void AddImplicitDependencies(Json& service) {
  std::vector<std::pair<std::string, bool>> implicit;  // service, restart
  if (const Json* links = service.Find("links")) {
    for (const Json& link : links->items()) implicit.emplace_back(link.text().substr(0, link.text().find(':')), true);
  }
  for (const char* key : {"network_mode", "ipc", "pid", "uts", "cgroup"}) {
    const Json* mode = service.Find(key);
    if (mode && mode->text().rfind("service:", 0) == 0) implicit.emplace_back(mode->text().substr(8), true);
  }
  if (const Json* volumes_from = service.Find("volumes_from")) {
    for (const Json& source : volumes_from->items()) {
      if (source.text().rfind("container:", 0) == 0) continue;
      implicit.emplace_back(source.text().substr(0, source.text().find(':')), false);
    }
  }
  if (implicit.empty()) return;
  Json dependencies = service.Find("depends_on") ? *service.Find("depends_on") : Json::Map();
  for (const auto& [name, restart] : implicit) {
    if (dependencies.Find(name) == nullptr) dependencies.Set(name, Dependency("service_started", restart, true));
  }
  service.Set("depends_on", std::move(dependencies));
}

void ApplyServiceDefaults(Json& service) {
  AddImplicitDependencies(service);
  if (service.Find("networks") == nullptr && service.Find("network_mode") == nullptr) {
    Json networks = Json::Map();
    networks.Set("default", Json::Null());
    service.Set("networks", std::move(networks));
  }
}

Json OrderServiceFields(const Json& service) {
  Json ordered = Json::Struct();
  Json sorted_hosts;
  if (const Json* hosts = service.Find("extra_hosts")) {
    // compose writes extra_hosts sorted, whatever the files' order.
    std::vector<std::string> entries;
    for (const Json& host : hosts->items()) entries.push_back(host.text());
    std::sort(entries.begin(), entries.end());
    entries.erase(std::unique(entries.begin(), entries.end()), entries.end());
    sorted_hosts = Json::StringArray(entries);
  }
  for (const std::string& key : FieldOrder()) {
    if (key == "extra_hosts" && !sorted_hosts.is_null()) {
      ordered.Set(key, sorted_hosts);
    } else if (const Json* value = service.Find(key)) {
      ordered.Set(key, *value);
    } else if (key == "command" || key == "entrypoint") {
      ordered.Set(key, Json::Null());
    }
  }
  std::vector<std::string> unknown;
  for (const auto& [key, value] : service.members()) {
    if (std::find(FieldOrder().begin(), FieldOrder().end(), key) == FieldOrder().end()) unknown.push_back(key);
  }
  std::sort(unknown.begin(), unknown.end());
  for (const std::string& key : unknown) ordered.Set(key, *service.Find(key));
  return ordered;
}

}  // namespace deliveryhook::compose
