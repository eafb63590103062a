#include "deliveryhook/webhook/failure_limiter.h"

#include <algorithm>

namespace deliveryhook::webhook {

FailureLimiter::FailureLimiter(FailureLimitOptions options, Clock clock)
    : options_(options), clock_(std::move(clock)) {}

std::optional<std::int64_t> FailureLimiter::RetryAfter(const std::string& client) {
  if (options_.limit == 0) return std::nullopt;
  std::lock_guard lock(mutex_);
  auto it = entries_.find(client);
  if (it == entries_.end() || it->second.failures < options_.limit) return std::nullopt;
  const std::int64_t ends = it->second.first_failure + options_.window.count();
  const std::int64_t now = clock_();
  if (now >= ends) return std::nullopt;
  return std::max<std::int64_t>(1, ends - now);
}

void FailureLimiter::RecordFailure(const std::string& client) {
  if (options_.limit == 0 || options_.capacity == 0) return;
  std::lock_guard lock(mutex_);
  const std::int64_t now = clock_();
  auto it = entries_.find(client);
  if (it == entries_.end()) {
    if (entries_.size() >= options_.capacity) {
      entries_.erase(by_recency_.back());
      by_recency_.pop_back();
    }
    by_recency_.push_front(client);
    it = entries_.emplace(client, Entry{now, 0, by_recency_.begin()}).first;
  } else {
    by_recency_.splice(by_recency_.begin(), by_recency_, it->second.recency);
  }
  Entry& entry = it->second;
  // A new window starts with the first failure after the last one ended.
  if (now >= entry.first_failure + options_.window.count()) {
    entry.first_failure = now;
    entry.failures = 0;
  }
  ++entry.failures;
}

std::size_t FailureLimiter::tracked() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace deliveryhook::webhook
