// One structured (logfmt) line per request on stderr: time, client, endpoint,
// target, decision, job id. Never a secret, a signature or a host path.
#ifndef DELIVERY_HOOK_APP_REQUEST_LOG_H_
#define DELIVERY_HOOK_APP_REQUEST_LOG_H_

#include <string>

namespace delivery_hook {

struct Reply;

class RequestLog {
 public:
  RequestLog(std::string client, std::string endpoint)
      : client_(std::move(client)), endpoint_(std::move(endpoint)) {}

  void SetTarget(std::string target) { target_ = std::move(target); }
  void SetJob(std::string job_id) { job_id_ = std::move(job_id); }
  // Writes the line and hands the reply back.
  Reply Decide(const std::string& decision, Reply reply) const;

  static void JobEnded(const std::string& job_id, const std::string& state,
                       const std::string& error);
  static void Line(const std::string& fields);

 private:
  std::string client_, endpoint_, target_, job_id_;
};

// `value` quoted for logfmt when it needs to be.
std::string LogValue(const std::string& value);

}  // namespace delivery_hook

#endif  // DELIVERY_HOOK_APP_REQUEST_LOG_H_
