#include "ui/refusals.h"

#include <algorithm>

#include "util/crypto.h"

namespace deliveryhook::app {
namespace {

constexpr std::int64_t kHourMillis = 3600 * 1000;
constexpr std::string_view kOtherClient = "other";

}  // namespace

RefusalCounter::RefusalCounter(Options options, std::function<std::int64_t()> now)
    : options_(options), now_(std::move(now)) {}

void RefusalCounter::Expire(std::int64_t now) {
  const std::int64_t oldest = (now / kHourMillis - (options_.hours - 1)) * kHourMillis;
  while (!hours_.empty() && hours_.front().start < oldest) hours_.pop_front();
}

void RefusalCounter::Record(std::string_view reason, std::string_view client,
                            std::uint64_t count) {
  const std::int64_t now = now_();
  const std::int64_t start = now / kHourMillis * kHourMillis;
  MutexLock lock(mutex_);
  Expire(now);
  if (hours_.empty() || hours_.back().start != start) hours_.push_back({start, {}});
  auto& counts = hours_.back().counts;
  std::pair<std::string, std::string> pair{std::string(reason), std::string(client)};
  auto it = counts.find(pair);
  if (it == counts.end() && counts.size() >= options_.pairs_per_hour) {
    pair.second = std::string(kOtherClient);
    // Reasons are the audit log's fixed set of decisions, so the "other"
    // pairs add at most one per decision.
    it = counts.find(pair);
  }
  if (it == counts.end()) it = counts.emplace(std::move(pair), 0).first;
  it->second += count;
}

std::vector<RefusalCounter::Row> RefusalCounter::Since(std::int64_t since_millis) const {
  const std::int64_t since = since_millis / kHourMillis * kHourMillis;
  std::map<std::pair<std::string, std::string>, std::uint64_t> sums;
  {
    MutexLock lock(mutex_);
    const std::int64_t oldest =
        (now_() / kHourMillis - (options_.hours - 1)) * kHourMillis;
    for (const Hour& hour : hours_) {
      if (hour.start < since || hour.start < oldest) continue;
      for (const auto& [pair, count] : hour.counts) sums[pair] += count;
    }
  }
  std::vector<Row> rows;
  for (const auto& [pair, count] : sums) rows.push_back({pair.first, pair.second, count});
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Row& a, const Row& b) { return a.count > b.count; });
  return rows;
}

RefusalCounter& Refusals() {
  static RefusalCounter counter({}, [] { return util::NowMillis(); });
  return counter;
}

}  // namespace deliveryhook::app
