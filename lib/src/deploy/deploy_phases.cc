#include "deploy/deploy_phases.h"

#include <rapidjson/document.h>

#include <map>
#include <utility>
#include <vector>

#include "deploy/compose_labels.h"
#include "deploy/container_spec.h"
#include "deploy/image_pin.h"
#include "deploy/image_tag.h"
#include "deploy/progress.h"
#include "deploy/swap_names.h"
#include "deploy/swap_order.h"

namespace deliveryhook::deploy {
namespace {

std::vector<ExistingMount> MountsOf(const engine::ContainerInfo& container) {
  std::vector<ExistingMount> mounts;
  rapidjson::Document inspect;
  inspect.Parse(container.raw_json.c_str());
  if (inspect.HasParseError() || !inspect.HasMember("Mounts") || !inspect["Mounts"].IsArray()) {
    return mounts;
  }
  auto text = [](const rapidjson::Value& v, const char* key) -> std::string {
    return v.HasMember(key) && v[key].IsString() ? v[key].GetString() : "";
  };
  for (const auto& m : inspect["Mounts"].GetArray()) {
    mounts.push_back({text(m, "Type"), text(m, "Name"), text(m, "Source"), text(m, "Destination")});
  }
  return mounts;
}

// compose leaves a running container alone when its config hash and image
// are those it would create now.
bool IsUpToDate(const engine::ContainerInfo& container,
                const std::map<std::string, std::string>& wanted_labels) {
  if (!container.state.running) return false;
  for (const char* key : {kConfigHashLabel, kImageLabel}) {
    auto have = container.labels.find(key);
    if (have == container.labels.end() || have->second != wanted_labels.at(key)) return false;
  }
  return true;
}

// Service name -> id of its first container by name, as compose resolves
// `service:x` references.
std::map<std::string, std::string> FirstContainerOfEachService(engine::EngineApi& client,
                                                               const std::string& project) {
  std::map<std::string, std::pair<std::string, std::string>> first;  // service -> (name, id)
  if (auto siblings = client.ListContainers({std::string(kProjectLabel) + "=" + project})) {
    for (const auto& sibling : *siblings) {
      auto service = sibling.labels.find(kServiceLabel);
      if (service == sibling.labels.end() || ParseSwapName(sibling.name)) continue;
      auto [it, added] = first.try_emplace(service->second, sibling.name, sibling.id);
      if (!added && sibling.name < it->second.first) it->second = {sibling.name, sibling.id};
    }
  }
  std::map<std::string, std::string> ids;
  for (const auto& [service, name_and_id] : first) ids.emplace(service, name_and_id.second);
  return ids;
}

// Service name -> names of all its containers, for compose's `links`.
std::map<std::string, std::vector<std::string>> ContainerNamesOfEachService(
    engine::EngineApi& client, const std::string& project) {
  std::map<std::string, std::vector<std::string>> names;
  if (auto siblings = client.ListContainers({std::string(kProjectLabel) + "=" + project,
                                             std::string(kOneoffLabel) + "=False"})) {
    for (const auto& sibling : *siblings) {
      auto service = sibling.labels.find(kServiceLabel);
      if (service == sibling.labels.end() || ParseSwapName(sibling.name)) continue;
      names[service->second].push_back(sibling.name);
    }
  }
  return names;
}

// The service's canonical `pull_policy` ("" when unset).
std::string PullPolicyOf(const compose::Service& service) {
  rapidjson::Document json;
  json.Parse(service.canonical_json.c_str());
  if (json.HasParseError() || !json.IsObject() || !json.HasMember("pull_policy") ||
      !json["pull_policy"].IsString()) {
    return {};
  }
  return json["pull_policy"].GetString();
}

// The service with `"network_mode|ipc|pid":"service:x"` replaced by
// `"container:<id of x>"` in its canonical JSON, as compose resolves them
// before hashing. The JSON is compact, so the replacement is exact.
compose::Service WithServiceReferencesResolved(const compose::Service& service,
                                               const std::map<std::string, std::string>& ids) {
  compose::Service resolved = service;
  for (const char* key : {"network_mode", "ipc", "pid"}) {
    for (const auto& [other, id] : ids) {
      const std::string from = std::string("\"") + key + "\":\"service:" + other + "\"";
      const std::string to = std::string("\"") + key + "\":\"container:" + id + "\"";
      if (auto at = resolved.canonical_json.find(from); at != std::string::npos) {
        resolved.canonical_json.replace(at, from.size(), to);
      }
    }
  }
  resolved.canonical_json = ResolveVolumesFrom(resolved.canonical_json, ids);
  return resolved;
}

bool Pinned(const Target& target) { return !target.image.empty() || !target.digest.empty(); }

Status Pull(engine::EngineApi& engine, const LoadedService& loaded, PullPlan& plan,
            const ProgressSink& progress) {
  const compose::Service& service = loaded.service();
  if (service.image.empty()) {
    return Error(ErrorCode::kFailedPrecondition,
                 "service \"" + service.name + "\" has no image to pull; use /build");
  }
  auto planned = PlanPull(loaded.image, loaded.target.image, loaded.target.digest);
  if (!planned) return planned.error();
  plan = std::move(*planned);
  // A digest names one image for good: one already here with that digest
  // is the image the registry would send (a rollback works while the
  // registry is down); only when it is gone is it pulled by digest.
  if (!plan.digest.empty() && plan.pull_reference.find('@') != std::string::npos) {
    if (auto local = engine.InspectImage(plan.pull_reference);
        local && VerifyDigest(plan, local->repo_digests)) {
      Log(progress, plan.pull_reference + " is here already: not pulling it");
      return Ok();
    }
  }
  Report(progress, Step::kPulling);
  auto on_progress = [&](const engine::ProgressEvent& event) {
    Log(progress, event.id.empty() ? event.status : event.id + ": " + event.status);
  };
  if (auto pulled = engine.PullImage(plan.pull_reference, on_progress,
                                     ServicePlatform(loaded.project, service));
      !pulled) {
    return pulled.error().WithContext("pull " + plan.pull_reference);
  }
  return Ok();
}

Status Build(engine::EngineApi& engine, const LoadedService& loaded, const ProgressSink& progress) {
  const compose::Service& service = loaded.service();
  if (!service.build) {
    return Error(ErrorCode::kFailedPrecondition,
                 "service \"" + service.name + "\" has no build section; use /pull");
  }
  Report(progress, Step::kBuilding);
  engine::BuildOptions build;
  build.context_dir = service.build->context;
  build.dockerfile = service.build->dockerfile;
  build.tags = {loaded.image};
  build.build_args = service.build->args;
  build.target = service.build->target;
  build.labels = {{"com.docker.compose.project", loaded.project.name},
                  {"com.docker.compose.service", service.name}};
  auto on_progress = [&](const engine::ProgressEvent& event) {
    Log(progress, event.id.empty() ? event.status : event.id + ": " + event.status);
  };
  if (auto built = engine.BuildImage(build, on_progress); !built) {
    return built.error().WithContext("build " + loaded.image);
  }
  return Ok();
}

}  // namespace

Result<LoadedService> LoadService(engine::EngineApi& engine, const Target& target,
                                  const compose::Environment& environment) {
  auto old_container = engine.InspectContainer(target.container_id);
  if (!old_container) return old_container.error().WithContext("inspect the running container");
  compose::LoadOptions load;
  load.config_files = target.config_files;
  load.working_dir = target.working_dir;
  load.project_name = target.project;
  load.environment = environment;
  load.env_files = target.env_files;
  auto project = compose::LoadProject(load);
  if (!project) return project.error();
  const compose::Service* service = project->FindService(target.service);
  if (service == nullptr) {
    return Error(ErrorCode::kNotFound,
                 "the compose files no longer define service \"" + target.service + "\"");
  }
  if (auto supported = compose::CheckSupported(*project, *service); !supported) {
    return supported.error();
  }
  std::string image = service->image.empty() ? project->name + "-" + service->name : service->image;
  return LoadedService{target, std::move(*old_container), std::move(*project), target.service,
                       std::move(image)};
}

Result<PullPlan> AcquireImage(engine::EngineApi& engine, const LoadedService& loaded,
                              Action action, const ProgressSink& progress) {
  const compose::Service& service = loaded.service();
  PullPlan plan{loaded.image, {}, {}, false};
  // pull_policy `never` and `build`: compose's up never pulls such a service;
  // nor does the hook. `build` builds instead, `never` takes the local image.
  // Every other policy pulls, as the request says a new image exists.
  const std::string pull_policy = PullPolicyOf(service);
  const bool never_pulled = pull_policy == "never" || pull_policy == "build";
  if (action == Action::kPull && never_pulled) {
    if (Pinned(loaded.target)) {
      return Error(ErrorCode::kInvalidArgument,
                   "service \"" + service.name + "\" has pull_policy " + pull_policy +
                       ": a pinned image or digest cannot be pulled");
    }
    Log(progress, "pull_policy " + pull_policy + ": not pulling " + loaded.image);
    if (pull_policy == "build" && service.build) action = Action::kBuild;
  }
  if (action == Action::kPull && !never_pulled) {
    if (auto pulled = Pull(engine, loaded, plan, progress); !pulled) return pulled.error();
  } else if (Pinned(loaded.target)) {
    return Error(ErrorCode::kInvalidArgument, "a pinned image or digest can only be pulled");
  } else if (action == Action::kBuild) {
    if (auto built = Build(engine, loaded, progress); !built) return built.error();
  }
  return plan;
}

Result<engine::ImageInfo> VerifyImage(engine::EngineApi& engine, const PullPlan& plan,
                                      const ProgressSink& progress) {
  auto image = engine.InspectImage(plan.pull_reference);
  if (!image) return image.error().WithContext("inspect image " + plan.pull_reference);
  if (auto verified = VerifyDigest(plan, image->repo_digests); !verified) {
    return verified.error();
  }
  if (!plan.digest.empty()) Log(progress, plan.pull_reference + " has digest " + plan.digest);
  return image;
}

Result<ContainerPlan> PlanContainer(engine::EngineApi& engine, const LoadedService& loaded,
                                    const engine::ImageInfo& image,
                                    const DeployerOptions& options, const ProgressSink& progress) {
  const Target& target = loaded.target;
  const compose::Service& service = loaded.service();
  ContainerSpecInput input;
  input.service_container_ids = FirstContainerOfEachService(engine, loaded.project.name);
  input.service_container_names = ContainerNamesOfEachService(engine, loaded.project.name);
  input.container_number = target.container_number;
  // compose hashes `service:x` namespaces as the container they resolve to.
  const compose::Service resolved =
      WithServiceReferencesResolved(service, input.service_container_ids);
  LabelInputs label_inputs{&target, &resolved, image.id, loaded.old_container.id,
                           &loaded.old_container.labels};
  input.project = &loaded.project;
  input.service = &service;
  input.container_name = target.container_name;
  input.compose_labels = ComposeLabels(label_inputs);
  Log(progress, "compose " + target.compose_version.ToString() + " config hash " +
                    input.compose_labels.at(kConfigHashLabel));
  if (IsUpToDate(loaded.old_container, input.compose_labels)) {
    return ContainerPlan{true, {}};
  }
  input.api_version = engine.api_version();
  input.compose_version = target.compose_version;
  input.old_mounts = MountsOf(loaded.old_container);
  input.image_volumes = image.volumes;
  auto spec = BuildContainerSpec(input);
  if (!spec) return spec.error();

  ContainerPlan plan;
  SwapPlan& swap = plan.swap;
  swap.old_container = loaded.old_container;
  swap.container_name = target.container_name;
  swap.image_id = image.id;
  swap.spec = std::move(*spec);
  swap.image_reference = loaded.image;
  const SwapOrderChoice order = ChooseSwapOrder(service.canonical_json);
  if (!order.fallback_reason.empty()) {
    Log(progress, "order start-first is not possible, as " + order.fallback_reason +
                      ": the old container stops first");
  } else if (order.order == SwapOrder::kStartFirst) {
    Log(progress, "order start-first: the old container runs until the new one is verified");
  }
  swap.order = order.order;
  swap.settle_time = options.settle_time;
  swap.health_timeout = options.health_timeout;
  return plan;
}

Status PointTagAtPin(engine::EngineApi& engine, const PullPlan& plan,
                     const engine::ImageInfo& image, const std::string& compose_image,
                     const ProgressSink& progress) {
  if (!plan.retag) return Ok();
  Log(progress, "tagging " + plan.pull_reference + " as " + compose_image);
  if (auto tagged = engine.TagImage(image.id, compose_image); !tagged) {
    return tagged.error().WithContext("tag " + plan.pull_reference + " as " + compose_image);
  }
  return Ok();
}

TagRestoredUnlessDisarmed::~TagRestoredUnlessDisarmed() {
  if (!armed_) return;
  auto moved = PointTagAtRunningImage(engine_, old_container_);
  if (!moved) {
    Log(progress_, "could not point " + ConfigImageOf(old_container_) +
                       " back at the running container's image: " + moved.error().message());
  } else if (*moved) {
    Log(progress_, "pointed " + ConfigImageOf(old_container_) +
                       " back at the running container's image");
  }
}

}  // namespace deliveryhook::deploy
