#include "webhook_handler.h"

#include <algorithm>
#include <limits>
#include <iostream>
#include <optional>
#include <set>
#include <string_view>

#include "deliveryhook/jobs/job_json.h"
#include "deliveryhook/jobs/rollback.h"
#include "engine/engine_address.h"
#include "job_events.h"
#include "json_object.h"
#include "openapi.h"
#include "request_log.h"
#include "trigger_request.h"
#include "ui/refusals.h"
#include "ui/ui.h"
#include "util/crypto.h"
#include "version.h"

namespace deliveryhook::app {
namespace {

using deliveryhook::ErrorCode;
using deliveryhook::deploy::Action;
using deliveryhook::jobs::Job;
using deliveryhook::jobs::JobState;
using Writer = JsonWriter;

constexpr int kRetryAfterSeconds = 30;

// What resolve answers for a target that does not exist; a key that may not
// touch an existing one gets exactly this too.
std::string UnknownTargetMessage(const deliveryhook::deploy::TargetSelector& selector) {
  if (!selector.container_name.empty()) return "no container named \"" + selector.container_name + "\"";
  return "no container of service \"" + selector.service + "\" in project \"" + selector.project +
         "\"";
}

// The header's value as stored in the request (no copy), "" when absent.
std::string_view HeaderView(const IncomingRequest& request, const std::string& lower_case_name) {
  auto it = request.headers.find(lower_case_name);
  return it == request.headers.end() ? std::string_view() : std::string_view(it->second);
}

deliveryhook::webhook::SignatureHeaders SignatureHeadersOf(const IncomingRequest& request) {
  return {HeaderView(request, "x-timestamp"), HeaderView(request, "x-signature"),
          HeaderView(request, "webhook-id"), HeaderView(request, "webhook-timestamp"),
          HeaderView(request, "webhook-signature")};
}

// The log's decision for a refused authentication.
std::string AuthenticationDecision(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "ambiguous_signature";
    case ErrorCode::kConflict: return "replay";
    default: return "unauthenticated";
  }
}

int StatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kUnavailable: return 503;
    case ErrorCode::kInvalidArgument: return 400;
    default: return 500;
  }
}

// The engine could not be reached, or did not answer in time.
bool EngineDown(const deliveryhook::Error& error) {
  return error.code() == ErrorCode::kUnavailable || error.code() == ErrorCode::kDeadlineExceeded;
}

// The engine's address (a host path, for a socket) goes to the log only.
Reply EngineUnreachable(const deliveryhook::Error& error, RequestLog& log) {
  log.SetError(error.message());
  Reply reply = ErrorReply(503, "the Docker engine is not reachable; try again shortly");
  reply.headers.emplace_back("Retry-After", "10");
  return log.Decide("engine_error", reply);
}

}  // namespace

Reply AuthenticationReply(const deliveryhook::Error& error) {
  const int status = error.code() == ErrorCode::kInvalidArgument ? 400
                     : error.code() == ErrorCode::kConflict      ? 409
                                                                 : 401;
  return ErrorReply(status, error.message());
}

Reply WebhookHandler::TooLarge(std::size_t limit) {
  return ErrorReply(413, "body is larger than " + std::to_string(limit) + " bytes");
}
std::string RequestIdFor(const std::string& header) {
  constexpr std::size_t kMaxRequestId = 128;
  bool sane = !header.empty() && header.size() <= kMaxRequestId;
  for (char c : header) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && c != '.' && c != '_' && c != ':' && c != '-') sane = false;
  }
  return sane ? header : util::RandomHex(16);
}

Reply WebhookHandler::NotFound() { return ErrorReply(404, "no such endpoint"); }
Reply WebhookHandler::MethodNotAllowed() { return ErrorReply(405, "method not allowed"); }

WebhookHandler::WebhookHandler(std::shared_ptr<webhook::SignatureVerifier> verifier,
                               TargetResolver resolve, jobs::JobService& jobs,
                               HandlerOptions options)
    : verifier_(std::move(verifier)),
      resolve_(std::move(resolve)),
      jobs_(jobs),
      options_(std::move(options)),
      auth_failures_(options_.auth_failures, options_.clock) {
  if (!options_.metrics) options_.metrics = std::make_shared<Metrics>();
}

