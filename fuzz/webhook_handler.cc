// The whole request: method, path, headers and body, signed or not.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <string>

#include "util/crypto.h"
#include "handler_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Harness& harness = fuzz::Harness::Get();
  FuzzedDataProvider input(data, size);
  deliveryhook::app::IncomingRequest request;
  request.method = input.PickValueInArray({"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", ""});
  request.path = input.ConsumeBool()
                     ? std::string(input.PickValueInArray({"/pull", "/build", "/rollback", "/healthz", "/jobs/", "/"}))
                     : input.ConsumeRandomLengthString(64);
  if (request.path == "/jobs/") request.path += input.ConsumeRandomLengthString(40);
  const int header_count = input.ConsumeIntegralInRange(0, 6);
  for (int i = 0; i < header_count; ++i) {
    std::string name = input.ConsumeBool()
                           ? std::string(input.PickValueInArray(
                                 {"x-timestamp", "x-signature", "authorization", "content-type"}))
                           : input.ConsumeRandomLengthString(16);
    request.headers.emplace(std::move(name), input.ConsumeRandomLengthString(80));
  }
  const int sign = input.ConsumeIntegralInRange(0, 2);  // 0: as fuzzed, 1: signed, 2: signed, old
  request.body = input.ConsumeRemainingBytesAsString();
  if (sign > 0) {
    const std::int64_t now = ++harness.now;
    const std::string timestamp = std::to_string(sign == 1 ? now : now - 301);
    request.headers["x-timestamp"] = timestamp;
    request.headers["x-signature"] =
        deliveryhook::util::HmacSha256Hex(fuzz::kSecret, request.body + timestamp);
  }
  fuzz::CheckReply(harness.handler.Handle(request));
  return 0;
}
