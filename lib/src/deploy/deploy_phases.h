// The phases of a deploy, each a function of what the one before gave it:
//
//   LoadService    the running container and the compose service it runs
//   AcquireImage   pull or build (as the action and pull_policy say)
//   VerifyImage    the image acquired, and its digest when one is pinned
//   PlanContainer  the new container's definition, or "unchanged"
//   PointTagAtPin  a pinned image becomes what the compose tag names
//   (then the swap, swap.h, and the dependants, dependants.h)
//
// Deployer::Deploy runs them in order. Nothing before the swap changes a
// container; only AcquireImage and PointTagAtPin move an image tag, which
// TagRestoredUnlessDisarmed points back when the deploy ends before the
// swap.
#ifndef DELIVERYHOOK_DEPLOY_DEPLOY_PHASES_H_
#define DELIVERYHOOK_DEPLOY_DEPLOY_PHASES_H_

#include <string>

#include "deliveryhook/compose/project.h"
#include "deliveryhook/deploy/deployer.h"
#include "deliveryhook/engine/engine_api.h"
#include "deliveryhook/result.h"
#include "deploy/image_pin.h"
#include "deploy/swap.h"

namespace deliveryhook::deploy {

// The service as its compose files define it now, and its running container.
struct LoadedService {
  Target target;
  engine::ContainerInfo old_container;
  compose::Project project;
  std::string service_name;
  // The reference the service's containers are created from: its `image`,
  // or compose's "<project>-<service>" for one that is only built.
  std::string image;

  const compose::Service& service() const { return *project.FindService(service_name); }
};

// Inspects `target`'s container and loads its compose project with
// `environment`. kNotFound when the files no longer define the service; the
// loader's error for a file that does not load or a key the hook cannot
// reproduce.
Result<LoadedService> LoadService(engine::EngineApi& engine, const Target& target,
                                  const compose::Environment& environment);

// Pulls (Action::kPull) or builds (kBuild) the service's image; kRecreate
// takes the local one. pull_policy `never` takes the local image and
// `build` builds instead of pulling, as compose's up does. Returns what to
// inspect and verify next.
Result<PullPlan> AcquireImage(engine::EngineApi& engine, const LoadedService& loaded,
                              Action action, const ProgressSink& progress);

// The acquired image; fails when a pinned digest is not among its
// RepoDigests.
Result<engine::ImageInfo> VerifyImage(engine::EngineApi& engine, const PullPlan& plan,
                                      const ProgressSink& progress);

// What replaces the old container. `unchanged` when the old container
// already runs this image and configuration (compose's up -d would do
// nothing); `swap` is then empty.
struct ContainerPlan {
  bool unchanged = false;
  SwapPlan swap;
};
Result<ContainerPlan> PlanContainer(engine::EngineApi& engine, const LoadedService& loaded,
                                    const engine::ImageInfo& image,
                                    const DeployerOptions& options, const ProgressSink& progress);

// With a pinned image, points the compose tag at it (verified, about to
// run); otherwise does nothing.
Status PointTagAtPin(engine::EngineApi& engine, const PullPlan& plan,
                     const engine::ImageInfo& image, const std::string& compose_image,
                     const ProgressSink& progress);

// A pull or build by tag moves the service's tag to the new image while the
// old container still runs the old one. A deploy that ends before its swap
// (a digest that does not match, a definition that cannot be built, a stop)
// points the tag back, or `docker compose up -d` would deploy what this
// deploy refused. The swap restores it itself, so it is disarmed there.
class TagRestoredUnlessDisarmed {
 public:
  TagRestoredUnlessDisarmed(engine::EngineApi& engine, const engine::ContainerInfo& old_container,
                            const ProgressSink& progress)
      : engine_(engine), old_container_(old_container), progress_(progress) {}
  TagRestoredUnlessDisarmed(const TagRestoredUnlessDisarmed&) = delete;
  TagRestoredUnlessDisarmed& operator=(const TagRestoredUnlessDisarmed&) = delete;
  ~TagRestoredUnlessDisarmed();
  void Disarm() { armed_ = false; }

 private:
  engine::EngineApi& engine_;
  const engine::ContainerInfo& old_container_;
  const ProgressSink& progress_;
  bool armed_ = true;
};

}  // namespace deliveryhook::deploy

#endif  // DELIVERYHOOK_DEPLOY_DEPLOY_PHASES_H_
