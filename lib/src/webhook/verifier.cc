#include "deliveryhook/webhook/verifier.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <chrono>

#include "util/hex.h"

namespace deliveryhook::webhook {
namespace {

constexpr std::size_t kSignatureHexLength = 64;
// Twelve digits reach the year 33658; more can only be an attack on parsing.
constexpr std::size_t kMaxTimestampDigits = 12;

Error Refuse(std::string message) {
  return Error(ErrorCode::kUnauthenticated, std::move(message));
}

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Accepts the original's bare lowercase hex and, for convenience, uppercase
// hex and a GitHub-style "sha256=" prefix. Returns lowercase hex or "".
std::string NormalizeSignature(std::string_view header) {
  constexpr std::string_view kPrefix = "sha256=";
  if (header.substr(0, kPrefix.size()) == kPrefix) header.remove_prefix(kPrefix.size());
  if (header.size() != kSignatureHexLength) return {};
  std::string lower;
  lower.reserve(header.size());
  for (char c : header) {
    if (!IsHexDigit(c)) return {};
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return lower;
}

}  // namespace

std::string HmacSha256Hex(std::string_view key, std::string_view message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &length);
  return util::LowerHex(digest, length);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char difference = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    difference |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return difference == 0;
}

Clock SystemClock() {
  return [] {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
}

SignatureVerifier::SignatureVerifier(std::string secret, VerifierOptions options, Clock clock)
    : secret_(std::move(secret)),
      options_(options),
      clock_(std::move(clock)),
      replays_(options.replay_capacity) {}

Result<std::int64_t> SignatureVerifier::CheckHeaders(std::string_view body,
                                                     std::string_view timestamp_header,
                                                     std::string_view signature_header,
                                                     std::string* normalized_signature) const {
  if (timestamp_header.empty()) return Refuse("missing X-Timestamp header");
  if (signature_header.empty()) return Refuse("missing X-Signature header");
  if (timestamp_header.size() > kMaxTimestampDigits ||
      !std::all_of(timestamp_header.begin(), timestamp_header.end(),
                   [](char c) { return c >= '0' && c <= '9'; })) {
    return Refuse("X-Timestamp must be UNIX time in seconds");
  }
  const std::int64_t timestamp = std::stoll(std::string(timestamp_header));
  const std::int64_t now = clock_();
  const std::int64_t window = options_.window.count();
  if (timestamp < now - window || timestamp > now + window) {
    return Refuse("X-Timestamp is more than " + std::to_string(window) +
                  " seconds away from the server's clock");
  }
  *normalized_signature = NormalizeSignature(signature_header);
  if (normalized_signature->empty()) {
    return Refuse("X-Signature must be 64 hex digits (HMAC-SHA256)");
  }
  std::string message;
  message.reserve(body.size() + timestamp_header.size());
  message.append(body).append(timestamp_header);
  if (!ConstantTimeEquals(HmacSha256Hex(secret_, message), *normalized_signature)) {
    return Refuse("signature does not match");
  }
  return timestamp;
}

Status SignatureVerifier::VerifyWithoutReplayCheck(std::string_view body,
                                                   std::string_view timestamp_header,
                                                   std::string_view signature_header) const {
  std::string signature;
  auto timestamp = CheckHeaders(body, timestamp_header, signature_header, &signature);
  if (!timestamp) return timestamp.error();
  return Ok();
}

Status SignatureVerifier::Verify(std::string_view body, std::string_view timestamp_header,
                                 std::string_view signature_header) {
  std::string signature;
  auto timestamp = CheckHeaders(body, timestamp_header, signature_header, &signature);
  if (!timestamp) return timestamp.error();
  // After timestamp + window the request fails the window check by itself,
  // so it need not be remembered any longer.
  const std::int64_t expires_at = *timestamp + options_.window.count() + 1;
  switch (replays_.Remember(signature, expires_at, clock_())) {
    case ReplayCache::Outcome::kRemembered:
      return Ok();
    case ReplayCache::Outcome::kReplay:
      return Refuse("this request was already accepted once (replay)");
    case ReplayCache::Outcome::kFull:
      return Refuse("too many recent requests to remember; try again shortly");
  }
  return Refuse("internal error");
}

}  // namespace deliveryhook::webhook
