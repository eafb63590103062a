#include "webhook_handler.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <iostream>
#include <optional>
#include <set>
#include <string_view>

#include "job_events.h"
#include "request_log.h"

namespace delivery_hook {
namespace {

using deliveryhook::ErrorCode;
using deliveryhook::deploy::Action;
using deliveryhook::jobs::Job;
using deliveryhook::jobs::JobState;
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr std::size_t kMaxLogLines = 200;
constexpr std::size_t kMaxNameLength = 255;
constexpr int kRetryAfterSeconds = 30;

// "0".."max" seconds, or nothing.
std::optional<int> ParseWait(const std::string& text, int max) {
  if (text.empty() || text.size() > 6) return std::nullopt;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value > max) return std::nullopt;
  return value;
}

std::string JsonObject(const std::function<void(Writer&)>& fill) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartObject();
  fill(writer);
  writer.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

void Field(Writer& w, const char* key, const std::string& value) {
  w.Key(key);
  w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
}

// Docker's rule for container names: [a-zA-Z0-9][a-zA-Z0-9_.-]*
bool IsValidName(const std::string& name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-'))) return false;
  }
  return true;
}

deliveryhook::Result<deliveryhook::deploy::TargetSelector> ParseSelector(const std::string& body) {
  using deliveryhook::Error;
  rapidjson::Document document;
  document.Parse<rapidjson::kParseValidateEncodingFlag>(body.c_str(), body.size());
  if (document.HasParseError()) {
    return Error(ErrorCode::kInvalidArgument,
                 std::string("body is not valid JSON: ") +
                     rapidjson::GetParseError_En(document.GetParseError()));
  }
  if (!document.IsObject()) {
    return Error(ErrorCode::kInvalidArgument, "body must be a JSON object");
  }
  // RapidJSON keeps every duplicate and FindMember() finds the first; another
  // parser (a proxy, a log) may take the last. An ambiguous body is refused.
  std::set<std::string_view> keys;
  for (const auto& member : document.GetObject()) {
    if (!keys.emplace(member.name.GetString(), member.name.GetStringLength()).second) {
      return Error(ErrorCode::kInvalidArgument, "body has a key more than once");
    }
  }
  auto text = [&](const char* key) -> deliveryhook::Result<std::string> {
    auto it = document.FindMember(key);
    if (it == document.MemberEnd()) return std::string();
    // The whole string: "web\u0000x" must not be read as "web".
    const std::string value = it->value.IsString()
                                  ? std::string(it->value.GetString(), it->value.GetStringLength())
                                  : std::string();
    if (!it->value.IsString() || !IsValidName(value)) {
      return Error(ErrorCode::kInvalidArgument,
                   std::string("\"") + key + "\" must be a container, project or service name");
    }
    return value;
  };
  deliveryhook::deploy::TargetSelector selector;
  for (auto [key, field] : {std::pair{"container_name", &selector.container_name},
                            std::pair{"project", &selector.project},
                            std::pair{"service", &selector.service}}) {
    auto value = text(key);
    if (!value) return value.error();
    *field = *value;
  }
  const bool by_name = !selector.container_name.empty();
  const bool by_service = !selector.project.empty() && !selector.service.empty();
  if (by_name == by_service) {
    return Error(ErrorCode::kInvalidArgument,
                 "body must name either \"container_name\" or both \"project\" and \"service\"");
  }
  return selector;
}

int StatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kUnavailable: return 503;
    case ErrorCode::kInvalidArgument: return 400;
    default: return 500;
  }
}

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

// The job as JSON; with `token` (for the requester of a ?wait) its token and
// whether the request joined a queued job are included too.
std::string JobJson(const Job& job, const std::string* token = nullptr, bool joined = false) {
  return JsonObject([&](Writer& w) {
    Field(w, "job_id", job.id);
    if (token != nullptr) {
      Field(w, "job_token", *token);
      w.Key("joined");
      w.Bool(joined);
    }
    Field(w, "action", job.action);
    Field(w, "container_name", job.container_name);
    Field(w, "project", job.project);
    Field(w, "service", job.service);
    Field(w, "state", std::string(ToString(job.state)));
    Field(w, "step", job.step);
    if (!job.error.empty()) Field(w, "error", job.error);
    if (!job.image_id.empty()) Field(w, "image_id", job.image_id);
    if (!job.container_id.empty()) Field(w, "container_id", job.container_id);
    w.Key("created_at");
    w.Int64(job.created_at);
    w.Key("started_at");
    w.Int64(job.started_at);
    w.Key("finished_at");
    w.Int64(job.finished_at);
    w.Key("log");
    w.StartArray();
    for (const auto& line : job.log) w.String(line.c_str(), static_cast<rapidjson::SizeType>(line.size()));
    w.EndArray();
  });
}

}  // namespace

std::string IncomingRequest::Header(const std::string& lower_case_name) const {
  auto it = headers.find(lower_case_name);
  return it == headers.end() ? std::string() : it->second;
}

Reply ErrorReply(int status, const std::string& message) {
  return {status, JsonObject([&](Writer& w) { Field(w, "error", message); }), {}};
}

