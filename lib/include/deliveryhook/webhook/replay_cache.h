// Remembers request signatures until they can no longer pass the timestamp
// check, so a captured request cannot be sent twice.
#ifndef DELIVERYHOOK_WEBHOOK_REPLAY_CACHE_H_
#define DELIVERYHOOK_WEBHOOK_REPLAY_CACHE_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace deliveryhook::webhook {

class ReplayCache {
 public:
  explicit ReplayCache(std::size_t capacity) : capacity_(capacity) {}

  enum class Outcome { kRemembered, kReplay, kFull };

  // Remembers `key` until `expires_at` (UNIX seconds). Entries whose time has
  // passed (`now` >= expiry) are forgotten first.
  Outcome Remember(std::string_view key, std::int64_t expires_at, std::int64_t now);

  std::size_t size() const;

 private:
  void ForgetExpired(std::int64_t now);

  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::int64_t> expiry_by_key_;
  std::multimap<std::int64_t, std::string> keys_by_expiry_;
};

}  // namespace deliveryhook::webhook

#endif  // DELIVERYHOOK_WEBHOOK_REPLAY_CACHE_H_
