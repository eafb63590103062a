// The networks and volumes a service needs that do not exist yet, created as
// `docker compose up` creates them (compose's ensureNetworks and
// ensureProjectVolumes, pkg/compose/create.go).
//
//   PlanProjectResources   inspects each network and volume the service
//                          uses; fails, changing nothing, on an external one
//                          that is missing or a same-named network compose
//                          would refuse; lists the ones to create
//   CreateProjectResources creates them, networks first, right before the
//                          new container is created
//
// What a created network or volume carries: the definition (driver,
// driver_opts, ipam, internal, attachable, enable_ipv4/6), the user's labels
// and compose's `com.docker.compose.network` (or `.volume`) = the key,
// `.project`, `.version` (the running container's compose release), and
// from compose 2.31.0 (networks) / 2.32.0 (volumes) `.config-hash`. An
// existing network or volume is used as it is, as compose uses one whose
// hash label is absent or equal.
#ifndef DELIVERYHOOK_DEPLOY_PROJECT_RESOURCES_H_
#define DELIVERYHOOK_DEPLOY_PROJECT_RESOURCES_H_

#include <string>
#include <vector>

#include "deliveryhook/compose/project.h"
#include "deliveryhook/deploy/deployer.h"
#include "deliveryhook/engine/engine_api.h"
#include "deliveryhook/result.h"

namespace deliveryhook::deploy {

inline constexpr char kNetworkLabel[] = "com.docker.compose.network";
inline constexpr char kVolumeLabel[] = "com.docker.compose.volume";

// The labels compose writes on the networks and volumes it creates.
struct ResourceLabelInputs {
  std::string project;
  std::string version_label;  // the value of com.docker.compose.version
  compose::ComposeVersion compose_version;
};

// The POST /networks/create body compose sends for `network`, with the
// fields of the Go client's network.CreateRequest in its order.
std::string NetworkCreateBody(const compose::Network& network, const ResourceLabelInputs& labels,
                              const std::string& api_version);
// The POST /volumes/create body compose sends for `volume`.
std::string VolumeCreateBody(const compose::Volume& volume, const ResourceLabelInputs& labels);

struct ResourcePlan {
  struct ToCreate {
    std::string name;  // the engine's name, e.g. "app_front"
    std::string body;  // the create body
  };
  std::vector<ToCreate> networks;
  std::vector<ToCreate> volumes;
};

// The networks (unless network_mode is set) and named volumes `service`
// uses that are missing. kFailedPrecondition, with compose's message, for a
// missing external one ("network app_ext declared as external, but could
// not be found", "external volume \"data\" not found") and for a network of
// that name whose com.docker.compose.network label is another key.
Result<ResourcePlan> PlanProjectResources(engine::EngineApi& engine, const compose::Project& project,
                                          const compose::Service& service,
                                          const ResourceLabelInputs& labels);

// Creates what the plan lists; the first failure ends it (what was created
// stays, as compose leaves it: it is what `up` would create anyway).
Status CreateProjectResources(engine::EngineApi& engine, const ResourcePlan& plan,
                              const ProgressSink& progress);

}  // namespace deliveryhook::deploy

#endif  // DELIVERYHOOK_DEPLOY_PROJECT_RESOURCES_H_
