#include "connection_registry.h"

#include <sys/socket.h>

namespace deliveryhook::app {

ConnectionRegistry::Admission ConnectionRegistry::Admit(int fd) {
  MutexLock lock(mutex_);
  const auto now = Clock::now();
  Admission admission{next_id_++, false};
  if (counted_ >= capacity_) {
    // The connection idle the longest gives up its place. Its thread sees
    // the shutdown as the client closing; its slot is the new one's at once.
    auto oldest = entries_.end();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (!it->second.counted || !it->second.idle) continue;
      if (oldest == entries_.end() || it->second.idle_since < oldest->second.idle_since) oldest = it;
    }
    if (oldest == entries_.end()) {
      admission.over_capacity = true;
    } else {
      ::shutdown(oldest->second.fd, SHUT_RDWR);
      oldest->second.counted = false;
      --counted_;
      ++evicted_;
    }
  }
  Entry entry{fd, true, !admission.over_capacity, now};
  // Over capacity: busy, so that it is never the one evicted.
  if (admission.over_capacity) entry.idle = false;
  if (entry.counted) ++counted_;
  entries_.emplace(admission.id, entry);
  return admission;
}

bool ConnectionRegistry::MarkIdle(std::uint64_t id) {
  MutexLock lock(mutex_);
  if (stopping_) return false;
  auto it = entries_.find(id);
  if (it == entries_.end()) return false;
  if (it->second.counted) {
    it->second.idle = true;
    it->second.idle_since = Clock::now();
  }
  return true;
}

void ConnectionRegistry::MarkBusy(std::uint64_t id) {
  MutexLock lock(mutex_);
  auto it = entries_.find(id);
  if (it != entries_.end()) it->second.idle = false;
}

void ConnectionRegistry::Remove(std::uint64_t id) {
  MutexLock lock(mutex_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  if (it->second.counted) --counted_;
  entries_.erase(it);
}

void ConnectionRegistry::Stop() {
  MutexLock lock(mutex_);
  stopping_ = true;
  for (auto& [id, entry] : entries_) {
    if (entry.idle) ::shutdown(entry.fd, SHUT_RDWR);
  }
}

std::size_t ConnectionRegistry::counted() const {
  MutexLock lock(mutex_);
  return counted_;
}

std::uint64_t ConnectionRegistry::evicted() const {
  MutexLock lock(mutex_);
  return evicted_;
}

}  // namespace deliveryhook::app