Reply WebhookHandler::Handle(const IncomingRequest& incoming) {
  IncomingRequest request = incoming;
  request.request_id = RequestIdFor(incoming.Header("x-request-id"));
  if (!options_.trusted_proxies.empty()) {
    request.client_address = options_.trusted_proxies.ClientAddress(
        incoming.client_address, incoming.Header("x-forwarded-for"), incoming.Header("forwarded"));
  }
  const RouteMatch match = MatchRoute(request.method, request.path);
  Reply reply = Dispatch(request, match);
  reply.headers.emplace_back("X-Request-Id", request.request_id);
  // Route templates, not paths: the label's values stay a fixed set.
  options_.metrics->CountRequest(match.route ? std::string(match.route->path) : "other",
                                 reply.status);
  if (reply.status == 401) options_.metrics->CountAuthFailure();
  const bool audited = match.route && match.method_allowed && !IsUiRoute(match.route->id) &&
                       match.route->id != RouteId::kHealth &&
                       match.route->id != RouteId::kMetrics && match.route->id != RouteId::kOpenApi &&
                       match.route->id != RouteId::kDocs;
  // Triggers and job reads write their own audit line (with the key and the
  // decision); probes and the rest only at debug, or a scraper every few
  // seconds would drown the log.
  if (!audited && RequestLog::Enabled(LogLevel::kDebug)) {
    RequestLog::Line(LogLevel::kDebug, "event=request request_id=" + LogValue(request.request_id) +
                                           " client=" + LogValue(request.client_address) +
                                           " method=" + LogValue(request.method) + " endpoint=" +
                                           LogValue(match.route ? std::string(match.route->path)
                                                                : std::string("other")) +
                                           " status=" + std::to_string(reply.status));
  }
  return reply;
}

Reply WebhookHandler::Dispatch(const IncomingRequest& request, const RouteMatch& match) {
  if (match.route == nullptr) return NotFound();
  if (!match.method_allowed) return MethodNotAllowed();
  if (IsUiRoute(match.route->id)) {
    // Off (UI unset): the unknown-route answer.
    if (!options_.ui) return NotFound();
    FollowOptions follow;
    follow.keep_alive = options_.events_keep_alive;
    follow.max_duration = options_.events_max_duration;
    const UiContext context{jobs_.store(), options_.access, follow,
                            [this, &request] { return OverFailureLimit(request); },
                            [this, &request] { auth_failures_.RecordFailure(request.client_address); }};
    return options_.ui->Handle(request, match, context);
  }
  switch (match.route->id) {
    case RouteId::kPull:
    case RouteId::kBuild:
      if (jobs_.stopping()) return ErrorReply(503, "the hook is stopping; try again when it is back");
      return Trigger(request, match.route->id == RouteId::kPull ? Action::kPull : Action::kBuild);
    case RouteId::kRollback:
      if (jobs_.stopping()) return ErrorReply(503, "the hook is stopping; try again when it is back");
      return Trigger(request, Action::kPull, /*rollback=*/true);
    case RouteId::kJobList: return JobList(request);
    case RouteId::kJobStatus: return JobStatus(request, match.job_id);
    case RouteId::kJobEvents: return JobEvents(request, match.job_id);
    case RouteId::kHealth:
      return options_.health ? options_.health->Check() : Reply{200, R"({"status":"ok"})", {}};
    case RouteId::kMetrics: {
      if (!options_.serve_metrics) return NotFound();
      Reply reply{200, options_.metrics->Render(jobs_.QueuedCount()), {}};
      reply.content_type = Metrics::kContentType;
      return reply;
    }
    case RouteId::kOpenApi: {
      // Describing the API is documentation too: off, the route does not exist.
      if (!options_.show_docs) return NotFound();
      static const std::string document = OpenApiDocument(kVersion);
      return {200, document, {}};
    }
    case RouteId::kDocs: {
      if (!options_.show_docs) return NotFound();
      static const std::string page = DocsPage(OpenApiDocument(kVersion));
      Reply reply{200, page, {}};
      reply.content_type = "text/html; charset=utf-8";
      return reply;
    }
    default: break;
  }
  return NotFound();
}

deliveryhook::Result<deliveryhook::webhook::Authenticated> WebhookHandler::Authenticate(
    const IncomingRequest& request, std::string_view content) {
  return verifier_->Check(content, SignatureHeadersOf(request));
}

Reply WebhookHandler::RefuseAuthentication(const IncomingRequest& request,
                                           const deliveryhook::Error& error, RequestLog& log,
                                           std::optional<int> audited_status) {
  if (auto limited = OverFailureLimit(request)) return *limited;
  // A request signed both ways guessed nothing; everything else failed a check.
  if (error.code() != ErrorCode::kInvalidArgument) {
    auth_failures_.RecordFailure(request.client_address);
  }
  Reply reply = AuthenticationReply(error);
  log.Decide(AuthenticationDecision(error.code()),
             {audited_status.value_or(reply.status), {}, {}});
  return reply;
}

