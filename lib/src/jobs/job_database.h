// Durable job history in an embedded SQLite database. The only file that
// knows SQLite is job_database.cc.
#ifndef DELIVERYHOOK_JOBS_JOB_DATABASE_H_
#define DELIVERYHOOK_JOBS_JOB_DATABASE_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "deliveryhook/jobs/job.h"
#include "deliveryhook/result.h"

namespace deliveryhook::jobs {

// One remembered request of the replay check (webhook::ReplayEntry).
struct ReplayRow {
  std::string key_id;
  std::string replay_key;
  std::int64_t expires_at = 0;  // UNIX seconds
};

class JobDatabase {
 public:
  // Opens (creating if needed) the database file, readable by its owner
  // only (0600): it holds job tokens.
  static Result<std::unique_ptr<JobDatabase>> Open(const std::string& path);
  ~JobDatabase();
  JobDatabase(const JobDatabase&) = delete;
  JobDatabase& operator=(const JobDatabase&) = delete;

  Status Save(const Job& job);
  // Writes one row of a probe table: fails when the database takes no writes.
  Status CheckWritable();
  // Newest first, at most `limit`.
  Result<std::vector<Job>> LoadNewest(std::size_t limit);
  // Forgets jobs created before `oldest_kept_millis`, and all but the newest `keep`.
  Status Prune(std::int64_t oldest_kept_millis, std::size_t keep);

  // The replay table: one row per accepted request, until its expiry.
  // SaveReplay also forgets the rows expired at `now`.
  Status SaveReplay(const ReplayRow& row, std::int64_t now);
  Result<std::vector<ReplayRow>> LoadReplays(std::int64_t now);

 private:
  struct Handle;
  explicit JobDatabase(std::unique_ptr<Handle> handle);
  std::unique_ptr<Handle> handle_;
};

}  // namespace deliveryhook::jobs

#endif  // DELIVERYHOOK_JOBS_JOB_DATABASE_H_
