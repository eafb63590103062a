#include "deliveryhook/deploy/deployer.h"

#include <rapidjson/document.h>

#include <algorithm>

#include "deploy/compose_labels.h"
#include "deploy/deploy_phases.h"
#include "deploy/container_spec.h"
#include "deploy/dependants.h"
#include "deploy/image_pin.h"
#include "deploy/image_tag.h"
#include "deploy/progress.h"
#include "deploy/project_resources.h"
#include "deploy/swap.h"
#include "deploy/swap_names.h"
#include "deploy/swap_order.h"

namespace deliveryhook::deploy {
namespace {

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) parts.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return parts;
}

std::string LabelOr(const std::map<std::string, std::string>& labels, const char* key,
                    std::string fallback = {}) {
  auto it = labels.find(key);
  return it == labels.end() ? fallback : it->second;
}

Error NotFound(const std::string& what) { return Error(ErrorCode::kNotFound, what); }

// Turns the labels of a compose container into a Target.
Result<Target> TargetFromContainer(const engine::ContainerInfo& container) {
  const auto& labels = container.labels;
  if (labels.count(kProjectLabel) == 0 || labels.count(kServiceLabel) == 0 ||
      labels.count(kConfigFilesLabel) == 0) {
    return NotFound("container \"" + container.name + "\" was not created by docker compose");
  }
  if (LabelOr(labels, kOneoffLabel) == "True") {
    return NotFound("container \"" + container.name + "\" is a one-off `compose run` container");
  }
  Target target;
  target.container_id = container.id;
  target.container_name = container.name;
  target.project = LabelOr(labels, kProjectLabel);
  target.service = LabelOr(labels, kServiceLabel);
  target.working_dir = LabelOr(labels, kWorkingDirLabel);
  target.labels = labels;
  target.config_files = SplitList(LabelOr(labels, kConfigFilesLabel));
  for (auto& file : SplitList(LabelOr(labels, kEnvironmentFileLabel))) {
    if (!file.empty() && file[0] != '/') file = target.working_dir + "/" + file;
    target.env_files.push_back(file);
  }
  if (auto version = compose::ComposeVersion::Parse(LabelOr(labels, kVersionLabel))) {
    target.compose_version = *version;
  }
  try {
    target.container_number = std::stoi(LabelOr(labels, kContainerNumberLabel, "1"));
  } catch (...) {
    target.container_number = 1;
  }
  return target;
}

// Whether the service's `volumes_from` names service `other` ("x" or "x:ro").
bool UsesVolumesFrom(const std::string& canonical_json, const std::string& other) {
  rapidjson::Document json;
  json.Parse(canonical_json.c_str());
  if (json.HasParseError() || !json.IsObject() || !json.HasMember("volumes_from") ||
      !json["volumes_from"].IsArray()) {
    return false;
  }
  for (const auto& item : json["volumes_from"].GetArray()) {
    if (!item.IsString()) continue;
    const std::string source = item.GetString();
    if (source.substr(0, source.find(':')) == other) return true;
  }
  return false;
}

}  // namespace

std::string_view ToString(Action action) {
  switch (action) {
    case Action::kPull: return "pull";
    case Action::kBuild: return "build";
    case Action::kRecreate: return "recreate";
  }
  return "unknown";
}

Deployer::Deployer(engine::EngineApi& client, DeployerOptions options)
    : client_(client), options_(std::move(options)) {}

void Deployer::RecreateNamespaceDependants(const compose::Project& project,
                                           const std::string& service_name,
                                           const ProgressSink& progress) {
  const std::string reference = "\":\"service:" + service_name + "\"";
  for (const auto& other : project.services) {
    bool shares = false;
    for (const char* key : {"network_mode", "ipc", "pid"}) {
      shares = shares || other.canonical_json.find(std::string("\"") + key + reference) !=
                             std::string::npos;
    }
    // `volumes_from: [<it>]` hashes as the old container's id too: compose's
    // up -d would recreate such a service, so the hook does.
    shares = shares || UsesVolumesFrom(other.canonical_json, service_name);
    if (!shares) continue;
    auto dependant = Resolve({{}, project.name, other.name});
    if (!dependant) continue;  // not running: compose would create it later
    Log(progress, "recreating " + dependant->container_name + ", which shares " + service_name +
                      "'s namespaces or volumes");
    ProgressSink quiet{nullptr, progress.on_log, nullptr};
    if (auto recreated = Deploy(*dependant, Action::kRecreate, quiet); !recreated) {
      Log(progress, "could not recreate " + dependant->container_name + ": " +
                        recreated.error().message());
    }
  }
}

