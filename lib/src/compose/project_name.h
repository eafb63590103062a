// Project names as compose accepts and derives them.
#ifndef DELIVERYHOOK_COMPOSE_PROJECT_NAME_H_
#define DELIVERYHOOK_COMPOSE_PROJECT_NAME_H_

#include <string>
#include <string_view>

#include "deliveryhook/result.h"

namespace deliveryhook::compose {

// A name derived from `name:` or a directory: lower-cased, only
// [a-z0-9_-] kept, leading '_' and '-' trimmed ("My App!" -> "myapp").
// Fails when nothing is left.
Result<std::string> NormalizeProjectName(std::string_view raw);

// A name given explicitly (-p, COMPOSE_PROJECT_NAME, the container label)
// must already be normalized: "invalid project name" otherwise.
Result<std::string> ValidateProjectName(std::string_view name);

}  // namespace deliveryhook::compose

#endif  // DELIVERYHOOK_COMPOSE_PROJECT_NAME_H_
