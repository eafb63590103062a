// The life of a deploy job, from the accepted request to its final state.
//
// A JobService owns the queue of deploys: it creates a job in the store (or
// joins the request to the same deploy still waiting), runs it on a pool of
// workers with one deploy at a time per service, records its steps,
// progress and outcome in the store, and stops cleanly. It knows nothing of
// HTTP: the server maps requests to Enqueue() and reads the store.
//
//   jobs::JobStore store(1000);
//   deploy::Deployer deployer(client, {});
//   jobs::JobService service(store, [&](auto& target, auto action, auto& sink) {
//     return deployer.Deploy(target, action, sink);
//   }, {});
//   auto enqueued = service.Enqueue(*target, deploy::Action::kPull, {.request_id = "req-1"});
//   if (!enqueued) return enqueued.error();  // kUnavailable: stopping or full
//   store.WaitUntilFinal(enqueued->job.id, std::chrono::minutes(5));
//
// Thread-safe. The store, and everything `deploy` uses, must outlive the
// service; its destructor lets queued jobs run and waits for them, so call
// Stop() first for a quick exit.
#ifndef DELIVERYHOOK_JOBS_JOB_SERVICE_H_
#define DELIVERYHOOK_JOBS_JOB_SERVICE_H_

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "deliveryhook/deploy/deployer.h"
#include "deliveryhook/jobs/job.h"
#include "deliveryhook/jobs/job_runner.h"
#include "deliveryhook/jobs/job_store.h"
#include "deliveryhook/mutex.h"
#include "deliveryhook/result.h"

namespace deliveryhook::jobs {

// What a job runs: in production Deployer::Deploy.
using DeployFunction = std::function<Result<deploy::DeployOutcome>(
    const deploy::Target&, deploy::Action, const deploy::ProgressSink&)>;

// Told about each job's life, for logs, metrics and notifications. Called
// on the worker thread that runs the job (on_cancelled and on_grace_over: on
// the thread that called Stop()), never with the store's lock held. Any
// member may be empty. `job` is the job as it was when the call was made.
struct JobObserver {
  std::function<void(const Job& job)> on_started;
  std::function<void(const Job& job, deploy::Step step)> on_step;
  std::function<void(const Job& job, std::string_view line)> on_progress;
  // The job in its final state; `error` is the deploy's whole error (the
  // job's own `error` leaves out the engine's address), null on success.
  std::function<void(const Job& job, const Error* error)> on_ended;
  // A queued job that Stop() ended before it started.
  std::function<void(const Job& job)> on_cancelled;
  // Stop()'s grace ran out: the running jobs are asked to roll back.
  std::function<void()> on_grace_over;
};

struct JobServiceOptions {
  std::size_t workers = 2;  // deploys of different services at once
  // Jobs waiting for a worker; beyond this Enqueue() refuses.
  std::size_t max_queued = 64;
  JobObserver observer;
};

struct Enqueued {
  Job job;
  bool joined = false;  // the request joined a job already queued
};

// Who asked for a job, and as what; kept with the job it creates.
struct JobOrigin {
  std::string request_id;  // the X-Request-Id of the request
  std::string key_id;      // the key that signed it
  // The job's action as recorded and joined on: "rollback" for a pinned pull
  // that puts an earlier image back; empty: deploy::ToString(action).
  std::string action;
};

class JobService {
 public:
  JobService(JobStore& store, DeployFunction deploy, JobServiceOptions options);
  ~JobService();
  JobService(const JobService&) = delete;
  JobService& operator=(const JobService&) = delete;

  // A queued job for `target`: the one already waiting for the same
  // service, action and pin (joined), or a new one. kUnavailable, with
  // nothing queued, once Stop() began ("the hook is stopping") or when
  // `max_queued` jobs wait ("too many deploys are waiting; try again
  // later"). `origin` is recorded on a new job; its `action` is also
  // joined on.
  Result<Enqueued> Enqueue(const deploy::Target& target, deploy::Action action,
                           const JobOrigin& origin = {})
      DELIVERYHOOK_EXCLUDES(enqueue_mutex_);

  // Jobs queued and not yet started.
  std::size_t QueuedCount() const;
  bool stopping() const DELIVERYHOOK_EXCLUDES(enqueue_mutex_);

  // Stops taking work, for a clean exit: Enqueue() refuses from now on,
  // queued jobs end failed at once (nothing on the host changed), running
  // ones get `grace` to finish; any still running then is asked to abort,
  // which rolls its swap back. Returns when no job runs any more.
  void Stop(std::chrono::milliseconds grace);

  JobStore& store() { return store_; }

 private:
  void Run(const std::string& job_id, const deploy::Target& target, deploy::Action action);
  // The jobs that may be running; ends the queued ones.
  std::vector<std::string> CancelQueued() DELIVERYHOOK_EXCLUDES(enqueue_mutex_);

  JobStore& store_;
  DeployFunction deploy_;
  JobServiceOptions options_;
  mutable Mutex enqueue_mutex_;
  bool stopping_ DELIVERYHOOK_GUARDED_BY(enqueue_mutex_) = false;
  std::atomic<bool> abort_running_{false};  // Stop()'s grace ran out
  // Declared last: destroyed first, so running jobs finish while the rest
  // of the service still exists.
  std::unique_ptr<JobRunner> runner_;
};

}  // namespace deliveryhook::jobs

#endif  // DELIVERYHOOK_JOBS_JOB_SERVICE_H_
