// Authenticating webhook requests.
//
// The wire contract is the original docker-delivery-hook's, so existing
// pipelines keep working unchanged:
//
//   X-Timestamp: <UNIX seconds>
//   X-Signature: hex(HMAC-SHA256(SECRET_KEY, raw body || X-Timestamp))
//
// On top of it, and unlike the original, a request is refused when its
// timestamp is more than `window` old *or* ahead, and when the same signature
// was already accepted (a replay). Signatures are compared in constant time.
// Every failure is kUnauthenticated with a message safe to show the caller.
//
// Example:
//
//   webhook::SignatureVerifier verifier(secret);
//   Status verdict = verifier.Verify(body, request.header("X-Timestamp"),
//                                    request.header("X-Signature"));
//   if (!verdict) return Reply(401, verdict.error().message());
//
// SignatureVerifier is thread-safe.
#ifndef DELIVERYHOOK_WEBHOOK_VERIFIER_H_
#define DELIVERYHOOK_WEBHOOK_VERIFIER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "deliveryhook/result.h"
#include "deliveryhook/webhook/replay_cache.h"

namespace deliveryhook::webhook {

// Lowercase hex of HMAC-SHA256(key, message).
std::string HmacSha256Hex(std::string_view key, std::string_view message);

// True when a and b are equal; the time taken depends only on their lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// Seconds since the UNIX epoch; a seam so tests can move time.
using Clock = std::function<std::int64_t()>;
Clock SystemClock();

struct VerifierOptions {
  // How far a timestamp may lie in the past or the future.
  std::chrono::seconds window{300};
  // At most this many accepted signatures are remembered at once; when the
  // cache is full of unexpired entries new requests are refused rather than
  // forgetting one (forgetting would allow a replay).
  std::size_t replay_capacity = 200000;
};

class SignatureVerifier {
 public:
  explicit SignatureVerifier(std::string secret, VerifierOptions options = {},
                             Clock clock = SystemClock());

  // Checks the headers against the body. On success the signature is
  // remembered so that the same request is refused the next time.
  Status Verify(std::string_view body, std::string_view timestamp_header,
                std::string_view signature_header);

  // The same checks without remembering: for read-only requests, which may
  // be repeated safely.
  Status VerifyWithoutReplayCheck(std::string_view body, std::string_view timestamp_header,
                                  std::string_view signature_header) const;

 private:
  Result<std::int64_t> CheckHeaders(std::string_view body, std::string_view timestamp_header,
                                    std::string_view signature_header,
                                    std::string* normalized_signature) const;

  std::string secret_;
  VerifierOptions options_;
  Clock clock_;
  ReplayCache replays_;
};

}  // namespace deliveryhook::webhook

#endif  // DELIVERYHOOK_WEBHOOK_VERIFIER_H_
