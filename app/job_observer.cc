#include "job_observer.h"

#include <string>
#include <utility>

#include "request_log.h"

namespace deliveryhook::app {

jobs::JobObserver LoggingJobObserver(std::shared_ptr<Metrics> metrics,
                                     std::function<void(const jobs::Job&)> on_job_end) {
  using jobs::Job;
  jobs::JobObserver observer;
  observer.on_started = [](const Job& job) {
    RequestLog::JobStarted(job.id, job.request_id, job.action, job.project + "/" + job.service);
  };
  observer.on_step = [](const Job& job, deploy::Step step) {
    RequestLog::JobStep(job.id, job.request_id, std::string(deploy::ToString(step)));
  };
  observer.on_progress = [](const Job& job, std::string_view line) {
    if (!RequestLog::Enabled(LogLevel::kDebug)) return;
    RequestLog::Line(LogLevel::kDebug, "event=job_progress job=" + job.id + " request_id=" +
                                           LogValue(job.request_id) +
                                           " line=" + LogValue(std::string(line)));
  };
  observer.on_ended = [metrics = std::move(metrics), on_job_end = std::move(on_job_end)](
                          const Job& job, const Error* error) {
    const std::string state(jobs::ToString(job.state));
    RequestLog::JobEnded(job.id, state, error != nullptr ? error->message() : std::string(),
                         job.request_id);
    metrics->CountJob(job.action, state,
                      static_cast<double>(job.finished_at - job.started_at) / 1000.0);
    if (on_job_end) on_job_end(job);
  };
  observer.on_cancelled = [](const Job& job) {
    RequestLog::JobEnded(job.id, "failed", "the hook stopped before the job started");
  };
  observer.on_grace_over = [] {
    RequestLog::Line("event=stop_grace_over action=abort_running_jobs");
  };
  return observer;
}

}  // namespace deliveryhook::app
