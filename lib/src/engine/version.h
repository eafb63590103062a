// API version negotiation.
#ifndef DELIVERYHOOK_ENGINE_VERSION_H_
#define DELIVERYHOOK_ENGINE_VERSION_H_

#include <string>
#include <string_view>

#include "deliveryhook/result.h"

namespace deliveryhook::engine {

// "1.41": digits, a dot, digits.
bool IsApiVersion(std::string_view version);

// The version to speak with an engine whose newest API is `engine_version`:
// min(engine_version, kMaxApiVersion). Fails with kFailedPrecondition when
// the engine is older than kMinApiVersion, kInternal when the engine's
// version is not a version.
Result<std::string> NegotiateApiVersion(std::string_view engine_version);

}  // namespace deliveryhook::engine

#endif  // DELIVERYHOOK_ENGINE_VERSION_H_