std::optional<Reply> WebhookHandler::OverFailureLimit(const IncomingRequest& request) {
  if (auto wait = auth_failures_.RetryAfter(request.client_address)) {
    options_.metrics->CountRateLimited();
    Refusals().Record("rate_limited", request.client_address);
    if (auto report = auth_failures_.CountRefusal(request.client_address)) {
      RequestLog::Line(LogLevel::kWarn,
                       "event=rate_limited client=" + LogValue(report->bucket) +
                           " refused=" + std::to_string(report->refused) + " window_seconds=" +
                           std::to_string(options_.auth_failures.window.count()) +
                           " retry_after=" + std::to_string(*wait));
    }
    Reply reply =
        ErrorReply(429, "too many failed authentications from this address; try again in " +
                            std::to_string(*wait) + " seconds");
    reply.headers.emplace_back("Retry-After", std::to_string(*wait));
    return reply;
  }
  return std::nullopt;
}

Reply WebhookHandler::Trigger(const IncomingRequest& request, Action action, bool rollback) {
  RequestLog log(request.client_address, request.path, request.request_id);
  if (request.body.size() > options_.max_body_bytes) {
    return log.Decide("too_large", TooLarge(options_.max_body_bytes));
  }
  // Verified first, whatever the client's failures: a valid signature always
  // gets through the failure limit.
  auto authenticated = Authenticate(request, request.body);
  if (!authenticated) return RefuseAuthentication(request, authenticated.error(), log);
  const auto& key = authenticated->key;
  log.SetKey(key->id);
  if (key->read_only) {
    return log.Decide("denied_read_only",
                      ErrorReply(403, "this key may only read; it cannot trigger deploys"));
  }
  // From here an identical request is a replay; dropping the reservation on
  // any refusal below lets the caller send this one again.
  auto reservation = verifier_->Reserve(*authenticated);
  if (!reservation) {
    if (reservation.error().code() == ErrorCode::kUnavailable) {
      Reply full = ErrorReply(429, reservation.error().message());
      full.headers.emplace_back("Retry-After",
                                std::to_string(verifier_->SecondsUntilReplayRoom(*authenticated)));
      return log.Decide("replay_memory_full", full);
    }
    return log.Decide(AuthenticationDecision(reservation.error().code()),
                      AuthenticationReply(reservation.error()));
  }

  auto selector = ParseSelector(request.body);
  if (!selector) return log.Decide("bad_request", ErrorReply(400, selector.error().message()));
  if ((action != Action::kPull || rollback) &&
      (!selector->image.empty() || !selector->digest.empty())) {
    return log.Decide("bad_request",
                      ErrorReply(400, "\"image\" and \"digest\" are for /pull only"));
  }
  std::string rollback_to;
  if (rollback) {
    auto to = ParseRollbackTo(request.body);
    if (!to) return log.Decide("bad_request", ErrorReply(400, to.error().message()));
    rollback_to = std::move(*to);
  }
  log.SetTarget(selector->container_name.empty() ? selector->project + "/" + selector->service
                                                 : selector->container_name);

  // Scope first: the target is found by name alone, the key's access decided,
  // and only then anything specific to the target (the pin) is checked, so
  // a key learns nothing about a container outside its reach.
  deliveryhook::deploy::TargetSelector by_name = *selector;
  by_name.image.clear();
  by_name.digest.clear();
  auto target = resolve_(by_name);
  if (!target) {
    const int status = StatusFor(target.error().code());
    if (EngineDown(target.error())) return EngineUnreachable(target.error(), log);
    // A scoped key gets the unknown-target answer for whatever it names that
    // is not a deployable container ("not created by docker compose", ...).
    if (!key->Unrestricted()) {
      return log.Decide("unknown_target", ErrorReply(404, UnknownTargetMessage(*selector)));
    }
    const char* decision = status == 404 ? "unknown_target" : status == 400 ? "bad_request" : "engine_error";
    return log.Decide(decision, ErrorReply(status, engine::WithoutEngineAddress(target.error().message())));
  }
  // Outside the key's reach: the answer of an unknown target, so nothing
  // about the container is revealed; the log says why.
  if (auto access = deliveryhook::webhook::Decide(*key, *target, options_.access);
      access != deliveryhook::webhook::Access::kAllowed) {
    return log.Decide("denied_" + std::string(ToString(access)),
                      ErrorReply(404, UnknownTargetMessage(*selector)));
  }
  if (rollback) {
    // Only now, inside the key's reach: the history says which image.
    auto pin = jobs::ChooseRollback(
        target->project, target->service,
        jobs_.store().History(target->project, target->service,
                              std::numeric_limits<std::size_t>::max()),
        rollback_to);
    if (!pin) {
      const ErrorCode code = pin.error().code();
      const int status = code == ErrorCode::kInvalidArgument ? 400
                         : code == ErrorCode::kNotFound      ? 404
                                                             : 409;
      return log.Decide(status == 400 ? "bad_request" : "no_rollback_image",
                        ErrorReply(status, pin.error().message()));
    }
    selector->image = pin->image;
    selector->digest = pin->digest;
  }
  if (!selector->image.empty() || !selector->digest.empty()) {
    auto pinned = resolve_(*selector);
    if (!pinned) {
      const int status = StatusFor(pinned.error().code());
      if (EngineDown(pinned.error())) return EngineUnreachable(pinned.error(), log);
      const char* decision = status == 404 ? "unknown_target" : status == 400 ? "bad_request" : "engine_error";
      return log.Decide(decision, ErrorReply(status, engine::WithoutEngineAddress(pinned.error().message())));
    }
    // Found again by name: had the name moved to another container meanwhile,
    // that one is decided on its own.
    if (auto access = deliveryhook::webhook::Decide(*key, *pinned, options_.access);
        access != deliveryhook::webhook::Access::kAllowed) {
      return log.Decide("denied_" + std::string(ToString(access)),
                        ErrorReply(404, UnknownTargetMessage(*selector)));
    }
    target = std::move(pinned);
  }
  std::optional<int> wait_seconds;
  if (auto wait = request.query.find("wait"); wait != request.query.end()) {
    wait_seconds = ParseWait(wait->second, options_.max_wait_seconds);
    if (!wait_seconds) {
      return log.Decide("bad_request",
                        ErrorReply(400, "wait must be a whole number of seconds from 0 to " +
                                            std::to_string(options_.max_wait_seconds)));
    }
  }
  auto enqueued = jobs_.Enqueue(*target, action,
                                {.request_id = request.request_id,
                                 .key_id = key->id,
                                 .action = rollback ? "rollback" : ""});
  if (!enqueued) {
    Reply busy = ErrorReply(429, enqueued.error().message());
    busy.headers.emplace_back("Retry-After", std::to_string(kRetryAfterSeconds));
    return log.Decide("queue_full", busy);
  }
  // Accepted (a job created or joined): remembered from now on, also on disk.
  reservation->Commit();
  // Plain references rather than a structured binding: lambdas below capture
  // them, which clang 14 does not allow for bindings.
  const Job& job = enqueued->job;
  const bool joined = enqueued->joined;
  log.SetJob(job.id);
  if (wait_seconds && *wait_seconds > 0) {
    auto final = jobs_.store().WaitUntilFinal(job.id, std::chrono::seconds(*wait_seconds));
    if (final) {
      const int status = final->state == JobState::kSucceeded ? 200
                         : IsFinal(final->state)               ? 500
                                                               : 202;
      return log.Decide(std::string(ToString(final->state)),
                        {status, jobs::ToJson(*final, {.with_token = true, .joined = joined}), {}});
    }
  }
  const std::string message = rollback                 ? "rolling back"
                              : action == Action::kPull ? "pulling"
                                                        : "building";
  return log.Decide(joined ? "joined" : "accepted",
                    {202, JsonObject([&](Writer& w) {
                       Field(w, "message", message);
                       Field(w, "job_id", job.id);
                       Field(w, "job_token", job.token);
                       Field(w, "status_url", "/jobs/" + job.id);
                       Field(w, "container_name", target->container_name);
                       Field(w, "project", target->project);
                       Field(w, "service", target->service);
                       w.Key("joined");
                       w.Bool(joined);
                     }),
                     {{"Location", "/jobs/" + job.id}}});
}

