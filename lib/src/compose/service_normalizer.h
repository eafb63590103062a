// One compose file's definition of one service, turned into compose's
// canonical form (long syntax, defaults, absolute paths), before merging.
#ifndef DELIVERYHOOK_COMPOSE_SERVICE_NORMALIZER_H_
#define DELIVERYHOOK_COMPOSE_SERVICE_NORMALIZER_H_

#include <map>
#include <set>
#include <string>

#include "compose/json_value.h"
#include "compose/service_fields.h"
#include "compose/template.h"
#include "compose/yaml_node.h"
#include "deliveryhook/compose/project.h"
#include "deliveryhook/result.h"

namespace deliveryhook::compose {

struct NormalizeContext {
  PathContext paths;
  Lookup lookup;     // the project environment, for `environment: [FOO]`
  std::string file;  // the compose file being read, for key locations
};

struct ServiceFragment {
  Json fields = Json::Struct();        // canonical keys, any order
  std::map<std::string, SourceLocation> key_locations;  // every top-level key (x-* too)
  std::set<std::string> reset_keys;      // keys tagged !reset
  std::set<std::string> override_keys;   // keys tagged !override
};

Result<ServiceFragment> NormalizeService(const std::string& name, const YamlNode& node,
                                         const NormalizeContext& context);

// After merging: compose's implicit `networks: {default: null}`.
void ApplyServiceDefaults(Json& service);

// Puts the members in compose-go's ServiceConfig field order (unknown keys
// last, sorted), and makes sure `command` and `entrypoint` are present.
Json OrderServiceFields(const Json& service);

}  // namespace deliveryhook::compose

#endif  // DELIVERYHOOK_COMPOSE_SERVICE_NORMALIZER_H_
