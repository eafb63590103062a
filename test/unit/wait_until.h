// WaitUntil: how a test waits for another thread to have done something.
// A fixed sleep only makes it probable that it happened (and is too short on
// a loaded CI machine, or under ThreadSanitizer); this waits for the
// condition itself, and the timeout only bounds a test that would otherwise
// hang, so it is generous.
#ifndef DELIVERYHOOK_TEST_UNIT_WAIT_UNTIL_H_
#define DELIVERYHOOK_TEST_UNIT_WAIT_UNTIL_H_

#include <chrono>
#include <thread>

namespace deliveryhook::testing {

// True as soon as `done()` is; false if it still is not after `timeout`.
// `done` is polled, so it must be safe to call from this thread while the
// others run (an atomic, a thread-safe accessor).
template <typename Predicate>
bool WaitUntil(Predicate done, std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace deliveryhook::testing

#endif  // DELIVERYHOOK_TEST_UNIT_WAIT_UNTIL_H_
