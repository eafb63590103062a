#include "deliveryhook/jobs/job_service.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "engine/engine_address.h"
#include "util/crypto.h"

namespace deliveryhook::jobs {
namespace {

constexpr std::size_t kMaxLogLines = 200;
// Enough to see every job that may still be running: the store never
// forgets a running job, and holds no more than its capacity.
constexpr std::size_t kAllJobs = static_cast<std::size_t>(-1);

// Pull progress repeats "<layer>: Downloading ..." many times per layer: the
// newest line of a layer replaces its previous one, so the log stays short.
void AppendProgress(Job& job, std::string_view line) {
  std::vector<std::string>& log = job.log;
  const auto layer_end = line.find(": ");
  const bool same_layer = layer_end != std::string_view::npos && !log.empty() &&
                          log.back().compare(0, layer_end + 2, line.substr(0, layer_end + 2)) == 0;
  if (same_layer) {
    log.back() = std::string(line);
  } else {
    log.emplace_back(line);
  }
  if (log.size() > kMaxLogLines) {
    log.erase(log.begin());
    ++job.log_dropped;
  }
}

void RecordOutcome(Job& job, const Result<deploy::DeployOutcome>& outcome) {
  job.finished_at = util::NowMillis();
  if (outcome) {
    job.state = JobState::kSucceeded;
    job.step = "done";
    job.image_id = outcome->image_id;
    job.container_id = outcome->container_id;
    job.repo_digest = outcome->repo_digest;
    job.previous_image_id = outcome->previous_image_id;
    job.previous_repo_digest = outcome->previous_repo_digest;
  } else {
    job.state = outcome.error().rolled_back() ? JobState::kRolledBack : JobState::kFailed;
    job.error = engine::WithoutEngineAddress(outcome.error().message());
  }
}

}  // namespace

JobService::JobService(JobStore& store, DeployFunction deploy, JobServiceOptions options)
    : store_(store),
      deploy_(std::move(deploy)),
      options_(std::move(options)),
      runner_(std::make_unique<JobRunner>(options_.workers)) {}

JobService::~JobService() = default;

Result<Enqueued> JobService::Enqueue(const deploy::Target& target, deploy::Action action,
                                     const JobOrigin& origin) {
  // One lock around find-or-create, so two requests cannot both create.
  MutexLock lock(enqueue_mutex_);
  if (stopping_) return Error(ErrorCode::kUnavailable, "the hook is stopping");
  const std::string action_name =
      origin.action.empty() ? std::string(deploy::ToString(action)) : origin.action;
  if (auto queued = store_.FindQueued(target.project, target.service, action_name, target.image,
                                      target.digest)) {
    return Enqueued{*queued, true};
  }
  if (runner_->QueuedCount() >= options_.max_queued) {
    return Error(ErrorCode::kUnavailable, "too many deploys are waiting; try again later");
  }
  Job job = store_.Create({.action = action_name,
                           .container_name = target.container_name,
                           .project = target.project,
                           .service = target.service,
                           .image = target.image,
                           .digest = target.digest,
                           .request_id = origin.request_id,
                           .key_id = origin.key_id});
  runner_->Submit(target.project + "/" + target.service,
                  [this, id = job.id, target, action] { Run(id, target, action); });
  return Enqueued{std::move(job), false};
}

std::size_t JobService::QueuedCount() const { return runner_->QueuedCount(); }

bool JobService::stopping() const {
  MutexLock lock(enqueue_mutex_);
  return stopping_;
}

std::vector<std::string> JobService::CancelQueued() {
  std::vector<std::string> started;
  MutexLock lock(enqueue_mutex_);
  stopping_ = true;
  // Queued jobs end now rather than start: Run() finds them final. After
  // this no job can start, so the running ones are those seen here.
  for (const Job& job : store_.List(kAllJobs)) {
    if (job.state == JobState::kRunning) started.push_back(job.id);
    if (job.state != JobState::kQueued) continue;
    std::optional<Job> cancelled;
    store_.Update(job.id, [&](Job& queued) {
      if (queued.state != JobState::kQueued) return;
      queued.state = JobState::kFailed;
      queued.error = "the hook stopped before the job started; nothing on the host changed";
      queued.finished_at = util::NowMillis();
      cancelled = queued;
    });
    if (!cancelled) {
      started.push_back(job.id);  // it started meanwhile
    } else if (options_.observer.on_cancelled) {
      options_.observer.on_cancelled(*cancelled);
    }
  }
  return started;
}

void JobService::Stop(std::chrono::milliseconds grace) {
  using Clock = std::chrono::steady_clock;
  const std::vector<std::string> started = CancelQueued();
  auto running = [&] {
    return std::any_of(started.begin(), started.end(), [&](const std::string& id) {
      auto job = store_.Get(id);
      return job && !IsFinal(job->state);
    });
  };
  const auto grace_end = Clock::now() + grace;
  std::uint64_t version = store_.Version();
  while (running()) {
    const auto now = Clock::now();
    if (now >= grace_end) {
      if (!abort_running_.exchange(true) && options_.observer.on_grace_over) {
        options_.observer.on_grace_over();
      }
      version = store_.WaitForChange(version, std::chrono::seconds(1));
      continue;
    }
    version = store_.WaitForChange(
        version, std::chrono::duration_cast<std::chrono::milliseconds>(grace_end - now));
  }
}

void JobService::Run(const std::string& job_id, const deploy::Target& target,
                     deploy::Action action) {
  std::optional<Job> started;
  store_.Update(job_id, [&](Job& job) {
    if (job.state != JobState::kQueued) return;  // ended by Stop() meanwhile
    job.state = JobState::kRunning;
    job.started_at = util::NowMillis();
    started = job;
  });
  if (!started) return;
  const JobObserver& observer = options_.observer;
  if (observer.on_started) observer.on_started(*started);
  deploy::ProgressSink sink;
  sink.should_abort = [this] { return abort_running_.load(); };
  sink.on_step = [&](deploy::Step step) {
    store_.Update(job_id, [&](Job& job) { job.step = std::string(deploy::ToString(step)); });
    if (observer.on_step) observer.on_step(*started, step);
  };
  sink.on_log = [&](std::string_view line) {
    store_.Update(job_id, [&](Job& job) { AppendProgress(job, line); });
    if (observer.on_progress) observer.on_progress(*started, line);
  };
  auto outcome = deploy_(target, action, sink);
  store_.Update(job_id, [&](Job& job) { RecordOutcome(job, outcome); });
  auto ended = store_.Get(job_id);
  if (ended && observer.on_ended) {
    observer.on_ended(*ended, outcome ? nullptr : &outcome.error());
  }
}

}  // namespace deliveryhook::jobs
