#include "engine/json_stream.h"

#include <rapidjson/document.h>

#include <cctype>

#include "engine/http_error.h"
#include "util/json_fields.h"

namespace deliveryhook::engine {
namespace {

using util::FindObject;
using util::GetInt64;
using util::GetString;

std::string_view TrimSpace(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

}  // namespace

Result<StreamMessage> ParseStreamLine(std::string_view line) {
  rapidjson::Document doc;
  doc.Parse(line.data(), line.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    constexpr size_t kShown = 200;
    return Error(ErrorCode::kInternal, "malformed line in the Docker engine's stream: " +
                                           std::string(line.substr(0, kShown)));
  }
  StreamMessage message;
  message.id = GetString(doc, "id");
  message.status = GetString(doc, "status");
  message.stream = GetString(doc, "stream");
  if (const auto* detail = FindObject(doc, "progressDetail")) {
    message.current = GetInt64(*detail, "current");
    message.total = GetInt64(*detail, "total");
  }
  if (const auto* aux = FindObject(doc, "aux")) message.aux_id = GetString(*aux, "ID");
  if (const auto* detail = FindObject(doc, "errorDetail")) {
    message.error = GetString(*detail, "message");
  }
  if (message.error.empty()) message.error = GetString(doc, "error");
  if (message.error.empty() && (doc.HasMember("errorDetail") || doc.HasMember("error"))) {
    message.error = "the Docker engine reported an error without a message";
  }
  return message;
}

JsonStreamParser::JsonStreamParser(Handler on_message) : on_message_(std::move(on_message)) {}

void JsonStreamParser::Feed(std::string_view chunk) {
  pending_.append(chunk);
  size_t start = 0;
  for (size_t newline = pending_.find('\n', start); newline != std::string::npos;
       newline = pending_.find('\n', start)) {
    HandleLine(std::string_view(pending_).substr(start, newline - start));
    start = newline + 1;
  }
  pending_.erase(0, start);
}

Status JsonStreamParser::Finish() {
  if (!pending_.empty()) {
    std::string rest = std::move(pending_);
    pending_.clear();
    HandleLine(rest);
  }
  if (failure_) return *failure_;
  return Ok();
}

void JsonStreamParser::HandleLine(std::string_view line) {
  line = TrimSpace(line);
  if (line.empty()) return;
  auto message = ParseStreamLine(line);
  if (!message) {
    if (!failure_) failure_ = message.error();
    return;
  }
  if (!message->error.empty() && !failure_) {
    failure_ = Error(ErrorCodeForStreamMessage(message->error), message->error);
  }
  if (on_message_) on_message_(*message);
}

}  // namespace deliveryhook::engine
