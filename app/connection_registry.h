// The connections the server holds open, and which of them may be closed to
// make room for a new one.
#ifndef DELIVERYHOOK_APP_CONNECTION_REGISTRY_H_
#define DELIVERYHOOK_APP_CONNECTION_REGISTRY_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>

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
  Admission Admit(int fd);
  // The connection waits for its next request. False once Stop() was
  // called: the connection should end instead.
  bool MarkIdle(std::uint64_t id);
  void MarkBusy(std::uint64_t id);
  // Before the socket is closed (after this, the registry never touches it).
  void Remove(std::uint64_t id);
  // Shuts down every idle connection, and makes MarkIdle() false from now on.
  void Stop();

  std::size_t counted() const;     // connections held against the cap
  std::uint64_t evicted() const;   // connections closed to make room, ever

 private:
  struct Entry {
    int fd;
    bool idle = true;
    bool counted = true;  // false: over capacity, or already evicted
    Clock::time_point idle_since;
  };

  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::map<std::uint64_t, Entry> entries_;
  std::uint64_t next_id_ = 1;
  std::size_t counted_ = 0;
  std::uint64_t evicted_ = 0;
  bool stopping_ = false;
};

}  // namespace deliveryhook::app

#endif  // DELIVERYHOOK_APP_CONNECTION_REGISTRY_H_
