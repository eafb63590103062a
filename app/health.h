// GET /healthz: the process answers, the engine answers /_ping, the job
// database takes a write. The checks run at most once per `cache_for`
// (concurrent probes share one check), so probes cannot hammer the engine.
#ifndef DELIVERYHOOK_APP_HEALTH_H_
#define DELIVERYHOOK_APP_HEALTH_H_

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "deliveryhook/mutex.h"
#include "deliveryhook/result.h"

namespace deliveryhook::app {

struct Reply;

struct HealthProbes {
  // Pings the engine with a short timeout.
  std::function<deliveryhook::Status()> engine;
  // Writes to the job database; nullopt when jobs are kept in memory only
  // (reported as "disabled"). Unset: "disabled" too.
  std::function<std::optional<deliveryhook::Status>()> database;
};

class HealthCheck {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  explicit HealthCheck(
      HealthProbes probes, std::chrono::milliseconds cache_for = std::chrono::seconds(2),
      Clock clock = [] { return std::chrono::steady_clock::now(); });

  // 200 {"status":"ok","engine":"ok","database":"ok"|"disabled"}, or 503
  // {"status":"unavailable","engine":"unreachable",...,"error":"..."} naming
  // the failing part. The underlying reasons (socket paths, SQLite messages)
  // go to the log (warn), not to the unauthenticated caller.
  Reply Check() DELIVERYHOOK_EXCLUDES(mutex_);

 private:
  HealthProbes probes_;
  std::chrono::milliseconds cache_for_;
  Clock clock_;
  // Held through a check, so that concurrent probes wait for its answer
  // rather than running their own.
  Mutex mutex_;
  std::optional<std::chrono::steady_clock::time_point> checked_at_ DELIVERYHOOK_GUARDED_BY(mutex_);
  int status_ DELIVERYHOOK_GUARDED_BY(mutex_) = 200;
  std::string body_ DELIVERYHOOK_GUARDED_BY(mutex_);
};

}  // namespace deliveryhook::app

#endif  // DELIVERYHOOK_APP_HEALTH_H_
