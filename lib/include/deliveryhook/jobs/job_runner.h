// Runs deploy work on a fixed pool of threads, one task at a time per key.
//
// Keys are services ("project/service"): two deploys of one service never
// overlap, while deploys of different services run side by side.
// The destructor lets queued tasks finish, then joins the threads.
#ifndef DELIVERYHOOK_JOBS_JOB_RUNNER_H_
#define DELIVERYHOOK_JOBS_JOB_RUNNER_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "deliveryhook/mutex.h"

namespace deliveryhook::jobs {

class JobRunner {
 public:
  explicit JobRunner(std::size_t threads);
  ~JobRunner();
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;

  // Queues `task` to run after every earlier task with the same key.
  void Submit(std::string key, std::function<void()> task) DELIVERYHOOK_EXCLUDES(mutex_);
  // Tasks queued and not yet started.
  std::size_t QueuedCount() const DELIVERYHOOK_EXCLUDES(mutex_);

 private:
  struct Pending {
    std::string key;
    std::function<void()> task;
  };
  void WorkLoop() DELIVERYHOOK_EXCLUDES(mutex_);

  mutable Mutex mutex_;
  std::condition_variable wake_;
  std::deque<Pending> pending_ DELIVERYHOOK_GUARDED_BY(mutex_);
  std::set<std::string> busy_keys_ DELIVERYHOOK_GUARDED_BY(mutex_);
  bool stopping_ DELIVERYHOOK_GUARDED_BY(mutex_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace deliveryhook::jobs

#endif  // DELIVERYHOOK_JOBS_JOB_RUNNER_H_
