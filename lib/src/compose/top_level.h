// Top-level `networks:` and `volumes:` entries in canonical form.
#ifndef DELIVERYHOOK_COMPOSE_TOP_LEVEL_H_
#define DELIVERYHOOK_COMPOSE_TOP_LEVEL_H_

#include <string>

#include "compose/json_value.h"
#include "compose/yaml_node.h"
#include "deliveryhook/result.h"

namespace deliveryhook::compose {

// compose-go NetworkConfig fields (name, driver, driver_opts, ipam, external,
// internal, attachable, labels, enable_ipv4, enable_ipv6), without the name.
Result<Json> NormalizeNetwork(const YamlNode& node, const std::string& path);
// compose-go VolumeConfig fields (name, driver, driver_opts, external, labels).
Result<Json> NormalizeVolume(const YamlNode& node, const std::string& path);

// A secret or config definition: name, file (made absolute), environment,
// content, external, driver, template_driver, labels.
Result<Json> NormalizeFileObject(const YamlNode& node, const std::string& path, const std::string& working_dir,
                                 const std::string& home_dir);

// Sets `name` (first member) as compose does: the explicit name, else the
// key for external resources, else "<project>_<key>".
Json WithResourceName(const Json& config, const std::string& project, const std::string& key);

}  // namespace deliveryhook::compose

#endif  // DELIVERYHOOK_COMPOSE_TOP_LEVEL_H_
