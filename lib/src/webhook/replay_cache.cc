#include "webhook/replay_cache.h"

#include <algorithm>

namespace deliveryhook::webhook {

ReplayCache::Outcome ReplayCache::Reserve(const ReplayEntry& entry, std::int64_t now) {
  MutexLock lock(mutex_);
  PerKey& entries = by_key_id_[entry.key_id];
  ForgetExpired(entries, now);
  if (entries.expiry_by_key.count(entry.replay_key) != 0) return Outcome::kReplay;
  if (entries.expiry_by_key.size() >= capacity_) return Outcome::kFull;
  entries.expiry_by_key.emplace(entry.replay_key, entry.expires_at);
  entries.keys_by_expiry.emplace(entry.expires_at, entry.replay_key);
  return Outcome::kRemembered;
}

void ReplayCache::Commit(const ReplayEntry& entry) {
  std::function<void(const ReplayEntry&)> journal;
  {
    MutexLock lock(mutex_);
    journal = journal_;
  }
  if (journal) journal(entry);
}

void ReplayCache::Release(const ReplayEntry& entry) {
  MutexLock lock(mutex_);
  auto per_key = by_key_id_.find(entry.key_id);
  if (per_key == by_key_id_.end()) return;
  PerKey& entries = per_key->second;
  auto it = entries.expiry_by_key.find(entry.replay_key);
  if (it == entries.expiry_by_key.end()) return;
  auto [first, last] = entries.keys_by_expiry.equal_range(it->second);
  for (auto at = first; at != last; ++at) {
    if (at->second == entry.replay_key) {
      entries.keys_by_expiry.erase(at);
      break;
    }
  }
  entries.expiry_by_key.erase(it);
}

void ReplayCache::Restore(const ReplayEntry& entry, std::int64_t now) {
  if (entry.expires_at <= now) return;
  MutexLock lock(mutex_);
  PerKey& entries = by_key_id_[entry.key_id];
  // Restored entries were accepted: they are kept even beyond the capacity
  // (a lower REPLAY_PER_KEY after a restart), or a replay would pass.
  if (!entries.expiry_by_key.emplace(entry.replay_key, entry.expires_at).second) return;
  entries.keys_by_expiry.emplace(entry.expires_at, entry.replay_key);
}

ReplayCache::Outcome ReplayCache::Remember(std::string_view key, std::int64_t expires_at,
                                           std::int64_t now) {
  const ReplayEntry entry{"", std::string(key), expires_at};
  const Outcome outcome = Reserve(entry, now);
  if (outcome == Outcome::kRemembered) Commit(entry);
  return outcome;
}

std::int64_t ReplayCache::SecondsUntilRoom(const std::string& key_id, std::int64_t now) const {
  MutexLock lock(mutex_);
  auto per_key = by_key_id_.find(key_id);
  if (per_key == by_key_id_.end() || per_key->second.keys_by_expiry.empty()) return 1;
  return std::max<std::int64_t>(1, per_key->second.keys_by_expiry.begin()->first - now);
}

void ReplayCache::SetJournal(std::function<void(const ReplayEntry&)> journal) {
  MutexLock lock(mutex_);
  journal_ = std::move(journal);
}

std::size_t ReplayCache::size() const {
  MutexLock lock(mutex_);
  std::size_t total = 0;
  for (const auto& [id, entries] : by_key_id_) total += entries.expiry_by_key.size();
  return total;
}

void ReplayCache::ForgetExpired(PerKey& entries, std::int64_t now) {
  while (!entries.keys_by_expiry.empty() && entries.keys_by_expiry.begin()->first <= now) {
    entries.expiry_by_key.erase(entries.keys_by_expiry.begin()->second);
    entries.keys_by_expiry.erase(entries.keys_by_expiry.begin());
  }
}

}  // namespace deliveryhook::webhook
