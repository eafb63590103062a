// What the hook answers to each request, independent of the HTTP library.
//
// server.cc adapts cpp-httplib to IncomingRequest/Reply; everything that
// decides an answer lives here, so it can be tested without sockets.
// A request flows: size check → signature (which key; a failing one is
// counted against the client, and refused with 429 while the client is over
// the limit) → replay reservation → body → target found → the key's access
// to it → the target's own checks (pin) → job, and only then the request is
// remembered as accepted.
#ifndef DELIVERYHOOK_APP_WEBHOOK_HANDLER_H_
#define DELIVERYHOOK_APP_WEBHOOK_HANDLER_H_

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
#include "deliveryhook/webhook/access.h"
#include "webhook/failure_limiter.h"
#include "deliveryhook/webhook/trusted_proxies.h"
#include "deliveryhook/webhook/verifier.h"
#include "health.h"
#include "metrics.h"
#include "routes.h"

namespace deliveryhook::app {

class RequestLog;

struct IncomingRequest {
  std::string method;
  std::string path;
  std::map<std::string, std::string> headers;  // lower-case names
  std::map<std::string, std::string> query;    // decoded query parameters
  std::string body;
  // The TCP peer as the server saw it; Handle() replaces it by the client
  // behind a trusted proxy (TRUSTED_PROXIES).
  std::string client_address;
  // Set by Handle(): the caller's X-Request-Id when sane, else a new one.
  std::string request_id;

  std::string Header(const std::string& lower_case_name) const;
};

// Writes one piece of a streamed answer; false once the client is gone.
using StreamWriter = std::function<bool(std::string_view)>;

struct Reply {
  int status = 200;
  std::string body;  // JSON unless content_type says otherwise
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
  // Counters for /metrics; the handler makes its own when null.
  std::shared_ptr<Metrics> metrics;
  // GET /metrics is served (METRICS); otherwise 404.
  bool serve_metrics = true;
  // GET /healthz runs these checks; null: 200 while the process answers.
  std::shared_ptr<HealthCheck> health;
  // GET /docs and GET /openapi.json are served (SHOW_DOCS); otherwise the
  // unknown-route 404.
  bool show_docs = false;
  // Called with the finished job, on the worker thread (notifications).
  std::function<void(const deliveryhook::jobs::Job&)> on_job_end;
  // Opt-in and the hook's own container; a key's scope is the key's.
  deliveryhook::webhook::AccessPolicy access;
  // Failed authentications per client address before 429 (limit 0: never).
  deliveryhook::webhook::FailureLimitOptions auth_failures{0};
  // Peers whose X-Forwarded-For / Forwarded name the client.
  deliveryhook::webhook::TrustedProxies trusted_proxies;
  deliveryhook::webhook::Clock clock = deliveryhook::webhook::SystemClock();
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
  Metrics& metrics() { return *options_.metrics; }

  // Stops taking work, for a clean exit: new triggers get 503, queued jobs
  // end failed at once (nothing on the host changed), running ones get
  // `grace` to finish; any still running then is asked to abort, which rolls
  // its swap back. Returns when no job runs any more.
  void Stop(std::chrono::milliseconds grace);

 private:
  Reply Dispatch(const IncomingRequest& request, const RouteMatch& match);
  Reply Trigger(const IncomingRequest& request, deliveryhook::deploy::Action action);
  Reply JobStatus(const IncomingRequest& request, const std::string& job_id);
  Reply JobEvents(const IncomingRequest& request, const std::string& job_id);
  bool Stopping();
  // The job, when the request may read it (its token, or the key's
  // signature over the path, by a key whose scope covers the job); nothing
  // for an unknown job, a wrong token or a job outside the scope. Writes the
  // audit line to `log`.
  std::optional<deliveryhook::jobs::Job> AuthorizedJob(const IncomingRequest& request,
                                                       const std::string& job_id, RequestLog& log);
  Reply JobList(const IncomingRequest& request);
  // Which key signed `content` (no replay check).
  deliveryhook::Result<deliveryhook::webhook::Authenticated> Authenticate(
      const IncomingRequest& request, std::string_view content);
  // The answer to a request whose signature failed: 429 with Retry-After
  // while the client is over the failure limit (no audit line of its own:
  // one aggregate line per client and window), else the refusal, counted
  // against the client, with its audit line. `status` replaces the
  // refusal's status in the audit line when given (job reads answer 404).
  Reply RefuseAuthentication(const IncomingRequest& request, const deliveryhook::Error& error,
                             RequestLog& log, std::optional<int> audited_status = std::nullopt);
  // 429 while the client is over the failure limit, counted and logged in
  // aggregate (one line per client and window).
  std::optional<Reply> OverFailureLimit(const IncomingRequest& request);
  // The job, and whether the request joined an already queued one.
  deliveryhook::Result<std::pair<deliveryhook::jobs::Job, bool>> Enqueue(
      const deliveryhook::deploy::Target& target, deliveryhook::deploy::Action action,
      const std::string& request_id);
  void RunJob(const std::string& job_id, const deliveryhook::deploy::Target& target,
              deliveryhook::deploy::Action action);

  std::shared_ptr<deliveryhook::webhook::SignatureVerifier> verifier_;
  DeployBackend backend_;
  HandlerOptions options_;
  deliveryhook::jobs::JobStore store_;
  deliveryhook::webhook::FailureLimiter auth_failures_;
  std::mutex enqueue_mutex_;
  bool stopping_ = false;                 // enqueue_mutex_ held
  std::atomic<bool> abort_running_{false};  // the grace ran out
  // Declared last: destroyed first, so running jobs finish while the store
  // and backend they use still exist.
  std::unique_ptr<deliveryhook::jobs::JobRunner> runner_;
};

// {"error": message} with the given status.
Reply ErrorReply(int status, const std::string& message);

// The request id for a request that sent `header` as X-Request-Id: the
// header when it is 1 to 128 characters of [A-Za-z0-9._:-], else a new
// random one (32 hex digits).
std::string RequestIdFor(const std::string& header);
// The answer for a refused authentication: 401, 400 for a request signed
// both ways, 409 for a replayed webhook-id.
Reply AuthenticationReply(const deliveryhook::Error& error);

}  // namespace deliveryhook::app

#endif  // DELIVERYHOOK_APP_WEBHOOK_HANDLER_H_