Reply WebhookHandler::TooLarge(std::size_t limit) {
  return ErrorReply(413, "body is larger than " + std::to_string(limit) + " bytes");
}
Reply WebhookHandler::NotFound() { return ErrorReply(404, "no such endpoint"); }
Reply WebhookHandler::MethodNotAllowed() { return ErrorReply(405, "method not allowed"); }

WebhookHandler::WebhookHandler(std::shared_ptr<deliveryhook::webhook::SignatureVerifier> verifier,
                               DeployBackend backend, HandlerOptions options)
    : verifier_(std::move(verifier)),
      backend_(std::move(backend)),
      options_(options),
      store_(options.job_history),
      runner_(std::make_unique<deliveryhook::jobs::JobRunner>(options.workers)) {}

Reply WebhookHandler::Handle(const IncomingRequest& request) {
  const bool is_trigger = request.path == "/pull" || request.path == "/build";
  if (is_trigger) {
    if (request.method != "POST") return MethodNotAllowed();
    if (Stopping()) return ErrorReply(503, "the hook is stopping; try again when it is back");
    return Trigger(request, request.path == "/pull" ? Action::kPull : Action::kBuild);
  }
  if (request.path == "/jobs") {
    if (request.method != "GET") return MethodNotAllowed();
    return JobList(request);
  }
  constexpr std::string_view kJobs = "/jobs/";
  if (request.path.rfind(kJobs, 0) == 0) {
    if (request.method != "GET") return MethodNotAllowed();
    constexpr std::string_view kEvents = "/events";
    const std::string rest = request.path.substr(kJobs.size());
    if (rest.size() > kEvents.size() && rest.ends_with(kEvents)) {
      return JobEvents(request, rest.substr(0, rest.size() - kEvents.size()));
    }
    return JobStatus(request, rest);
  }
  if (request.path == "/healthz") {
    if (request.method != "GET") return MethodNotAllowed();
    return {200, R"({"status":"ok"})", {}};
  }
  return NotFound();
}

Reply WebhookHandler::Trigger(const IncomingRequest& request, Action action) {
  RequestLog log(request.client_address, request.path);
  if (request.body.size() > options_.max_body_bytes) {
    return log.Decide("too_large", TooLarge(options_.max_body_bytes));
  }
  auto verdict = verifier_->Verify(request.body, request.Header("x-timestamp"),
                                   request.Header("x-signature"));
  if (!verdict) return log.Decide("unauthenticated", ErrorReply(401, verdict.error().message()));

  auto selector = ParseSelector(request.body);
  if (!selector) return log.Decide("bad_request", ErrorReply(400, selector.error().message()));
  log.SetTarget(selector->container_name.empty() ? selector->project + "/" + selector->service
                                                 : selector->container_name);

  auto target = backend_.resolve(*selector);
  if (!target) {
    const int status = StatusFor(target.error().code());
    return log.Decide(status == 404 ? "unknown_target" : "engine_error",
                      ErrorReply(status, target.error().message()));
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
  auto enqueued = Enqueue(*target, action);
  if (!enqueued) {
    Reply busy = ErrorReply(429, enqueued.error().message());
    busy.headers.emplace_back("Retry-After", std::to_string(kRetryAfterSeconds));
    return log.Decide("queue_full", busy);
  }
  // Plain references rather than a structured binding: lambdas below capture
  // them, which clang 14 does not allow for bindings.
  const Job& job = enqueued->first;
  const bool joined = enqueued->second;
  log.SetJob(job.id);
  if (wait_seconds && *wait_seconds > 0) {
    auto final = store_.WaitUntilFinal(job.id, std::chrono::seconds(*wait_seconds));
    if (final) {
      const int status = final->state == JobState::kSucceeded ? 200
                         : IsFinal(final->state)               ? 500
                                                               : 202;
      return log.Decide(std::string(ToString(final->state)),
                        {status, JobJson(*final, &job.token, joined), {}});
    }
  }
  const std::string message = action == Action::kPull ? "pulling" : "building";
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

deliveryhook::Result<std::pair<Job, bool>> WebhookHandler::Enqueue(
    const deliveryhook::deploy::Target& target, Action action) {
  // One lock around find-or-create, so two requests cannot both create.
  std::lock_guard lock(enqueue_mutex_);
  if (stopping_) return deliveryhook::Error(ErrorCode::kUnavailable, "the hook is stopping");
  const std::string action_name(ToString(action));
  if (auto queued = store_.FindQueued(target.project, target.service, action_name)) {
    return std::pair{*queued, true};
  }
  if (runner_->QueuedCount() >= options_.max_queued) {
    return deliveryhook::Error(ErrorCode::kUnavailable,
                               "too many deploys are waiting; try again later");
  }
  Job job = store_.Create(action_name, target.container_name, target.project, target.service);
  runner_->Submit(target.project + "/" + target.service,
                  [this, id = job.id, target, action] { RunJob(id, target, action); });
  return std::pair{job, false};
}

std::optional<Job> WebhookHandler::AuthorizedJob(const IncomingRequest& request,
                                                 const std::string& job_id) {
  auto job = store_.Get(job_id);
  if (!job) return std::nullopt;
  const std::string authorization = request.Header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  const bool token_ok = authorization.rfind(kBearer, 0) == 0 &&
                        deliveryhook::webhook::ConstantTimeEquals(
                            authorization.substr(kBearer.size()), job->token);
  const bool signature_ok =
      !token_ok && verifier_
                       ->VerifyWithoutReplayCheck(request.path, request.Header("x-timestamp"),
                                                  request.Header("x-signature"))
                       .ok();
  if (!token_ok && !signature_ok) return std::nullopt;
  return job;
}

Reply WebhookHandler::JobStatus(const IncomingRequest& request, const std::string& job_id) {
  // The same answer for an unknown job and a wrong token: nothing leaks.
  auto job = AuthorizedJob(request, job_id);
  if (!job) return ErrorReply(404, "no such job");
  return {200, JobJson(*job), {}};
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
  auto job = AuthorizedJob(request, job_id);
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
    FollowJob(store_, job_id, [](const Job& now) { return JobJson(now); }, format, write, follow);
  };
  return reply;
}

bool WebhookHandler::Stopping() {
  std::lock_guard lock(enqueue_mutex_);
  return stopping_;
}

void WebhookHandler::Stop(std::chrono::milliseconds grace) {
  using Clock = std::chrono::steady_clock;
  std::vector<std::string> started;  // jobs that may be running
  {
    std::lock_guard lock(enqueue_mutex_);
    stopping_ = true;
    // Queued jobs end now rather than start: their RunJob finds them final.
    // After this no job can start, so the running ones are those seen here.
    for (const Job& job : store_.List(options_.job_history)) {
      if (job.state == JobState::kRunning) started.push_back(job.id);
      if (job.state != JobState::kQueued) continue;
      bool failed = false;
      store_.Update(job.id, [&](Job& queued) {
        failed = queued.state == JobState::kQueued;
        if (!failed) return;
        queued.state = JobState::kFailed;
        queued.error = "the hook stopped before the job started; nothing on the host changed";
        queued.finished_at = deliveryhook::jobs::JobStore::NowMillis();
      });
      if (failed) {
        RequestLog::JobEnded(job.id, "failed", "the hook stopped before the job started");
      } else {
        started.push_back(job.id);  // it started meanwhile
      }
    }
  }
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
      if (!abort_running_.exchange(true)) {
        RequestLog::Line("event=stop_grace_over action=abort_running_jobs");
      }
      version = store_.WaitForChange(version, std::chrono::seconds(1));
      continue;
    }
    version = store_.WaitForChange(
        version, std::chrono::duration_cast<std::chrono::milliseconds>(grace_end - now));
  }
}

