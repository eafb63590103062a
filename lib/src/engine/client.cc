#include "deliveryhook/engine/client.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <charconv>
#include <utility>

#include "engine/build_context.h"
#include "engine/http_error.h"
#include "engine/json_stream.h"
#include "engine/reference.h"
#include "engine/registry_auth.h"
#include "engine/url.h"
#include "engine/version.h"
#include "util/json_fields.h"

namespace deliveryhook::engine {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr size_t kMaxErrorBody = 64 * 1024;

bool IsSuccess(int status) { return status >= 200 && status < 300; }

using util::FindObject;
using util::GetString;

std::map<std::string, std::string> StringMap(const rapidjson::Value* object) {
  std::map<std::string, std::string> out;
  if (object == nullptr) return out;
  for (const auto& member : object->GetObject()) {
    if (!member.value.IsString()) continue;
    out.emplace(std::string(member.name.GetString(), member.name.GetStringLength()),
                std::string(member.value.GetString(), member.value.GetStringLength()));
  }
  return out;
}

std::string StripSlash(std::string name) {
  if (!name.empty() && name.front() == '/') name.erase(0, 1);
  return name;
}

Result<rapidjson::Document> ParseJson(const std::string& body, std::string_view what) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError()) {
    return Error(ErrorCode::kInternal, "the Docker engine sent malformed JSON for " + std::string(what));
  }
  return doc;
}

Status CheckStatus(const HttpResponse& response) {
  if (IsSuccess(response.status)) return Ok();
  return ErrorFromResponse(response.status, response.body);
}

// 304 "already started/stopped" counts as success.
Status CheckStatusAllowNotModified(const HttpResponse& response) {
  if (response.status == 304) return Ok();
  return CheckStatus(response);
}

Result<std::string> IdFromBody(const HttpResponse& response, std::string_view what) {
  auto doc = ParseJson(response.body, what);
  if (!doc) return doc.error();
  std::string id = GetString(*doc, "Id");
  if (id.empty()) return Error(ErrorCode::kInternal, "the Docker engine returned no Id for " + std::string(what));
  return id;
}

std::string JsonStringMap(const std::map<std::string, std::string>& map) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  for (const auto& [key, value] : map) {
    writer.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
    writer.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  }
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

const Headers& JsonContent() {
  static const Headers headers = {{"Content-Type", "application/json"}};
  return headers;
}

// Runs a streaming call: the body goes through a JsonStreamParser, and is kept
// (up to a limit) in case the answer turns out to be an HTTP error.
struct StreamingCall {
  explicit StreamingCall(JsonStreamParser::Handler handler) : parser(std::move(handler)) {}

  BodyChunkCallback Callback() {
    return [this](std::string_view chunk) {
      if (raw.size() < kMaxErrorBody) raw.append(chunk.substr(0, kMaxErrorBody - raw.size()));
      parser.Feed(chunk);
    };
  }

  // The outcome once the transport returned `response`.
  Status Outcome(const Result<HttpResponse>& response) {
    if (!response) return response.error();
    if (!IsSuccess(response->status)) return ErrorFromResponse(response->status, raw);
    return parser.Finish();
  }

  JsonStreamParser parser;
  std::string raw;
};

}  // namespace

Result<Client> Client::Connect(const ClientOptions& options) {
  auto endpoint = options.docker_host.empty() ? Endpoint::FromEnvironment()
                                              : Endpoint::Parse(options.docker_host);
  if (!endpoint) return endpoint.error();
  std::shared_ptr<Transport> transport = MakeCurlTransport(*endpoint, options.transport);
  return Connect(std::move(transport), options);
}

Result<Client> Client::Connect(std::shared_ptr<Transport> transport, const ClientOptions& options) {
  if (!options.api_version.empty() && !IsApiVersion(options.api_version)) {
    return Error(ErrorCode::kInvalidArgument,
                 "invalid API version \"" + options.api_version + "\" (expected e.g. 1.41)");
  }
  Client client(std::move(transport), std::string(options.api_version), options.docker_config_dir);
  auto engine_version = client.Ping();
  if (!engine_version) return engine_version.error();
  if (options.api_version.empty()) {
    auto chosen = NegotiateApiVersion(*engine_version);
    if (!chosen) return chosen.error();
    client.api_version_ = std::move(*chosen);
  }
  return client;
}

Client::Client(std::shared_ptr<Transport> transport, std::string api_version, std::string docker_config_dir)
    : transport_(std::move(transport)),
      api_version_(std::move(api_version)),
      docker_config_dir_(ResolveDockerConfigDir(docker_config_dir)) {}

