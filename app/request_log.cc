#include "request_log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "deliveryhook/mutex.h"
#include "http_exchange.h"
#include "ui/refusals.h"

namespace deliveryhook::app {
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

std::atomic<int> threshold{static_cast<int>(LogLevel::kInfo)};

// Where lines go: the test's sink when one is set, else stderr. The mutex
// also keeps concurrent lines whole.
struct Sink {
  Mutex mutex;
  std::function<void(const std::string&)> for_testing DELIVERYHOOK_GUARDED_BY(mutex);
};

Sink& TheSink() {
  static Sink sink;
  return sink;
}

// Refusals of credentials are worth a look; an engine that cannot be
// reached is an outage.
LogLevel LevelOfDecision(const std::string& decision) {
  if (decision == "unauthenticated") return LogLevel::kWarn;
  if (decision == "engine_error") return LogLevel::kError;
  return LogLevel::kInfo;
}

}  // namespace

std::string_view ToString(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "info";
}

std::optional<LogLevel> ParseLogLevel(std::string_view name) {
  for (LogLevel level : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError}) {
    if (name == ToString(level)) return level;
  }
  if (name == "warning") return LogLevel::kWarn;
  return std::nullopt;
}

std::string FormatLogLine(std::string_view time, LogLevel level, std::string_view fields) {
  std::string line = "time=";
  line.append(time);
  line += " level=";
  line.append(ToString(level));
  line += ' ';
  line.append(fields);
  return line;
}

void RequestLog::SetThreshold(LogLevel level) { threshold = static_cast<int>(level); }
bool RequestLog::Enabled(LogLevel level) { return static_cast<int>(level) >= threshold.load(); }

void RequestLog::SetSinkForTesting(std::function<void(const std::string&)> sink) {
  Sink& the_sink = TheSink();
  MutexLock lock(the_sink.mutex);
  the_sink.for_testing = std::move(sink);
}

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

void RequestLog::Line(LogLevel level, const std::string& fields) {
  if (!Enabled(level)) return;
  const std::string line = FormatLogLine(UtcNow(), level, fields);
  Sink& sink = TheSink();
  MutexLock lock(sink.mutex);
  if (sink.for_testing) {
    sink.for_testing(line);
    return;
  }
  std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
}

std::string RequestLog::Fields(const std::string& decision, int status) const {
  std::string fields = "event=request";
  if (!request_id_.empty()) fields += " request_id=" + LogValue(request_id_);
  fields += " client=" + LogValue(client_);
  if (!key_id_.empty()) fields += " key=" + LogValue(key_id_);
  fields += " endpoint=" + LogValue(endpoint_) + " decision=" + decision +
            " status=" + std::to_string(status);
  if (!target_.empty()) fields += " target=" + LogValue(target_);
  if (!job_id_.empty()) fields += " job=" + job_id_;
  if (!error_.empty()) fields += " error=" + LogValue(error_);
  return fields;
}

Reply RequestLog::Decide(const std::string& decision, Reply reply) const {
  Line(LevelOfDecision(decision), Fields(decision, reply.status));
  // The operator's page counts the refusals (decision and client only); a
  // ?wait answer's 500 for a failed job refused nothing.
  if (reply.status >= 400 && reply.status < 500) Refusals().Record(decision, client_);
  return reply;
}

namespace {

std::string JobFields(const char* event, const std::string& job_id, const std::string& request_id) {
  std::string fields = std::string("event=") + event + " job=" + job_id;
  if (!request_id.empty()) fields += " request_id=" + LogValue(request_id);
  return fields;
}

}  // namespace

void RequestLog::JobStarted(const std::string& job_id, const std::string& request_id,
                            const std::string& action, const std::string& target) {
  Line(JobFields("job_start", job_id, request_id) + " action=" + LogValue(action) +
       " target=" + LogValue(target));
}

void RequestLog::JobStep(const std::string& job_id, const std::string& request_id,
                         const std::string& step) {
  Line(JobFields("job_step", job_id, request_id) + " step=" + LogValue(step));
}

void RequestLog::JobEnded(const std::string& job_id, const std::string& state,
                          const std::string& error, const std::string& request_id) {
  std::string fields = JobFields("job_end", job_id, request_id) + " state=" + state;
  if (!error.empty()) fields += " error=" + LogValue(error);
  Line(state == "succeeded" ? LogLevel::kInfo : LogLevel::kWarn, fields);
}

}  // namespace deliveryhook::app
