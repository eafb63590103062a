#include "request_log.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

#include "webhook_handler.h"

namespace delivery_hook {
namespace {

std::string UtcNow() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(millis));
  return text;
}

}  // namespace

std::string LogValue(const std::string& value) {
  bool plain = !value.empty();
  for (unsigned char c : value) {
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c >= 0x7f) plain = false;
  }
  if (plain) return value;
  std::string quoted = "\"";
  for (unsigned char c : value) {
    if (c == '"' || c == '\\') {
      quoted += '\\';
      quoted += static_cast<char>(c);
    } else if (c < ' ' || c >= 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      quoted += escaped;
    } else {
      quoted += static_cast<char>(c);
    }
  }
  return quoted + "\"";
}

void RequestLog::Line(const std::string& fields) {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  std::fprintf(stderr, "time=%s %s\n", UtcNow().c_str(), fields.c_str());
  std::fflush(stderr);
}

std::string RequestLog::Fields(const std::string& decision, int status) const {
  std::string fields = "event=request client=" + LogValue(client_);
  if (!key_id_.empty()) fields += " key=" + LogValue(key_id_);
  fields += " endpoint=" + LogValue(endpoint_) + " decision=" + decision +
            " status=" + std::to_string(status);
  if (!target_.empty()) fields += " target=" + LogValue(target_);
  if (!job_id_.empty()) fields += " job=" + job_id_;
  return fields;
}

Reply RequestLog::Decide(const std::string& decision, Reply reply) const {
  Line(Fields(decision, reply.status));
  return reply;
}

void RequestLog::JobEnded(const std::string& job_id, const std::string& state,
                          const std::string& error) {
  std::string fields = "event=job_end job=" + job_id + " state=" + state;
  if (!error.empty()) fields += " error=" + LogValue(error);
  Line(fields);
}

}  // namespace delivery_hook
