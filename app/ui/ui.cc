#include "ui/ui.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "deliveryhook/jobs/job_json.h"
#include "deliveryhook/webhook/verifier.h"
#include "json_object.h"
#include "request_log.h"
#include "ui/refusals.h"
#include "util/crypto.h"

namespace deliveryhook::app {

// Generated from app/ui/assets/ (cmake/embed_text.cmake).
std::string_view UiIndexHtml();
std::string_view UiAppCss();
std::string_view UiAppJs();

namespace {

using deliveryhook::jobs::Job;
using deliveryhook::jobs::JobState;
using deliveryhook::webhook::Key;
using Writer = JsonWriter;

constexpr std::string_view kUiTokenViewer = "UI_TOKEN";
constexpr std::size_t kMaxQueryValue = 256;
constexpr std::size_t kMaxQueryParameters = 8;
constexpr std::size_t kDefaultListed = 50;
constexpr std::size_t kMaxListed = 200;
constexpr std::size_t kServiceHistory = 50;
constexpr std::size_t kEarlierShown = 5;
constexpr char kProjectLabel[] = "com.docker.compose.project";
constexpr char kServiceLabel[] = "com.docker.compose.service";
constexpr char kOneoffLabel[] = "com.docker.compose.oneoff";

Reply WithSecurityHeaders(Reply reply) {
  for (auto& header : UiSecurityHeaders()) reply.headers.push_back(std::move(header));
  return reply;
}

Reply Json(int status, std::string body) { return WithSecurityHeaders({status, std::move(body), {}}); }

Reply UiError(int status, const std::string& message) {
  return WithSecurityHeaders(ErrorReply(status, message));
}

// A short page of its own (a refused login): no script, the page's style.
Reply HtmlPage(int status, std::string_view title, std::string_view message) {
  Reply reply{status,
              "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
              "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
              "<title>" + HtmlEscape(title) + "</title><link rel=\"stylesheet\" href=\"app.css\">"
              "</head><body><main class=\"narrow\"><h1>" + HtmlEscape(title) + "</h1><p>" +
                  HtmlEscape(message) + "</p><p><a href=\"./\">Back to the login</a></p></main>"
                                        "</body></html>\n",
              {}};
  reply.content_type = "text/html; charset=utf-8";
  return WithSecurityHeaders(std::move(reply));
}

std::optional<JobState> StateNamed(std::string_view name) {
  for (JobState state : {JobState::kQueued, JobState::kRunning, JobState::kSucceeded,
                         JobState::kFailed, JobState::kRolledBack}) {
    if (ToString(state) == name) return state;
  }
  return std::nullopt;
}

// "/srv/shop/compose.yaml" -> "compose.yaml": a word that starts with '/'
// and has more than one of them is a host path; the page shows its last
// part only.
std::string WithoutHostPaths(const std::string& text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    const bool word_start = i == 0 || text[i - 1] == ' ' || text[i - 1] == '"' ||
                            text[i - 1] == '\'' || text[i - 1] == '(' || text[i - 1] == '=';
    if (text[i] == '/' && word_start) {
      std::size_t end = i;
      while (end < text.size() && text[end] != ' ' && text[end] != '"' && text[end] != '\'' &&
             text[end] != ')' && text[end] != ',' && text[end] != '\n') {
        ++end;
      }
      const std::string word = text.substr(i, end - i);
      if (std::count(word.begin(), word.end(), '/') > 1) {
        out += word.substr(word.find_last_of('/') + 1);
      } else {
        out += word;
      }
      i = end;
      continue;
    }
    out += text[i++];
  }
  return out;
}

void Redact(Job& job) {
  job.token.clear();
  job.error = WithoutHostPaths(job.error);
  job.step = WithoutHostPaths(job.step);
  for (auto& line : job.log) line = WithoutHostPaths(line);
}

std::string JobJson(Job job, bool with_log) {
  Redact(job);
  return jobs::ToJson(job, {.with_log = with_log});
}

// "127.0.0.1:5000/app:v1" -> "127.0.0.1:5000/app"; "app@sha256:.." -> "app".
std::string RepositoryOf(std::string_view reference) {
  if (auto at = reference.find('@'); at != std::string_view::npos) reference = reference.substr(0, at);
  const auto slash = reference.rfind('/');
  const auto colon = reference.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    reference = reference.substr(0, colon);
  }
  return std::string(reference);
}

