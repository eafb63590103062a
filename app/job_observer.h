// What the app does as each job lives: its log lines, its metrics, and the
// end-of-job callback (notifications).
#ifndef DELIVERYHOOK_APP_JOB_OBSERVER_H_
#define DELIVERYHOOK_APP_JOB_OBSERVER_H_

#include <functional>
#include <memory>

#include "deliveryhook/jobs/job.h"
#include "deliveryhook/jobs/job_service.h"
#include "metrics.h"

namespace deliveryhook::app {

// An observer that writes event=job_started, job_step, job_progress (debug)
// and job_ended lines, counts each finished job in `metrics`, and then calls
// `on_job_end` (may be empty) with the finished job.
jobs::JobObserver LoggingJobObserver(std::shared_ptr<Metrics> metrics,
                                     std::function<void(const jobs::Job&)> on_job_end);

}  // namespace deliveryhook::app

#endif  // DELIVERYHOOK_APP_JOB_OBSERVER_H_
