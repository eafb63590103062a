// Normalizers for the service keys with a short and a long syntax.
#ifndef DELIVERYHOOK_COMPOSE_SERVICE_FIELDS_H_
#define DELIVERYHOOK_COMPOSE_SERVICE_FIELDS_H_

#include <string>
#include <vector>

#include "compose/json_value.h"
#include "compose/yaml_node.h"
#include "deliveryhook/result.h"

namespace deliveryhook::compose {

struct PathContext {
  std::string working_dir;  // relative paths resolve against it
  std::string home_dir;     // `~` expands to it
};

// One `ports:` entry in compose's long form {mode, host_ip, target, published,
// protocol}; a short range ("8000-8001:80-81") gives several entries, sorted
// as compose sorts them (by "port/proto" text).
Result<std::vector<Json>> NormalizePort(const YamlNode& node, const std::string& path);

// One `volumes:` entry in long form; bind sources made absolute.
Result<Json> NormalizeServiceVolume(const YamlNode& node, const std::string& path,
                                    const PathContext& paths);

// `extra_hosts` (list with `:` or `=`, or map) as compose's sorted
// "host=ip" list.
Result<Json> NormalizeExtraHosts(const YamlNode& node, const std::string& path);

// The merge key compose uses to de-duplicate `ports` entries.
std::string PortKey(const Json& port);

}  // namespace deliveryhook::compose

#endif  // DELIVERYHOOK_COMPOSE_SERVICE_FIELDS_H_
