// The Engine calls a deploy makes, as an interface.
//
// deploy::Deployer and crash recovery speak to the Docker Engine only through
// EngineApi. engine::Client implements it over HTTP; unit tests implement it
// in memory, to record each call in order and to make any one of them fail.
// Each call behaves as the Client method of the same name documents (see
// engine/client.h): same arguments, same defaults, same error codes.
//
// Example:
//
//   auto client = engine::Client::Connect({});
//   engine::EngineApi& engine = *client;
//   deploy::Deployer deployer(engine, {});
//
// An implementation must be safe to use from several threads at once, as
// Client is: a Deployer may run deploys of different services side by side.
#ifndef DELIVERYHOOK_ENGINE_ENGINE_API_H_
#define DELIVERYHOOK_ENGINE_ENGINE_API_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "deliveryhook/engine/types.h"
#include "deliveryhook/result.h"

namespace deliveryhook::engine {

class EngineApi {
 public:
  virtual ~EngineApi() = default;

  // The API version the calls use, e.g. "1.41".
  virtual const std::string& api_version() const = 0;

  virtual Result<std::vector<ContainerSummary>> ListContainers(
      const std::vector<std::string>& label_filters, bool all = true) = 0;
  virtual Result<ContainerInfo> InspectContainer(std::string_view id_or_name) = 0;
  virtual Result<std::string> CreateContainer(std::string_view name, std::string_view body_json,
                                              std::string_view platform = {}) = 0;
  virtual Status StartContainer(std::string_view id) = 0;
  virtual Status StopContainer(std::string_view id,
                               std::optional<int> timeout_seconds = {}) = 0;
  virtual Status RestartContainer(std::string_view id,
                                  std::optional<int> timeout_seconds = {}) = 0;
  virtual Status RemoveContainer(std::string_view id, bool force = false,
                                 bool remove_volumes = false) = 0;
  virtual Status RenameContainer(std::string_view id, std::string_view new_name) = 0;
  virtual Status CopyToContainer(std::string_view id, std::string_view path, std::string tar,
                                 bool copy_uid_gid) = 0;
  virtual Status ConnectNetwork(std::string_view network, std::string_view container_id,
                                std::string_view endpoint_config_json) = 0;
  virtual Result<std::string> InspectNetwork(std::string_view id_or_name) = 0;
  virtual Result<std::string> CreateNetwork(std::string_view body_json) = 0;
  virtual Result<std::string> InspectVolume(std::string_view name) = 0;
  virtual Status CreateVolume(std::string_view body_json) = 0;

  virtual Result<ImageInfo> InspectImage(std::string_view reference) = 0;
  virtual Status PullImage(std::string_view reference, const ProgressCallback& on_progress,
                           std::string_view platform = {}) = 0;
  virtual Status TagImage(std::string_view image_id, std::string_view reference) = 0;
  virtual Result<std::string> BuildImage(const BuildOptions& options,
                                         const ProgressCallback& on_progress) = 0;

 protected:
  EngineApi() = default;
  EngineApi(const EngineApi&) = default;
  EngineApi(EngineApi&&) = default;
  EngineApi& operator=(const EngineApi&) = default;
  EngineApi& operator=(EngineApi&&) = default;
};

}  // namespace deliveryhook::engine

#endif  // DELIVERYHOOK_ENGINE_ENGINE_API_H_
