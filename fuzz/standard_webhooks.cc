// SignatureVerifier::Authenticate on fuzzed webhook-id, webhook-timestamp,
// webhook-signature and body (Standard Webhooks), sometimes with X-* headers
// too. Half of the inputs carry a correct v1 signature among the fuzzed ones,
// so the replay cache and the window checks are reached too.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <string>

#include "deliveryhook/webhook/verifier.h"

namespace {
constexpr char kSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr std::int64_t kNow = 1800000000;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace deliveryhook::webhook;
  static SignatureVerifier verifier(std::vector<Key>{DefaultKey(kSecret)},
                                    {std::chrono::seconds(300), 1000}, [] { return kNow; });
  FuzzedDataProvider input(data, size);
  const bool sign = input.ConsumeBool();
  const bool both_schemes = input.ConsumeIntegralInRange(0, 7) == 0;
  const std::string id = input.ConsumeRandomLengthString(300);
  const std::string timestamp = input.ConsumeRandomLengthString(32);
  std::string signature = input.ConsumeRandomLengthString(400);
  const std::string body = input.ConsumeRemainingBytesAsString();
  if (sign) {
    signature += " " + StandardWebhooksSignature(DefaultKey(kSecret).StandardWebhooksKey(), id,
                                                 timestamp, body);
  }
  SignatureHeaders headers;
  headers.webhook_id = id;
  headers.webhook_timestamp = timestamp;
  headers.webhook_signature = signature;
  if (both_schemes) headers.timestamp = timestamp;

  const auto checked = verifier.Authenticate(body, headers, ReplayCheck::kSkip);
  const auto verdict = verifier.Authenticate(body, headers, ReplayCheck::kRemember);
  // Remembering may only be stricter than the read-only check.
  if (verdict.ok() && !checked.ok()) __builtin_trap();
  if (!verdict.ok() && verdict.error().message().empty()) __builtin_trap();
  if (verdict.ok() && both_schemes) __builtin_trap();
  return 0;
}