// The registry digest ("sha256:...") of an image for the repository of
// `reference` (any of its RepoDigests when none matches); "" when the image
// has none (built here, never pushed) or is gone.
std::string DigestOf(deliveryhook::engine::EngineApi& engine, const std::string& image_id,
                     const std::string& reference) {
  if (image_id.empty()) return {};
  auto image = engine.InspectImage(image_id);
  if (!image) return {};
  const std::string repository = RepositoryOf(reference);
  std::string any;
  for (const auto& repo_digest : image->repo_digests) {
    const auto at = repo_digest.find('@');
    if (at == std::string::npos) continue;
    if (repo_digest.substr(0, at) == repository) return repo_digest.substr(at + 1);
    if (any.empty()) any = repo_digest.substr(at + 1);
  }
  return any;
}

void ScopeJson(Writer& w, const Key& scope) {
  w.Key("scope");
  if (scope.Unrestricted()) {
    w.String("all");
    return;
  }
  w.StartObject();
  w.Key("projects");
  w.StartArray();
  for (const auto& project : scope.projects) w.String(project.c_str());
  w.EndArray();
  w.Key("services");
  w.StartArray();
  for (const auto& [project, service] : scope.services) w.String((project + "/" + service).c_str());
  w.EndArray();
  w.EndObject();
}

}  // namespace

std::vector<std::pair<std::string, std::string>> UiSecurityHeaders() {
  return {{"Content-Security-Policy", std::string(kUiContentSecurityPolicy)},
          {"X-Content-Type-Options", "nosniff"},
          {"X-Frame-Options", "DENY"},
          {"Referrer-Policy", "no-referrer"},
          {"Cache-Control", "no-store"}};
}

const UiAsset* FindUiAsset(std::string_view name) {
  static const std::map<std::string_view, UiAsset> kAssets = {
      {"", {"text/html; charset=utf-8", UiIndexHtml()}},
      {"app.css", {"text/css; charset=utf-8", UiAppCss()}},
      {"app.js", {"text/javascript; charset=utf-8", UiAppJs()}},
  };
  auto it = kAssets.find(name);
  return it == kAssets.end() ? nullptr : &it->second;
}

std::optional<Job> LastFinished(const jobs::JobStore& store, const std::string& project,
                                const std::string& service) {
  for (Job& job : store.List(std::numeric_limits<std::size_t>::max())) {
    if (job.project == project && job.service == service && IsFinal(job.state)) return std::move(job);
  }
  return std::nullopt;
}

UiPages::UiPages(UiOptions options, std::vector<Key> keys)
    : options_(std::move(options)),
      sessions_({.lifetime = options_.session_lifetime},
                options_.now ? options_.now : [] { return util::NowMillis(); }),
      keys_(std::move(keys)) {}

std::int64_t UiPages::Now() const { return options_.now ? options_.now() : util::NowMillis(); }

void UiPages::ReplaceKeys(std::vector<Key> keys) {
  MutexLock lock(keys_mutex_);
  keys_ = std::move(keys);
}

std::optional<Key> UiPages::LoginKey(std::string_view token) {
  // Every candidate is compared, in constant time each, whichever matches.
  std::optional<Key> match;
  if (!options_.token.empty() && deliveryhook::webhook::ConstantTimeEquals(token, options_.token)) {
    Key all;
    all.id = std::string(kUiTokenViewer);
    match = all;
  }
  MutexLock lock(keys_mutex_);
  for (const Key& key : keys_) {
    if (key.read_only && deliveryhook::webhook::ConstantTimeEquals(token, key.secret) && !match) {
      match = key;
    }
  }
  return match;
}

std::optional<UiPages::Viewer> UiPages::ViewerOf(const IncomingRequest& request) {
  const std::string cookie = CookieValue(request.Header("cookie"), kSessionCookie);
  if (cookie.empty()) return std::nullopt;
  auto session = sessions_.Find(cookie);
  if (!session) return std::nullopt;
  if (session->key_id.empty()) {
    if (options_.token.empty()) return std::nullopt;
    Viewer viewer;
    viewer.scope.id = std::string(kUiTokenViewer);
    viewer.unrestricted = true;
    return viewer;
  }
  MutexLock lock(keys_mutex_);
  for (const Key& key : keys_) {
    if (key.id == session->key_id && key.read_only) {
      return Viewer{key, key.Unrestricted()};
    }
  }
  // The key was removed, or lost its read option, since the login.
  sessions_.Remove(cookie);
  return std::nullopt;
}

