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

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "deliveryhook/deploy/deployer.h"
#include "deliveryhook/jobs/job_service.h"
#include "deliveryhook/jobs/job_store.h"
#include "deliveryhook/webhook/access.h"
#include "webhook/failure_limiter.h"
#include "deliveryhook/webhook/trusted_proxies.h"
#include "deliveryhook/webhook/verifier.h"
#include "health.h"
#include "http_exchange.h"
#include "metrics.h"
#include "routes.h"

namespace deliveryhook::app {

class RequestLog;
class UiPages;

// Finds the service container a request names; in production
// Deployer::Resolve.
using TargetResolver = std::function<Result<deploy::Target>(const deploy::TargetSelector&)>;

struct HandlerOptions {
  std::size_t max_body_bytes = 64 * 1024;
  // The longest ?wait= a caller may ask for.
  int max_wait_seconds = 900;
  // Counters for /metrics; the handler makes its own when null.
  std::shared_ptr<Metrics> metrics;
  // GET /metrics is served (METRICS); otherwise 404.
  bool serve_metrics = true;
  // GET /healthz runs these checks; null: 200 while the process answers.
  std::shared_ptr<HealthCheck> health;
  // GET /docs and GET /openapi.json are served (SHOW_DOCS); otherwise the
  // unknown-route 404.
  bool show_docs = false;
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
  // The operator's page (UI=1, app/ui/ui.h); null: the /ui routes answer 404.
  std::shared_ptr<UiPages> ui;
};

// Thread-safe: the server calls Handle() from its connection threads at
// once. `jobs` (and its store) must outlive the handler.
class WebhookHandler {
 public:
  WebhookHandler(std::shared_ptr<webhook::SignatureVerifier> verifier, TargetResolver resolve,
                 jobs::JobService& jobs, HandlerOptions options);

  Reply Handle(const IncomingRequest& request);

  // Answers for requests the HTTP layer refuses before Handle().
  static Reply TooLarge(std::size_t limit);
  static Reply NotFound();
  static Reply MethodNotAllowed();

  jobs::JobStore& store() { return jobs_.store(); }
  Metrics& metrics() { return *options_.metrics; }

 private:
  Reply Dispatch(const IncomingRequest& request, const RouteMatch& match);
  // POST /pull and /build; with `rollback`, POST /rollback: a /pull pinned
  // to the digest jobs::ChooseRollback picks from the service's history.
  Reply Trigger(const IncomingRequest& request, deliveryhook::deploy::Action action,
                bool rollback = false);
  Reply JobStatus(const IncomingRequest& request, const std::string& job_id);
  Reply JobEvents(const IncomingRequest& request, const std::string& job_id);
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

  std::shared_ptr<webhook::SignatureVerifier> verifier_;
  TargetResolver resolve_;
  jobs::JobService& jobs_;
  HandlerOptions options_;
  webhook::FailureLimiter auth_failures_;
};

// The request id for a request that sent `header` as X-Request-Id: the
// header when it is 1 to 128 characters of [A-Za-z0-9._:-], else a new
// random one (32 hex digits).
std::string RequestIdFor(const std::string& header);
// The answer for a refused authentication: 401, 400 for a request signed
// both ways, 409 for a replayed webhook-id.
Reply AuthenticationReply(const deliveryhook::Error& error);

}  // namespace deliveryhook::app

#endif  // DELIVERYHOOK_APP_WEBHOOK_HANDLER_H_
