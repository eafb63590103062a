#include "deliveryhook/jobs/job_store.h"


#include <algorithm>
#include <chrono>
#include <cstdio>
#include <stdexcept>

#include "jobs/job_database.h"
#include "util/crypto.h"

namespace deliveryhook::jobs {

std::string_view ToString(JobState state) {
  switch (state) {
    case JobState::kQueued: return "queued";
    case JobState::kRunning: return "running";
    case JobState::kSucceeded: return "succeeded";
    case JobState::kFailed: return "failed";
    case JobState::kRolledBack: return "rolled_back";
  }
  return "unknown";
}

bool IsFinal(JobState state) {
  return state == JobState::kSucceeded || state == JobState::kFailed ||
         state == JobState::kRolledBack;
}

JobStore::JobStore(std::size_t capacity) : capacity_(capacity) {}
JobStore::~JobStore() = default;

Status JobStore::Persist(const std::string& database_path, std::chrono::hours max_age) {
  auto database = JobDatabase::Open(database_path);
  if (!database) return database.error();
  const std::int64_t oldest = util::NowMillis() - std::chrono::duration_cast<std::chrono::milliseconds>(max_age).count();
  if (auto pruned = (*database)->Prune(oldest, capacity_); !pruned) return pruned;
  auto saved = (*database)->LoadNewest(capacity_);
  if (!saved) return saved.error();
  MutexLock lock(mutex_);
  database_ = std::move(*database);
  max_age_ = max_age;
  // Saved jobs are older than any made before Persist(): they go first.
  std::deque<std::string> newer = std::move(order_);
  order_.clear();
  // Written back: what the database does not hold yet (jobs made before
  // Persist) and what changed here; the rest is left alone, so a start
  // costs no more writes with a long history.
  std::vector<std::string> changed(newer.begin(), newer.end());
  for (auto it = saved->rbegin(); it != saved->rend(); ++it) {  // oldest first
    Job job = std::move(*it);
    if (jobs_.count(job.id) != 0) continue;
    if (!IsFinal(job.state)) {
      job.state = JobState::kFailed;
      job.error = "interrupted: the hook stopped before the job ended";
      job.finished_at = util::NowMillis();
      changed.push_back(job.id);
    }
    order_.push_back(job.id);
    jobs_.emplace(job.id, std::move(job));
  }
  order_.insert(order_.end(), newer.begin(), newer.end());
  for (const auto& id : changed) Save(jobs_.at(id));
  return Ok();
}

void JobStore::Save(const Job& job) {
  if (!database_) return;
  // The in-memory job stays authoritative: a failed write costs history
  // across a restart, not the deploy.
  if (auto saved = database_->Save(job); !saved) {
    std::fprintf(stderr, "event=job_store_error error=\"%s\"\n", saved.error().message().c_str());
  }
}

Job JobStore::Create(NewJob request) {
  Job job;
  job.id = util::RandomHex(16);
  job.token = util::RandomHex(32);
  job.action = std::move(request.action);
  job.container_name = std::move(request.container_name);
  job.project = std::move(request.project);
  job.service = std::move(request.service);
  job.image = std::move(request.image);
  job.digest = std::move(request.digest);
  job.request_id = std::move(request.request_id);
  job.key_id = std::move(request.key_id);
  job.created_at = util::NowMillis();
  MutexLock lock(mutex_);
  ForgetOldFinished();
  jobs_.emplace(job.id, job);
  order_.push_back(job.id);
  ++version_;
  changed_.notify_all();
  Save(job);
  if (database_) {
    const std::int64_t oldest = job.created_at - std::chrono::duration_cast<std::chrono::milliseconds>(max_age_).count();
    (void)database_->Prune(oldest, capacity_);
  }
  return job;
}

bool JobStore::persistent() const {
  MutexLock lock(mutex_);
  return database_ != nullptr;
}

Status JobStore::CheckWritable() {
  MutexLock lock(mutex_);
  if (!database_) return Error(ErrorCode::kFailedPrecondition, "jobs are kept in memory only");
  return database_->CheckWritable();
}

std::optional<Job> JobStore::Get(const std::string& id) const {
  MutexLock lock(mutex_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return std::nullopt;
  return it->second;
}

bool JobStore::Update(const std::string& id, const std::function<void(Job&)>& change) {
  MutexLock lock(mutex_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return false;
  const Job before = it->second;
  change(it->second);
  const Job& after = it->second;
  // Progress lines alone are not worth a write; every other change is.
  if (before.state != after.state || before.step != after.step || before.error != after.error ||
      before.image_id != after.image_id || before.container_id != after.container_id ||
      before.previous_image_id != after.previous_image_id ||
      before.previous_repo_digest != after.previous_repo_digest ||
      before.repo_digest != after.repo_digest) {
    Save(after);
  }
  ++version_;
  changed_.notify_all();
  return true;
}

std::optional<Job> JobStore::FindQueued(const std::string& project, const std::string& service,
                                        const std::string& action, const std::string& image,
                                        const std::string& digest) const {
  MutexLock lock(mutex_);
  for (auto it = order_.rbegin(); it != order_.rend(); ++it) {
    const Job& job = jobs_.at(*it);
    if (job.state == JobState::kQueued && job.project == project && job.service == service &&
        job.action == action && job.image == image && job.digest == digest) {
      return job;
    }
  }
  return std::nullopt;
}

std::optional<Job> JobStore::WaitUntilFinal(const std::string& id,
                                            std::chrono::milliseconds timeout) const {
  MutexLock lock(mutex_);
  lock.WaitFor(changed_, timeout, [&]() DELIVERYHOOK_REQUIRES(mutex_) {
    auto it = jobs_.find(id);
    return it == jobs_.end() || IsFinal(it->second.state);
  });
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return std::nullopt;
  return it->second;
}

std::uint64_t JobStore::Version() const {
  MutexLock lock(mutex_);
  return version_;
}

std::uint64_t JobStore::WaitForChange(std::uint64_t seen_version,
                                      std::chrono::milliseconds timeout) const {
  MutexLock lock(mutex_);
  lock.WaitFor(changed_, timeout,
               [&]() DELIVERYHOOK_REQUIRES(mutex_) { return version_ != seen_version; });
  return version_;
}

std::vector<Job> JobStore::List(std::size_t limit) const {
  MutexLock lock(mutex_);
  std::vector<Job> newest_first;
  for (auto it = order_.rbegin(); it != order_.rend() && newest_first.size() < limit; ++it) {
    newest_first.push_back(jobs_.at(*it));
  }
  return newest_first;
}

std::vector<Job> JobStore::History(const std::string& project, const std::string& service,
                                   std::size_t limit) const {
  MutexLock lock(mutex_);
  std::vector<Job> newest_first;
  for (auto it = order_.rbegin(); it != order_.rend() && newest_first.size() < limit; ++it) {
    const Job& job = jobs_.at(*it);
    if (job.state == JobState::kSucceeded && job.project == project && job.service == service) {
      newest_first.push_back(job);
    }
  }
  return newest_first;
}

void JobStore::ForgetOldFinished() {
  while (jobs_.size() >= capacity_) {
    auto oldest_finished = std::find_if(order_.begin(), order_.end(), [&](const std::string& id) DELIVERYHOOK_REQUIRES(mutex_) {
      return IsFinal(jobs_.at(id).state);
    });
    if (oldest_finished == order_.end()) return;
    jobs_.erase(*oldest_finished);
    order_.erase(oldest_finished);
  }
}

}  // namespace deliveryhook::jobs
