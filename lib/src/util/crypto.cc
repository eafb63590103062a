#include "util/crypto.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <vector>

#include "util/hex.h"

namespace deliveryhook::util {
namespace {

// OpenSSL 3's one-shot HMAC() looks the HMAC and SHA-256 implementations up
// in the provider store on every call, under its lock and with a dozen
// allocations: under a flood of bad signatures that was most of the
// signature check. Both are looked up once, into a context that each call
// copies; null if OpenSSL cannot provide them.
const EVP_MAC_CTX* HmacSha256Template() {
  static EVP_MAC_CTX* const context = [] () -> EVP_MAC_CTX* {
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (mac == nullptr) return nullptr;
    EVP_MAC_CTX* made = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac);  // the context holds its own reference
    char digest_name[] = "SHA256";
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
        OSSL_PARAM_construct_end()};
    if (made != nullptr && EVP_MAC_CTX_set_params(made, params) != 1) {
      EVP_MAC_CTX_free(made);
      return nullptr;
    }
    return made;
  }();
  return context;
}

using MacContext = std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)>;

}  // namespace

std::optional<std::string> HmacSha256(std::string_view key, std::string_view message) {
  const EVP_MAC_CTX* prototype = HmacSha256Template();
  if (prototype == nullptr) return std::nullopt;
  MacContext context(EVP_MAC_CTX_dup(prototype), &EVP_MAC_CTX_free);
  // A null key would mean "the key set before"; an empty one is a key too.
  static const unsigned char kNoBytes[1] = {0};
  const auto* key_bytes = key.empty() ? kNoBytes : reinterpret_cast<const unsigned char*>(key.data());
  unsigned char digest[EVP_MAX_MD_SIZE];
  std::size_t length = 0;
  if (!context || EVP_MAC_init(context.get(), key_bytes, key.size(), nullptr) != 1 ||
      EVP_MAC_update(context.get(), reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1 ||
      EVP_MAC_final(context.get(), digest, &length, sizeof digest) != 1 || length == 0) {
    return std::nullopt;
  }
  return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string HmacSha256Hex(std::string_view key, std::string_view message) {
  const auto digest = HmacSha256(key, message);
  if (!digest) return {};
  return LowerHex(reinterpret_cast<const unsigned char*>(digest->data()), digest->size());
}

std::string RandomHex(std::size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) {
    // Without randomness ids and tokens would be guessable; better to stop.
    throw std::runtime_error("the OS random generator failed");
  }
  return LowerHex(raw.data(), raw.size());
}

std::int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace deliveryhook::util
