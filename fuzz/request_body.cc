// The JSON request body: every input is a validly signed POST /pull,
// /build or /rollback, so it gets past the signature to the body parser and
// the target.
#include <cstdint>
#include <string>

#include "util/crypto.h"
#include "handler_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Harness& harness = fuzz::Harness::Get();
  deliveryhook::app::IncomingRequest request;
  request.method = "POST";
  request.path = size % 3 == 0 ? "/pull" : size % 3 == 1 ? "/build" : "/rollback";
  request.body.assign(reinterpret_cast<const char*>(data), size);
  const std::string timestamp = std::to_string(++harness.now);
  request.headers["x-timestamp"] = timestamp;
  request.headers["x-signature"] =
      deliveryhook::util::HmacSha256Hex(fuzz::kSecret, request.body + timestamp);
  const deliveryhook::app::Reply reply = harness.handler.Handle(request);
  fuzz::CheckReply(reply);
  if (reply.status == 401) __builtin_trap();  // it was signed
  return 0;
}
