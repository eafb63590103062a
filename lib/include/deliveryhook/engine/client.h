// A typed client for the Docker Engine REST API.
//
// Only the calls a deploy needs, each documented with its Engine API operation.
// Every URL is versioned ("/v1.41/...") with the version negotiated through
// `GET /_ping`, and every path segment and query value is escaped. Errors map
// the Engine's status to an ErrorCode (404 kNotFound, 409 kConflict, 400
// kInvalidArgument, 5xx kInternal, no answer kUnavailable) and carry the
// Engine's own `message`.
//
// Example:
//
//   auto client = engine::Client::Connect({});   // $DOCKER_HOST or the default socket
//   if (!client) return client.error();
//   auto pulled = client->PullImage("127.0.0.1:5000/app:latest", {});
//   auto image = client->InspectImage("127.0.0.1:5000/app:latest");  // image->id
//
// A Client is safe to use from several threads at once.
#ifndef DELIVERYHOOK_ENGINE_CLIENT_H_
#define DELIVERYHOOK_ENGINE_CLIENT_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "deliveryhook/engine/engine_api.h"
#include "deliveryhook/engine/transport.h"
#include "deliveryhook/engine/types.h"
#include "deliveryhook/result.h"

namespace deliveryhook::engine {

// The oldest API the client speaks (Engine 20.10) and the newest it asks for.
inline constexpr std::string_view kMinApiVersion = "1.41";
inline constexpr std::string_view kMaxApiVersion = "1.51";

// "1.41" < "1.44" as versions, not as strings.
int CompareApiVersions(std::string_view a, std::string_view b);

struct ClientOptions {
  // A DOCKER_HOST value; empty means $DOCKER_HOST, then the default socket.
  std::string docker_host;
  // Pin the API version instead of negotiating it.
  std::string api_version;
  // Folder holding config.json for registry credentials; empty means
  // $DOCKER_CONFIG, then $HOME/.docker.
  std::string docker_config_dir;
  TransportOptions transport;
};

// The EngineApi over HTTP, plus the calls only tools need (ping).
class Client final : public EngineApi {
 public:
  // Reads ClientOptions, makes the curl transport and negotiates the API
  // version with GET /_ping. Fails with kUnavailable when no engine answers,
  // kFailedPrecondition when the engine is older than kMinApiVersion. A
  // pinned options.api_version skips negotiation but still pings.
  static Result<Client> Connect(const ClientOptions& options);
  // The same over a given transport (options.docker_host and .transport are
  // not used). For tests and for callers that bring their own transport.
  static Result<Client> Connect(std::shared_ptr<Transport> transport, const ClientOptions& options);

  // For tests: a client over any transport, with a fixed API version and no
  // I/O. An empty docker_config_dir means $DOCKER_CONFIG, then $HOME/.docker.
  Client(std::shared_ptr<Transport> transport, std::string api_version,
         std::string docker_config_dir = {});

  const std::string& api_version() const override { return api_version_; }

  // GET /_ping (unversioned): the engine's newest API version (header
  // "Api-Version"), read even from an error answer that carries it.
  Result<std::string> Ping();

  // GET /containers/json?all=1&filters=...  label filters are "key" or "key=value".
  Result<std::vector<ContainerSummary>> ListContainers(
      const std::vector<std::string>& label_filters, bool all = true) override;
  // GET /containers/{id}/json
  Result<ContainerInfo> InspectContainer(std::string_view id_or_name) override;
  // POST /containers/create?name=...[&platform=]  body is the JSON create
  // config. Returns the id. `platform` (e.g. "linux/amd64") only when given.
  Result<std::string> CreateContainer(std::string_view name, std::string_view body_json,
                                      std::string_view platform = {}) override;
  // POST /containers/{id}/start  (304 "already started" is success)
  Status StartContainer(std::string_view id) override;
  // POST /containers/{id}/stop[?t=]  (304 "already stopped" is success)
  Status StopContainer(std::string_view id, std::optional<int> timeout_seconds = {}) override;
  // POST /containers/{id}/restart[?t=]  stops (if running), then starts.
  Status RestartContainer(std::string_view id, std::optional<int> timeout_seconds = {}) override;
  // DELETE /containers/{id}?force=&v=
  Status RemoveContainer(std::string_view id, bool force = false,
                         bool remove_volumes = false) override;
  // POST /containers/{id}/rename?name=
  Status RenameContainer(std::string_view id, std::string_view new_name) override;
  // PUT /containers/{id}/archive?path=[&copyUIDGID=true]  extracts the tar
  // `tar` into the (created or running) container under `path`.
  Status CopyToContainer(std::string_view id, std::string_view path, std::string tar,
                         bool copy_uid_gid) override;

  // GET /images/{name}/json
  Result<ImageInfo> InspectImage(std::string_view reference) override;
  // POST /images/create?fromImage=&tag=  always names the tag or digest, sends
  // X-Registry-Auth from the docker config, and fails on an error line inside
  // a 200 stream. `platform` (e.g. "linux/arm64") is sent when given.
  Status PullImage(std::string_view reference, const ProgressCallback& on_progress,
                   std::string_view platform = {}) override;
  // POST /images/{image}/tag?repo=&tag=  points `reference` (which must
  // name a tag, not a digest) at the image `image_id`.
  Status TagImage(std::string_view image_id, std::string_view reference) override;
  // POST /build  with the context as a tar (honouring .dockerignore). Returns
  // the new image id.
  Result<std::string> BuildImage(const BuildOptions& options,
                                 const ProgressCallback& on_progress) override;

  // GET /networks/{id}/json  raw JSON.
  Result<std::string> InspectNetwork(std::string_view id_or_name) override;
  // POST /networks/create  body JSON; returns the id.
  Result<std::string> CreateNetwork(std::string_view body_json) override;
  // POST /networks/{id}/connect  {"Container": id, "EndpointConfig": ...}
  Status ConnectNetwork(std::string_view network, std::string_view container_id,
                        std::string_view endpoint_config_json) override;
  // GET /volumes/{name}  raw JSON.
  Result<std::string> InspectVolume(std::string_view name) override;
  // POST /volumes/create  body JSON.
  Status CreateVolume(std::string_view body_json) override;

 private:
  Result<HttpResponse> Call(std::string_view method, std::string target,
                            std::string body = {},
                            std::vector<std::pair<std::string, std::string>> headers = {},
                            const BodyChunkCallback& on_chunk = {});

  std::shared_ptr<Transport> transport_;
  std::string api_version_;
  std::string docker_config_dir_;
};

}  // namespace deliveryhook::engine

#endif  // DELIVERYHOOK_ENGINE_CLIENT_H_
