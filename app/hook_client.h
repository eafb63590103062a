// A small client for a running hook: the base URL, the README's signature
// scheme and the three requests the CLI makes (trigger, read a job, list jobs).
//
// Requests go through deliveryhook::engine::Transport (libcurl), over plain
// HTTP or HTTPS (TLS 1.2+, the hook's certificate verified against the
// system's CAs or --cacert).
#ifndef DELIVERYHOOK_APP_HOOK_CLIENT_H_
#define DELIVERYHOOK_APP_HOOK_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "deliveryhook/engine/transport.h"
#include "deliveryhook/result.h"
#include "deliveryhook/webhook/verifier.h"

namespace deliveryhook::app::cli {

// "http[s]://host[:port][/prefix]": where the hook answers. A path prefix (a
// reverse proxy's location) is put in front of every request path; the
// signature of GET /jobs stays over "/jobs", the path the hook sees once the
// proxy has stripped the prefix.
struct HookUrl {
  std::string host;
  int port = 80;       // 443 for https:// without a port
  std::string prefix;  // "" or "/something", without a trailing slash
  bool tls = false;    // https://

  std::string ToString() const;
};

// Fails with kInvalidArgument (a usage error) for anything but http:// and
// https://.
deliveryhook::Result<HookUrl> ParseHookUrl(std::string_view url);

struct SignatureHeaders {
  std::string timestamp;  // X-Timestamp
  std::string signature;  // X-Signature: hex HMAC-SHA256(secret, message + timestamp)
};
SignatureHeaders SignMessage(std::string_view secret, std::string_view message,
                             std::int64_t unix_seconds);

// The trigger bodies, spelled like the README's pipeline example:
// {"container_name": "web-1"} and {"project": "shop", "service": "web"}.
std::string ContainerBody(std::string_view container_name);
std::string ServiceBody(std::string_view project, std::string_view service);
// `body` (one of the above) with "image" and "digest" added when not empty.
std::string WithPin(std::string body, std::string_view image, std::string_view digest);
// `body` with "to" (a /rollback target) added when not empty.
std::string WithRollbackTo(std::string body, std::string_view to);

// The fields of a job (a GET /jobs/<id> answer, an entry of GET /jobs, or a
// ?wait answer) and of a 202 trigger answer the CLI uses.
struct JobView {
  std::string id;
  std::string token;  // only in trigger answers
  std::string action;
  std::string container_name;
  std::string project;
  std::string service;
  std::string state;  // queued, running, succeeded, failed, rolled_back; "" in a 202
  std::string step;
  std::string error;
  std::string image_id;
  std::string container_id;
  std::int64_t created_at = 0;  // UNIX milliseconds
  bool joined = false;
  std::vector<std::string> log;
};

deliveryhook::Result<JobView> ParseJob(std::string_view json);
// {"jobs": [...]}
deliveryhook::Result<std::vector<JobView>> ParseJobList(std::string_view json);

// Applies one NDJSON line of GET /jobs/<id>/events to `job`: "job" replaces
// it, "state", "step" and "log" update it. False for a keep-alive or a line
// that is not an event (nothing to show).
bool ApplyJobEvent(std::string_view line, JobView& job);

// The "error" of a JSON refusal, else the start of the body.
std::string ErrorMessageOf(const deliveryhook::engine::HttpResponse& response);

class HookClient {
 public:
  HookClient(HookUrl url, std::string secret,
             std::unique_ptr<deliveryhook::engine::Transport> transport,
             deliveryhook::webhook::Clock clock = deliveryhook::webhook::SystemClock());

  // A client over libcurl with short timeouts (connect 5 s, request 30 s;
  // an event stream lasts up to its own timeout). `ca_file`: PEM CA
  // certificates for an https:// hook, instead of the system's.
  static HookClient OverCurl(HookUrl url, std::string secret, std::string ca_file = {});

  const HookUrl& url() const { return url_; }

  // POST /pull (action "pull"), /build or /rollback, signed.
  deliveryhook::Result<deliveryhook::engine::HttpResponse> Trigger(std::string_view action,
                                                                   const std::string& body);
  // GET /jobs/<id> with Authorization: Bearer <token>.
  deliveryhook::Result<deliveryhook::engine::HttpResponse> GetJob(const std::string& id,
                                                                  const std::string& token);
  // GET /jobs, signed over the path "/jobs".
  deliveryhook::Result<deliveryhook::engine::HttpResponse> ListJobs();
  // GET /jobs/<id>/events?format=ndjson with the token: the body goes to
  // `on_chunk` as it arrives; gives up after `timeout`.
  deliveryhook::Result<deliveryhook::engine::HttpResponse> FollowJobEvents(
      const std::string& id, const std::string& token, std::chrono::seconds timeout,
      const deliveryhook::engine::BodyChunkCallback& on_chunk);

 private:
  deliveryhook::Result<deliveryhook::engine::HttpResponse> Send(
      const deliveryhook::engine::HttpRequest& request);

  HookUrl url_;
  std::string secret_;
  std::unique_ptr<deliveryhook::engine::Transport> transport_;
  // A transport for one event stream with its own timeout; when unset (in
  // tests), transport_ serves streams too.
  std::function<std::unique_ptr<deliveryhook::engine::Transport>(std::chrono::seconds)>
      make_stream_transport_;
  deliveryhook::webhook::Clock clock_;
};

}  // namespace deliveryhook::app::cli

#endif  // DELIVERYHOOK_APP_HOOK_CLIENT_H_
