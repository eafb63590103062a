// Small conversions from YAML nodes to the canonical JSON shapes compose uses,
// shared by the per-key normalizers. Each failing conversion names the key
// path (`services.web.ports.[0]`), as compose's validation messages do.
#ifndef DELIVERYHOOK_COMPOSE_VALUE_CONVERT_H_
#define DELIVERYHOOK_COMPOSE_VALUE_CONVERT_H_

#include <string>
#include <vector>

#include "compose/json_value.h"
#include "compose/template.h"
#include "compose/yaml_node.h"
#include "deliveryhook/result.h"

namespace deliveryhook::compose {

Error InvalidValue(const std::string& path, const std::string& what);

// Scalars as fmt.Sprint prints them; a non-scalar is an error.
Result<std::string> ToStr(const YamlNode& node, const std::string& path);
// true/false (typed or as text; y/yes/on and n/no/off as compose accepts).
Result<bool> ToBool(const YamlNode& node, const std::string& path);
Result<long long> ToInt(const YamlNode& node, const std::string& path);
// A string or a list of strings, as a list.
Result<std::vector<std::string>> ToStrList(const YamlNode& node, const std::string& path);

// What a `KEY` without value becomes in a map-or-list field.
enum class MissingValue {
  kNull,          // `environment`: resolved from the project env, else null
  kEmptyString,   // `labels`, `sysctls`, ...: ""
  kDrop,          // `build.args`: resolved, else left out
};

// A map-or-list field (`environment`, `labels`, `sysctls`, `build.args`,
// `logging.options`, `driver_opts`, ...) as a JSON map of strings.
Result<Json> ToStringMap(const YamlNode& node, const std::string& path, MissingValue missing,
                         const Lookup& lookup);

// Any YAML value as plain JSON (maps sorted, scalars typed); for keys that
// need no normalization.
Json ToPlainJson(const YamlNode& node);

// Makes `path` absolute as compose-go's path resolver does: a leading `~`
// is replaced by `home` (joined, so cleaned), an absolute path is kept
// exactly as written, a relative one is joined to `base` and cleaned as
// Go's filepath.Join would.
std::string AbsolutePath(const std::string& path, const std::string& base, const std::string& home);
std::string CleanPath(const std::string& path);

}  // namespace deliveryhook::compose

#endif  // DELIVERYHOOK_COMPOSE_VALUE_CONVERT_H_
