// The only file that includes yaml-cpp: everything YAML-specific (exceptions,
// tags, marks, merge keys) is turned into a YamlNode here.
#include "compose/yaml_reader.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstdlib>
#include <regex>
#include <map>
#include <set>
#include <string>
#include <utility>

namespace deliveryhook::compose {
namespace {

bool IsOneOf(const std::string& text, std::initializer_list<const char*> words) {
  for (const char* word : words) {
    if (text == word) return true;
  }
  return false;
}

// go-yaml v3 resolves integers with strconv.ParseInt(text, 0, 64) after
// dropping underscores: 0x/0o/0b prefixes and a leading 0 (octal) count.
bool ParseGoInt(std::string text, long long& out) {
  std::erase(text, '_');
  if (text.empty()) return false;
  size_t pos = 0;
  bool negative = false;
  if (text[0] == '+' || text[0] == '-') {
    negative = text[0] == '-';
    pos = 1;
  }
  int base = 10;
  if (text.size() > pos + 1 && text[pos] == '0') {
    char prefix = static_cast<char>(std::tolower(static_cast<unsigned char>(text[pos + 1])));
    if (prefix == 'x') base = 16, pos += 2;
    else if (prefix == 'o') base = 8, pos += 2;
    else if (prefix == 'b') base = 2, pos += 2;
    else base = 8, pos += 1;
  }
  if (pos >= text.size()) return false;
  for (size_t i = pos; i < text.size(); ++i) {
    char c = static_cast<char>(std::tolower(static_cast<unsigned char>(text[i])));
    int digit = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : 99;
    if (digit >= base) return false;
  }
  errno = 0;
  long long value = std::strtoll(text.c_str() + pos, nullptr, base);
  if (errno == ERANGE) return false;
  out = negative ? -value : value;
  return true;
}

bool ParseYamlFloat(const std::string& text, double& out) {
  static const std::regex kFloat(R"(^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$)");
  if (IsOneOf(text, {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"})) {
    out = HUGE_VAL;
    return true;
  }
  if (IsOneOf(text, {"-.inf", "-.Inf", "-.INF"})) {
    out = -HUGE_VAL;
    return true;
  }
  if (IsOneOf(text, {".nan", ".NaN", ".NAN"})) {
    out = std::nan("");
    return true;
  }
  if (!std::regex_match(text, kFloat)) return false;
  out = std::strtod(text.c_str(), nullptr);
  return true;
}

std::string LocalTag(const YAML::Node& node) {
  const std::string& tag = node.Tag();
  if (tag.size() > 1 && tag[0] == '!' && tag[1] != '!') return tag;
  return "";
}

// Aliases are expanded into copies, so a few lines of anchors can stand for
// billions of nodes ("billion laughs"), and an anchor used inside itself for
// an endless tree. Both end, with an error, at these limits; real compose
// files stay far below them.
constexpr int kMaxDepth = 256;
constexpr std::size_t kMaxNodes = 200000;

// Also carries the YAML errors found while converting (duplicate keys, bad
// merge values), which all end the read the same way.
struct LimitExceeded {
  std::string message;
  int line;  // 1-based
};

// What the conversion of one document has used so far.
struct Budget {
  int depth = 0;
  std::size_t nodes = 0;
};

YamlNode Convert(const YAML::Node& node, Budget& budget);

// The mappings a `<<` key merges: one mapping or a sequence of mappings,
// each converted on its own first so that merge keys inside it (a merge
// inside a merged mapping, at any depth) are already applied. Anything else
// is an error in go-yaml v3 too.
void CollectMergeSources(const YAML::Node& source, Budget& budget, std::vector<YamlNode>& out) {
  if (source.IsSequence()) {
    for (const YAML::Node& item : source) {
      if (!item.IsMap()) {
        throw LimitExceeded{"map merge requires map or sequence of maps as the value", item.Mark().line + 1};
      }
      out.push_back(Convert(item, budget));
    }
    return;
  }
  if (!source.IsMap()) {
    throw LimitExceeded{"map merge requires map or sequence of maps as the value", source.Mark().line + 1};
  }
  out.push_back(Convert(source, budget));
}

YamlNode ConvertMapping(const YAML::Node& node, Budget& budget) {
  YamlNode out;
  out.kind = YamlNode::Kind::kMapping;
  std::map<std::string, int> seen;  // key -> line, for go-yaml's duplicate key error
  std::vector<YamlNode> merged;
  for (auto it = node.begin(); it != node.end(); ++it) {
    std::string key = it->first.IsScalar() ? it->first.Scalar() : "";
    int line = it->first.Mark().line + 1;
    if (auto [at, inserted] = seen.emplace(key, line); !inserted) {
      throw LimitExceeded{"mapping key \"" + key + "\" already defined at line " + std::to_string(at->second),
                          line};
    }
    if (key == "<<" && it->first.Tag() == "?") {
      CollectMergeSources(it->second, budget, merged);
      continue;
    }
    out.entries.push_back({key, line, Convert(it->second, budget)});
  }
  // compose-go drops `!reset` values before go-yaml applies merge keys, so
  // a merged mapping still provides such a key. The tagged entry stays
  // (first) for the loader, which records and removes it.
  std::set<std::string> explicit_keys;
  for (const YamlEntry& entry : out.entries) {
    if (entry.value.tag != "!reset") explicit_keys.insert(entry.key);
  }
  // Keys written in the mapping itself win over merged ones, whatever the
  // order; of several merged mappings the first that has a key wins.
  for (YamlNode& source : merged) {
    for (YamlEntry& entry : source.entries) {
      if (explicit_keys.insert(entry.key).second) out.entries.push_back(std::move(entry));
    }
  }
  return out;
}

YamlNode Convert(const YAML::Node& node, Budget& budget) {
  if (++budget.nodes > kMaxNodes) {
    throw LimitExceeded{"the document expands to more than " + std::to_string(kMaxNodes) +
                            " nodes (too many aliases?)",
                        node.Mark().line + 1};
  }
  if (budget.depth >= kMaxDepth) {
    throw LimitExceeded{"the document nests more than " + std::to_string(kMaxDepth) +
                            " levels deep (an alias inside its own anchor?)",
                        node.Mark().line + 1};
  }
  ++budget.depth;
  YamlNode out;
  switch (node.Type()) {
    case YAML::NodeType::Map:
      out = ConvertMapping(node, budget);
      break;
    case YAML::NodeType::Sequence:
      out.kind = YamlNode::Kind::kSequence;
      for (const YAML::Node& item : node) out.items.push_back(Convert(item, budget));
      break;
    case YAML::NodeType::Scalar:
      out.kind = YamlNode::Kind::kString;
      out.text = node.Scalar();
      if (node.Tag() == "?") ResolvePlainScalar(out);
      break;
    default:
      out.kind = YamlNode::Kind::kNull;
      break;
  }
  out.tag = LocalTag(node);
  out.line = node.Mark().line + 1;
  --budget.depth;
  return out;
}

// yaml-cpp 0.7 never returns when a document's root node begins with a flow
// entry (",", after any anchor or tag): its parser loops on the token. No
// valid YAML starts that way, so such a document is refused before yaml-cpp
// sees it. Returns the 1-based line of the offending ",", or 0.
size_t RootFlowEntryLine(std::string_view text) {
  size_t line = 1;
  size_t i = 0;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") i = 3;
  bool at_root = true;  // nothing significant yet in the current document
  auto line_start = [&](size_t at) { return at == 0 || text[at - 1] == '\n'; };
  while (i < text.size()) {
    char c = text[i];
    if (c == '\n') { ++line; ++i; continue; }
    if (line_start(i) && (text.substr(i, 3) == "---" || text.substr(i, 3) == "...") &&
        (i + 3 == text.size() || text[i + 3] == ' ' || text[i + 3] == '\t' || text[i + 3] == '\n' ||
         text[i + 3] == '\r')) {
      at_root = true;
      i += 3;
      continue;
    }
    if (!at_root) {  // skip to the next line
      while (i < text.size() && text[i] != '\n') ++i;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r') { ++i; continue; }
    if (c == '#' || (c == '%' && line_start(i))) {  // a comment or a directive
      while (i < text.size() && text[i] != '\n') ++i;
      continue;
    }
    if (c == '&' || c == '!') {  // a node property: the node itself follows
      while (i < text.size() && text[i] != ' ' && text[i] != '\t' && text[i] != '\n') ++i;
      continue;
    }
    if (c == ',') return line;
    at_root = false;
  }
  return 0;
}

}  // namespace

void ResolvePlainScalar(YamlNode& node) {
  const std::string& text = node.text;
  if (IsOneOf(text, {"", "~", "null", "Null", "NULL"})) {
    node.kind = YamlNode::Kind::kNull;
  } else if (IsOneOf(text, {"true", "True", "TRUE"})) {
    node.kind = YamlNode::Kind::kBool;
    node.bool_value = true;
  } else if (IsOneOf(text, {"false", "False", "FALSE"})) {
    node.kind = YamlNode::Kind::kBool;
    node.bool_value = false;
  } else if (ParseGoInt(text, node.int_value)) {
    node.kind = YamlNode::Kind::kInt;
  } else if (ParseYamlFloat(text, node.float_value)) {
    node.kind = YamlNode::Kind::kFloat;
  } else {
    node.kind = YamlNode::Kind::kString;
  }
}

Result<YamlNode> ReadYaml(std::string_view text, std::string_view file_name) {
  if (size_t line = RootFlowEntryLine(text)) {
    return Error(ErrorCode::kInvalidArgument, std::string(file_name) + ":" + std::to_string(line) +
                                                  ": a YAML document cannot begin with ','");
  }
  try {
    std::vector<YAML::Node> documents = YAML::LoadAll(std::string(text));
    // compose merges further documents of a file like further files; until
    // the loader does too, refuse them rather than read only the first.
    for (size_t i = 1; i < documents.size(); ++i) {
      if (!documents[i].IsNull()) {
        return Error(ErrorCode::kInvalidArgument,
                     std::string(file_name) + ":" + std::to_string(documents[i].Mark().line + 1) +
                         ": a second YAML document in one compose file is not supported by delivery-hook yet");
      }
    }
    Budget budget;
    return Convert(documents.empty() ? YAML::Node() : documents.front(), budget);
  } catch (const LimitExceeded& e) {
    return Error(ErrorCode::kInvalidArgument,
                 std::string(file_name) + ":" + std::to_string(e.line) + ": " + e.message);
  } catch (const YAML::Exception& e) {
    return Error(ErrorCode::kInvalidArgument,
                 std::string(file_name) + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

}  // namespace deliveryhook::compose
