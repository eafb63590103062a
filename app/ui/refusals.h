// Counts of refused requests per hour, by reason and client, for the
// operator's page (Audit). Fed where the audit log writes a refusal
// (RequestLog::Decide with a 4xx status, and the aggregate
// rate-limit lines), so the page and the log never disagree.
//
// Bounded: the last `hours` hours are kept, and within each hour at most
// `pairs_per_hour` (reason, client) pairs; further pairs of that hour are
// counted under the client "other". Nothing of a request but its decision and
// its client address is kept: no body, no signature, no path.
//
// Example:
//
//   Refusals().Record("unauthenticated", "10.0.0.7");
//   for (const auto& row : Refusals().Since(NowMillis() - 6 * 3600 * 1000)) ...
//
// Thread-safe.
#ifndef DELIVERYHOOK_APP_UI_REFUSALS_H_
#define DELIVERYHOOK_APP_UI_REFUSALS_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "deliveryhook/mutex.h"

namespace deliveryhook::app {

class RefusalCounter {
 public:
  struct Options {
    int hours = 24;
    std::size_t pairs_per_hour = 256;
  };
  // `now`: UNIX milliseconds.
  explicit RefusalCounter(Options options, std::function<std::int64_t()> now);

  void Record(std::string_view reason, std::string_view client, std::uint64_t count = 1)
      DELIVERYHOOK_EXCLUDES(mutex_);

  struct Row {
    std::string reason;
    std::string client;
    std::uint64_t count = 0;
  };
  // The refusals of the hours that began at or after `since_millis` (whole
  // hours), summed per (reason, client), most frequent first.
  std::vector<Row> Since(std::int64_t since_millis) const DELIVERYHOOK_EXCLUDES(mutex_);
  // How many hours are kept.
  int hours() const { return options_.hours; }

 private:
  struct Hour {
    std::int64_t start = 0;  // UNIX milliseconds, a whole hour
    std::map<std::pair<std::string, std::string>, std::uint64_t> counts;
  };
  void Expire(std::int64_t now) DELIVERYHOOK_REQUIRES(mutex_);

  Options options_;
  std::function<std::int64_t()> now_;
  mutable Mutex mutex_;
  std::deque<Hour> hours_ DELIVERYHOOK_GUARDED_BY(mutex_);  // oldest first
};

// The hook's one counter, fed by the audit log.
RefusalCounter& Refusals();

}  // namespace deliveryhook::app

#endif  // DELIVERYHOOK_APP_UI_REFUSALS_H_
