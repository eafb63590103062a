// What the hook answers to each request, independent of the HTTP library.
//
// server.cc adapts cpp-httplib to IncomingRequest/Reply; everything that
// decides an answer lives here, so it can be tested without sockets.
// A request flows: size check → signature → body → target → job.
#ifndef DELIVERY_HOOK_APP_WEBHOOK_HANDLER_H_
#define DELIVERY_HOOK_APP_WEBHOOK_HANDLER_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "deliveryhook/deploy/deployer.h"
#include "deliveryhook/jobs/job_runner.h"
#include "deliveryhook/jobs/job_store.h"
#include "deliveryhook/webhook/verifier.h"

namespace delivery_hook {

struct IncomingRequest {
  std::string method;
  std::string path;
  std::map<std::string, std::string> headers;  // lower-case names
  std::map<std::string, std::string> query;    // decoded query parameters
  std::string body;
  std::string client_address;

  std::string Header(const std::string& lower_case_name) const;
};

// Writes one piece of a streamed answer; false once the client is gone.
using StreamWriter = std::function<bool(std::string_view)>;

struct Reply {
  int status = 200;
  std::string body;  // JSON
  std::vector<std::pair<std::string, std::string>> headers;
  // A streamed answer (GET /jobs/<id>/events) instead of `body`: the server
  // sends it chunked, calling `stream` once on the connection's thread; it
  // returns when the stream ends.
  std::string content_type = "application/json";
  std::function<void(const StreamWriter&)> stream = nullptr;
};

// The deploy operations the handler needs; in production a Deployer.
struct DeployBackend {
  std::function<deliveryhook::Result<deliveryhook::deploy::Target>(
      const deliveryhook::deploy::TargetSelector&)>
      resolve;
  std::function<deliveryhook::Result<deliveryhook::deploy::DeployOutcome>(
      const deliveryhook::deploy::Target&, deliveryhook::deploy::Action,
      const deliveryhook::deploy::ProgressSink&)>
      deploy;
};

struct HandlerOptions {
  std::size_t max_body_bytes = 64 * 1024;
  std::size_t workers = 2;
  // Accepted jobs waiting for a worker; beyond this, 429 with Retry-After.
  std::size_t max_queued = 64;
  // The longest ?wait= a caller may ask for.
  int max_wait_seconds = 900;
  // Jobs kept at most.
  std::size_t job_history = 1000;
  // GET /jobs/<id>/events: keep-alive interval and longest stream.
  std::chrono::milliseconds events_keep_alive{15000};
  std::chrono::milliseconds events_max_duration{std::chrono::minutes(30)};
};

class WebhookHandler {
 public:
  WebhookHandler(std::shared_ptr<deliveryhook::webhook::SignatureVerifier> verifier,
                 DeployBackend backend, HandlerOptions options);

  Reply Handle(const IncomingRequest& request);

  // Answers for requests the HTTP layer refuses before Handle().
  static Reply TooLarge(std::size_t limit);
  static Reply NotFound();
  static Reply MethodNotAllowed();

  deliveryhook::jobs::JobStore& store() { return store_; }

  // Stops taking work, for a clean exit: new triggers get 503, queued jobs
  // end failed at once (nothing on the host changed), running ones get
  // `grace` to finish; any still running then is asked to abort, which rolls
  // its swap back. Returns when no job runs any more.
  void Stop(std::chrono::milliseconds grace);

 private:
  Reply Trigger(const IncomingRequest& request, deliveryhook::deploy::Action action);
  Reply JobStatus(const IncomingRequest& request, const std::string& job_id);
  Reply JobEvents(const IncomingRequest& request, const std::string& job_id);
  bool Stopping();
  // The job, when the request may read it (its token, or the key's
  // signature over the path); nothing for an unknown job or wrong token.
  std::optional<deliveryhook::jobs::Job> AuthorizedJob(const IncomingRequest& request,
                                                       const std::string& job_id);
  Reply JobList(const IncomingRequest& request);
  // The job, and whether the request joined an already queued one.
  deliveryhook::Result<std::pair<deliveryhook::jobs::Job, bool>> Enqueue(
      const deliveryhook::deploy::Target& target, deliveryhook::deploy::Action action);
  void RunJob(const std::string& job_id, const deliveryhook::deploy::Target& target,
              deliveryhook::deploy::Action action);

  std::shared_ptr<deliveryhook::webhook::SignatureVerifier> verifier_;
  DeployBackend backend_;
  HandlerOptions options_;
  deliveryhook::jobs::JobStore store_;
  std::mutex enqueue_mutex_;
  bool stopping_ = false;                 // enqueue_mutex_ held
  std::atomic<bool> abort_running_{false};  // the grace ran out
  // Declared last: destroyed first, so running jobs finish while the store
  // and backend they use still exist.
  std::unique_ptr<deliveryhook::jobs::JobRunner> runner_;
};

// {"error": message} with the given status.
Reply ErrorReply(int status, const std::string& message);

}  // namespace delivery_hook

#endif  // DELIVERY_HOOK_APP_WEBHOOK_HANDLER_H_