Result<HttpResponse> Client::Call(std::string_view method, std::string target, std::string body,
                                  std::vector<std::pair<std::string, std::string>> headers,
                                  const BodyChunkCallback& on_chunk) {
  HttpRequest request;
  request.method = std::string(method);
  request.target = "/v" + api_version_ + target;
  request.headers = std::move(headers);
  request.body = std::move(body);
  return transport_->Send(request, on_chunk);
}

Result<std::string> Client::Ping() {
  HttpRequest request{"GET", "/_ping", {}, {}};
  auto response = transport_->Send(request);
  if (!response) return response.error();
  // The engine names its version even when it answers an error.
  std::string version(response->Header("api-version"));
  if (!version.empty()) return version;
  if (!IsSuccess(response->status)) return ErrorFromResponse(response->status, response->body);
  return Error(ErrorCode::kFailedPrecondition, "the Docker engine did not report its API version");
}

Result<std::vector<ContainerSummary>> Client::ListContainers(const std::vector<std::string>& label_filters,
                                                             bool all) {
  Query query;
  if (all) query.Add("all", "1");
  if (!label_filters.empty()) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    writer.StartObject();
    writer.Key("label");
    writer.StartArray();
    for (const auto& filter : label_filters) {
      writer.String(filter.data(), static_cast<rapidjson::SizeType>(filter.size()));
    }
    writer.EndArray();
    writer.EndObject();
    query.Add("filters", std::string_view(buffer.GetString(), buffer.GetSize()));
  }
  auto response = Call("GET", "/containers/json" + query.Encode());
  if (!response) return response.error();
  if (auto status = CheckStatus(*response); !status) return status.error();
  auto doc = ParseJson(response->body, "the container list");
  if (!doc) return doc.error();
  if (!doc->IsArray()) return Error(ErrorCode::kInternal, "the Docker engine's container list is not an array");

  std::vector<ContainerSummary> containers;
  for (const auto& item : doc->GetArray()) {
    ContainerSummary summary;
    summary.id = GetString(item, "Id");
    if (const auto names = item.FindMember("Names");
        names != item.MemberEnd() && names->value.IsArray() && !names->value.Empty() &&
        names->value[0].IsString()) {
      summary.name = StripSlash(names->value[0].GetString());
    }
    summary.image = GetString(item, "Image");
    summary.state = GetString(item, "State");
    summary.labels = StringMap(FindObject(item, "Labels"));
    containers.push_back(std::move(summary));
  }
  return containers;
}

Result<ContainerInfo> Client::InspectContainer(std::string_view id_or_name) {
  auto response = Call("GET", ResourcePath("containers", id_or_name, "/json"));
  if (!response) return response.error();
  if (auto status = CheckStatus(*response); !status) return status.error();
  auto doc = ParseJson(response->body, "a container");
  if (!doc) return doc.error();

  ContainerInfo info;
  info.id = GetString(*doc, "Id");
  info.name = StripSlash(GetString(*doc, "Name"));
  info.image = GetString(*doc, "Image");
  if (const auto* state = FindObject(*doc, "State")) {
    info.state.status = GetString(*state, "Status");
    if (const auto it = state->FindMember("Running"); it != state->MemberEnd() && it->value.IsBool()) {
      info.state.running = it->value.GetBool();
    }
    if (const auto it = state->FindMember("ExitCode"); it != state->MemberEnd() && it->value.IsInt()) {
      info.state.exit_code = it->value.GetInt();
    }
    if (const auto* health = FindObject(*state, "Health")) {
      info.state.health = GetString(*health, "Status");
    }
    info.state.error = GetString(*state, "Error");
  }
  if (const auto* config = FindObject(*doc, "Config")) {
    info.labels = StringMap(FindObject(*config, "Labels"));
  }
  info.raw_json = std::move(response->body);
  return info;
}

Result<std::string> Client::CreateContainer(std::string_view name, std::string_view body_json,
                                            std::string_view platform) {
  Query query;
  if (!name.empty()) query.Add("name", name);
  if (!platform.empty()) query.Add("platform", platform);
  auto response = Call("POST", "/containers/create" + query.Encode(), std::string(body_json), JsonContent());
  if (!response) return response.error();
  if (auto status = CheckStatus(*response); !status) return status.error();
  return IdFromBody(*response, "the created container");
}

Status Client::StartContainer(std::string_view id) {
  auto response = Call("POST", ResourcePath("containers", id, "/start"));
  if (!response) return response.error();
  return CheckStatusAllowNotModified(*response);
}