Reply UiPages::Handle(const IncomingRequest& request, const RouteMatch& match,
                      const UiContext& context) {
  if (request.query.size() > kMaxQueryParameters) {
    return UiError(400, "too many query parameters");
  }
  for (const auto& [name, value] : request.query) {
    if (name.size() > kMaxQueryValue || value.size() > kMaxQueryValue) {
      return UiError(400, "a query parameter is longer than " + std::to_string(kMaxQueryValue) +
                              " characters");
    }
  }
  switch (match.route->id) {
    case RouteId::kUiRoot: {
      // The page's own URLs are relative to ".../ui/".
      Reply reply = WithSecurityHeaders({308, {}, {{"Location", "ui/"}}});
      reply.content_type = "text/plain; charset=utf-8";
      return reply;
    }
    case RouteId::kUiPage:
    case RouteId::kUiAsset: {
      const UiAsset* asset = FindUiAsset(match.route->id == RouteId::kUiPage ? "" : match.asset);
      if (asset == nullptr) return UiError(404, "no such file");
      Reply reply{200, std::string(asset->text), {}};
      reply.content_type = std::string(asset->content_type);
      return WithSecurityHeaders(std::move(reply));
    }
    default: break;
  }
  RequestLog log(request.client_address, request.path, request.request_id);
  if (match.route->id == RouteId::kUiLogin) return Login(request, context, log);
  if (match.route->id == RouteId::kUiLogout) return Logout(request, log);
  auto viewer = ViewerOf(request);
  if (!viewer) return log.Decide("ui_not_logged_in", UiError(401, "not logged in"));
  switch (match.route->id) {
    case RouteId::kUiSession: return Session(*viewer);
    case RouteId::kUiJobs: return Jobs(request, *viewer, context);
    case RouteId::kUiJob: return OneJob(match.job_id, *viewer, context);
    case RouteId::kUiJobEvents: return Events(match.job_id, *viewer, context);
    case RouteId::kUiServices: return Services(*viewer, context);
    case RouteId::kUiAudit: return Audit(*viewer);
    default: return UiError(404, "no such endpoint");
  }
}

Reply UiPages::Login(const IncomingRequest& request, const UiContext& context, RequestLog& log) {
  auto token = FormField(request.body, "token");
  if (!token || token->empty()) {
    return log.Decide("bad_request", HtmlPage(400, "Login", "The form needs a token."));
  }
  auto key = LoginKey(*token);
  if (!key) {
    if (auto limited = context.over_failure_limit ? context.over_failure_limit() : std::nullopt) {
      return HtmlPage(429, "Login", "Too many failed logins from this address; try again later.");
    }
    if (context.record_failure) context.record_failure();
    return log.Decide("ui_login_failed",
                      HtmlPage(401, "Login", "That token does not open this page."));
  }
  log.SetKey(key->id);
  const std::string value =
      sessions_.Create(key->id == kUiTokenViewer ? std::string() : key->id);
  Reply reply{303, {}, {{"Location", "./"},
                        {"Set-Cookie", SessionCookie(value, CookiePath(), options_.session_lifetime,
                                                     options_.secure_cookie)}}};
  reply.content_type = "text/plain; charset=utf-8";
  return log.Decide("ui_login", WithSecurityHeaders(std::move(reply)));
}

Reply UiPages::Logout(const IncomingRequest& request, RequestLog& log) {
  const std::string cookie = CookieValue(request.Header("cookie"), kSessionCookie);
  const bool ended = !cookie.empty() && sessions_.Remove(cookie);
  Reply reply{303, {}, {{"Location", "./"},
                        {"Set-Cookie", ExpiredSessionCookie(CookiePath(), options_.secure_cookie)}}};
  reply.content_type = "text/plain; charset=utf-8";
  return log.Decide(ended ? "ui_logout" : "ui_logout_without_session",
                    WithSecurityHeaders(std::move(reply)));
}

