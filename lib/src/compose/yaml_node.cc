#include "compose/yaml_node.h"

#include <utility>

namespace deliveryhook::compose {

const YamlNode* YamlNode::Find(std::string_view key) const {
  for (const YamlEntry& entry : entries) {
    if (entry.key == key) return &entry.value;
  }
  return nullptr;
}

YamlNode* YamlNode::Find(std::string_view key) {
  for (YamlEntry& entry : entries) {
    if (entry.key == key) return &entry.value;
  }
  return nullptr;
}

YamlNode YamlNode::String(std::string value, int line) {
  YamlNode node;
  node.kind = Kind::kString;
  node.text = std::move(value);
  node.line = line;
  return node;
}

}  // namespace deliveryhook::compose
