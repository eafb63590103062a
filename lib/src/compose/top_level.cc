#include "compose/top_level.h"

#include "compose/go_format.h"
#include "compose/value_convert.h"

namespace deliveryhook::compose {
namespace {

Result<Json> StringMapField(const YamlNode& node, const std::string& path) {
  return ToStringMap(node, path, MissingValue::kEmptyString, nullptr);
}

// Copies the scalar and map fields of a resource, in the given order.
// Types: 's' string, 'b' bool (omitempty), 'p' *bool, 'm' string map.
Result<Json> Fields(const YamlNode& node, const std::string& path,
                    std::initializer_list<std::pair<const char*, char>> fields) {
  Json out = Json::Struct();
  for (const auto& [name, type] : fields) {
    const YamlNode* value = node.Find(name);
    if (value == nullptr || value->IsNull()) continue;
    std::string field_path = path + "." + name;
    if (type == 'm') {
      Result<Json> map = StringMapField(*value, field_path);
      if (!map) return map.error();
      if (!map->empty()) out.Set(name, *map);
    } else if (type == 'b' || type == 'p') {
      if (value->IsMapping() && std::string(name) == "external") {
        out.Set(name, Json::Bool(true));  // legacy `external: {name: x}`
        continue;
      }
      Result<bool> flag = ToBool(*value, field_path);
      if (!flag) return flag.error();
      if (*flag || type == 'p') out.Set(name, Json::Bool(*flag));
    } else {
      Result<std::string> text = ToStr(*value, field_path);
      if (!text) return text.error();
      if (!text->empty()) out.Set(name, Json::String(*text));
    }
  }
  return out;
}

Result<Json> Ipam(const YamlNode* node, const std::string& path) {
  Json ipam = Json::Struct();
  if (node == nullptr || node->IsNull()) return ipam;
  if (!node->IsMapping()) return InvalidValue(path, "must be a mapping");
  if (const YamlNode* driver = node->Find("driver"); driver && !driver->IsNull()) {
    ipam.Set("driver", Json::String(ScalarToString(*driver)));
  }
  if (const YamlNode* config = node->Find("config"); config && config->IsSequence()) {
    Json pools = Json::Array();
    for (const YamlNode& pool : config->items) {
      Result<Json> fields = Fields(pool, path + ".config.[]",
                                   {{"subnet", 's'}, {"gateway", 's'}, {"ip_range", 's'}, {"aux_addresses", 'm'}});
      if (!fields) return fields.error();
      pools.Append(std::move(*fields));
    }
    if (!pools.items().empty()) ipam.Set("config", std::move(pools));
  }
  // compose-go's IPAMConfig has no options field: `ipam.options` is dropped
  // (compose 2.26.1 and 2.40.3 alike).
  return ipam;
}

std::string Name(const YamlNode& node) {
  const YamlNode* name = node.Find("name");
  if (name && name->IsScalar()) return ScalarToString(*name);
  // Legacy `external: {name: x}`.
  const YamlNode* external = node.Find("external");
  if (external && external->IsMapping()) {
    if (const YamlNode* legacy = external->Find("name"); legacy && legacy->IsScalar()) {
      return ScalarToString(*legacy);
    }
  }
  return "";
}

}  // namespace

Result<Json> NormalizeNetwork(const YamlNode& node, const std::string& path) {
  Json out = Json::Struct();
  if (node.IsNull()) {
    out.Set("ipam", Json::Struct());
    return out;
  }
  if (!node.IsMapping()) return InvalidValue(path, "must be a mapping");
  if (std::string name = Name(node); !name.empty()) out.Set("name", Json::String(name));
  Result<Json> head = Fields(node, path, {{"driver", 's'}, {"driver_opts", 'm'}});
  if (!head) return head.error();
  for (auto& [key, value] : head->members()) out.Set(key, value);
  Result<Json> ipam = Ipam(node.Find("ipam"), path + ".ipam");
  if (!ipam) return ipam.error();
  out.Set("ipam", *ipam);  // a value struct: always written
  Result<Json> tail = Fields(node, path,
                             {{"external", 'b'}, {"internal", 'b'}, {"attachable", 'b'}, {"labels", 'm'},
                              {"enable_ipv4", 'p'}, {"enable_ipv6", 'p'}});
  if (!tail) return tail.error();
  for (auto& [key, value] : tail->members()) out.Set(key, value);
  return out;
}

Result<Json> NormalizeVolume(const YamlNode& node, const std::string& path) {
  Json out = Json::Struct();
  if (node.IsNull()) return out;
  if (!node.IsMapping()) return InvalidValue(path, "must be a mapping");
  if (std::string name = Name(node); !name.empty()) out.Set("name", Json::String(name));
  Result<Json> fields = Fields(node, path,
                               {{"driver", 's'}, {"driver_opts", 'm'}, {"external", 'b'}, {"labels", 'm'}});
  if (!fields) return fields.error();
  for (auto& [key, value] : fields->members()) out.Set(key, value);
  return out;
}

Result<Json> NormalizeFileObject(const YamlNode& node, const std::string& path, const std::string& working_dir,
                                 const std::string& home_dir) {
  Json out = Json::Struct();
  if (node.IsNull()) return out;
  if (!node.IsMapping()) return InvalidValue(path, "must be a mapping");
  if (std::string name = Name(node); !name.empty()) out.Set("name", Json::String(name));
  Result<Json> fields = Fields(node, path,
                               {{"file", 's'}, {"environment", 's'}, {"external", 'b'}, {"labels", 'm'},
                                {"driver", 's'}, {"template_driver", 's'}});
  if (!fields) return fields.error();
  for (auto& [key, value] : fields->members()) {
    out.Set(key, key == "file" ? Json::String(AbsolutePath(value.text(), working_dir, home_dir)) : value);
  }
  // `content` is kept even when empty: it still is the source.
  if (const YamlNode* content = node.Find("content"); content != nullptr && !content->IsNull()) {
    out.Set("content", Json::String(ScalarToString(*content)));
  }
  return out;
}

Json WithResourceName(const Json& config, const std::string& project, const std::string& key) {
  Json out = Json::Struct();
  std::string name;
  if (const Json* explicit_name = config.Find("name")) {
    name = explicit_name->text();
  } else if (const Json* external = config.Find("external"); external && external->bool_value()) {
    name = key;
  } else {
    name = project + "_" + key;
  }
  out.Set("name", Json::String(name));
  for (const auto& [member, value] : config.members()) {
    if (member != "name") out.Set(member, value);
  }
  return out;
}

}  // namespace deliveryhook::compose
