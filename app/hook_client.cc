#include "hook_client.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <charconv>
#include <utility>

namespace delivery_hook::cli {
namespace {

using deliveryhook::Error;
using deliveryhook::ErrorCode;
using deliveryhook::engine::HttpRequest;
using deliveryhook::engine::HttpResponse;

// The URL without its userinfo ("http://user:pw@host" → "http://***@host"):
// a password given in --url is never echoed.
std::string Redacted(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  const std::size_t start = scheme_end + 3;
  const auto authority_end = url.find_first_of("/?#", start);
  const std::string_view authority = url.substr(start, authority_end == std::string_view::npos
                                                           ? std::string_view::npos
                                                           : authority_end - start);
  const auto at = authority.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  return std::string(url.substr(0, start)) + "***" + std::string(url.substr(start + at));
}

Error BadUrl(std::string_view url, std::string_view why) {
  return Error(ErrorCode::kInvalidArgument,
               "invalid --url \"" + Redacted(url) + "\": " + std::string(why));
}

// JSON string contents for `text` (quotes, backslashes and control characters escaped).
std::string JsonString(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out += kHex[(c >> 4) & 0xf];
          out += kHex[c & 0xf];
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string StringMember(const rapidjson::Value& object, const char* key) {
  auto it = object.FindMember(key);
  if (it == object.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

JobView JobFrom(const rapidjson::Value& object) {
  JobView job;
  job.id = StringMember(object, "job_id");
  job.token = StringMember(object, "job_token");
  job.action = StringMember(object, "action");
  job.container_name = StringMember(object, "container_name");
  job.project = StringMember(object, "project");
  job.service = StringMember(object, "service");
  job.state = StringMember(object, "state");
  job.step = StringMember(object, "step");
  job.error = StringMember(object, "error");
  job.image_id = StringMember(object, "image_id");
  job.container_id = StringMember(object, "container_id");
  if (auto it = object.FindMember("created_at"); it != object.MemberEnd() && it->value.IsInt64()) {
    job.created_at = it->value.GetInt64();
  }
  if (auto it = object.FindMember("joined"); it != object.MemberEnd() && it->value.IsBool()) {
    job.joined = it->value.GetBool();
  }
  if (auto it = object.FindMember("log"); it != object.MemberEnd() && it->value.IsArray()) {
    for (const auto& line : it->value.GetArray()) {
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
  if (authority.find('@') != std::string_view::npos) {
    return BadUrl(url, "credentials in the URL are not supported");
  }
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return BadUrl(url, "unterminated IPv6 address");
    parsed.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return BadUrl(url, "malformed address");
      port = after.substr(1);
      if (port.empty()) return BadUrl(url, "empty port");
    }
  } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    parsed.host = std::string(authority.substr(0, colon));
    port = authority.substr(colon + 1);
    if (port.empty()) return BadUrl(url, "empty port");
  } else {
    parsed.host = std::string(authority);
  }
  if (parsed.host.empty()) return BadUrl(url, "missing host");
  if (parsed.host.find('@') != std::string::npos) return BadUrl(url, "credentials in the URL are not supported");
  if (!port.empty()) {
    int value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value <= 0 || value > 65535) {
      return BadUrl(url, "invalid port \"" + std::string(port) + "\"");
    }
    parsed.port = value;
  }
  return parsed;
}

SignatureHeaders SignMessage(std::string_view secret, std::string_view message,
                             std::int64_t unix_seconds) {
  SignatureHeaders headers;
  headers.timestamp = std::to_string(unix_seconds);
  headers.signature =
      deliveryhook::webhook::HmacSha256Hex(secret, std::string(message) + headers.timestamp);
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
  const std::string type = StringMember(event, "event");
  if (type == "job") {
    JobView full = JobFrom(event);
    if (full.id.empty()) return false;
    full.token = job.token;
    job = std::move(full);
  } else if (type == "state") {
    job.state = StringMember(event, "state");
    job.step = StringMember(event, "step");
    job.error = StringMember(event, "error");
    job.image_id = StringMember(event, "image_id");
    job.container_id = StringMember(event, "container_id");
  } else if (type == "step") {
    job.step = StringMember(event, "step");
  } else if (type == "log") {
    job.log.push_back(StringMember(event, "line"));
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
    std::string error = StringMember(document, "error");
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

}  // namespace delivery_hook::cli
