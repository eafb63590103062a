// Replay memory's cost: fills every key's share completely (REPLAY_PER_KEY,
// by default twice TIMESTAMP_WINDOW: 600 entries at 300 s) for 1, 10, 100
// and 1000 keys, with replay keys shaped as the verifier makes them (half
// "x-signature:<64 hex>", half "webhook-id:msg_<id>"), and prints the
// process's resident-memory growth and the bytes it costs per entry.
// Each round runs in a fresh cache, destroyed and handed back to the system
// (malloc_trim) before the next one, so a round does not reuse the last one's
// memory; the figures include malloc's own overhead, as the hook's would.
// Usage: replay-memory [per_key_capacity]        Output: one JSON line per round
#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <string>

#include "webhook/replay_cache.h"

namespace {

long RssKb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

std::string Hex(std::mt19937_64& random, int digits) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out(digits, '0');
  for (char& c : out) c = kDigits[random() & 15];
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  using deliveryhook::webhook::ReplayCache;
  using deliveryhook::webhook::ReplayEntry;
  const std::size_t per_key = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 600;
  const std::int64_t now = 1'800'000'000;
  std::mt19937_64 random(16);
  for (const int keys : {1, 10, 100, 1000}) {
    const long before = RssKb();
    auto cache = std::make_unique<ReplayCache>(per_key);
    std::size_t full = 0;
    for (int k = 0; k < keys; ++k) {
      const std::string key_id = Hex(random, 16);  // a secret's fingerprint
      for (std::size_t i = 0;; ++i) {
        ReplayEntry entry{key_id,
                          i % 2 == 0 ? "x-signature:" + Hex(random, 64)
                                     : "webhook-id:msg_" + Hex(random, 26),
                          now + 300 + static_cast<std::int64_t>(i % 300)};
        const auto outcome = cache->Reserve(entry, now);
        if (outcome == ReplayCache::Outcome::kFull) {
          ++full;
          break;
        }
        cache->Commit(entry);
      }
    }
    const long after = RssKb();
    const std::size_t entries = cache->size();
    const double per_entry = entries ? (after - before) * 1024.0 / entries : 0;
    std::printf(
        "{\"keys\": %d, \"per_key_capacity\": %zu, \"entries\": %zu, \"keys_full\": %zu, "
        "\"rss_before_kb\": %ld, \"rss_after_kb\": %ld, \"growth_kb\": %ld, "
        "\"bytes_per_entry\": %.0f}\n",
        keys, per_key, entries, full, before, after, after - before, per_entry);
    cache.reset();
    malloc_trim(0);
  }
  return 0;
}
