// The hook's Prometheus metrics, rendered in the text exposition format 0.0.4.
//
// Every label has a small, fixed set of values (endpoints are route
// templates, never raw paths; no container, project or service names), so
// the number of series stays bounded whatever clients send. Thread-safe.
#ifndef DELIVERYHOOK_APP_METRICS_H_
#define DELIVERYHOOK_APP_METRICS_H_

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "deliveryhook/engine/transport.h"
#include "deliveryhook/mutex.h"

namespace deliveryhook::app {

class Metrics {
 public:
  // Upper bounds (seconds) of the deploy duration histogram's buckets.
  static constexpr std::array<double, 10> kDeployBuckets = {1,  2.5, 5,   10,  20,
                                                            30, 60,  120, 300, 600};

  // One answered request; `endpoint` is a route template ("/jobs/{job_id}")
  // or "other".
  void CountRequest(const std::string& endpoint, int status) DELIVERYHOOK_EXCLUDES(mutex_);
  void CountAuthFailure() DELIVERYHOOK_EXCLUDES(mutex_);
  // A request refused with 429 because its client is over the failed
  // authentication limit (logged in aggregate, so counted here).
  void CountRateLimited() DELIVERYHOOK_EXCLUDES(mutex_);
  // A finished job: action "pull"/"build", outcome "succeeded", "failed",
  // "rolled_back".
  void CountJob(const std::string& action, const std::string& outcome, double seconds)
      DELIVERYHOOK_EXCLUDES(mutex_);
  void CountEngineApiError() DELIVERYHOOK_EXCLUDES(mutex_);

  // The whole exposition; `queue_depth` is the number of jobs waiting now.
  std::string Render(std::size_t queue_depth) const DELIVERYHOOK_EXCLUDES(mutex_);

  static constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

 private:
  mutable Mutex mutex_;
  std::map<std::pair<std::string, int>, std::uint64_t> requests_ DELIVERYHOOK_GUARDED_BY(mutex_);
  std::uint64_t auth_failures_ DELIVERYHOOK_GUARDED_BY(mutex_) = 0;
  std::uint64_t rate_limited_ DELIVERYHOOK_GUARDED_BY(mutex_) = 0;
  std::map<std::pair<std::string, std::string>, std::uint64_t> jobs_
      DELIVERYHOOK_GUARDED_BY(mutex_);
  // Per bucket, not cumulative.
  std::array<std::uint64_t, kDeployBuckets.size()> deploy_buckets_
      DELIVERYHOOK_GUARDED_BY(mutex_){};
  std::uint64_t deploy_count_ DELIVERYHOOK_GUARDED_BY(mutex_) = 0;
  double deploy_sum_ DELIVERYHOOK_GUARDED_BY(mutex_) = 0;
  std::uint64_t engine_api_errors_ DELIVERYHOOK_GUARDED_BY(mutex_) = 0;
};

// Wraps the engine transport: a request that fails (engine unreachable,
// timeout, broken connection) or is answered with a 5xx counts as an engine
// API error. 4xx answers are ordinary outcomes (a container not found).
std::unique_ptr<deliveryhook::engine::Transport> CountEngineErrors(
    std::unique_ptr<deliveryhook::engine::Transport> inner, std::shared_ptr<Metrics> metrics);

}  // namespace deliveryhook::app

#endif  // DELIVERYHOOK_APP_METRICS_H_
