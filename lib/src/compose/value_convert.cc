#include "compose/value_convert.h"

#include "compose/go_format.h"

namespace deliveryhook::compose {

Error InvalidValue(const std::string& path, const std::string& what) {
  return Error(ErrorCode::kInvalidArgument, path + ": " + what);
}

Result<std::string> ToStr(const YamlNode& node, const std::string& path) {
  if (!node.IsScalar()) return InvalidValue(path, "must be a string");
  return ScalarToString(node);
}

Result<bool> ToBool(const YamlNode& node, const std::string& path) {
  if (node.kind == YamlNode::Kind::kBool) return node.bool_value;
  if (node.kind == YamlNode::Kind::kString) {
    std::string text = node.text;
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (text == "true" || text == "y" || text == "yes" || text == "on") return true;
    if (text == "false" || text == "n" || text == "no" || text == "off") return false;
  }
  return InvalidValue(path, "must be a boolean");
}

Result<long long> ToInt(const YamlNode& node, const std::string& path) {
  if (node.kind == YamlNode::Kind::kInt) return node.int_value;
  if (node.kind == YamlNode::Kind::kString) {
    try {
      size_t used = 0;
      long long value = std::stoll(node.text, &used, 10);
      if (used == node.text.size()) return value;
    } catch (const std::exception&) {
    }
  }
  return InvalidValue(path, "must be a integer");
}

Result<std::vector<std::string>> ToStrList(const YamlNode& node, const std::string& path) {
  std::vector<std::string> out;
  if (node.IsScalar()) {
    out.push_back(ScalarToString(node));
    return out;
  }
  if (!node.IsSequence()) return InvalidValue(path, "must be a string or a list of strings");
  for (const YamlNode& item : node.items) {
    Result<std::string> value = ToStr(item, path + ".[]");
    if (!value) return value.error();
    out.push_back(*value);
  }
  return out;
}

namespace {

void AddMissing(Json& map, const std::string& key, MissingValue missing, const Lookup& lookup) {
  if (missing == MissingValue::kEmptyString) {
    map.Set(key, Json::String(""));
    return;
  }
  std::optional<std::string> value = lookup ? lookup(key) : std::nullopt;
  if (value) map.Set(key, Json::String(*value));
  else if (missing == MissingValue::kNull) map.Set(key, Json::Null());
}

}  // namespace

Result<Json> ToStringMap(const YamlNode& node, const std::string& path, MissingValue missing,
                         const Lookup& lookup) {
  Json map = Json::Map();
  if (node.IsMapping()) {
    for (const YamlEntry& entry : node.entries) {
      if (entry.value.IsNull()) {
        AddMissing(map, entry.key, missing, lookup);
        continue;
      }
      Result<std::string> value = ToStr(entry.value, path + "." + entry.key);
      if (!value) return value.error();
      map.Set(entry.key, Json::String(*value));
    }
    return map;
  }
  if (node.IsSequence()) {
    for (const YamlNode& item : node.items) {
      Result<std::string> text = ToStr(item, path + ".[]");
      if (!text) return text.error();
      size_t equals = text->find('=');
      if (equals == std::string::npos) {
        AddMissing(map, *text, missing, lookup);
      } else {
        map.Set(text->substr(0, equals), Json::String(text->substr(equals + 1)));
      }
    }
    return map;
  }
  if (node.IsNull()) return map;
  return InvalidValue(path, "must be a mapping or a list");
}

Json ToPlainJson(const YamlNode& node) {
  switch (node.kind) {
    case YamlNode::Kind::kNull: return Json::Null();
    case YamlNode::Kind::kBool: return Json::Bool(node.bool_value);
    case YamlNode::Kind::kInt: return Json::Int(node.int_value);
    case YamlNode::Kind::kFloat: return Json::Number(FormatGoFloat(node.float_value));
    case YamlNode::Kind::kString: return Json::String(node.text);
    case YamlNode::Kind::kSequence: {
      Json array = Json::Array();
      for (const YamlNode& item : node.items) array.Append(ToPlainJson(item));
      return array;
    }
    case YamlNode::Kind::kMapping: {
      Json map = Json::Map();
      for (const YamlEntry& entry : node.entries) {
        if (entry.key.rfind("x-", 0) == 0) continue;
        map.Set(entry.key, ToPlainJson(entry.value));
      }
      return map;
    }
  }
  return Json::Null();
}

std::string CleanPath(const std::string& path) {
  if (path.empty()) return ".";
  bool rooted = path[0] == '/';
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string part = path.substr(start, end - start);
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") parts.pop_back();
      else if (!rooted) parts.push_back(part);
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    start = end + 1;
  }
  std::string out = rooted ? "/" : "";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += "/";
    out += parts[i];
  }
  return out.empty() ? "." : out;
}

std::string AbsolutePath(const std::string& path, const std::string& base, const std::string& home) {
  std::string expanded = path;
  if (!path.empty() && path[0] == '~' && !home.empty()) {  // compose-go's ExpandUser: any "~" prefix
    std::string rest = path.substr(1);
    expanded = CleanPath(rest.empty() ? home : home + "/" + rest);
  }
  // An absolute path is kept as written ("/etc/app/", "/a//b"): compose
  // only cleans what it joins.
  if (!expanded.empty() && expanded[0] == '/') return expanded;
  return CleanPath(base + "/" + expanded);
}

}  // namespace deliveryhook::compose
