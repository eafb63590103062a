// Base64 (RFC 4648) for registry credentials.
#ifndef DELIVERYHOOK_ENGINE_BASE64_H_
#define DELIVERYHOOK_ENGINE_BASE64_H_

#include <optional>
#include <string>
#include <string_view>

namespace deliveryhook::engine {

// Standard alphabet with "=" padding (Go base64.StdEncoding).
std::string Base64Encode(std::string_view data);
// URL-safe alphabet ("-", "_") with "=" padding (Go base64.URLEncoding), the
// encoding of X-Registry-Auth and X-Registry-Config.
std::string Base64UrlEncode(std::string_view data);
// Decodes the standard alphabet; padding optional. nullopt on bad input.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace deliveryhook::engine

#endif  // DELIVERYHOOK_ENGINE_BASE64_H_