Status Client::StopContainer(std::string_view id, std::optional<int> timeout_seconds) {
  Query query;
  if (timeout_seconds) query.Add("t", std::to_string(*timeout_seconds));
  auto response = Call("POST", ResourcePath("containers", id, "/stop") + query.Encode());
  if (!response) return response.error();
  return CheckStatusAllowNotModified(*response);
}

Status Client::RestartContainer(std::string_view id, std::optional<int> timeout_seconds) {
  Query query;
  if (timeout_seconds) query.Add("t", std::to_string(*timeout_seconds));
  auto response = Call("POST", ResourcePath("containers", id, "/restart") + query.Encode());
  if (!response) return response.error();
  return CheckStatus(*response);
}

Status Client::RemoveContainer(std::string_view id, bool force, bool remove_volumes) {
  Query query;
  if (force) query.Add("force", "1");
  if (remove_volumes) query.Add("v", "1");
  auto response = Call("DELETE", ResourcePath("containers", id) + query.Encode());
  if (!response) return response.error();
  return CheckStatus(*response);
}

Status Client::RenameContainer(std::string_view id, std::string_view new_name) {
  auto response = Call("POST", ResourcePath("containers", id, "/rename") + Query().Add("name", new_name).Encode());
  if (!response) return response.error();
  return CheckStatus(*response);
}

Status Client::CopyToContainer(std::string_view id, std::string_view path, std::string tar, bool copy_uid_gid) {
  Query query;
  query.Add("path", path);
  if (copy_uid_gid) query.Add("copyUIDGID", "true");
  auto response = Call("PUT", ResourcePath("containers", id, "/archive") + query.Encode(), std::move(tar),
                       {{"Content-Type", "application/x-tar"}});
  if (!response) return response.error();
  return CheckStatus(*response);
}

Result<ImageInfo> Client::InspectImage(std::string_view reference) {
  auto response = Call("GET", ResourcePath("images", reference, "/json"));
  if (!response) return response.error();
  if (auto status = CheckStatus(*response); !status) return status.error();
  auto doc = ParseJson(response->body, "an image");
  if (!doc) return doc.error();
  ImageInfo info;
  info.id = GetString(*doc, "Id");
  if (const auto* config = FindObject(*doc, "Config")) {
    if (const auto* volumes = FindObject(*config, "Volumes")) {
      for (const auto& member : volumes->GetObject()) {
        info.volumes.emplace_back(member.name.GetString(), member.name.GetStringLength());
      }
    }
  }
  if (const auto it = doc->IsObject() ? doc->FindMember("RepoDigests") : doc->MemberEnd();
      doc->IsObject() && it != doc->MemberEnd() && it->value.IsArray()) {
    for (const auto& digest : it->value.GetArray()) {
      if (digest.IsString()) info.repo_digests.emplace_back(digest.GetString(), digest.GetStringLength());
    }
  }
  info.raw_json = std::move(response->body);
  return info;
}

Status Client::PullImage(std::string_view reference, const ProgressCallback& on_progress,
                         std::string_view platform) {
  auto ref = ParseImageReference(reference);
  if (!ref) return ref.error();
  auto auth = CredentialStore(docker_config_dir_).Get(ref->domain);
  if (!auth) return auth.error().WithContext("pull " + ref->String());

  Query query;
  query.Add("fromImage", ref->Name()).Add("tag", ref->TagOrDigest());
  if (!platform.empty()) query.Add("platform", platform);
  const std::string target = "/images/create" + query.Encode();
  StreamingCall stream([&](const StreamMessage& message) {
    // An error answer's {"message": ...} body also passes through here: it
    // has no status and is not progress.
    if (on_progress && message.error.empty() && !message.status.empty()) {
      on_progress(ProgressEvent{message.id, message.status, message.current, message.total});
    }
  });
  auto response = Call("POST", target, {}, {{"X-Registry-Auth", EncodeRegistryAuth(*auth)}},
                       stream.Callback());
  return stream.Outcome(response);
}

Status Client::TagImage(std::string_view image_id, std::string_view reference) {
  auto ref = ParseImageReference(reference);
  if (!ref) return ref.error();
  if (!ref->digest.empty()) {
    return Error(ErrorCode::kInvalidArgument, "cannot tag a digest reference: " + ref->String());
  }
  auto response = Call("POST", ResourcePath("images", image_id, "/tag") +
                                   Query().Add("repo", ref->Name()).Add("tag", ref->tag).Encode());
  if (!response) return response.error();
  return CheckStatus(*response);
}

