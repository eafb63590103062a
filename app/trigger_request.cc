#include "trigger_request.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <set>
#include <string_view>
#include <utility>

#include "deliveryhook/jobs/rollback.h"

namespace deliveryhook::app {
namespace {

constexpr std::size_t kMaxNameLength = 255;

}  // namespace

std::optional<int> ParseWait(const std::string& text, int max) {
  if (text.empty() || text.size() > 6) return std::nullopt;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value > max) return std::nullopt;
  return value;
}

bool IsValidName(const std::string& name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-'))) return false;
  }
  return true;
}

Result<deploy::TargetSelector> ParseSelector(const std::string& body) {
  using deliveryhook::Error;
  rapidjson::Document document;
  document.Parse<rapidjson::kParseValidateEncodingFlag>(body.c_str(), body.size());
  if (document.HasParseError()) {
    return Error(ErrorCode::kInvalidArgument,
                 std::string("body is not valid JSON: ") +
                     rapidjson::GetParseError_En(document.GetParseError()));
  }
  if (!document.IsObject()) {
    return Error(ErrorCode::kInvalidArgument, "body must be a JSON object");
  }
  // RapidJSON keeps every duplicate and FindMember() finds the first; another
  // parser (a proxy, a log) may take the last. An ambiguous body is refused.
  std::set<std::string_view> keys;
  for (const auto& member : document.GetObject()) {
    if (!keys.emplace(member.name.GetString(), member.name.GetStringLength()).second) {
      return Error(ErrorCode::kInvalidArgument, "body has a key more than once");
    }
  }
  auto text = [&](const char* key) -> deliveryhook::Result<std::string> {
    auto it = document.FindMember(key);
    if (it == document.MemberEnd()) return std::string();
    // The whole string: "web\u0000x" must not be read as "web".
    const std::string value = it->value.IsString()
                                  ? std::string(it->value.GetString(), it->value.GetStringLength())
                                  : std::string();
    if (!it->value.IsString() || !IsValidName(value)) {
      return Error(ErrorCode::kInvalidArgument,
                   std::string("\"") + key + "\" must be a container, project or service name");
    }
    return value;
  };
  deliveryhook::deploy::TargetSelector selector;
  for (auto [key, field] : {std::pair{"container_name", &selector.container_name},
                            std::pair{"project", &selector.project},
                            std::pair{"service", &selector.service}}) {
    auto value = text(key);
    if (!value) return value.error();
    *field = *value;
  }
  const bool by_name = !selector.container_name.empty();
  const bool by_service = !selector.project.empty() && !selector.service.empty();
  if (by_name == by_service) {
    return Error(ErrorCode::kInvalidArgument,
                 "body must name either \"container_name\" or both \"project\" and \"service\"");
  }
  // The optional pin: checked strictly here, so a bad one queues nothing.
  for (auto [key, field] : {std::pair{"digest", &selector.digest},
                            std::pair{"image", &selector.image}}) {
    auto it = document.FindMember(key);
    if (it == document.MemberEnd()) continue;
    if (!it->value.IsString() || it->value.GetStringLength() == 0) {
      return Error(ErrorCode::kInvalidArgument,
                   std::string("\"") + key + "\" must be a non-empty string");
    }
    *field = std::string(it->value.GetString(), it->value.GetStringLength());
  }
  if (auto pin = deliveryhook::deploy::CheckPinSyntax(selector.image, selector.digest); !pin) {
    return pin.error();
  }
  return selector;
}

Result<std::string> ParseRollbackTo(const std::string& body) {
  rapidjson::Document document;
  document.Parse<rapidjson::kParseValidateEncodingFlag>(body.c_str(), body.size());
  // ParseSelector has refused anything but one JSON object already.
  if (document.HasParseError() || !document.IsObject()) {
    return Error(ErrorCode::kInvalidArgument, "body must be a JSON object");
  }
  auto it = document.FindMember("to");
  if (it == document.MemberEnd()) return std::string();
  if (!it->value.IsString() || it->value.GetStringLength() == 0) {
    return Error(ErrorCode::kInvalidArgument, "\"to\" must be a non-empty string");
  }
  std::string to(it->value.GetString(), it->value.GetStringLength());
  if (auto checked = jobs::CheckRollbackTarget(to); !checked) return checked.error();
  return to;
}

}  // namespace deliveryhook::app
