// One structured (logfmt) line per event on stderr; per request, the audit log:
//
//   time=2026-11-26T10:00:00.123Z level=info event=request request_id=9c1e...
//   client=10.0.0.7 key=ci-shop endpoint=/pull decision=accepted status=202
//   target=shop-web job=3f2a...
//
// time, level, request id, client address (the client behind a trusted
// proxy), key id (the key that signed; absent when none did), endpoint,
// decision, status, target, job id, and for an engine_error why (error=,
// which may name the engine's socket: the log is the operator's, the answer
// never does). Never a secret or a signature.
#ifndef DELIVERYHOOK_APP_REQUEST_LOG_H_
#define DELIVERYHOOK_APP_REQUEST_LOG_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace deliveryhook::app {

struct Reply;

enum class LogLevel { kDebug, kInfo, kWarn, kError };

// "debug", "info", "warn", "error"
std::string_view ToString(LogLevel level);
// The level named by LOG_LEVEL ("warning" is accepted for "warn").
std::optional<LogLevel> ParseLogLevel(std::string_view name);

class RequestLog {
 public:
  RequestLog(std::string client, std::string endpoint, std::string request_id = {})
      : client_(std::move(client)),
        endpoint_(std::move(endpoint)),
        request_id_(std::move(request_id)) {}

  void SetKey(std::string key_id) { key_id_ = std::move(key_id); }
  void SetTarget(std::string target) { target_ = std::move(target); }
  void SetJob(std::string job_id) { job_id_ = std::move(job_id); }
  void SetError(std::string error) { error_ = std::move(error); }
  // Writes the line and hands the reply back.
  Reply Decide(const std::string& decision, Reply reply) const;
  // The line's fields after time=, as Decide writes them.
  std::string Fields(const std::string& decision, int status) const;

  // The lines of a job, each with the id of the request that created it.
  static void JobStarted(const std::string& job_id, const std::string& request_id,
                         const std::string& action, const std::string& target);
  static void JobStep(const std::string& job_id, const std::string& request_id,
                      const std::string& step);
  static void JobEnded(const std::string& job_id, const std::string& state,
                       const std::string& error, const std::string& request_id = {});

  // Writes `time=... level=... <fields>` when `level` is at least the
  // threshold. Line(fields) is an info line.
  static void Line(LogLevel level, const std::string& fields);
  static void Line(const std::string& fields) { Line(LogLevel::kInfo, fields); }

  // Lines below `level` are dropped (LOG_LEVEL; default info).
  static void SetThreshold(LogLevel level);
  static bool Enabled(LogLevel level);
  // For tests: receives each whole line (without the newline) instead of
  // stderr; an empty function restores stderr.
  static void SetSinkForTesting(std::function<void(const std::string&)> sink);

 private:
  std::string client_, endpoint_, request_id_, key_id_, target_, job_id_, error_;
};

// `value` quoted for logfmt when it needs to be.
std::string LogValue(const std::string& value);

// The line as written: "time=<time> level=<level> <fields>".
std::string FormatLogLine(std::string_view time, LogLevel level, std::string_view fields);

}  // namespace deliveryhook::app

#endif  // DELIVERYHOOK_APP_REQUEST_LOG_H_