// compose restarts these once the service they depend on was recreated. The
// deploy is verified by now: a dependant that does not restart is reported,
// not rolled back.
void Deployer::RestartDependants(const compose::Project& project, const std::string& service_name,
                                 const ProgressSink& progress) {
  for (const auto& dependant : ServicesToRestartAfter(project, service_name)) {
    auto containers = client_.ListContainers({std::string(kProjectLabel) + "=" + project.name,
                                              std::string(kServiceLabel) + "=" + dependant,
                                              std::string(kOneoffLabel) + "=False"});
    if (!containers) {
      Log(progress, "could not list the containers of " + dependant + ": " +
                        containers.error().message());
      continue;
    }
    std::sort(containers->begin(), containers->end(),
              [](const auto& x, const auto& y) { return x.name < y.name; });
    for (const auto& container : *containers) {
      if (container.state != "running" || ParseSwapName(container.name)) continue;
      Report(progress, Step::kRestartingDependants);
      Log(progress, "restarting " + container.name + ", whose depends_on " + service_name +
                        " has restart: true");
      if (auto restarted = client_.RestartContainer(container.id); !restarted) {
        Log(progress, "could not restart " + container.name + ": " + restarted.error().message());
      }
    }
  }
}

// For a moment during a swap no container holds the service's name: the old
// one is set aside and the new one not yet renamed. A request arriving then
// is for the service being swapped, found by its set-aside container.
Result<Target> Deployer::ResolveMidSwap(const std::string& container_name) {
  auto listed = client_.ListContainers({kProjectLabel});
  if (!listed) return listed.error();
  for (const auto& candidate : *listed) {
    auto swap = ParseSwapName(candidate.name);
    if (!swap || !swap->aside || swap->name != container_name) continue;
    auto container = client_.InspectContainer(candidate.id);
    if (!container) break;
    auto target = TargetFromContainer(*container);
    if (target) target->container_name = container_name;
    return target;
  }
  return NotFound("no container named \"" + container_name + "\"");
}

Result<Target> Deployer::Resolve(const TargetSelector& selector) {
  auto target = ResolveContainer(selector);
  if (!target || (selector.image.empty() && selector.digest.empty())) return target;
  if (!selector.image.empty()) {
    // Refused before anything is queued; Deploy checks again against the
    // compose file, which may have changed since the container was made.
    auto container = client_.InspectContainer(target->container_id);
    if (!container) return container.error();
    if (auto same = CheckSameRepository(ConfigImageOf(*container), selector.image); !same) {
      return same.error();
    }
  }
  target->image = selector.image;
  target->digest = selector.digest;
  return target;
}

Result<Target> Deployer::ResolveContainer(const TargetSelector& selector) {
  if (!selector.container_name.empty()) {
    auto container = client_.InspectContainer(selector.container_name);
    // The engine also matches id prefixes; only an exact name counts here.
    if (!container || container->name != selector.container_name) {
      if (container || container.error().code() == ErrorCode::kNotFound) {
        return ResolveMidSwap(selector.container_name);
      }
      return container.error();
    }
    return TargetFromContainer(*container);
  }
  auto listed = client_.ListContainers({std::string(kProjectLabel) + "=" + selector.project,
                                        std::string(kServiceLabel) + "=" + selector.service,
                                        std::string(kOneoffLabel) + "=False"});
  if (!listed) return listed.error();
  if (listed->empty()) {
    return NotFound("no container of service \"" + selector.service + "\" in project \"" +
                    selector.project + "\"");
  }
  // A deploy in progress adds containers under temporary names (a start-first
  // one for the whole check); the service's own container is the one under
  // its real name. Only mid-swap, when neither holds it, the swap's name says.
  std::vector<engine::ContainerSummary> named;
  for (const auto& candidate : *listed) {
    if (!ParseSwapName(candidate.name)) named.push_back(candidate);
  }
  if (named.empty()) return ResolveMidSwap(ParseSwapName(listed->front().name)->name);
  // The lowest-numbered replica, by its name's order as compose sorts them.
  auto first = std::min_element(named.begin(), named.end(),
                                [](const auto& x, const auto& y) { return x.name < y.name; });
  auto container = client_.InspectContainer(first->id);
  if (!container) return container.error();
  return TargetFromContainer(*container);
}

