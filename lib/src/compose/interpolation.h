// Interpolation of a whole compose file: every string scalar (never a key)
// goes through Substitute(), and failures are worded as compose words them.
#ifndef DELIVERYHOOK_COMPOSE_INTERPOLATION_H_
#define DELIVERYHOOK_COMPOSE_INTERPOLATION_H_

#include "compose/template.h"
#include "compose/yaml_node.h"
#include "deliveryhook/result.h"

namespace deliveryhook::compose {

// Errors (kInvalidArgument) read, for `services.web.image: ${TAG?no tag}`:
//   error while interpolating services.web.image: required variable TAG is missing a value: no tag
// and for a malformed template in a list:
//   invalid interpolation format for services.web.environment.[].
//   You may need to escape any $ with another $.
//   A=${B
Status InterpolateTree(YamlNode& root, const Lookup& lookup);

}  // namespace deliveryhook::compose

#endif  // DELIVERYHOOK_COMPOSE_INTERPOLATION_H_
