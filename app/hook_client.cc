#include "hook_client.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <utility>

#include "engine/url.h"
#include "json_object.h"
#include "util/crypto.h"
#include "util/json_fields.h"

namespace deliveryhook::app::cli {
namespace {

using deliveryhook::Error;
using deliveryhook::ErrorCode;
using deliveryhook::engine::HttpRequest;
using deliveryhook::engine::HttpResponse;

Error BadUrl(std::string_view url, std::string_view why) {
  // A password given in --url is never echoed.
  return Error(
      ErrorCode::kInvalidArgument,
      "invalid --url \"" + deliveryhook::engine::RedactUserinfo(url) + "\": " + std::string(why));
}

using deliveryhook::util::GetString;

JobView JobFrom(const rapidjson::Value& object) {
  JobView job;
  job.id = GetString(object, "job_id");
  job.token = GetString(object, "job_token");
  job.action = GetString(object, "action");
  job.container_name = GetString(object, "container_name");
  job.project = GetString(object, "project");
  job.service = GetString(object, "service");
  job.state = GetString(object, "state");
  job.step = GetString(object, "step");
  job.error = GetString(object, "error");
  job.image_id = GetString(object, "image_id");
  job.container_id = GetString(object, "container_id");
  if (const auto* created_at = deliveryhook::util::Find(object, "created_at");
      created_at != nullptr && created_at->IsInt64()) {
    job.created_at = created_at->GetInt64();
  }
  job.joined = deliveryhook::util::GetBool(object, "joined");
  if (const auto* log = deliveryhook::util::Find(object, "log"); log != nullptr && log->IsArray()) {
    for (const auto& line : log->GetArray()) {
      if (line.IsString()) job.log.emplace_back(line.GetString(), line.GetStringLength());
    }
  }
  return job;
}

deliveryhook::Result<rapidjson::Document> ParseObject(std::string_view json) {
  rapidjson::Document document;
  document.Parse(json.data(), json.size());
  if (document.HasParseError() || !document.IsObject()) {
    return Error(ErrorCode::kInternal, "the hook's answer is not a JSON object");
  }
  return document;
}

}  // namespace

deliveryhook::Result<HttpResponse> HookClient::Send(const HttpRequest& request) {
  auto response = transport_->Send(request);
  if (response) return response;
  // The transport words its errors for the Docker engine; keep curl's detail.
  const Error& error = response.error();
  std::string detail = error.message();
  if (const auto colon = detail.find(": "); colon != std::string::npos &&
                                            detail.find("Docker engine") < colon) {
    detail = detail.substr(colon + 2);
  }
  if (error.code() == ErrorCode::kDeadlineExceeded) detail = "no answer in time: " + detail;
  return Error(error.code(), detail);
}

std::string HookUrl::ToString() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (tls ? "https://" : "http://") + (ipv6 ? "[" + host + "]" : host) + ":" +
         std::to_string(port) + prefix;
}

deliveryhook::Result<HookUrl> ParseHookUrl(std::string_view url) {
  constexpr std::string_view kHttp = "http://";
  constexpr std::string_view kHttps = "https://";
  const bool tls = url.substr(0, kHttps.size()) == kHttps;
  if (!tls && url.substr(0, kHttp.size()) != kHttp) {
    return BadUrl(url, "expected http://host[:port] or https://host[:port]");
  }
  std::string_view rest = url.substr(tls ? kHttps.size() : kHttp.size());
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return BadUrl(url, "a query or fragment is not supported");
  }
  HookUrl parsed;
  parsed.tls = tls;
  parsed.port = tls ? 443 : 80;
  std::string_view authority = rest;
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    authority = rest.substr(0, slash);
    std::string_view path = rest.substr(slash);
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    parsed.prefix = std::string(path);
  }
  auto authority_parts = deliveryhook::engine::ParseAuthority(authority);
  if (!authority_parts) return BadUrl(url, authority_parts.error().message());
  parsed.host = std::move(authority_parts->host);
  if (authority_parts->port != 0) parsed.port = authority_parts->port;
  return parsed;
}

SignatureHeaders SignMessage(std::string_view secret, std::string_view message,
                             std::int64_t unix_seconds) {
  SignatureHeaders headers;
  headers.timestamp = std::to_string(unix_seconds);
  headers.signature =
      deliveryhook::util::HmacSha256Hex(secret, std::string(message) + headers.timestamp);
  return headers;
}

std::string ContainerBody(std::string_view container_name) {
  return "{\"container_name\": " + JsonString(container_name) + "}";
}

std::string ServiceBody(std::string_view project, std::string_view service) {
  return "{\"project\": " + JsonString(project) + ", \"service\": " + JsonString(service) + "}";
}

std::string WithPin(std::string body, std::string_view image, std::string_view digest) {
  body.pop_back();  // the closing brace
  if (!image.empty()) body += ", \"image\": " + JsonString(image);
  if (!digest.empty()) body += ", \"digest\": " + JsonString(digest);
  return body + "}";
}

std::string WithRollbackTo(std::string body, std::string_view to) {
  if (to.empty()) return body;
  body.pop_back();  // the closing brace
  return body + ", \"to\": " + JsonString(to) + "}";
}

deliveryhook::Result<JobView> ParseJob(std::string_view json) {
  auto document = ParseObject(json);
  if (!document) return document.error();
  JobView job = JobFrom(*document);
  if (job.id.empty()) return Error(ErrorCode::kInternal, "the hook's answer names no job_id");
  return job;
}

