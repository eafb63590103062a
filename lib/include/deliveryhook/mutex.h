// deliveryhook::Mutex: a std::mutex that clang's thread-safety analysis
// knows is a lock (libstdc++'s std::mutex carries no annotations), and
// MutexLock, its scoped holder, which also waits on a condition variable.
// In the style of abseil's absl::Mutex and absl::MutexLock, kept small.
//
// Example:
//
//   deliveryhook::Mutex mutex_;
//   std::condition_variable ready_;
//   bool done_ DELIVERYHOOK_GUARDED_BY(mutex_) = false;
//
//   void Finish() DELIVERYHOOK_EXCLUDES(mutex_) {
//     { deliveryhook::MutexLock lock(mutex_); done_ = true; }
//     ready_.notify_all();
//   }
//   void Await() DELIVERYHOOK_EXCLUDES(mutex_) {
//     deliveryhook::MutexLock lock(mutex_);
//     // A predicate is a function of its own to the analysis: it says that
//     // it runs with the lock held.
//     lock.Wait(ready_, [this]() DELIVERYHOOK_REQUIRES(mutex_) { return done_; });
//   }
#ifndef DELIVERYHOOK_MUTEX_H_
#define DELIVERYHOOK_MUTEX_H_

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <utility>

#include "deliveryhook/thread_annotations.h"

namespace deliveryhook {

class DELIVERYHOOK_CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock() DELIVERYHOOK_ACQUIRE() { mutex_.lock(); }
  void unlock() DELIVERYHOOK_RELEASE() { mutex_.unlock(); }
  bool try_lock() DELIVERYHOOK_TRY_ACQUIRE(true) { return mutex_.try_lock(); }

  // The std::mutex underneath, for what needs one (std::unique_lock for a
  // std::condition_variable). Locking it is locking this Mutex.
  std::mutex& native() DELIVERYHOOK_RETURN_CAPABILITY(this) { return mutex_; }

 private:
  std::mutex mutex_;
};

// Holds the mutex from construction to destruction; Unlock() and Lock() let
// go of it and take it again in between.
class DELIVERYHOOK_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mutex) DELIVERYHOOK_ACQUIRE(mutex) : lock_(mutex.native()) {}
  ~MutexLock() DELIVERYHOOK_RELEASE() = default;
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  void Unlock() DELIVERYHOOK_RELEASE() { lock_.unlock(); }
  void Lock() DELIVERYHOOK_ACQUIRE() { lock_.lock(); }

  // std::condition_variable's waits, on this lock: released while waiting,
  // held again when they return and whenever `done` is called.
  template <typename Predicate>
  void Wait(std::condition_variable& cv, Predicate done) {
    cv.wait(lock_, std::move(done));
  }
  // False when the time ran out with `done` still false.
  template <typename Rep, typename Period, typename Predicate>
  bool WaitFor(std::condition_variable& cv, std::chrono::duration<Rep, Period> timeout,
               Predicate done) {
    return cv.wait_for(lock_, timeout, std::move(done));
  }
  template <typename Clock, typename Duration, typename Predicate>
  bool WaitUntil(std::condition_variable& cv, std::chrono::time_point<Clock, Duration> deadline,
                 Predicate done) {
    return cv.wait_until(lock_, deadline, std::move(done));
  }

 private:
  std::unique_lock<std::mutex> lock_;
};

}  // namespace deliveryhook

#endif  // DELIVERYHOOK_MUTEX_H_