Reply UiPages::Session(const Viewer& viewer) const {
  return Json(200, JsonObject([&](Writer& w) {
                Field(w, "viewer", viewer.scope.id);
                ScopeJson(w, viewer.scope);
                w.Key("history");
                w.StartObject();
                w.Key("days");
                w.Int(options_.retention_days);
                w.Key("jobs");
                w.Uint64(options_.retention_jobs);
                w.EndObject();
                w.Key("audit");
                w.Bool(viewer.unrestricted);
                w.Key("audit_hours");
                w.Int(Refusals().hours());
              }));
}

Reply UiPages::Jobs(const IncomingRequest& request, const Viewer& viewer,
                    const UiContext& context) const {
  std::string project, service;
  if (auto it = request.query.find("service"); it != request.query.end() && !it->second.empty()) {
    const auto slash = it->second.find('/');
    if (slash == std::string::npos) {
      service = it->second;
    } else {
      project = it->second.substr(0, slash);
      service = it->second.substr(slash + 1);
    }
  }
  std::optional<JobState> state;
  if (auto it = request.query.find("state"); it != request.query.end() && !it->second.empty()) {
    state = StateNamed(it->second);
    if (!state) {
      return UiError(400, "state must be queued, running, succeeded, failed or rolled_back");
    }
  }
  std::size_t limit = kDefaultListed;
  if (auto it = request.query.find("limit"); it != request.query.end()) {
    std::size_t parsed = 0;
    bool digits = !it->second.empty() && it->second.size() <= 3;
    for (char c : it->second) {
      if (c < '0' || c > '9') digits = false;
      else parsed = parsed * 10 + static_cast<std::size_t>(c - '0');
    }
    if (!digits || parsed == 0 || parsed > kMaxListed) {
      return UiError(400, "limit must be a whole number from 1 to " + std::to_string(kMaxListed));
    }
    limit = parsed;
  }
  std::string body = "{\"jobs\":[";
  std::size_t listed = 0;
  for (const Job& job : context.store.List(std::numeric_limits<std::size_t>::max())) {
    if (listed == limit) break;
    if (!viewer.scope.Covers(job.project, job.service)) continue;
    if (!service.empty() && job.service != service) continue;
    if (!project.empty() && job.project != project) continue;
    if (state && job.state != *state) continue;
    if (listed++ != 0) body += ",";
    body += JobJson(job, false);
  }
  body += "]}";
  return Json(200, body);
}

Reply UiPages::OneJob(const std::string& job_id, const Viewer& viewer,
                      const UiContext& context) const {
  auto job = context.store.Get(job_id);
  // Unknown and out of scope alike.
  if (!job || !viewer.scope.Covers(job->project, job->service)) return UiError(404, "no such job");
  return Json(200, JobJson(*job, true));
}

Reply UiPages::Events(const std::string& job_id, const Viewer& viewer,
                      const UiContext& context) const {
  auto job = context.store.Get(job_id);
  if (!job || !viewer.scope.Covers(job->project, job->service)) return UiError(404, "no such job");
  Reply reply = WithSecurityHeaders({});
  reply.content_type = std::string(ContentType(EventFormat::kServerSentEvents));
  reply.headers.emplace_back("X-Accel-Buffering", "no");
  const jobs::JobStore& store = context.store;
  reply.stream = [&store, job_id, follow = context.follow](const StreamWriter& write) {
    FollowJob(
        store, job_id, [](const Job& now) { return jobs::ToJson(now); },
        EventFormat::kServerSentEvents, write, follow, [](Job& job) { Redact(job); });
  };
  return reply;
}