deliveryhook::Result<std::vector<JobView>> ParseJobList(std::string_view json) {
  auto document = ParseObject(json);
  if (!document) return document.error();
  auto it = document->FindMember("jobs");
  if (it == document->MemberEnd() || !it->value.IsArray()) {
    return Error(ErrorCode::kInternal, "the hook's answer has no \"jobs\" list");
  }
  std::vector<JobView> jobs;
  for (const auto& entry : it->value.GetArray()) {
    if (entry.IsObject()) jobs.push_back(JobFrom(entry));
  }
  return jobs;
}

bool ApplyJobEvent(std::string_view line, JobView& job) {
  constexpr std::size_t kKeptLogLines = 200;
  rapidjson::Document event;
  event.Parse(line.data(), line.size());
  if (event.HasParseError() || !event.IsObject()) return false;
  const std::string type = GetString(event, "event");
  if (type == "job") {
    JobView full = JobFrom(event);
    if (full.id.empty()) return false;
    full.token = job.token;
    job = std::move(full);
  } else if (type == "state") {
    job.state = GetString(event, "state");
    job.step = GetString(event, "step");
    job.error = GetString(event, "error");
    job.image_id = GetString(event, "image_id");
    job.container_id = GetString(event, "container_id");
  } else if (type == "step") {
    job.step = GetString(event, "step");
  } else if (type == "log") {
    job.log.push_back(GetString(event, "line"));
    if (job.log.size() > kKeptLogLines) job.log.erase(job.log.begin());
  } else {
    return false;
  }
  return true;
}

std::string ErrorMessageOf(const HttpResponse& response) {
  rapidjson::Document document;
  document.Parse(response.body.data(), response.body.size());
  if (!document.HasParseError() && document.IsObject()) {
    std::string error = GetString(document, "error");
    if (!error.empty()) return error;
  }
  constexpr std::size_t kShown = 200;
  std::string text = response.body.substr(0, kShown);
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text.empty() ? "(empty answer)" : text;
}

HookClient::HookClient(HookUrl url, std::string secret,
                       std::unique_ptr<deliveryhook::engine::Transport> transport,
                       deliveryhook::webhook::Clock clock)
    : url_(std::move(url)),
      secret_(std::move(secret)),
      transport_(std::move(transport)),
      clock_(std::move(clock)) {}

HookClient HookClient::OverCurl(HookUrl url, std::string secret, std::string ca_file) {
  deliveryhook::engine::Endpoint endpoint;
  endpoint.kind = deliveryhook::engine::Endpoint::Kind::kTcp;
  endpoint.host = url.host;
  endpoint.port = url.port;
  endpoint.tls = url.tls;
  deliveryhook::engine::TransportOptions options;
  options.connect_timeout = std::chrono::seconds(5);
  options.request_timeout = std::chrono::seconds(30);
  options.ca_file = std::move(ca_file);
  options.peer_name = "the hook at " + url.ToString();
  auto transport = deliveryhook::engine::MakeCurlTransport(endpoint, options);
  HookClient client(std::move(url), std::move(secret), std::move(transport));
  client.make_stream_transport_ = [endpoint, options](std::chrono::seconds timeout) {
    deliveryhook::engine::TransportOptions stream_options = options;
    stream_options.request_timeout = std::max(timeout, std::chrono::seconds(1));
    return deliveryhook::engine::MakeCurlTransport(endpoint, stream_options);
  };
  return client;
}

deliveryhook::Result<HttpResponse> HookClient::FollowJobEvents(
    const std::string& id, const std::string& token, std::chrono::seconds timeout,
    const deliveryhook::engine::BodyChunkCallback& on_chunk) {
  HttpRequest request;
  request.method = "GET";
  request.target = url_.prefix + "/jobs/" + id + "/events?format=ndjson";
  request.headers = {{"Authorization", "Bearer " + token}, {"Accept", "application/x-ndjson"}};
  if (!make_stream_transport_) return transport_->Send(request, on_chunk);
  return make_stream_transport_(timeout)->Send(request, on_chunk);
}

deliveryhook::Result<HttpResponse> HookClient::Trigger(std::string_view action,
                                                       const std::string& body) {
  const SignatureHeaders signed_headers = SignMessage(secret_, body, clock_());
  HttpRequest request;
  request.method = "POST";
  request.target = url_.prefix + "/" + std::string(action);
  request.headers = {{"Content-Type", "application/json"},
                     {"X-Timestamp", signed_headers.timestamp},
                     {"X-Signature", signed_headers.signature}};
  request.body = body;
  return Send(request);
}

deliveryhook::Result<HttpResponse> HookClient::GetJob(const std::string& id,
                                                      const std::string& token) {
  HttpRequest request;
  request.method = "GET";
  request.target = url_.prefix + "/jobs/" + id;
  request.headers = {{"Authorization", "Bearer " + token}};
  return Send(request);
}

deliveryhook::Result<HttpResponse> HookClient::ListJobs() {
  const SignatureHeaders signed_headers = SignMessage(secret_, "/jobs", clock_());
  HttpRequest request;
  request.method = "GET";
  request.target = url_.prefix + "/jobs";
  request.headers = {{"X-Timestamp", signed_headers.timestamp},
                     {"X-Signature", signed_headers.signature}};
  return Send(request);
}

}  // namespace deliveryhook::app::cli
