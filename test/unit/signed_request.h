// Requests signed the way the README's recipe signs them, for the handler
// and server tests (the one copy of the recipe they share): X-Timestamp is
// the Unix time and X-Signature is the hex HMAC-SHA256(secret, message +
// timestamp), where the message is the body of a POST and the path of a GET.
//
//   IncomingRequest request = SignedPost("/pull", R"({"container_name": "web"})", kSecret, kNow);
//   IncomingRequest read = SignedGet("/jobs", kSecret, kNow);
//   std::string wire = "X-Signature: " + SignatureOver(body, kSecret, kNow);  // raw HTTP
#ifndef DELIVERYHOOK_TEST_UNIT_SIGNED_REQUEST_H_
#define DELIVERYHOOK_TEST_UNIT_SIGNED_REQUEST_H_

#include <cstdint>
#include <string>

#include "util/crypto.h"
#include "webhook_handler.h"

namespace deliveryhook::app::test_support {

// X-Signature's value for `message` signed at `timestamp`.
inline std::string SignatureOver(const std::string& message, const std::string& secret,
                                 std::int64_t timestamp) {
  return deliveryhook::util::HmacSha256Hex(secret, message + std::to_string(timestamp));
}

// Sets X-Timestamp and X-Signature over `message` + timestamp.
inline void Sign(IncomingRequest& request, const std::string& message, const std::string& secret,
                 std::int64_t timestamp) {
  request.headers["x-timestamp"] = std::to_string(timestamp);
  request.headers["x-signature"] = SignatureOver(message, secret, timestamp);
}

// A POST of `body` to `path` from `client_address`, signed over the body.
inline IncomingRequest SignedPost(const std::string& path, const std::string& body,
                                  const std::string& secret, std::int64_t timestamp,
                                  const std::string& client_address = "") {
  IncomingRequest request;
  request.method = "POST";
  request.path = path;
  request.body = body;
  request.client_address = client_address;
  Sign(request, body, secret, timestamp);
  return request;
}

// A GET of `path` from `client_address`, signed over the path.
inline IncomingRequest SignedGet(const std::string& path, const std::string& secret,
                                 std::int64_t timestamp, const std::string& client_address = "") {
  IncomingRequest request;
  request.method = "GET";
  request.path = path;
  request.client_address = client_address;
  Sign(request, path, secret, timestamp);
  return request;
}

}  // namespace deliveryhook::app::test_support

#endif  // DELIVERYHOOK_TEST_UNIT_SIGNED_REQUEST_H_
