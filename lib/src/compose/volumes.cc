// Service `volumes:` entries, short ("./src:/dst:ro,z") and long syntax, as
// compose-go's format.ParseVolume and its defaults produce them.
#include <string>

#include "compose/go_format.h"
#include "compose/service_fields.h"
#include "compose/value_convert.h"

namespace deliveryhook::compose {
namespace {

bool IsFilePath(const std::string& source) {
  if (source.empty()) return false;
  if (source[0] == '.' || source[0] == '/' || source[0] == '~') return true;
  return source.rfind("\\\\", 0) == 0;
}

bool IsPropagation(const std::string& option) {
  return option == "rprivate" || option == "private" || option == "rshared" || option == "shared" ||
         option == "rslave" || option == "slave";
}

// What format.ParseVolume fills in: a bind option (`z`, `Z`, a propagation)
// opens a `bind:` block and `nocopy` a `volume:` block whatever the type,
// so `db:/var/lib/mysql:Z` keeps its relabel as `"bind":{"selinux":"Z"}`.
struct ShortVolume {
  std::string source, target;
  bool read_only = false;
  bool nocopy = false;
  bool bind_block = false;
  std::string selinux, propagation;
  bool short_spec = false;  // one or two characters: a target, no defaults
};

Result<ShortVolume> ParseShortVolume(const std::string& spec, const std::string& path) {
  ShortVolume volume;
  if (spec.empty()) return InvalidValue(path, "invalid empty volume spec");
  if (spec.size() <= 2) {
    volume.target = spec;
    volume.short_spec = true;
    return volume;
  }
  std::vector<std::string> sections;
  size_t start = 0;
  while (true) {
    size_t colon = spec.find(':', start);
    sections.push_back(spec.substr(start, colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  for (const std::string& section : sections) {
    if (section.empty()) return InvalidValue(path, "empty section between colons");
  }
  if (sections.size() > 3) return InvalidValue(path, "too many colons");
  if (sections.size() == 1) {
    volume.target = sections[0];
    return volume;
  }
  volume.source = sections[0];
  volume.target = sections[1];
  if (sections.size() == 3) {
    size_t begin = 0;
    const std::string& options = sections[2];
    while (begin <= options.size()) {
      size_t comma = options.find(',', begin);
      if (comma == std::string::npos) comma = options.size();
      std::string option = options.substr(begin, comma - begin);
      if (option == "ro") volume.read_only = true;
      else if (option == "rw") volume.read_only = false;
      else if (option == "nocopy") volume.nocopy = true;
      else if (option == "z" || option == "Z") volume.selinux = option, volume.bind_block = true;
      else if (IsPropagation(option)) volume.propagation = option, volume.bind_block = true;
      begin = comma + 1;
    }
  }
  return volume;
}

Json ShortVolumeJson(const ShortVolume& parsed, const PathContext& paths) {
  bool bind = IsFilePath(parsed.source);
  Json volume = Json::Struct();
  volume.Set("type", Json::String(bind ? "bind" : "volume"));
  if (!parsed.source.empty()) {
    volume.Set("source", Json::String(bind ? AbsolutePath(parsed.source, paths.working_dir, paths.home_dir)
                                           : parsed.source));
  }
  volume.Set("target", Json::String(CleanPath(parsed.target)));
  if (parsed.short_spec) return volume;
  if (parsed.read_only) volume.Set("read_only", Json::Bool(true));
  if (bind || parsed.bind_block) {
    Json options = Json::Struct();
    if (!parsed.selinux.empty()) options.Set("selinux", Json::String(parsed.selinux));
    if (!parsed.propagation.empty()) options.Set("propagation", Json::String(parsed.propagation));
    // Short syntax binds create a missing host path, as docker-compose v1 did.
    if (bind) options.Set("create_host_path", Json::Bool(true));
    volume.Set("bind", std::move(options));
  }
  if (!bind || parsed.nocopy) {
    Json options = Json::Struct();
    if (parsed.nocopy) options.Set("nocopy", Json::Bool(true));
    volume.Set("volume", std::move(options));
  }
  return volume;
}

// A nested options block of the long syntax, with the given field order.
Result<Json> OptionsBlock(const YamlNode& node, const std::string& path,
                          std::initializer_list<std::pair<const char*, char>> fields) {
  Json out = Json::Struct();
  if (node.IsNull()) return out;
  if (!node.IsMapping()) return InvalidValue(path, "must be a mapping");
  for (const auto& [name, type] : fields) {
    const YamlNode* value = node.Find(name);
    if (value == nullptr || value->IsNull()) continue;
    std::string field_path = path + "." + name;
    switch (type) {
      case 'b': {
        Result<bool> flag = ToBool(*value, field_path);
        if (!flag) return flag.error();
        if (*flag) out.Set(name, Json::Bool(true));
        break;
      }
      case 'i': {
        Result<long long> number = ToInt(*value, field_path);
        if (!number) return number.error();
        if (*number != 0) out.Set(name, Json::Int(*number));
        break;
      }
      case 'u': {  // UnitBytes: written as a quoted decimal
        Result<std::string> text = ToStr(*value, field_path);
        if (!text) return text.error();
        std::optional<int64_t> bytes = ParseRamInBytes(*text);
        if (!bytes) return InvalidValue(field_path, "invalid size: " + *text);
        if (*bytes != 0) out.Set(name, Json::String(std::to_string(*bytes)));
        break;
      }
      case 'm': {
        Result<Json> map = ToStringMap(*value, field_path, MissingValue::kEmptyString, nullptr);
        if (!map) return map.error();
        if (!map->empty()) out.Set(name, *map);
        break;
      }
      default: {
        Result<std::string> text = ToStr(*value, field_path);
        if (!text) return text.error();
        if (!text->empty()) out.Set(name, Json::String(*text));
      }
    }
  }
  return out;
}

Result<Json> ParseLongVolume(const YamlNode& node, const std::string& path, const PathContext& paths) {
  Json volume = Json::Struct();
  std::string type;
  if (const YamlNode* value = node.Find("type")) {
    Result<std::string> text = ToStr(*value, path + ".type");
    if (!text) return text.error();
    type = *text;
  }
  if (type.empty()) return InvalidValue(path, "type is required");
  volume.Set("type", Json::String(type));
  if (const YamlNode* value = node.Find("source"); value && !value->IsNull()) {
    Result<std::string> source = ToStr(*value, path + ".source");
    if (!source) return source.error();
    std::string resolved = type == "bind" ? AbsolutePath(*source, paths.working_dir, paths.home_dir) : *source;
    if (!resolved.empty()) volume.Set("source", Json::String(resolved));
  }
  if (const YamlNode* value = node.Find("target"); value && !value->IsNull()) {
    Result<std::string> target = ToStr(*value, path + ".target");
    if (!target) return target.error();
    volume.Set("target", Json::String(CleanPath(*target)));
  }
  if (const YamlNode* value = node.Find("read_only"); value && !value->IsNull()) {
    Result<bool> read_only = ToBool(*value, path + ".read_only");
    if (!read_only) return read_only.error();
    if (*read_only) volume.Set("read_only", Json::Bool(true));
  }
  if (const YamlNode* value = node.Find("consistency"); value && !value->IsNull()) {
    Result<std::string> text = ToStr(*value, path + ".consistency");
    if (!text) return text.error();
    if (!text->empty()) volume.Set("consistency", Json::String(*text));
  }
  struct Block {
    const char* key;
    std::initializer_list<std::pair<const char*, char>> fields;
  };
  const Block blocks[] = {
      {"bind", {{"selinux", 's'}, {"propagation", 's'}, {"create_host_path", 'b'}, {"recursive", 's'}}},
      {"volume", {{"labels", 'm'}, {"nocopy", 'b'}, {"subpath", 's'}}},
      {"tmpfs", {{"size", 'u'}, {"mode", 'i'}}},
      {"image", {{"subpath", 's'}}},
  };
  for (const Block& block : blocks) {
    const YamlNode* value = node.Find(block.key);
    if (value == nullptr) continue;
    Result<Json> options = OptionsBlock(*value, path + "." + block.key, block.fields);
    if (!options) return options.error();
    volume.Set(block.key, *options);
  }
  return volume;
}

}  // namespace

Result<Json> NormalizeServiceVolume(const YamlNode& node, const std::string& path,
                                    const PathContext& paths) {
  if (node.IsMapping()) return ParseLongVolume(node, path, paths);
  Result<std::string> spec = ToStr(node, path);
  if (!spec) return spec.error();
  Result<ShortVolume> parsed = ParseShortVolume(*spec, path);
  if (!parsed) return parsed.error();
  return ShortVolumeJson(*parsed, paths);
}

Result<Json> NormalizeExtraHosts(const YamlNode& node, const std::string& path) {
  std::vector<std::string> hosts;
  auto add = [&](const std::string& host, std::string ip) {
    if (ip.size() >= 2 && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
    hosts.push_back(host + "=" + ip);
  };
  if (node.IsMapping()) {
    for (const YamlEntry& entry : node.entries) {
      Result<std::vector<std::string>> ips = ToStrList(entry.value, path + "." + entry.key);
      if (!ips) return ips.error();
      for (const std::string& ip : *ips) add(entry.key, ip);
    }
  } else {
    Result<std::vector<std::string>> entries = ToStrList(node, path);
    if (!entries) return entries.error();
    for (const std::string& entry : *entries) {
      size_t separator = entry.find('=');
      if (separator == std::string::npos) separator = entry.find(':');
      if (separator == std::string::npos) return InvalidValue(path, "invalid extra host " + entry);
      add(entry.substr(0, separator), entry.substr(separator + 1));
    }
  }
  std::sort(hosts.begin(), hosts.end());
  hosts.erase(std::unique(hosts.begin(), hosts.end()), hosts.end());
  return Json::StringArray(hosts);
}

}  // namespace deliveryhook::compose
