#include "metrics.h"

#include <cstdio>

namespace deliveryhook::app {
namespace {

// Bucket bounds print as written (1, 2.5); sums keep nine significant
// digits, plenty for seconds.
std::string Number(double value) {
  char text[64];
  std::snprintf(text, sizeof text, "%.9g", value);
  return text;
}

// Label values here come from fixed sets; escaping is for safety only.
std::string LabelValue(const std::string& value) {
  std::string escaped;
  for (char c : value) {
    if (c == '\\' || c == '"') escaped += '\\';
    if (c == '\n') {
      escaped += "\\n";
      continue;
    }
    escaped += c;
  }
  return escaped;
}

void Header(std::string& out, const char* name, const char* type, const char* help) {
  out += std::string("# HELP ") + name + " " + help + "\n";
  out += std::string("# TYPE ") + name + " " + type + "\n";
}

class CountingTransport final : public deliveryhook::engine::Transport {
 public:
  CountingTransport(std::unique_ptr<Transport> inner, std::shared_ptr<Metrics> metrics)
      : inner_(std::move(inner)), metrics_(std::move(metrics)) {}

  deliveryhook::Result<deliveryhook::engine::HttpResponse> Send(
      const deliveryhook::engine::HttpRequest& request,
      const deliveryhook::engine::BodyChunkCallback& on_chunk) override {
    auto response = inner_->Send(request, on_chunk);
    if (!response || response->status >= 500) metrics_->CountEngineApiError();
    return response;
  }

 private:
  std::unique_ptr<Transport> inner_;
  std::shared_ptr<Metrics> metrics_;
};

}  // namespace

void Metrics::CountRequest(const std::string& endpoint, int status) {
  MutexLock lock(mutex_);
  ++requests_[{endpoint, status}];
}

void Metrics::CountAuthFailure() {
  MutexLock lock(mutex_);
  ++auth_failures_;
}

void Metrics::CountRateLimited() {
  MutexLock lock(mutex_);
  ++rate_limited_;
}

void Metrics::CountJob(const std::string& action, const std::string& outcome, double seconds) {
  MutexLock lock(mutex_);
  ++jobs_[{action, outcome}];
  for (std::size_t i = 0; i < kDeployBuckets.size(); ++i) {
    if (seconds <= kDeployBuckets[i]) {
      ++deploy_buckets_[i];
      break;
    }
  }
  ++deploy_count_;
  deploy_sum_ += seconds;
}

void Metrics::CountEngineApiError() {
  MutexLock lock(mutex_);
  ++engine_api_errors_;
}

std::string Metrics::Render(std::size_t queue_depth) const {
  MutexLock lock(mutex_);
  std::string out;
  Header(out, "deliveryhook_http_requests_total", "counter",
         "HTTP requests answered, by route template and status code.");
  for (const auto& [key, count] : requests_) {
    out += "deliveryhook_http_requests_total{endpoint=\"" + LabelValue(key.first) + "\",status=\"" +
           std::to_string(key.second) + "\"} " + std::to_string(count) + "\n";
  }
  Header(out, "deliveryhook_auth_failures_total", "counter",
         "Requests refused with 401 (bad or missing signature, stale timestamp, replay).");
  out += "deliveryhook_auth_failures_total " + std::to_string(auth_failures_) + "\n";
  Header(out, "deliveryhook_auth_rate_limited_total", "counter",
         "Requests with a failing signature refused with 429 while their client was over "
         "AUTH_FAIL_LIMIT.");
  out += "deliveryhook_auth_rate_limited_total " + std::to_string(rate_limited_) + "\n";
  Header(out, "deliveryhook_jobs_total", "counter", "Deploy jobs finished, by action and outcome.");
  for (const auto& [key, count] : jobs_) {
    out += "deliveryhook_jobs_total{action=\"" + LabelValue(key.first) + "\",outcome=\"" +
           LabelValue(key.second) + "\"} " + std::to_string(count) + "\n";
  }
  Header(out, "deliveryhook_deploy_duration_seconds", "histogram",
         "How long deploy jobs ran, from start to end, whatever their outcome.");
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < kDeployBuckets.size(); ++i) {
    cumulative += deploy_buckets_[i];
    out += "deliveryhook_deploy_duration_seconds_bucket{le=\"" + Number(kDeployBuckets[i]) +
           "\"} " + std::to_string(cumulative) + "\n";
  }
  out += "deliveryhook_deploy_duration_seconds_bucket{le=\"+Inf\"} " +
         std::to_string(deploy_count_) + "\n";
  out += "deliveryhook_deploy_duration_seconds_sum " + Number(deploy_sum_) + "\n";
  out += "deliveryhook_deploy_duration_seconds_count " + std::to_string(deploy_count_) + "\n";
  Header(out, "deliveryhook_queue_depth", "gauge", "Accepted jobs waiting for a worker.");
  out += "deliveryhook_queue_depth " + std::to_string(queue_depth) + "\n";
  Header(out, "deliveryhook_engine_api_errors_total", "counter",
         "Docker Engine API calls that failed or were answered with a 5xx.");
  out += "deliveryhook_engine_api_errors_total " + std::to_string(engine_api_errors_) + "\n";
  return out;
}

std::unique_ptr<deliveryhook::engine::Transport> CountEngineErrors(
    std::unique_ptr<deliveryhook::engine::Transport> inner, std::shared_ptr<Metrics> metrics) {
  return std::make_unique<CountingTransport>(std::move(inner), std::move(metrics));
}

}  // namespace deliveryhook::app
