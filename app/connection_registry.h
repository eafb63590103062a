// The connections the server holds open, and which of them may be closed to
// make room for a new one.
#ifndef DELIVERYHOOK_APP_CONNECTION_REGISTRY_H_
#define DELIVERYHOOK_APP_CONNECTION_REGISTRY_H_

#include <chrono>
#include <cstdint>
#include <map>

#include "deliveryhook/mutex.h"

namespace deliveryhook::app {

// A connection is idle while it waits for, or reads, the headers of its next
// request: nothing is lost by closing it but the client's time, which is what
// a slow or stuck client spends. It is busy from its headers until its answer
// has gone out. At the cap, a new connection takes the place of the one idle
// the longest (shut down, so its thread wakes and ends); only when every
// connection is busy is the new one over capacity (answered 503).
// Thread-safe.
class ConnectionRegistry {
 public:
  using Clock = std::chrono::steady_clock;

  explicit ConnectionRegistry(std::size_t capacity) : capacity_(capacity) {}

  struct Admission {
    std::uint64_t id = 0;
    // Nothing could be evicted: the connection is not counted against the
    // cap and should be refused.
    bool over_capacity = false;
  };
  // Registers the socket `fd`, idle. It stays open until Remove().
  Admission Admit(int fd) DELIVERYHOOK_EXCLUDES(mutex_);
  // The connection waits for its next request. False once Stop() was
  // called: the connection should end instead.
  bool MarkIdle(std::uint64_t id) DELIVERYHOOK_EXCLUDES(mutex_);
  void MarkBusy(std::uint64_t id) DELIVERYHOOK_EXCLUDES(mutex_);
  // Before the socket is closed (after this, the registry never touches it).
  void Remove(std::uint64_t id) DELIVERYHOOK_EXCLUDES(mutex_);
  // Shuts down every idle connection, and makes MarkIdle() false from now on.
  void Stop() DELIVERYHOOK_EXCLUDES(mutex_);

  // Connections held against the cap.
  std::size_t counted() const DELIVERYHOOK_EXCLUDES(mutex_);
  // Connections closed to make room, ever.
  std::uint64_t evicted() const DELIVERYHOOK_EXCLUDES(mutex_);

 private:
  struct Entry {
    int fd;
    bool idle = true;
    bool counted = true;  // false: over capacity, or already evicted
    Clock::time_point idle_since;
  };

  const std::size_t capacity_;
  mutable Mutex mutex_;
  std::map<std::uint64_t, Entry> entries_ DELIVERYHOOK_GUARDED_BY(mutex_);
  std::uint64_t next_id_ DELIVERYHOOK_GUARDED_BY(mutex_) = 1;
  std::size_t counted_ DELIVERYHOOK_GUARDED_BY(mutex_) = 0;
  std::uint64_t evicted_ DELIVERYHOOK_GUARDED_BY(mutex_) = 0;
  bool stopping_ DELIVERYHOOK_GUARDED_BY(mutex_) = false;
};

}  // namespace deliveryhook::app

#endif  // DELIVERYHOOK_APP_CONNECTION_REGISTRY_H_
