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

std::string HtmlEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace deliveryhook::app
