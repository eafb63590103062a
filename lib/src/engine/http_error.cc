#include "engine/http_error.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <cctype>

#include "util/json_fields.h"

namespace deliveryhook::engine {
namespace {

std::string_view TrimSpace(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

bool ContainsAny(const std::string& haystack, std::initializer_list<std::string_view> needles) {
  return std::any_of(needles.begin(), needles.end(), [&](std::string_view needle) {
    return haystack.find(needle) != std::string::npos;
  });
}

}  // namespace

ErrorCode ErrorCodeForStatus(int status) {
  switch (status) {
    case 400: return ErrorCode::kInvalidArgument;
    case 401: return ErrorCode::kUnauthenticated;
    case 403: return ErrorCode::kFailedPrecondition;
    case 404: return ErrorCode::kNotFound;
    case 409: return ErrorCode::kConflict;
    case 501: return ErrorCode::kUnsupported;
    case 503: return ErrorCode::kUnavailable;
    default: break;
  }
  if (status >= 400 && status < 500) return ErrorCode::kInvalidArgument;
  return ErrorCode::kInternal;
}

Error ErrorFromResponse(int status, std::string_view body) {
  std::string message;
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (!doc.HasParseError()) message = util::GetString(doc, "message");
  if (message.empty()) {
    std::string_view text = TrimSpace(body);
    text = text.substr(0, text.find('\n'));
    constexpr size_t kMaxLength = 300;
    message = std::string(TrimSpace(text.substr(0, kMaxLength)));
  }
  if (message.empty()) message = "the Docker engine answered HTTP " + std::to_string(status);
  return Error(ErrorCodeForStatus(status), std::move(message), status);
}

ErrorCode ErrorCodeForStreamMessage(std::string_view message) {
  std::string lower(message);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ContainsAny(lower, {"not found", "manifest unknown", "does not exist"})) return ErrorCode::kNotFound;
  if (ContainsAny(lower, {"unauthorized", "authentication required", "denied"})) {
    return ErrorCode::kUnauthenticated;
  }
  if (ContainsAny(lower, {"connection refused", "no such host", "i/o timeout"})) {
    return ErrorCode::kUnavailable;
  }
  return ErrorCode::kInternal;
}

}  // namespace deliveryhook::engine
