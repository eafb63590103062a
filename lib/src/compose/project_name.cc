#include "compose/project_name.h"

namespace deliveryhook::compose {

Result<std::string> NormalizeProjectName(std::string_view raw) {
  std::string name;
  for (char c : raw) {
    char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if ((lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9') || lower == '_' || lower == '-') {
      name.push_back(lower);
    }
  }
  size_t start = name.find_first_not_of("_-");
  name = start == std::string::npos ? "" : name.substr(start);
  if (name.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "project name must not be empty (derived from \"" + std::string(raw) + "\")");
  }
  return name;
}

Result<std::string> ValidateProjectName(std::string_view name) {
  Result<std::string> normalized = NormalizeProjectName(name);
  if (!normalized || *normalized != name) {
    return Error(ErrorCode::kInvalidArgument,
                 "invalid project name \"" + std::string(name) +
                     "\": must consist only of lowercase alphanumeric characters, hyphens, and "
                     "underscores as well as start with a letter or number");
  }
  return std::string(name);
}

}  // namespace deliveryhook::compose
