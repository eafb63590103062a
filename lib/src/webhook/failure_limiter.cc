#include "webhook/failure_limiter.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace deliveryhook::webhook {

std::string BucketOf(std::string_view address) {
  const std::string text(address);
  std::array<unsigned char, 16> bytes{};
  if (inet_pton(AF_INET6, text.c_str(), bytes.data()) != 1) return text;
  static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  char out[INET6_ADDRSTRLEN] = {};
  if (std::memcmp(bytes.data(), kMapped, sizeof kMapped) == 0) {
    inet_ntop(AF_INET, bytes.data() + 12, out, sizeof out);
    return out;
  }
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  inet_ntop(AF_INET6, bytes.data(), out, sizeof out);
  return std::string(out) + "/64";
}

FailureLimiter::FailureLimiter(FailureLimitOptions options, Clock clock)
    : options_(options), clock_(std::move(clock)) {}

bool FailureLimiter::Locked(const Entry& entry, std::int64_t now) const {
  return entry.failures >= options_.limit && now < entry.first_failure + options_.window.count();
}

FailureLimiter::Entry* FailureLimiter::Find(const std::string& bucket) {
  auto it = entries_.find(bucket);
  if (it != entries_.end()) return &it->second;
  return overflow_ ? &*overflow_ : nullptr;
}

std::optional<std::int64_t> FailureLimiter::RetryAfter(const std::string& client) {
  if (options_.limit == 0) return std::nullopt;
  MutexLock lock(mutex_);
  const Entry* entry = Find(BucketOf(client));
  const std::int64_t now = clock_();
  if (entry == nullptr || !Locked(*entry, now)) return std::nullopt;
  return std::max<std::int64_t>(1, entry->first_failure + options_.window.count() - now);
}

bool FailureLimiter::EvictOne(std::int64_t now) {
  // Oldest last failure first; locked-out buckets stay until their window ends.
  for (auto it = by_recency_.end(); it != by_recency_.begin();) {
    --it;
    auto entry = entries_.find(*it);
    if (Locked(entry->second, now)) continue;
    entries_.erase(entry);
    by_recency_.erase(it);
    return true;
  }
  return false;
}

void FailureLimiter::RecordFailure(const std::string& client) {
  if (options_.limit == 0 || options_.capacity == 0) return;
  MutexLock lock(mutex_);
  const std::int64_t now = clock_();
  const std::string bucket = BucketOf(client);
  Entry* entry = nullptr;
  if (auto it = entries_.find(bucket); it != entries_.end()) {
    by_recency_.splice(by_recency_.begin(), by_recency_, it->second.recency);
    entry = &it->second;
  } else if (entries_.size() < options_.capacity || EvictOne(now)) {
    by_recency_.push_front(bucket);
    Entry fresh;
    fresh.first_failure = now;
    fresh.recency = by_recency_.begin();
    entry = &entries_.emplace(bucket, fresh).first->second;
  } else {
    if (!overflow_) {
      // Built here rather than emplace()d: clang 14 judges an optional's
      // nested Entry (with member initializers) not default-constructible.
      Entry fresh;
      fresh.first_failure = now;
      overflow_ = fresh;
    }
    entry = &*overflow_;
  }
  // A new window starts with the first failure after the last one ended.
  if (now >= entry->first_failure + options_.window.count()) {
    entry->first_failure = now;
    entry->failures = 0;
  }
  ++entry->failures;
}

std::optional<FailureLimiter::Report> FailureLimiter::CountRefusal(const std::string& client) {
  MutexLock lock(mutex_);
  const std::string bucket = BucketOf(client);
  const bool tracked = entries_.count(bucket) != 0;
  Entry* entry = Find(bucket);
  if (entry == nullptr) return Report{bucket, 1};
  const std::int64_t now = clock_();
  ++entry->unreported_refusals;
  if (entry->reported_at && now < *entry->reported_at + options_.window.count()) {
    return std::nullopt;
  }
  entry->reported_at = now;
  Report report{tracked ? bucket : std::string(kOverflowBucket), entry->unreported_refusals};
  entry->unreported_refusals = 0;
  return report;
}

std::size_t FailureLimiter::tracked() const {
  MutexLock lock(mutex_);
  return entries_.size();
}

}  // namespace deliveryhook::webhook
