// A WebhookHandler wired as `delivery-hook serve` wires it: its own job
// store and job service (with the app's logging observer), for tests that
// drive requests without an engine.
//
//   HandlerHarness handler(verifier, {resolve, deploy}, {.max_body_bytes = 1024},
//                          {.workers = 1, .max_queued = 2});
//   Reply reply = handler.Handle(request);
//   handler.Stop(std::chrono::seconds(1));
#ifndef DELIVERYHOOK_TEST_UNIT_HANDLER_HARNESS_H_
#define DELIVERYHOOK_TEST_UNIT_HANDLER_HARNESS_H_

#include <chrono>
#include <functional>
#include <memory>
#include <utility>

#include "deliveryhook/jobs/job_service.h"
#include "deliveryhook/jobs/job_store.h"
#include "job_observer.h"
#include "webhook_handler.h"

namespace deliveryhook::app {

// The deploy operations a test's handler works with.
struct DeployBackend {
  TargetResolver resolve;
  jobs::DeployFunction deploy;
};

struct JobSettings {
  std::size_t workers = 1;
  std::size_t max_queued = 64;
  std::size_t job_history = 1000;
  std::function<void(const jobs::Job&)> on_job_end = nullptr;
};

namespace internal {
// Built before the handler that uses them (a base-from-member).
struct HarnessParts {
  HarnessParts(const std::shared_ptr<Metrics>& metrics_in, DeployBackend& backend,
               JobSettings settings)
      : shared_metrics(metrics_in ? metrics_in : std::make_shared<Metrics>()),
        job_store(settings.job_history),
        job_queue(job_store, std::move(backend.deploy),
                  {settings.workers, settings.max_queued,
                   LoggingJobObserver(shared_metrics, std::move(settings.on_job_end))}) {}
  std::shared_ptr<Metrics> shared_metrics;
  jobs::JobStore job_store;
  jobs::JobService job_queue;
};

inline HandlerOptions WithMetrics(HandlerOptions options, const std::shared_ptr<Metrics>& metrics) {
  options.metrics = metrics;
  return options;
}
}  // namespace internal

class HandlerHarness : private internal::HarnessParts, public WebhookHandler {
 public:
  HandlerHarness(std::shared_ptr<webhook::SignatureVerifier> verifier, DeployBackend backend,
                 HandlerOptions options = {}, JobSettings settings = {})
      : HarnessParts(options.metrics, backend, std::move(settings)),
        WebhookHandler(std::move(verifier), std::move(backend.resolve), HarnessParts::job_queue,
                       internal::WithMetrics(std::move(options), HarnessParts::shared_metrics)) {}
  // As `serve` does on SIGTERM.
  void Stop(std::chrono::milliseconds grace) { HarnessParts::job_queue.Stop(grace); }
  jobs::JobService& job_service() { return HarnessParts::job_queue; }
};

}  // namespace deliveryhook::app

#endif  // DELIVERYHOOK_TEST_UNIT_HANDLER_HARNESS_H_
