// SignatureVerifier::Verify on fuzzed X-Timestamp, X-Signature and body.
// Half of the inputs carry the correct signature for their body and
// timestamp, so the replay cache and the window checks are reached too.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <string>

#include "deliveryhook/webhook/verifier.h"
#include "util/crypto.h"

namespace {
constexpr char kSecret[] = "fuzz-secret";
constexpr std::int64_t kNow = 1800000000;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using deliveryhook::webhook::SignatureVerifier;
  static SignatureVerifier verifier(kSecret, {std::chrono::seconds(300), 1000}, [] { return kNow; });
  FuzzedDataProvider input(data, size);
  const bool sign = input.ConsumeBool();
  std::string timestamp = input.ConsumeRandomLengthString(32);
  std::string signature = input.ConsumeRandomLengthString(100);
  const std::string body = input.ConsumeRemainingBytesAsString();
  if (sign) signature = deliveryhook::util::HmacSha256Hex(kSecret, body + timestamp);

  const auto checked = verifier.VerifyWithoutReplayCheck(body, timestamp, signature);
  const auto verdict = verifier.Verify(body, timestamp, signature);
  // Verify() may only be stricter than the read-only check.
  if (verdict.ok() && !checked.ok()) __builtin_trap();
  if (!verdict.ok() && verdict.error().message().empty()) __builtin_trap();
  return 0;
}
