// Redeploying one Docker Compose service the way `docker compose` would.
//
// A deploy finds the service's running container, loads the compose project
// recorded on its labels, pulls or builds the new image, and only then
// replaces the container:
//
//   1. create the new container under a temporary name,
//   2. stop the old one and move it aside under a temporary name,
//   3. give the new one the service's name and start it,
//   4. check it: healthy, when the service has a healthcheck; otherwise
//      still running after a short settle time,
//   5. remove the old one.
//
// A service whose compose file says `deploy: {update_config: {order:
// start-first}}` is swapped the other way round: the new container starts
// under its temporary name and is checked while the old one still runs; then
// the old one is stopped and set aside, the new one takes the name, and the
// old one is removed. A new container that fails its check is removed and
// the old one is never touched. Compose ignores that key outside Swarm; the
// hook honours it, except for a service two of whose containers could not
// run at once (a fixed host port or address, the host's or another
// container's network), which is swapped stop-first and says so in the log.
//
// When the running container already has the image and configuration it
// would get, nothing is recreated (as `docker compose up -d` does nothing).
// If any step after 1 fails, the new container is removed and the old one gets
// its name back and is started again: the service is not left down by the
// hook, unless the engine refuses a step of that rollback too, which the
// deploy's error then names with what it left. The new container carries
// the labels, config hash, networks, aliases and mounts that the compose
// version recorded on the old container would give it, so `docker compose
// up -d` afterwards changes nothing.
//
// Example:
//
//   auto client = engine::Client::Connect({});
//   deploy::Deployer deployer(*client, {});
//   auto target = deployer.Resolve({.container_name = "my-web"});
//   if (!target) return target.error();            // kNotFound for unknown names
//   auto outcome = deployer.Deploy(*target, deploy::Action::kPull, {});
#ifndef DELIVERYHOOK_DEPLOY_DEPLOYER_H_
#define DELIVERYHOOK_DEPLOY_DEPLOYER_H_

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "deliveryhook/compose/project.h"
#include "deliveryhook/deploy/target.h"
#include "deliveryhook/engine/client.h"  // for callers, as in the example above
#include "deliveryhook/engine/engine_api.h"
#include "deliveryhook/result.h"

namespace deliveryhook::deploy {

// kRecreate uses the image the service's reference names locally, as it is.
enum class Action { kPull, kBuild, kRecreate };
std::string_view ToString(Action action);  // "pull", "build", "recreate"

// The steps a deploy goes through, as ProgressSink::on_step tells them
// (ToString gives the job's "step": "loading", "pulling", "building",
// "unchanged", "recreating", "verifying", "rolling back",
// "restarting dependants").
enum class Step {
  kLoading,
  kPulling,
  kBuilding,
  kUnchanged,
  kRecreating,
  kVerifying,
  kRollingBack,
  kRestartingDependants,
};
std::string_view ToString(Step step);

// The points of a swap right after a step that changed the host (ToString:
// "created", "stopped", "moved_aside", "renamed", "started").
enum class Checkpoint { kCreated, kStopped, kMovedAside, kRenamed, kStarted };
std::string_view ToString(Checkpoint checkpoint);

// Receives what a deploy is doing, for job status and logs. Called on the
// thread that runs Deploy(); any member may be empty.
struct ProgressSink {
  std::function<void(Step step)> on_step;
  std::function<void(std::string_view line)> on_log;  // one line of progress
  // Called right after each step that changes the host. A seam for crash
  // tests.
  std::function<void(Checkpoint checkpoint)> on_checkpoint;
  // Asked between steps; once it returns true the deploy stops as safely as
  // it can: before the swap nothing on the host has changed and the deploy
  // fails; during it the swap is rolled back (the old container serves
  // again). The error says "the hook was stopping". A pull or build under
  // way is not interrupted: the check follows it.
  std::function<bool()> should_abort = nullptr;
};

struct DeployerOptions {
  // Interpolation environment for the compose files; it should be the one the
  // user runs `docker compose` with.
  compose::Environment environment;
  // How long a new container must keep running before the old one is removed.
  std::chrono::milliseconds settle_time{1000};
  // How long a new container with a healthcheck may take to become healthy.
  std::chrono::milliseconds health_timeout{120000};
};

struct DeployOutcome {
  std::string container_id;  // the container now serving
  std::string image_id;      // the image it runs
  // image_id's registry digest for the service's repository,
  // "<repository>@sha256:..." as the engine spells it; empty when it has
  // none (a built image, or one never pulled or pushed).
  std::string repo_digest;
  // What the service ran before: the old container's image and its
  // registry digest for the repository (empty when it has none, or the
  // image is gone). The same as the above when nothing was recreated.
  std::string previous_image_id;
  std::string previous_repo_digest;
};

// Thread-safety: a Deployer holds no state of its own between calls beyond
// the engine reference and its options, so one may be shared by threads
// when the engine is (engine::Client is). Two deploys of one service must
// not overlap: jobs::JobService runs one at a time per service.
class Deployer {
 public:
  // `engine` must outlive the Deployer.
  Deployer(engine::EngineApi& engine, DeployerOptions options);

  // Finds the compose container of the selector. kNotFound when no container
  // has that name, or it was not created by compose. With a pinned image,
  // kInvalidArgument unless it names the repository of the container's
  // compose image: `"image" must be a tag or digest of <repository>`.
  Result<Target> Resolve(const TargetSelector& selector);

  // Pulls or builds, then recreates. On failure before the swap nothing on
  // the host changed; on failure after it, the old container serves again
  // and the error is rolled_back(), its message ending "; rolled back to the
  // old container". When a step of that rollback fails too, the error is
  // not rolled_back() and says so: "...; the rollback failed: could not
  // <step> (<engine's message>); left: <what remains on the host>".
  // Services that share the recreated one's network, IPC or PID namespace
  // (`network_mode: service:<it>`) are recreated afterwards, as compose does:
  // their namespace went away with the old container. Then the running
  // containers of services whose `depends_on` names the recreated one with
  // `restart: true` are restarted, as compose does; one that fails to restart
  // is logged and does not undo the verified deploy.
  Result<DeployOutcome> Deploy(const Target& target, Action action, const ProgressSink& progress);

  // Repairs what an interrupted deploy (the hook killed mid-swap) left behind,
  // so each service again has exactly one container under its name, running:
  // the new one when it had started, otherwise the old one. Call it once at
  // start, before serving. Returns one line per repair made or failed (a
  // service that cannot be repaired does not stop the others); fails only
  // when the containers cannot be listed.
  Result<std::vector<std::string>> RecoverInterrupted();

 private:
  Result<Target> ResolveMidSwap(const std::string& container_name);
  Result<Target> ResolveContainer(const TargetSelector& selector);
  // What a deploy that left `container_id` serving `image` reports.
  DeployOutcome Outcome(const std::string& container_id, const std::string& service_image,
                        const engine::ImageInfo& image, const engine::ContainerInfo& old_container);
  void RestartDependants(const compose::Project& project, const std::string& service_name,
                         const ProgressSink& progress);
  void RecreateNamespaceDependants(const compose::Project& project,
                                   const std::string& service_name, const ProgressSink& progress);

  engine::EngineApi& client_;
  DeployerOptions options_;
};

}  // namespace deliveryhook::deploy

#endif  // DELIVERYHOOK_DEPLOY_DEPLOYER_H_
