// Lowercase hex text of bytes: digests, HMACs, random ids.
#ifndef DELIVERYHOOK_UTIL_HEX_H_
#define DELIVERYHOOK_UTIL_HEX_H_

#include <cstddef>
#include <string>

namespace deliveryhook::util {

std::string LowerHex(const unsigned char* bytes, std::size_t size);

}  // namespace deliveryhook::util

#endif  // DELIVERYHOOK_UTIL_HEX_H_
