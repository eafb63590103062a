// Slows down guessing: after `limit` failed authentications from one client
// within `window`, that client's further *failing* requests are refused with
// 429 (Retry-After) until the window since its first counted failure has
// passed. A request whose signature is valid is never refused by the limiter:
// the caller verifies first and asks the limiter only about failures, so a
// flood of bad requests from an address (or a NAT, or a proxy it shares with
// a pipeline) cannot lock a pipeline with the right key out.
//
// Clients are counted per bucket (BucketOf): an IPv4 address, or the /64 of
// an IPv6 address (one host usually owns a whole /64, so counting single IPv6
// addresses would give it 2^64 fresh starts). IPv4-mapped IPv6 addresses
// count as their IPv4 address.
//
// Memory is bounded and the table cannot be flushed: at most `capacity`
// buckets are tracked. When the table is full, the bucket whose last failure
// is oldest *among those not locked out* is forgotten; a locked-out bucket is
// never forgotten before its window ends, whatever number of new addresses
// an attacker brings. When every tracked bucket is locked out, a new client's
// failures go to one shared overflow bucket instead, which locks out like any
// other: then every untracked client's failing requests are refused together
// until the overflow window ends (valid requests still pass).
//
// Refusals are counted per bucket too (CountRefusal), so the caller writes one
// log line per bucket per window with the number of refusals since the
// previous line, rather than a line per request: a flood cannot fill the disk.
//
// Attempts are counted when their check has failed, not when they arrive, so
// a client's requests that are being checked at once can take it past the
// limit together: by at most as many as it has in flight (bounded by the
// server's connection limit), once per window.
//
// Example:
//
//   webhook::FailureLimiter limiter({.limit = 20, .window = std::chrono::seconds(60)});
//   if (!authenticated) {
//     if (auto wait = limiter.RetryAfter(client)) return TooMany(*wait);
//     limiter.RecordFailure(client);
//     return Unauthenticated();
//   }
//
// Thread-safe.
#ifndef DELIVERYHOOK_WEBHOOK_FAILURE_LIMITER_H_
#define DELIVERYHOOK_WEBHOOK_FAILURE_LIMITER_H_

#include <chrono>
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "deliveryhook/mutex.h"
#include "deliveryhook/webhook/verifier.h"

namespace deliveryhook::webhook {

struct FailureLimitOptions {
  std::size_t limit = 20;  // 0: never refuse
  std::chrono::seconds window{60};
  std::size_t capacity = 4096;  // buckets tracked at once
};

// The bucket a client address is counted in: "192.0.2.1" as it is,
// "2001:db8:1:2::/64" for any address of that /64, "192.0.2.1" for
// "::ffff:192.0.2.1"; anything that is not an IP address as it is.
std::string BucketOf(std::string_view address);

// The name the overflow bucket is logged under.
constexpr std::string_view kOverflowBucket = "overflow";

class FailureLimiter {
 public:
  explicit FailureLimiter(FailureLimitOptions options, Clock clock = SystemClock());

  // Seconds the client must wait, when it is over the limit.
  std::optional<std::int64_t> RetryAfter(const std::string& client) DELIVERYHOOK_EXCLUDES(mutex_);
  void RecordFailure(const std::string& client) DELIVERYHOOK_EXCLUDES(mutex_);

  // Counts one refused request of the client. Returns, at most once per
  // window per bucket (the first refusal, then the first one a window after
  // the previous report), the bucket's name and the number of refusals since
  // the previous report, this one included; otherwise nothing.
  struct Report {
    std::string bucket;
    std::uint64_t refused = 0;
  };
  std::optional<Report> CountRefusal(const std::string& client) DELIVERYHOOK_EXCLUDES(mutex_);

  std::size_t tracked() const DELIVERYHOOK_EXCLUDES(mutex_);

 private:
  struct Entry {
    std::int64_t first_failure = 0;
    std::size_t failures = 0;
    std::uint64_t unreported_refusals = 0;
    std::optional<std::int64_t> reported_at;
    std::list<std::string>::iterator recency;  // position in by_recency_
  };

  bool Locked(const Entry& entry, std::int64_t now) const;
  // The entry counting `bucket`: its own, else the overflow's when the
  // bucket is not tracked and the overflow is in use; null when neither.
  Entry* Find(const std::string& bucket) DELIVERYHOOK_REQUIRES(mutex_);
  // Makes room for one more bucket; false when every tracked one is locked.
  bool EvictOne(std::int64_t now) DELIVERYHOOK_REQUIRES(mutex_);

  FailureLimitOptions options_;
  Clock clock_;
  mutable Mutex mutex_;
  std::unordered_map<std::string, Entry> entries_ DELIVERYHOOK_GUARDED_BY(mutex_);
  // Most recent failure first.
  std::list<std::string> by_recency_ DELIVERYHOOK_GUARDED_BY(mutex_);
  // Not in entries_ nor by_recency_.
  std::optional<Entry> overflow_ DELIVERYHOOK_GUARDED_BY(mutex_);
};

}  // namespace deliveryhook::webhook

#endif  // DELIVERYHOOK_WEBHOOK_FAILURE_LIMITER_H_