Reply WebhookHandler::JobList(const IncomingRequest& request) {
  // Reading is signed like a trigger, over the path instead of a body; it
  // changes nothing, so it may be repeated.
  auto verdict = verifier_->VerifyWithoutReplayCheck(request.path, request.Header("x-timestamp"),
                                                     request.Header("x-signature"));
  if (!verdict) return ErrorReply(401, verdict.error().message());
  constexpr std::size_t kListed = 50;
  std::string body = "{\"jobs\":[";
  bool first = true;
  for (const Job& job : store_.List(kListed)) {
    if (!first) body += ",";
    body += JobJson(job);
    first = false;
  }
  body += "]}";
  return {200, body, {}};
}

void WebhookHandler::RunJob(const std::string& job_id, const deliveryhook::deploy::Target& target,
                            Action action) {
  using deliveryhook::jobs::JobStore;
  bool rolled_back = false;
  bool start = false;
  store_.Update(job_id, [&](Job& job) {
    start = job.state == JobState::kQueued;  // not ended by Stop() meanwhile
    if (!start) return;
    job.state = JobState::kRunning;
    job.started_at = JobStore::NowMillis();
  });
  if (!start) return;
  deliveryhook::deploy::ProgressSink sink;
  sink.should_abort = [this] { return abort_running_.load(); };
  sink.on_step = [&](std::string_view step) {
    if (step == "rolling back") rolled_back = true;
    store_.Update(job_id, [&](Job& job) { job.step = std::string(step); });
  };
  sink.on_log = [&](std::string_view line) {
    store_.Update(job_id, [&](Job& job) { AppendProgress(job, line); });
  };
  auto outcome = backend_.deploy(target, action, sink);
  store_.Update(job_id, [&](Job& job) {
    job.finished_at = JobStore::NowMillis();
    if (outcome) {
      job.state = JobState::kSucceeded;
      job.step = "done";
      job.image_id = outcome->image_id;
      job.container_id = outcome->container_id;
    } else {
      job.state = rolled_back ? JobState::kRolledBack : JobState::kFailed;
      job.error = outcome.error().message();
    }
  });
  auto job = store_.Get(job_id);
  RequestLog::JobEnded(job_id, std::string(ToString(job->state)), job->error);
}

}  // namespace delivery_hook
