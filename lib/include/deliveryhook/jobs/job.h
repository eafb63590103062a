// A deploy request the hook accepted, and what became of it.
#ifndef DELIVERYHOOK_JOBS_JOB_H_
#define DELIVERYHOOK_JOBS_JOB_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace deliveryhook::jobs {

enum class JobState { kQueued, kRunning, kSucceeded, kFailed, kRolledBack };

// "queued", "running", "succeeded", "failed", "rolled_back"
std::string_view ToString(JobState state);
bool IsFinal(JobState state);

struct Job {
  std::string id;     // 32 hex digits, random
  std::string token;  // secret that lets its holder read the job, 64 hex digits
  std::string action;          // "pull", "build" or "rollback"
  std::string container_name;  // as requested
  std::string project;         // resolved from the container's labels
  std::string service;
  std::string image;   // the pinned image reference requested, if any
  std::string digest;  // the digest the image had to carry, if any
  std::string request_id;      // X-Request-Id of the request that created the job
  std::string key_id;          // the key that signed that request
  JobState state = JobState::kQueued;
  std::string step;    // what a running job is doing: "pulling", "recreating", ...
  std::string error;   // why a job did not succeed
  std::string image_id;      // the image the service runs afterwards
  std::string container_id;  // the container that serves afterwards
  // What a succeeded deploy replaced and what it left running, for the
  // history and for rollbacks (empty for jobs an older hook recorded, and
  // for deploys that did not succeed):
  std::string previous_image_id;     // the image the service ran before
  std::string previous_repo_digest;  // its "<repository>@sha256:...", if it had one
  std::string repo_digest;           // "<repository>@sha256:..." of image_id, if any
  std::int64_t created_at = 0;   // UNIX milliseconds
  std::int64_t started_at = 0;
  std::int64_t finished_at = 0;
  std::vector<std::string> log;  // recent progress lines, oldest first, bounded
  // Lines dropped from the front of `log` to keep it bounded, so followers
  // can tell new lines from old ones. Not persisted.
  std::uint64_t log_dropped = 0;
};

}  // namespace deliveryhook::jobs

#endif  // DELIVERYHOOK_JOBS_JOB_H_
