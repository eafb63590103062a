// The small primitives several parts of the hook share: the signature MAC
// (requests, notifications and the CLI's `sign`), random ids and tokens,
// and the wall clock in milliseconds that jobs are stamped with. One place,
// so every caller computes them the same way.
#ifndef DELIVERYHOOK_UTIL_CRYPTO_H_
#define DELIVERYHOOK_UTIL_CRYPTO_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace deliveryhook::util {

// The raw HMAC-SHA256 digest (32 bytes) of `message` with `key`; nothing if
// OpenSSL cannot compute it.
std::optional<std::string> HmacSha256(std::string_view key, std::string_view message);

// Lowercase hex of HMAC-SHA256(key, message); empty if OpenSSL cannot compute
// it, which matches no signature.
std::string HmacSha256Hex(std::string_view key, std::string_view message);

// Random lowercase hex of `bytes` bytes from the OS's CSPRNG. Throws
// std::runtime_error when the generator fails: ids and tokens made without
// randomness would be guessable.
std::string RandomHex(std::size_t bytes);

// Current UNIX time in milliseconds.
std::int64_t NowMillis();

}  // namespace deliveryhook::util

#endif  // DELIVERYHOOK_UTIL_CRYPTO_H_
