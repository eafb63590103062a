#include "compose/interpolation.h"

#include <string>
#include <utility>

namespace deliveryhook::compose {
namespace {

std::string Join(const std::string& path, std::string_view next) {
  return path.empty() ? std::string(next) : path + "." + std::string(next);
}

Status Walk(YamlNode& node, const std::string& path, const Lookup& lookup) {
  switch (node.kind) {
    case YamlNode::Kind::kString: {
      if (node.text.find('$') == std::string::npos) return Ok();
      SubstituteResult result = Substitute(node.text, lookup);
      if (auto* value = std::get_if<std::string>(&result)) {
        node.text = std::move(*value);
        return Ok();
      }
      const TemplateError& error = std::get<TemplateError>(result);
      if (error.kind == TemplateError::Kind::kMissingRequired) {
        return Error(ErrorCode::kInvalidArgument,
                     "error while interpolating " + path + ": " + error.detail);
      }
      return Error(ErrorCode::kInvalidArgument,
                   "invalid interpolation format for " + path +
                       ".\nYou may need to escape any $ with another $.\n" + error.detail);
    }
    case YamlNode::Kind::kSequence:
      for (YamlNode& item : node.items) {
        if (Status s = Walk(item, Join(path, "[]"), lookup); !s) return s;
      }
      return Ok();
    case YamlNode::Kind::kMapping:
      for (YamlEntry& entry : node.entries) {
        if (Status s = Walk(entry.value, Join(path, entry.key), lookup); !s) return s;
      }
      return Ok();
    default:
      return Ok();
  }
}

}  // namespace

Status InterpolateTree(YamlNode& root, const Lookup& lookup) { return Walk(root, "", lookup); }

}  // namespace deliveryhook::compose
