// Keeps jobs so callers can follow them by id: in memory, and once Persist()
// was called also in an SQLite file, so the history survives restarts.
//
// Thread-safe: every member may be called from any thread; the Job values
// it returns are copies. Holds at most `capacity` jobs; when full, the oldest finished
// job is forgotten first (a running job is never forgotten).
#ifndef DELIVERYHOOK_JOBS_JOB_STORE_H_
#define DELIVERYHOOK_JOBS_JOB_STORE_H_

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "deliveryhook/jobs/job.h"
#include "deliveryhook/mutex.h"
#include "deliveryhook/result.h"

namespace deliveryhook::jobs {

class JobDatabase;

// What a new job is for.
struct NewJob {
  std::string action;          // "pull", "build" or "rollback"
  std::string container_name;  // as requested
  std::string project;
  std::string service;
  std::string image = {};       // the request's pin, if any
  std::string digest = {};
  std::string request_id = {};  // X-Request-Id of the request
  std::string key_id = {};      // the key that signed it
};

class JobStore {
 public:
  explicit JobStore(std::size_t capacity = 1000);
  ~JobStore();
  JobStore(const JobStore&) = delete;
  JobStore& operator=(const JobStore&) = delete;

  // From now on keeps the jobs in the SQLite file `database_path` too. Loads
  // the jobs earlier runs saved; those still queued or running then are marked
  // failed (the hook stopped before they ended). Jobs older than `max_age`,
  // and all but the newest `capacity`, are pruned.
  Status Persist(const std::string& database_path, std::chrono::hours max_age) DELIVERYHOOK_EXCLUDES(mutex_);

  // Stores a new queued job with a fresh id, token and creation time.
  Job Create(NewJob job) DELIVERYHOOK_EXCLUDES(mutex_);
  std::optional<Job> Get(const std::string& id) const DELIVERYHOOK_EXCLUDES(mutex_);
  // Applies `change` to the job under the store's lock. Returns false when
  // the job is unknown.
  bool Update(const std::string& id, const std::function<void(Job&)>& change) DELIVERYHOOK_EXCLUDES(mutex_);
  // Newest first.
  std::vector<Job> List(std::size_t limit) const DELIVERYHOOK_EXCLUDES(mutex_);
  // The deploy history of one service: its succeeded jobs (any action),
  // newest first, at most `limit`. It reaches as far back as the store
  // does: the jobs of this run and those Persist() loaded, within
  // `capacity` and the database's `max_age` (JOB_HISTORY and
  // JOB_RETENTION_DAYS in the hook). Jobs an older hook recorded carry no
  // previous_* or repo_digest members.
  //
  //   for (const Job& job : store.History("shop", "web", 20)) {
  //     std::cout << job.repo_digest << " replaced " << job.previous_repo_digest << "\n";
  //   }
  std::vector<Job> History(const std::string& project, const std::string& service,
                           std::size_t limit) const DELIVERYHOOK_EXCLUDES(mutex_);
  // The queued (not yet running) job for this service and action, with the
  // same pin (image and digest; empty for none), if any: a new request for
  // it can join that job instead of queueing another.
  std::optional<Job> FindQueued(const std::string& project, const std::string& service,
                                const std::string& action, const std::string& image = {},
                                const std::string& digest = {}) const
      DELIVERYHOOK_EXCLUDES(mutex_);
  // Waits until the job is final or `timeout` passed; returns its state then.
  std::optional<Job> WaitUntilFinal(const std::string& id, std::chrono::milliseconds timeout) const DELIVERYHOOK_EXCLUDES(mutex_);

  // Whether jobs are kept in a database (Persist() succeeded).
  bool persistent() const DELIVERYHOOK_EXCLUDES(mutex_);
  // Writes a probe row to the database, for health checks; fails when the
  // database no longer takes writes (disk full, file gone read-only).
  Status CheckWritable() DELIVERYHOOK_EXCLUDES(mutex_);

  // Change notification, for followers of a job (its event stream). Every
  // Create() and Update() gives the store the next version number.
  // WaitForChange() sleeps until the version differs from `seen_version` or
  // `timeout` passes, and returns the version then: a follower reads the job
  // again only when something changed, without polling.
  std::uint64_t Version() const DELIVERYHOOK_EXCLUDES(mutex_);
  std::uint64_t WaitForChange(std::uint64_t seen_version, std::chrono::milliseconds timeout) const DELIVERYHOOK_EXCLUDES(mutex_);

 private:
  void ForgetOldFinished() DELIVERYHOOK_REQUIRES(mutex_);
  void Save(const Job& job) DELIVERYHOOK_REQUIRES(mutex_);  // to the database, if any

  const std::size_t capacity_;
  mutable Mutex mutex_;
  mutable std::condition_variable changed_;
  std::unique_ptr<JobDatabase> database_ DELIVERYHOOK_GUARDED_BY(mutex_);
  std::chrono::hours max_age_ DELIVERYHOOK_GUARDED_BY(mutex_){0};
  std::unordered_map<std::string, Job> jobs_ DELIVERYHOOK_GUARDED_BY(mutex_);
  std::deque<std::string> order_ DELIVERYHOOK_GUARDED_BY(mutex_);  // ids, oldest first
  std::uint64_t version_ DELIVERYHOOK_GUARDED_BY(mutex_) = 0;      // one more with each change
};

}  // namespace deliveryhook::jobs

#endif  // DELIVERYHOOK_JOBS_JOB_STORE_H_
