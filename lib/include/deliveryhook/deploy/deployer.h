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
#include "deliveryhook/engine/client.h"  // for callers, as in the example above
#include "deliveryhook/engine/engine_api.h"
#include "deliveryhook/result.h"

namespace deliveryhook::deploy {

// kRecreate uses the image the service's reference names locally, as it is.
enum class Action { kPull, kBuild, kRecreate };
std::string_view ToString(Action action);  // "pull", "build", "recreate"

// Which service to redeploy: a container name, or a project and service.
struct TargetSelector {
  std::string container_name;
  std::string project;
  std::string service;
  // Optional, for Action::kPull only: the image to deploy instead of the tag
  // the compose file names, as a tag or digest reference of the same
  // repository ("127.0.0.1:5000/app:v2", "127.0.0.1:5000/app@sha256:<hex>").
  // It is pulled, then the service's compose tag is pointed at it, so the
  // container keeps compose's image reference and config hash.
  std::string image = {};
  // Optional "sha256:<64 hex>": the pulled image must carry this registry
  // digest for its repository (its RepoDigests), or the deploy fails before
  // anything on the host changes.
  std::string digest = {};
};

// Checks the syntax of TargetSelector::image and ::digest (either may be
// empty): kInvalidArgument with a message naming the field, e.g.
//   "digest" must be "sha256:" followed by 64 lowercase hex digits
Status CheckPinSyntax(std::string_view image, std::string_view digest);

// A compose service container found on the engine, with what its labels say.
struct Target {
  std::string container_id;
  std::string container_name;
  std::string project;
  std::string service;
  std::string working_dir;
  std::vector<std::string> config_files;
  std::vector<std::string> env_files;  // from com.docker.compose.project.environment_file
  compose::ComposeVersion compose_version;
  int container_number = 1;
  std::string image;   // the selector's pin, if any
  std::string digest;  // the selector's expected digest, if any
  std::map<std::string, std::string> labels;  // all of the container's labels
};

// The steps a deploy goes through, as ProgressSink::on_step names them (the
// job's "step"): ToString gives "loading", "pulling", "building",
// "unchanged", "recreating", "verifying", "rolling back",
// "restarting dependants".
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

// The points of a swap right after a step that changed the host, as
// ProgressSink::on_checkpoint names them: "created", "stopped",
// "moved_aside", "renamed", "started".
enum class Checkpoint { kCreated, kStopped, kMovedAside, kRenamed, kStarted };
std::string_view ToString(Checkpoint checkpoint);

// Receives what a deploy is doing, for job status and logs.
struct ProgressSink {
  std::function<void(std::string_view step)> on_step;  // ToString(Step): "pulling", ...
  std::function<void(std::string_view line)> on_log;    // one line of progress
  // Called right after each step that changes the host, with
  // ToString(Checkpoint): "created", "stopped", "moved_aside", "renamed",
  // "started". A seam for crash tests.
  std::function<void(std::string_view checkpoint)> on_checkpoint;
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
};

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
  void RestartDependants(const compose::Project& project, const std::string& service_name,
                         const ProgressSink& progress);
  void RecreateNamespaceDependants(const compose::Project& project,
                                   const std::string& service_name, const ProgressSink& progress);

  engine::EngineApi& client_;
  DeployerOptions options_;
};

}  // namespace deliveryhook::deploy

#endif  // DELIVERYHOOK_DEPLOY_DEPLOYER_H_
