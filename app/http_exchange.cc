#include "http_exchange.h"

#include "json_object.h"

namespace deliveryhook::app {

std::string IncomingRequest::Header(const std::string& lower_case_name) const {
  auto it = headers.find(lower_case_name);
  return it == headers.end() ? std::string() : it->second;
}

Reply ErrorReply(int status, const std::string& message) {
  return {status, JsonObject([&](JsonWriter& w) { Field(w, "error", message); }), {}};
}

}  // namespace deliveryhook::app
