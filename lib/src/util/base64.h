// Base64 (RFC 4648): registry credentials, Standard Webhooks signatures and secrets.
#ifndef DELIVERYHOOK_UTIL_BASE64_H_
#define DELIVERYHOOK_UTIL_BASE64_H_

#include <optional>
#include <string>
#include <string_view>

namespace deliveryhook::util {

// Standard alphabet with "=" padding (Go base64.StdEncoding).
std::string Base64Encode(std::string_view data);
// URL-safe alphabet ("-", "_") with "=" padding (Go base64.URLEncoding), the
// encoding of X-Registry-Auth and X-Registry-Config.
std::string Base64UrlEncode(std::string_view data);
// Decodes the standard alphabet; padding optional. nullopt on bad input.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace deliveryhook::util

#endif  // DELIVERYHOOK_UTIL_BASE64_H_
