#include "deliveryhook/jobs/job_runner.h"

#include <algorithm>

namespace deliveryhook::jobs {

JobRunner::JobRunner(std::size_t threads) {
  threads = std::max<std::size_t>(threads, 1);
  for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { WorkLoop(); });
}

JobRunner::~JobRunner() {
  {
    MutexLock lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& thread : threads_) thread.join();
}

void JobRunner::Submit(std::string key, std::function<void()> task) {
  {
    MutexLock lock(mutex_);
    pending_.push_back({std::move(key), std::move(task)});
  }
  wake_.notify_one();
}

std::size_t JobRunner::QueuedCount() const {
  MutexLock lock(mutex_);
  return pending_.size();
}

void JobRunner::WorkLoop() {
  MutexLock lock(mutex_);
  while (true) {
    // The oldest task whose key is not being worked on by another thread.
    auto runnable = pending_.end();
    lock.Wait(wake_, [&]() DELIVERYHOOK_REQUIRES(mutex_) {
      runnable = std::find_if(pending_.begin(), pending_.end(),
                              [&](const Pending& p) DELIVERYHOOK_REQUIRES(mutex_) {
                                return busy_keys_.count(p.key) == 0;
                              });
      return runnable != pending_.end() || (stopping_ && pending_.empty());
    });
    if (runnable == pending_.end()) return;  // stopping and nothing left
    Pending work = std::move(*runnable);
    pending_.erase(runnable);
    busy_keys_.insert(work.key);
    lock.Unlock();
    work.task();
    lock.Lock();
    busy_keys_.erase(work.key);
    // Another thread may now run the next task of this key.
    wake_.notify_all();
  }
}

}  // namespace deliveryhook::jobs
