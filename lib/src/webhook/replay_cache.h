// Remembers accepted requests until they can no longer pass the timestamp
// check, so a captured request cannot be sent twice.
//
// Memory is per key: each signing key has room for `per_key_capacity`
// requests at once, so a key that floods its share refuses only itself
// (kFull), and a webhook-id one key used does not burn it for another.
// A request is remembered in two steps, so that only accepted requests are:
// Reserve() when its signature passed (an identical request in flight is
// now a replay), then Commit() once it was accepted, or Release() when it
// was refused for any reason; the caller may then retry it byte for byte.
//
// Committed entries are handed to the journal (when set), which keeps them
// across a restart; Restore() puts them back.
//
// Thread-safe.
#ifndef DELIVERYHOOK_WEBHOOK_REPLAY_CACHE_H_
#define DELIVERYHOOK_WEBHOOK_REPLAY_CACHE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>

#include "deliveryhook/mutex.h"
#include "deliveryhook/webhook/verifier.h"  // ReplayEntry

namespace deliveryhook::webhook {

class ReplayCache {
 public:
  explicit ReplayCache(std::size_t per_key_capacity) : capacity_(per_key_capacity) {}

  enum class Outcome { kRemembered, kReplay, kFull };

  // Holds `entry` for its request until Commit or Release. Entries whose
  // time has passed (`now` >= expiry) are forgotten first. kFull: the key
  // already holds per_key_capacity unexpired entries.
  Outcome Reserve(const ReplayEntry& entry, std::int64_t now) DELIVERYHOOK_EXCLUDES(mutex_);
  // The reserved entry stays until its expiry, and goes to the journal.
  void Commit(const ReplayEntry& entry) DELIVERYHOOK_EXCLUDES(mutex_);
  // The reserved entry is forgotten: the request was refused.
  void Release(const ReplayEntry& entry) DELIVERYHOOK_EXCLUDES(mutex_);
  // A committed entry read back from the journal (not journaled again).
  void Restore(const ReplayEntry& entry, std::int64_t now) DELIVERYHOOK_EXCLUDES(mutex_);

  // Reserve and Commit in one, for a key with no id.
  Outcome Remember(std::string_view key, std::int64_t expires_at, std::int64_t now)
      DELIVERYHOOK_EXCLUDES(mutex_);

  // Seconds until the key's oldest entry expires (at least 1).
  std::int64_t SecondsUntilRoom(const std::string& key_id, std::int64_t now) const
      DELIVERYHOOK_EXCLUDES(mutex_);

  // Called with each committed entry, outside the cache's lock.
  void SetJournal(std::function<void(const ReplayEntry&)> journal) DELIVERYHOOK_EXCLUDES(mutex_);

  std::size_t size() const DELIVERYHOOK_EXCLUDES(mutex_);

 private:
  struct PerKey {
    std::unordered_map<std::string, std::int64_t> expiry_by_key;
    std::multimap<std::int64_t, std::string> keys_by_expiry;
  };
  static void ForgetExpired(PerKey& entries, std::int64_t now);

  std::size_t capacity_;
  mutable Mutex mutex_;
  std::map<std::string, PerKey> by_key_id_ DELIVERYHOOK_GUARDED_BY(mutex_);
  std::function<void(const ReplayEntry&)> journal_ DELIVERYHOOK_GUARDED_BY(mutex_);
};

}  // namespace deliveryhook::webhook

#endif  // DELIVERYHOOK_WEBHOOK_REPLAY_CACHE_H_
