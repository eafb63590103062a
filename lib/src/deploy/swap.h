// The swap: replacing a service's container by a new one, and undoing that
// when the new one fails. The rest of a deploy (loading the project, the
// image, the container's definition) happens before; nothing here reads a
// compose file.
//
// Stop-first (compose's order):
//   CreateContainer(temporary name), [ConnectNetwork...], [CopyToContainer...],
//   StopContainer(old), RenameContainer(old -> aside name),
//   RenameContainer(new -> service's name), StartContainer(new),
//   InspectContainer(new) until verified, RemoveContainer(old).
// Start-first:
//   CreateContainer(temporary name), [ConnectNetwork...], [CopyToContainer...],
//   StartContainer(new),
//   InspectContainer(new) until verified, StopContainer(old),
//   RenameContainer(old -> aside), RenameContainer(new -> name),
//   RemoveContainer(old).
// A start-first swap whose old container was removed by someone else while
// the new one was verified (a `docker compose up -d` run meanwhile does so)
// gives the new one the service's name and succeeds.
//
// A failure to create the new container changes nothing on the host.
// A failure before the old container was stopped abandons the swap: the new
// container is removed (and, if its stop was tried, the old one started).
// A failure after rolls back: the new container is removed, the old one gets
// its name back and is started if it was running. All three point the
// service's image tag, which the pull or build moved, back at the old
// container's image, so that compose's next `up -d` keeps the old one too. A rolled-back error is
// Error::rolled_back(); a rollback or abandon step that fails is named in the
// error, with what it left on the host, and the error is not rolled_back().
#ifndef DELIVERYHOOK_DEPLOY_SWAP_H_
#define DELIVERYHOOK_DEPLOY_SWAP_H_

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "deliveryhook/deploy/deployer.h"
#include "deliveryhook/engine/engine_api.h"
#include "deliveryhook/result.h"
#include "deploy/container_spec.h"
#include "deploy/swap_order.h"

namespace deliveryhook::deploy {

// Everything a swap needs, gathered before anything on the host changes.
struct SwapPlan {
  engine::ContainerInfo old_container;
  std::string container_name;   // the service container's name
  std::string image_id;         // the new container's image
  ContainerSpec spec;           // the new container's definition
  std::string image_reference;  // the service's image, which now names image_id
  SwapOrder order = SwapOrder::kStopFirst;
  // How long a new container must keep running; how long one with a
  // healthcheck may take to become healthy.
  std::chrono::milliseconds settle_time{1000};
  std::chrono::milliseconds health_timeout{120000};
};

// Runs the swap, telling `events` its steps (kVerifying, kRollingBack),
// checkpoints and log lines, and asking it whether to abort between steps;
// returns the id of the container now serving under the
// service's name.
Result<std::string> RunSwap(engine::EngineApi& engine, const SwapPlan& plan,
                            const ProgressSink& events);

}  // namespace deliveryhook::deploy

#endif  // DELIVERYHOOK_DEPLOY_SWAP_H_
