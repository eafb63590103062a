// The operator's page (UI=1): a read-only view of the hook's jobs, the
// services it may deploy, and the requests it refused, served under /ui.
//
// WebhookHandler dispatches the /ui routes of the route table here; nothing
// here changes anything on the host. The page needs a login: a key with the
// `read` option (its scope limits what the page shows) or UI_TOKEN (sees
// everything). The login (POST /ui/login, a form body) sets a session cookie
// (HttpOnly, SameSite=Strict, Secure with TLS, Max-Age); POST /ui/logout
// ends the session on the server. Every answer carries a strict
// Content-Security-Policy; the page's HTML, CSS and script are embedded in
// the binary and use relative URLs, so the page works behind a proxy path
// prefix (UI_BASE_PATH: the prefix the cookie's Path carries).
//
// The JSON the page reads, all GET and all with the session cookie:
//   ui/api/session    who is logged in, what the scope covers, how far back
//                     the job history goes;
//   ui/api/jobs       the recent jobs in the scope, newest first
//                     (?service=<service or project/service>&state=<state>);
//   ui/api/jobs/<id>  one job with its log; .../events its event stream
//                     (server-sent events, as GET /jobs/<id>/events);
//   ui/api/services   the compose services the scope may deploy, with the
//                     running image, health, last deploy, earlier digests;
//   ui/api/audit      refused requests of the last hours by reason and
//                     client (an unrestricted viewer only).
#ifndef DELIVERYHOOK_APP_UI_UI_H_
#define DELIVERYHOOK_APP_UI_UI_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "deliveryhook/engine/engine_api.h"
#include "deliveryhook/jobs/job.h"
#include "deliveryhook/jobs/job_store.h"
#include "deliveryhook/mutex.h"
#include "deliveryhook/result.h"
#include "deliveryhook/webhook/access.h"
#include "deliveryhook/webhook/keys.h"
#include "http_exchange.h"
#include "job_events.h"
#include "routes.h"
#include "ui/sessions.h"

namespace deliveryhook::app {

class RequestLog;

struct UiOptions {
  // UI_TOKEN: logs in with an unrestricted view; empty: only read keys do.
  std::string token;
  // UI_BASE_PATH: the path prefix a reverse proxy serves the hook under
  // ("" or "/hook"); the session cookie's Path is <prefix>/ui.
  std::string base_path;
  // TLS is on: the cookie is Secure.
  bool secure_cookie = false;
  std::chrono::seconds session_lifetime{8 * 3600};
  // The job pruning settings, shown on the page (JOB_RETENTION_DAYS,
  // JOB_HISTORY).
  int retention_days = 30;
  std::size_t retention_jobs = 1000;
  // The engine, for the services view; null or failing: the view says the
  // engine is not reachable.
  std::function<deliveryhook::Result<deliveryhook::engine::EngineApi*>()> engine;
  std::function<std::int64_t()> now;  // UNIX milliseconds; null: the clock
};

// What the handler lends the page for one request.
struct UiContext {
  const deliveryhook::jobs::JobStore& store;
  const deliveryhook::webhook::AccessPolicy& access;
  FollowOptions follow;
  // 429 while the client is over the failure limit; and counting a failure.
  std::function<std::optional<Reply>()> over_failure_limit;
  std::function<void()> record_failure;
};

// The newest job of one service that has ended, whatever its outcome: the
// services view's "last deploy" (JobStore::History() gives the earlier
// successful ones).
std::optional<deliveryhook::jobs::Job> LastFinished(const deliveryhook::jobs::JobStore& store,
                                                    const std::string& project,
                                                    const std::string& service);

// The headers every /ui answer carries: the Content-Security-Policy and
// the rest of the hardening.
std::vector<std::pair<std::string, std::string>> UiSecurityHeaders();
inline constexpr std::string_view kUiContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

class UiPages {
 public:
  UiPages(UiOptions options, std::vector<deliveryhook::webhook::Key> keys);

  // A reload (SIGHUP): sessions of keys that are gone, or no longer read
  // keys, stop working.
  void ReplaceKeys(std::vector<deliveryhook::webhook::Key> keys) DELIVERYHOOK_EXCLUDES(keys_mutex_);

  // The answer to a request for one of the /ui routes.
  Reply Handle(const IncomingRequest& request, const RouteMatch& match, const UiContext& context);

  SessionStore& sessions() { return sessions_; }

 private:
  // Who the session cookie belongs to: the scope as a key (UI_TOKEN: an
  // unrestricted one named "UI_TOKEN").
  struct Viewer {
    deliveryhook::webhook::Key scope;
    bool unrestricted = false;
  };
  std::optional<Viewer> ViewerOf(const IncomingRequest& request) DELIVERYHOOK_EXCLUDES(keys_mutex_);
  std::optional<deliveryhook::webhook::Key> LoginKey(std::string_view token)
      DELIVERYHOOK_EXCLUDES(keys_mutex_);

  Reply Login(const IncomingRequest& request, const UiContext& context, RequestLog& log);
  Reply Logout(const IncomingRequest& request, RequestLog& log);
  Reply Session(const Viewer& viewer) const;
  Reply Jobs(const IncomingRequest& request, const Viewer& viewer, const UiContext& context) const;
  Reply OneJob(const std::string& job_id, const Viewer& viewer, const UiContext& context) const;
  Reply Events(const std::string& job_id, const Viewer& viewer, const UiContext& context) const;
  Reply Services(const Viewer& viewer, const UiContext& context) const;
  Reply Audit(const Viewer& viewer) const;
  std::string CookiePath() const { return options_.base_path + "/ui"; }
  std::int64_t Now() const;

  UiOptions options_;
  SessionStore sessions_;
  mutable Mutex keys_mutex_;
  std::vector<deliveryhook::webhook::Key> keys_ DELIVERYHOOK_GUARDED_BY(keys_mutex_);
};

// The embedded assets by name ("app.css", "app.js"; "" for the page),
// with their content type; nullptr for any other name.
struct UiAsset {
  std::string_view content_type;
  std::string_view text;
};
const UiAsset* FindUiAsset(std::string_view name);

}  // namespace deliveryhook::app

#endif  // DELIVERYHOOK_APP_UI_UI_H_
