#include "deliveryhook/jobs/job_store.h"

#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

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

std::string JobStore::RandomHex(std::size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) {
    // Without randomness ids and tokens would be guessable; better to stop.
    throw std::runtime_error("the OS random generator failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char b : raw) {
    hex.push_back(kHex[b >> 4]);
    hex.push_back(kHex[b & 0x0f]);
  }
  return hex;
}

std::int64_t JobStore::NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Job JobStore::Create(std::string action, std::string container_name, std::string project,
                     std::string service) {
  Job job;
  job.id = RandomHex(16);
  job.token = RandomHex(32);
  job.action = std::move(action);
  job.container_name = std::move(container_name);
  job.project = std::move(project);
  job.service = std::move(service);
  job.created_at = NowMillis();
  std::lock_guard lock(mutex_);
  ForgetOldFinished();
  jobs_.emplace(job.id, job);
  order_.push_back(job.id);
  return job;
}

std::optional<Job> JobStore::Get(const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return std::nullopt;
  return it->second;
}

bool JobStore::Update(const std::string& id, const std::function<void(Job&)>& change) {
  std::lock_guard lock(mutex_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return false;
  change(it->second);
  changed_.notify_all();
  return true;
}

std::optional<Job> JobStore::FindQueued(const std::string& project, const std::string& service,
                                        const std::string& action) const {
  std::lock_guard lock(mutex_);
  for (auto it = order_.rbegin(); it != order_.rend(); ++it) {
    const Job& job = jobs_.at(*it);
    if (job.state == JobState::kQueued && job.project == project && job.service == service &&
        job.action == action) {
      return job;
    }
  }
  return std::nullopt;
}

std::optional<Job> JobStore::WaitUntilFinal(const std::string& id,
                                            std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [&] {
    auto it = jobs_.find(id);
    return it == jobs_.end() || IsFinal(it->second.state);
  });
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return std::nullopt;
  return it->second;
}

std::vector<Job> JobStore::List(std::size_t limit) const {
  std::lock_guard lock(mutex_);
  std::vector<Job> newest_first;
  for (auto it = order_.rbegin(); it != order_.rend() && newest_first.size() < limit; ++it) {
    newest_first.push_back(jobs_.at(*it));
  }
  return newest_first;
}

void JobStore::ForgetOldFinished() {
  while (jobs_.size() >= capacity_) {
    auto oldest_finished = std::find_if(order_.begin(), order_.end(), [&](const std::string& id) {
      return IsFinal(jobs_.at(id).state);
    });
    if (oldest_finished == order_.end()) return;
    jobs_.erase(*oldest_finished);
    order_.erase(oldest_finished);
  }
}

}  // namespace deliveryhook::jobs