std::optional<Job> WebhookHandler::AuthorizedJob(const IncomingRequest& request,
                                                 const std::string& job_id, RequestLog& log) {
  auto job = jobs_.store().Get(job_id);
  if (!job) {
    // Trying job ids is guessing too: counted like a failed signature, so a
    // flood of made-up ids ends up logged in aggregate.
    if (OverFailureLimit(request)) return std::nullopt;
    auth_failures_.RecordFailure(request.client_address);
    log.Decide("unknown_job", {404, {}, {}});
    return std::nullopt;
  }
  log.SetJob(job->id);
  const std::string authorization = request.Header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  const bool token_ok = authorization.rfind(kBearer, 0) == 0 &&
                        deliveryhook::webhook::ConstantTimeEquals(
                            authorization.substr(kBearer.size()), job->token);
  // A job's token cannot be guessed, so a client over the failure limit may
  // still follow the jobs it started.
  if (token_ok) {
    log.Decide("job_token", {200, {}, {}});
    return job;
  }
  auto authenticated = Authenticate(request, request.path);
  if (!authenticated) {
    RefuseAuthentication(request, authenticated.error(), log, 404);
    return std::nullopt;
  }
  const auto& key = authenticated->key;
  log.SetKey(key->id);
  if (!key->Covers(job->project, job->service)) {
    log.Decide("denied_out_of_scope", {404, {}, {}});
    return std::nullopt;
  }
  log.Decide("ok", {200, {}, {}});
  return job;
}

