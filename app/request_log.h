// One structured (logfmt) line per request on stderr, the audit log:
//
//   time=2026-11-26T10:00:00.123Z event=request client=10.0.0.7 key=ci-shop
//   endpoint=/pull decision=accepted status=202 target=shop-web job=3f2a...
//
// time, client address, key id (the key that signed; absent when none did),
// endpoint, decision, status, target, job id. Never a secret, a signature or
// a host path.
#ifndef DELIVERY_HOOK_APP_REQUEST_LOG_H_
#define DELIVERY_HOOK_APP_REQUEST_LOG_H_

#include <string>

namespace delivery_hook {

struct Reply;

class RequestLog {
 public:
  RequestLog(std::string client, std::string endpoint)
      : client_(std::move(client)), endpoint_(std::move(endpoint)) {}

  void SetKey(std::string key_id) { key_id_ = std::move(key_id); }
  void SetTarget(std::string target) { target_ = std::move(target); }
  void SetJob(std::string job_id) { job_id_ = std::move(job_id); }
  // Writes the line and hands the reply back.
  Reply Decide(const std::string& decision, Reply reply) const;
  // The line's fields after time=, as Decide writes them.
  std::string Fields(const std::string& decision, int status) const;

  static void JobEnded(const std::string& job_id, const std::string& state,
                       const std::string& error);
  static void Line(const std::string& fields);

 private:
  std::string client_, endpoint_, key_id_, target_, job_id_;
};

// `value` quoted for logfmt when it needs to be.
std::string LogValue(const std::string& value);

}  // namespace delivery_hook

#endif  // DELIVERY_HOOK_APP_REQUEST_LOG_H_
