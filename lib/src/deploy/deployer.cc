#include "deliveryhook/deploy/deployer.h"

#include <rapidjson/document.h>

#include <algorithm>

#include "deploy/compose_labels.h"
#include "deploy/container_spec.h"
#include "deploy/dependants.h"
#include "deploy/image_pin.h"
#include "deploy/image_tag.h"
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
    if (LabelOr(container.labels, key) != wanted_labels.at(key)) return false;
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
std::map<std::string, std::vector<std::string>> ContainerNamesOfEachService(engine::EngineApi& client,
                                                                            const std::string& project) {
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

void Report(const ProgressSink& progress, std::string_view step) {
  if (progress.on_step) progress.on_step(step);
}

void Log(const ProgressSink& progress, std::string_view line) {
  if (progress.on_log) progress.on_log(line);
}

bool AbortRequested(const ProgressSink& progress) {
  return progress.should_abort && progress.should_abort();
}

// The swap reports in enums; the sink takes their names.
SwapEvents SwapEventsFor(const ProgressSink& progress) {
  SwapEvents events;
  if (progress.on_step) {
    events.on_step = [&progress](Step step) { progress.on_step(ToString(step)); };
  }
  if (progress.on_checkpoint) {
    events.on_checkpoint = [&progress](Checkpoint at) { progress.on_checkpoint(ToString(at)); };
  }
  events.on_log = progress.on_log;
  events.should_abort = progress.should_abort;
  return events;
}

Error AbortedBeforeSwap() {
  return Error(ErrorCode::kUnavailable, "the hook was stopping; nothing on the host changed");
}

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
  ~TagRestoredUnlessDisarmed() {
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
  void Disarm() { armed_ = false; }

 private:
  engine::EngineApi& engine_;
  const engine::ContainerInfo& old_container_;
  const ProgressSink& progress_;
  bool armed_ = true;
};

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
      Report(progress, "restarting dependants");
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
  Report(progress, "loading");
  // The container may have been replaced since the request was accepted (by
  // an earlier job, or by compose): work on the one that holds the name now.
  auto current = Resolve({requested.container_name, {}, {}});
  if (!current) return current.error().WithContext("find the service's container");
  current->image = requested.image;
  current->digest = requested.digest;
  const Target& target = *current;
  auto old_container = client_.InspectContainer(target.container_id);
  if (!old_container) return old_container.error().WithContext("inspect the running container");

  compose::LoadOptions load;
  load.config_files = target.config_files;
  load.working_dir = target.working_dir;
  load.project_name = target.project;
  load.environment = options_.environment;
  load.env_files = target.env_files;
  auto project = compose::LoadProject(load);
  if (!project) return project.error();
  const compose::Service* service = project->FindService(target.service);
  if (service == nullptr) {
    return Error(ErrorCode::kNotFound, "the compose files no longer define service \"" +
                                           target.service + "\"");
  }
  if (auto supported = compose::CheckSupported(*project, *service); !supported) {
    return supported.error();
  }

  if (AbortRequested(progress)) return AbortedBeforeSwap();
  // 1. The new image, before anything on the host changes.
  const std::string image = service->image.empty()
                                ? project->name + "-" + service->name
                                : service->image;
  auto on_progress = [&](const engine::ProgressEvent& event) {
    std::string line = event.id.empty() ? event.status : event.id + ": " + event.status;
    Log(progress, line);
  };
  PullPlan plan{image, {}, {}, false};
  // pull_policy `never` and `build`: compose's up never pulls such a service;
  // nor does the hook. `build` builds instead, `never` takes the local image.
  // Every other policy pulls, as the request says a new image exists.
  const std::string pull_policy = PullPolicyOf(*service);
  if (action == Action::kPull && (pull_policy == "never" || pull_policy == "build")) {
    if (!target.image.empty() || !target.digest.empty()) {
      return Error(ErrorCode::kInvalidArgument, "service \"" + service->name + "\" has pull_policy " +
                                                    pull_policy + ": a pinned image or digest cannot be pulled");
    }
    Log(progress, "pull_policy " + pull_policy + ": not pulling " + image);
    if (pull_policy == "build" && service->build) action = Action::kBuild;
  }
  if (action == Action::kPull && pull_policy != "never" && pull_policy != "build") {
    if (service->image.empty()) {
      return Error(ErrorCode::kFailedPrecondition,
                   "service \"" + service->name + "\" has no image to pull; use /build");
    }
    auto planned = PlanPull(image, target.image, target.digest);
    if (!planned) return planned.error();
    plan = std::move(*planned);
    Report(progress, "pulling");
    if (auto pulled = client_.PullImage(plan.pull_reference, on_progress, ServicePlatform(*project, *service));
        !pulled) {
      return pulled.error().WithContext("pull " + plan.pull_reference);
    }
  } else if (!target.image.empty() || !target.digest.empty()) {
    return Error(ErrorCode::kInvalidArgument, "a pinned image or digest can only be pulled");
  } else if (action == Action::kBuild) {
    if (!service->build) {
      return Error(ErrorCode::kFailedPrecondition,
                   "service \"" + service->name + "\" has no build section; use /pull");
    }
    Report(progress, "building");
    engine::BuildOptions build;
    build.context_dir = service->build->context;
    build.dockerfile = service->build->dockerfile;
    build.tags = {image};
    build.build_args = service->build->args;
    build.target = service->build->target;
    build.labels = {{"com.docker.compose.project", project->name},
                    {"com.docker.compose.service", service->name}};
    if (auto built = client_.BuildImage(build, on_progress); !built) {
      return built.error().WithContext("build " + image);
    }
  }
  TagRestoredUnlessDisarmed tag_guard(client_, *old_container, progress);
  auto image_info = client_.InspectImage(plan.pull_reference);
  if (!image_info) return image_info.error().WithContext("inspect image " + plan.pull_reference);
  if (auto verified = VerifyDigest(plan, image_info->repo_digests); !verified) {
    return verified.error();
  }
  if (!plan.digest.empty()) Log(progress, plan.pull_reference + " has digest " + plan.digest);
  // A pinned image becomes what the compose tag names only once it is
  // verified and about to run; a rollback points the tag back.
  auto point_tag_at_pin = [&]() -> Status {
    if (!plan.retag) return Ok();
    Log(progress, "tagging " + plan.pull_reference + " as " + image);
    if (auto tagged = client_.TagImage(image_info->id, image); !tagged) {
      return tagged.error().WithContext("tag " + plan.pull_reference + " as " + image);
    }
    return Ok();
  };

  // 2. The new container's definition.
  SwapPlan swap_plan{*old_container, target.container_name, image_info->id, {}, image};
  ContainerSpecInput spec_input;
  spec_input.service_container_ids = FirstContainerOfEachService(client_, project->name);
  spec_input.service_container_names = ContainerNamesOfEachService(client_, project->name);
  spec_input.container_number = target.container_number;
  // compose hashes `service:x` namespaces as the container they resolve to.
  const compose::Service resolved =
      WithServiceReferencesResolved(*service, spec_input.service_container_ids);
  LabelInputs label_inputs{&target, &resolved, image_info->id, old_container->id,
                           &old_container->labels};
  spec_input.project = &*project;
  spec_input.service = service;
  spec_input.container_name = target.container_name;
  spec_input.compose_labels = ComposeLabels(label_inputs);
  Log(progress, "compose " + target.compose_version.ToString() + " config hash " +
                    spec_input.compose_labels.at(kConfigHashLabel));
  spec_input.api_version = client_.api_version();
  spec_input.compose_version = target.compose_version;
  spec_input.old_mounts = MountsOf(*old_container);
  spec_input.image_volumes = image_info->volumes;
  if (IsUpToDate(*old_container, spec_input.compose_labels)) {
    // What `docker compose up -d` would do: nothing.
    if (auto tagged = point_tag_at_pin(); !tagged) return tagged.error();
    tag_guard.Disarm();  // the old container runs what the tag names
    Report(progress, "unchanged");
    Log(progress, "the container already runs this image and configuration");
    return DeployOutcome{old_container->id, image_info->id};
  }
  auto spec = BuildContainerSpec(spec_input);
  if (!spec) return spec.error();
  swap_plan.spec = std::move(*spec);
  if (auto tagged = point_tag_at_pin(); !tagged) return tagged.error();

  // 3. The swap, with rollback.
  if (AbortRequested(progress)) return AbortedBeforeSwap();
  const SwapOrderChoice order = ChooseSwapOrder(service->canonical_json);
  if (!order.fallback_reason.empty()) {
    Log(progress, "order start-first is not possible, as " + order.fallback_reason +
                      ": the old container stops first");
  } else if (order.order == SwapOrder::kStartFirst) {
    Log(progress, "order start-first: the old container runs until the new one is verified");
  }
  Report(progress, "recreating");
  swap_plan.order = order.order;
  swap_plan.settle_time = options_.settle_time;
  swap_plan.health_timeout = options_.health_timeout;
  tag_guard.Disarm();  // from here the swap points the tag back on failure
  auto new_id = RunSwap(client_, swap_plan, SwapEventsFor(progress));
  if (!new_id) return new_id.error();
  RecreateNamespaceDependants(*project, service->name, progress);
  RestartDependants(*project, service->name, progress);
  return DeployOutcome{*new_id, image_info->id};
}

}  // namespace deliveryhook::deploy