Result<std::string> Client::BuildImage(const BuildOptions& options, const ProgressCallback& on_progress) {
  auto context = MakeBuildContext(options.context_dir, options.dockerfile);
  if (!context) return context.error();
  auto registries = CredentialStore(docker_config_dir_).GetAll();
  if (!registries) return registries.error().WithContext("build");

  Query query;
  for (const auto& tag : options.tags) query.Add("t", tag);
  query.Add("dockerfile", context->dockerfile);
  if (!options.build_args.empty()) query.Add("buildargs", JsonStringMap(options.build_args));
  if (!options.labels.empty()) query.Add("labels", JsonStringMap(options.labels));
  if (!options.target.empty()) query.Add("target", options.target);
  query.Add("rm", "1");
  if (options.pull) query.Add("pull", "1");
  query.Add("version", "1");  // the classic builder; BuildKit needs a session protocol

  std::string image_id;
  std::string built_line_id;
  StreamingCall stream([&](const StreamMessage& message) {
    if (!message.aux_id.empty()) image_id = message.aux_id;
    constexpr std::string_view kBuilt = "Successfully built ";
    if (const auto at = message.stream.find(kBuilt); at != std::string::npos) {
      std::string id = message.stream.substr(at + kBuilt.size());
      while (!id.empty() && (id.back() == '\n' || id.back() == '\r' || id.back() == ' ')) id.pop_back();
      built_line_id = id;
    }
    if (on_progress && message.error.empty() && (!message.stream.empty() || !message.status.empty())) {
      std::string text = message.stream.empty() ? message.status : message.stream;
      while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
      if (!text.empty()) on_progress(ProgressEvent{message.id, text, message.current, message.total});
    }
  });
  auto response = Call("POST", "/build" + query.Encode(), std::move(context->tar),
                       {{"Content-Type", "application/x-tar"},
                        {"X-Registry-Config", EncodeRegistryConfig(*registries)}},
                       stream.Callback());
  if (auto status = stream.Outcome(response); !status) return status.error();
  if (!image_id.empty()) return image_id;
  if (!built_line_id.empty()) return built_line_id;
  return Error(ErrorCode::kInternal, "the Docker engine finished the build without naming the image");
}

Result<std::string> Client::InspectNetwork(std::string_view id_or_name) {
  auto response = Call("GET", ResourcePath("networks", id_or_name));
  if (!response) return response.error();
  if (auto status = CheckStatus(*response); !status) return status.error();
  return std::move(response->body);
}

Result<std::string> Client::CreateNetwork(std::string_view body_json) {
  auto response = Call("POST", "/networks/create", std::string(body_json), JsonContent());
  if (!response) return response.error();
  if (auto status = CheckStatus(*response); !status) return status.error();
  return IdFromBody(*response, "the created network");
}

Status Client::ConnectNetwork(std::string_view network, std::string_view container_id,
                              std::string_view endpoint_config_json) {
  rapidjson::Document body(rapidjson::kObjectType);
  auto& alloc = body.GetAllocator();
  body.AddMember("Container",
                 rapidjson::Value(container_id.data(), static_cast<rapidjson::SizeType>(container_id.size()), alloc),
                 alloc);
  if (!endpoint_config_json.empty()) {
    rapidjson::Document endpoint;
    endpoint.Parse(endpoint_config_json.data(), endpoint_config_json.size());
    if (endpoint.HasParseError() || !endpoint.IsObject()) {
      return Error(ErrorCode::kInvalidArgument, "the endpoint config is not a JSON object");
    }
    body.AddMember("EndpointConfig", rapidjson::Value(endpoint, alloc), alloc);
  }
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  body.Accept(writer);
  auto response = Call("POST", ResourcePath("networks", network, "/connect"),
                       std::string(buffer.GetString(), buffer.GetSize()), JsonContent());
  if (!response) return response.error();
  return CheckStatus(*response);
}

Result<std::string> Client::InspectVolume(std::string_view name) {
  auto response = Call("GET", ResourcePath("volumes", name));
  if (!response) return response.error();
  if (auto status = CheckStatus(*response); !status) return status.error();
  return std::move(response->body);
}

Status Client::CreateVolume(std::string_view body_json) {
  auto response = Call("POST", "/volumes/create", std::string(body_json), JsonContent());
  if (!response) return response.error();
  return CheckStatus(*response);
}

}  // namespace deliveryhook::engine
