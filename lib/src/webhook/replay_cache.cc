#include "deliveryhook/webhook/replay_cache.h"

namespace deliveryhook::webhook {

ReplayCache::Outcome ReplayCache::Remember(std::string_view key, std::int64_t expires_at,
                                           std::int64_t now) {
  std::lock_guard lock(mutex_);
  ForgetExpired(now);
  std::string owned(key);
  if (expiry_by_key_.count(owned) != 0) return Outcome::kReplay;
  if (expiry_by_key_.size() >= capacity_) return Outcome::kFull;
  expiry_by_key_.emplace(owned, expires_at);
  keys_by_expiry_.emplace(expires_at, std::move(owned));
  return Outcome::kRemembered;
}

std::size_t ReplayCache::size() const {
  std::lock_guard lock(mutex_);
  return expiry_by_key_.size();
}

void ReplayCache::ForgetExpired(std::int64_t now) {
  while (!keys_by_expiry_.empty() && keys_by_expiry_.begin()->first <= now) {
    expiry_by_key_.erase(keys_by_expiry_.begin()->second);
    keys_by_expiry_.erase(keys_by_expiry_.begin());
  }
}

}  // namespace deliveryhook::webhook