Reply UiPages::Services(const Viewer& viewer, const UiContext& context) const {
  auto engine = options_.engine ? options_.engine()
                                : deliveryhook::Result<deliveryhook::engine::EngineApi*>(
                                      Error(ErrorCode::kUnavailable, "no engine"));
  auto unreachable = [] {
    Reply reply = UiError(503, "the Docker engine is not reachable; try again shortly");
    reply.headers.emplace_back("Retry-After", "10");
    return reply;
  };
  if (!engine) return unreachable();
  auto listed = (*engine)->ListContainers({kProjectLabel}, true);
  if (!listed) return unreachable();
  std::sort(listed->begin(), listed->end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  std::string body = "{\"services\":[";
  bool first = true;
  for (const auto& container : *listed) {
    auto label = [&](const char* name) {
      auto it = container.labels.find(name);
      return it == container.labels.end() ? std::string() : it->second;
    };
    if (label(kOneoffLabel) == "True" || label(kServiceLabel).empty()) continue;
    deploy::Target target;
    target.container_id = container.id;
    target.container_name = container.name;
    target.project = label(kProjectLabel);
    target.service = label(kServiceLabel);
    target.labels = container.labels;
    if (deliveryhook::webhook::Decide(viewer.scope, target, context.access) !=
        deliveryhook::webhook::Access::kAllowed) {
      continue;
    }
    std::string health, status = container.state, image_id;
    if (auto info = (*engine)->InspectContainer(container.id)) {
      health = info->state.health;
      status = info->state.status;
      image_id = info->image;
    }
    const std::string digest = DigestOf(**engine, image_id, container.image);
    const auto last = LastFinished(context.store, target.project, target.service);
    if (!first) body += ",";
    first = false;
    body += JsonObject([&](Writer& w) {
      Field(w, "container_name", container.name);
      Field(w, "project", target.project);
      Field(w, "service", target.service);
      Field(w, "state", status);
      Field(w, "health", health);
      Field(w, "image", container.image);
      Field(w, "image_id", image_id);
      Field(w, "digest", digest);
      w.Key("last_deploy");
      if (!last) {
        w.Null();
      } else {
        w.StartObject();
        Field(w, "job_id", last->id);
        Field(w, "state", ToString(last->state));
        Int64Field(w, "finished_at", last->finished_at);
        Field(w, "error", WithoutHostPaths(last->error));
        w.EndObject();
      }
      // Earlier successful deploys of another image than the running one,
      // newest first, one per image.
      w.Key("earlier");
      w.StartArray();
      std::set<std::string> seen{image_id};
      std::size_t shown = 0;
      for (const Job& job : context.store.History(target.project, target.service, kServiceHistory)) {
        if (shown == kEarlierShown) break;
        if (job.image_id.empty()) continue;
        if (!seen.insert(job.image_id).second) continue;
        // What the deploy left running; jobs an older hook recorded lack it.
        std::string earlier = job.repo_digest.empty() ? job.digest : job.repo_digest;
        if (earlier.empty()) earlier = DigestOf(**engine, job.image_id, job.image.empty() ? container.image : job.image);
        ++shown;
        w.StartObject();
        Field(w, "job_id", job.id);
        Int64Field(w, "finished_at", job.finished_at);
        Field(w, "image_id", job.image_id);
        Field(w, "digest", earlier);
        Field(w, "command", "delivery-hook rollback --container " + container.name + " --to " +
                                (earlier.empty() ? job.id : earlier));
        w.EndObject();
      }
      w.EndArray();
    });
  }
  body += "]}";
  return Json(200, body);
}

Reply UiPages::Audit(const Viewer& viewer) const {
  if (!viewer.unrestricted) {
    return UiError(403, "the audit view needs a credential without a scope");
  }
  const int hours = Refusals().hours();
  const auto rows = Refusals().Since(Now() - std::int64_t{hours} * 3600 * 1000);
  std::map<std::string, std::uint64_t> by_reason, by_client;
  for (const auto& row : rows) {
    by_reason[row.reason] += row.count;
    by_client[row.client] += row.count;
  }
  auto counts = [](Writer& w, const char* name, const std::map<std::string, std::uint64_t>& map,
                   const char* label) {
    std::vector<std::pair<std::string, std::uint64_t>> sorted(map.begin(), map.end());
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    w.Key(name);
    w.StartArray();
    for (const auto& [value, count] : sorted) {
      w.StartObject();
      Field(w, label, value);
      w.Key("count");
      w.Uint64(count);
      w.EndObject();
    }
    w.EndArray();
  };
  return Json(200, JsonObject([&](Writer& w) {
                w.Key("hours");
                w.Int(hours);
                counts(w, "by_reason", by_reason, "reason");
                counts(w, "by_client", by_client, "client");
                w.Key("refusals");
                w.StartArray();
                for (const auto& row : rows) {
                  w.StartObject();
                  Field(w, "reason", row.reason);
                  Field(w, "client", row.client);
                  w.Key("count");
                  w.Uint64(row.count);
                  w.EndObject();
                }
                w.EndArray();
              }));
}

}  // namespace deliveryhook::app
