// The compose file as a tree, independent of the YAML library.
//
// Only yaml_reader.cc sees yaml-cpp; everything else in the loader works on
// this small tree. Scalars keep the type YAML resolved for them (go-yaml v3
// rules, as compose-go sees them) because compose formats typed values
// differently: `NUM: 1.0` becomes "1" in `environment`, `NUM: "1.0"` stays
// "1.0". Interpolation only touches string scalars for the same reason.
#ifndef DELIVERYHOOK_COMPOSE_YAML_NODE_H_
#define DELIVERYHOOK_COMPOSE_YAML_NODE_H_

#include <string>
#include <string_view>
#include <vector>

namespace deliveryhook::compose {

struct YamlEntry;

struct YamlNode {
  enum class Kind { kNull, kString, kBool, kInt, kFloat, kSequence, kMapping };

  Kind kind = Kind::kNull;
  // For scalars: the text as written (after YAML unquoting). For kInt and
  // kFloat the canonical value is in int_value / float_value.
  std::string text;
  long long int_value = 0;
  double float_value = 0;
  bool bool_value = false;
  // A local tag such as "!reset" or "!override"; empty otherwise.
  std::string tag;
  int line = 0;  // 1-based line of the node
  std::vector<YamlNode> items;     // kSequence
  std::vector<YamlEntry> entries;  // kMapping, in file order

  bool IsNull() const { return kind == Kind::kNull; }
  bool IsScalar() const {
    return kind != Kind::kNull && kind != Kind::kSequence && kind != Kind::kMapping;
  }
  bool IsSequence() const { return kind == Kind::kSequence; }
  bool IsMapping() const { return kind == Kind::kMapping; }

  // The mapping value for `key`, or nullptr.
  const YamlNode* Find(std::string_view key) const;
  YamlNode* Find(std::string_view key);

  static YamlNode String(std::string value, int line = 0);
};

struct YamlEntry {
  std::string key;
  int key_line = 0;  // 1-based
  YamlNode value;
};

}  // namespace deliveryhook::compose

#endif  // DELIVERYHOOK_COMPOSE_YAML_NODE_H_
