// Slows down guessing: after `limit` failed authentications from one client
// address within `window`, that address is refused (429, Retry-After) without
// any signature being checked, until the window since its first counted
// failure has passed.
//
// Memory is bounded: at most `capacity` addresses are tracked; when the table
// is full, the address whose last failure is oldest is forgotten. So an
// attacker with many addresses can only get themselves forgotten, never block
// another client. Clients behind one NAT or proxy share an address, and so
// share the limit: a misconfigured pipeline there can lock out its
// neighbours for one window.
//
// Attempts are counted when their check has failed, not when they arrive, so
// a client's requests that are being checked at once can take it past the
// limit together: by at most as many as it has in flight (bounded by the
// server's connection limit), once per window. Counting arrivals instead
// would refuse a burst of valid requests from one address.
//
// Example:
//
//   webhook::FailureLimiter limiter({.limit = 20, .window = std::chrono::seconds(60)});
//   if (auto wait = limiter.RetryAfter(client)) return TooMany(*wait);
//   if (!authenticated) limiter.RecordFailure(client);
//
// Thread-safe.
#ifndef DELIVERYHOOK_WEBHOOK_FAILURE_LIMITER_H_
#define DELIVERYHOOK_WEBHOOK_FAILURE_LIMITER_H_

#include <chrono>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "deliveryhook/webhook/verifier.h"

namespace deliveryhook::webhook {

struct FailureLimitOptions {
  std::size_t limit = 20;  // 0: never refuse
  std::chrono::seconds window{60};
  std::size_t capacity = 4096;  // addresses tracked at once
};

class FailureLimiter {
 public:
  explicit FailureLimiter(FailureLimitOptions options, Clock clock = SystemClock());

  // Seconds the client must wait, when it is over the limit.
  std::optional<std::int64_t> RetryAfter(const std::string& client);
  void RecordFailure(const std::string& client);

  std::size_t tracked() const;

 private:
  struct Entry {
    std::int64_t first_failure = 0;
    std::size_t failures = 0;
    std::list<std::string>::iterator recency;  // position in by_recency_
  };

  FailureLimitOptions options_;
  Clock clock_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> by_recency_;  // most recent failure first
};

}  // namespace deliveryhook::webhook

#endif  // DELIVERYHOOK_WEBHOOK_FAILURE_LIMITER_H_