Reply WebhookHandler::JobStatus(const IncomingRequest& request, const std::string& job_id) {
  RequestLog log(request.client_address, request.path, request.request_id);
  // The same answer for an unknown job, a wrong token and a job outside the
  // signing key's scope: nothing leaks.
  auto job = AuthorizedJob(request, job_id, log);
  if (!job) return ErrorReply(404, "no such job");
  return {200, jobs::ToJson(*job), {}};
}

namespace {

// The framing is chosen by ?format= when given ("sse" or "ndjson"), else by
// Accept: NDJSON when it names application/x-ndjson, server-sent events
// otherwise.
std::optional<EventFormat> ChosenEventFormat(const IncomingRequest& request) {
  if (auto format = request.query.find("format"); format != request.query.end()) {
    if (format->second == "ndjson") return EventFormat::kNdjson;
    if (format->second == "sse") return EventFormat::kServerSentEvents;
    return std::nullopt;
  }
  return request.Header("accept").find("application/x-ndjson") != std::string::npos
             ? EventFormat::kNdjson
             : EventFormat::kServerSentEvents;
}

}  // namespace

Reply WebhookHandler::JobEvents(const IncomingRequest& request, const std::string& job_id) {
  RequestLog log(request.client_address, request.path, request.request_id);
  auto job = AuthorizedJob(request, job_id, log);
  if (!job) return ErrorReply(404, "no such job");
  const auto format = ChosenEventFormat(request);
  if (!format) return ErrorReply(400, "format must be \"sse\" or \"ndjson\"");
  // A stream holds a connection for as long as the job runs: worth a line.
  RequestLog::Line("event=job_events client=" + LogValue(request.client_address) + " job=" +
                   job_id + " format=" +
                   (*format == EventFormat::kNdjson ? "ndjson" : "sse"));
  Reply reply;
  reply.content_type = std::string(ContentType(*format));
  // Proxies must pass each event on as it comes.
  reply.headers = {{"Cache-Control", "no-cache"}, {"X-Accel-Buffering", "no"}};
  FollowOptions follow;
  follow.keep_alive = options_.events_keep_alive;
  follow.max_duration = options_.events_max_duration;
  reply.stream = [this, job_id, format = *format, follow](const StreamWriter& write) {
    FollowJob(jobs_.store(), job_id, [](const Job& now) { return jobs::ToJson(now); }, format, write, follow);
  };
  return reply;
}

Reply WebhookHandler::JobList(const IncomingRequest& request) {
  RequestLog log(request.client_address, request.path, request.request_id);
  // Reading is signed like a trigger, over the path instead of a body; it
  // changes nothing, so it may be repeated.
  auto authenticated = Authenticate(request, request.path);
  if (!authenticated) return RefuseAuthentication(request, authenticated.error(), log);
  const auto& key = authenticated->key;
  log.SetKey(key->id);
  // A scoped key sees the jobs of its scope only.
  constexpr std::size_t kListed = 50;
  std::string body = "{\"jobs\":[";
  std::size_t listed = 0;
  for (const Job& job : jobs_.store().List(std::numeric_limits<std::size_t>::max())) {
    if (listed == kListed) break;
    if (!key->Covers(job.project, job.service)) continue;
    if (listed++ != 0) body += ",";
    body += jobs::ToJson(job);
  }
  body += "]}";
  return log.Decide("ok", {200, body, {}});
}

}  // namespace deliveryhook::app