Result<DeployOutcome> Deployer::Deploy(const Target& requested, Action action,
                                       const ProgressSink& progress) {
  Report(progress, Step::kLoading);
  // The container may have been replaced since the request was accepted (by
  // an earlier job, or by compose): work on the one that holds the name now.
  auto current = Resolve({requested.container_name, {}, {}});
  if (!current) return current.error().WithContext("find the service's container");
  current->image = requested.image;
  current->digest = requested.digest;
  auto loaded = LoadService(client_, *current, options_.environment);
  if (!loaded) return loaded.error();
  // The networks and volumes the service needs that are missing: an external
  // one fails the deploy here, before anything changes; the others are
  // created right before the new container.
  const ResourceLabelInputs resource_labels{
      loaded->project.name,
      LabelOr(loaded->old_container.labels, kVersionLabel, current->compose_version.ToString()),
      current->compose_version};
  auto resources = PlanProjectResources(client_, loaded->project, loaded->service(), resource_labels);
  if (!resources) return resources.error();
  if (AbortRequested(progress)) return AbortedBeforeSwap();

  // The new image, before anything on the host changes.
  auto acquired = AcquireImage(client_, *loaded, action, progress);
  if (!acquired) return acquired.error();
  TagRestoredUnlessDisarmed tag_guard(client_, loaded->old_container, progress);
  auto image = VerifyImage(client_, *acquired, progress);
  if (!image) return image.error();

  auto plan = PlanContainer(client_, *loaded, *image, options_, progress);
  if (!plan) return plan.error();
  // A pinned image becomes what the compose tag names only once it is
  // verified and about to run; a rollback points the tag back.
  if (auto tagged = PointTagAtPin(client_, *acquired, *image, loaded->image, progress); !tagged) {
    return tagged.error();
  }
  if (plan->unchanged) {
    // What `docker compose up -d` would do: nothing.
    tag_guard.Disarm();  // the old container runs what the tag names
    Report(progress, Step::kUnchanged);
    Log(progress, "the container already runs this image and configuration");
    return Outcome(loaded->old_container.id, loaded->image, *image, loaded->old_container);
  }

  if (AbortRequested(progress)) return AbortedBeforeSwap();
  Report(progress, Step::kRecreating);
  if (auto created = CreateProjectResources(client_, *resources, progress); !created) {
    return created.error();  // the guard points the tag back
  }
  tag_guard.Disarm();  // from here the swap points the tag back on failure
  auto new_id = RunSwap(client_, plan->swap, progress);
  if (!new_id) return new_id.error();

  RecreateNamespaceDependants(loaded->project, loaded->service_name, progress);
  RestartDependants(loaded->project, loaded->service_name, progress);
  return Outcome(*new_id, loaded->image, *image, loaded->old_container);
}

DeployOutcome Deployer::Outcome(const std::string& container_id, const std::string& service_image,
                                const engine::ImageInfo& image,
                                const engine::ContainerInfo& old_container) {
  DeployOutcome outcome{container_id, image.id, RepoDigestFor(service_image, image.repo_digests),
                        old_container.image, {}};
  if (old_container.image == image.id) {
    outcome.previous_repo_digest = outcome.repo_digest;
  } else if (auto previous = client_.InspectImage(old_container.image)) {
    outcome.previous_repo_digest = RepoDigestFor(service_image, previous->repo_digests);
  }
  return outcome;
}

}  // namespace deliveryhook::deploy
