// An EngineApi in memory for unit tests: a few containers and image tags,
// every call recorded in order as "<Method> <arguments>", and a fault
// injected at any chosen call.
//
//   RecordingEngine engine;
//   engine.AddContainer({"aaaaaaaaaaaa0000", "web-1", "sha256:old", true});
//   engine.FailOn("StopContainer aaaaaaaaaaaa0000", Error(ErrorCode::kInternal, "boom"));
//   ... drive a swap through `engine` ...
//   EXPECT_THAT(engine.calls(), ElementsAre("CreateContainer aaaaaaaaaaaa_web-1", ...));
//   EXPECT_THAT(engine.Containers(), ElementsAre("web-1 aaaaaaaaaaaa0000 running"));
//
// What each call records:
//   ListContainers                      InspectContainer <id or name>
//   CreateContainer <name>              StartContainer <id>
//   StopContainer <id>                  RestartContainer <id>
//   RemoveContainer <id>[ force]        RenameContainer <id> <new name>
//   ConnectNetwork <network> <id>       InspectImage <reference>
//   PullImage <reference>               TagImage <image id> <reference>
//   BuildImage <first tag>            CopyToContainer <id> <path>
//   InspectNetwork <id or name>         CreateNetwork <body>
//   InspectVolume <name>                CreateVolume <body>
// Networks and volumes exist by name (AddNetwork, AddVolume, or created);
// inspecting one answers {"Name":..,"Id":..,"Labels":{..}}.
// A failing call is recorded too, and changes nothing. Created containers get
// the ids "new1", "new2", ...
#ifndef DELIVERYHOOK_TEST_UNIT_FAKE_ENGINE_API_H_
#define DELIVERYHOOK_TEST_UNIT_FAKE_ENGINE_API_H_

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "deliveryhook/engine/engine_api.h"
#include "deliveryhook/result.h"

namespace deliveryhook::testing {

class RecordingEngine : public engine::EngineApi {
 public:
  struct Container {
    std::string id;
    std::string name;
    std::string image;
    bool running = false;
    std::string health;        // what InspectContainer reports while it runs
    std::string config_image;  // its Config.Image, the compose tag it was created from
  };

  // How a container this engine creates behaves once started.
  struct NewContainerBehaviour {
    bool exits_at_start = false;  // running right after start, then exited with code 3
    std::string health;           // "", "starting", "healthy", "unhealthy"
  };

  void AddContainer(Container container) {
    std::lock_guard lock(mutex_);
    containers_.push_back(std::move(container));
  }
  // A network or volume that exists, with its labels as a JSON object.
  void AddNetwork(const std::string& name, std::string labels_json = "{}") {
    std::lock_guard lock(mutex_);
    networks_[name] = std::move(labels_json);
  }
  void AddVolume(const std::string& name, std::string labels_json = "{}") {
    std::lock_guard lock(mutex_);
    volumes_[name] = std::move(labels_json);
  }
  // What inspecting and listing the container `id` report as its labels.
  void SetLabels(const std::string& id, std::map<std::string, std::string> labels) {
    std::lock_guard lock(mutex_);
    labels_[id] = std::move(labels);
  }
  void SetTag(const std::string& reference, const std::string& image_id) {
    std::lock_guard lock(mutex_);
    tags_[reference] = image_id;
  }
  // The RepoDigests InspectImage reports for an image id.
  void SetRepoDigests(const std::string& image_id, std::vector<std::string> repo_digests) {
    std::lock_guard lock(mutex_);
    repo_digests_[image_id] = std::move(repo_digests);
  }
  void SetNewContainerBehaviour(NewContainerBehaviour behaviour) {
    std::lock_guard lock(mutex_);
    new_behaviour_ = std::move(behaviour);
  }
  // The first call recorded exactly as `call` (see above) fails with `error`.
  void FailOn(std::string call, Error error) {
    std::lock_guard lock(mutex_);
    faults_.push_back({std::move(call), std::move(error)});
  }

  std::vector<std::string> calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  // "<name> <id> running|stopped" for each container, sorted by name.
  std::vector<std::string> Containers() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto& c : containers_) {
      out.push_back(c.name + " " + c.id + (c.running ? " running" : " stopped"));
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  std::string TagOf(const std::string& reference) const {
    std::lock_guard lock(mutex_);
    auto it = tags_.find(reference);
    return it == tags_.end() ? "" : it->second;
  }

  const std::string& api_version() const override { return api_version_; }

  Result<std::vector<engine::ContainerSummary>> ListContainers(
      const std::vector<std::string>&, bool = true) override {
    std::lock_guard lock(mutex_);
    if (auto fault = Record("ListContainers")) return *fault;
    std::vector<engine::ContainerSummary> listed;
    for (const auto& c : containers_) {
      listed.push_back({c.id, c.name, c.image, c.running ? "running" : "exited", labels_[c.id]});
    }
    return listed;
  }

  Result<engine::ContainerInfo> InspectContainer(std::string_view id_or_name) override {
    std::lock_guard lock(mutex_);
    if (auto fault = Record("InspectContainer " + std::string(id_or_name))) return *fault;
    Container* c = Find(id_or_name);
    if (c == nullptr) return NoSuchContainer(id_or_name);
    engine::ContainerInfo info;
    info.id = c->id;
    info.name = c->name;
    info.image = c->image;
    info.state.running = c->running;
    info.state.status = c->running ? "running" : "exited";
    info.state.exit_code = c->running ? 0 : exit_codes_[c->id];
    info.state.health = c->running ? c->health : "";
    info.labels = labels_[c->id];
    info.raw_json = R"({"Config":{"Image":")" + c->config_image + R"("}})";
    return info;
  }

  Result<std::string> CreateContainer(std::string_view name, std::string_view,
                                      std::string_view = {}) override {
    std::lock_guard lock(mutex_);
    if (auto fault = Record("CreateContainer " + std::string(name))) return *fault;
    if (Find(name) != nullptr) return NameInUse(name);
    Container created{"new" + std::to_string(++created_), std::string(name), "", false,
                      new_behaviour_.health, ""};
    containers_.push_back(created);
    return created.id;
  }

  Status StartContainer(std::string_view id) override {
    std::lock_guard lock(mutex_);
    if (auto fault = Record("StartContainer " + std::string(id))) return *fault;
    Container* c = Find(id);
    if (c == nullptr) return NoSuchContainer(id);
    const bool exits = new_behaviour_.exits_at_start && c->id.rfind("new", 0) == 0;
    c->running = !exits;
    if (exits) exit_codes_[c->id] = 3;
    return Ok();
  }

  Status StopContainer(std::string_view id, std::optional<int> = {}) override {
    std::lock_guard lock(mutex_);
    if (auto fault = Record("StopContainer " + std::string(id))) return *fault;
    Container* c = Find(id);
    if (c == nullptr) return NoSuchContainer(id);
    c->running = false;
    return Ok();
  }

  Status RestartContainer(std::string_view id, std::optional<int> = {}) override {
    std::lock_guard lock(mutex_);
    if (auto fault = Record("RestartContainer " + std::string(id))) return *fault;
    Container* c = Find(id);
    if (c == nullptr) return NoSuchContainer(id);
    c->running = true;
    return Ok();
  }

  Status RemoveContainer(std::string_view id, bool force = false, bool = false) override {
    std::lock_guard lock(mutex_);
    if (auto fault = Record("RemoveContainer " + std::string(id) + (force ? " force" : ""))) {
      return *fault;
    }
    Container* c = Find(id);
    if (c == nullptr) return NoSuchContainer(id);
    if (c->running && !force) {
      return Error(ErrorCode::kConflict, "cannot remove a running container", 409);
    }
    containers_.erase(containers_.begin() + (c - containers_.data()));
    return Ok();
  }

  Status RenameContainer(std::string_view id, std::string_view new_name) override {
    std::lock_guard lock(mutex_);
    if (auto fault = Record("RenameContainer " + std::string(id) + " " + std::string(new_name))) {
      return *fault;
    }
    Container* c = Find(id);
    if (c == nullptr) return NoSuchContainer(id);
    if (Container* other = Find(new_name); other != nullptr && other != c) {
      return NameInUse(new_name);
    }
    c->name = std::string(new_name);
    return Ok();
  }

  Status CopyToContainer(std::string_view id, std::string_view path, std::string,
                         bool) override {
    std::lock_guard lock(mutex_);
    if (auto fault = Record("CopyToContainer " + std::string(id) + " " + std::string(path))) {
      return *fault;
    }
    if (Find(id) == nullptr) return NoSuchContainer(id);
    return Ok();
  }

  Status ConnectNetwork(std::string_view network, std::string_view container_id,
                        std::string_view) override {
    std::lock_guard lock(mutex_);
    if (auto fault =
            Record("ConnectNetwork " + std::string(network) + " " + std::string(container_id))) {
      return *fault;
    }
    return Ok();
  }

  Result<std::string> InspectNetwork(std::string_view id_or_name) override {
    std::lock_guard lock(mutex_);
    if (auto fault = Record("InspectNetwork " + std::string(id_or_name))) return *fault;
    auto it = networks_.find(std::string(id_or_name));
    if (it == networks_.end()) {
      return Error(ErrorCode::kNotFound, "network " + std::string(id_or_name) + " not found", 404);
    }
    return R"({"Name":")" + it->first + R"(","Id":"net-)" + it->first + R"(","Labels":)" +
           it->second + "}";
  }

  Result<std::string> CreateNetwork(std::string_view body_json) override {
    std::lock_guard lock(mutex_);
    if (auto fault = Record("CreateNetwork " + std::string(body_json))) return *fault;
    const std::string name = NameIn(body_json);
    networks_[name] = "{}";
    return "net-" + name;
  }

  Result<std::string> InspectVolume(std::string_view name) override {
    std::lock_guard lock(mutex_);
    if (auto fault = Record("InspectVolume " + std::string(name))) return *fault;
    auto it = volumes_.find(std::string(name));
    if (it == volumes_.end()) {
      return Error(ErrorCode::kNotFound, "get " + std::string(name) + ": no such volume", 404);
    }
    return R"({"Name":")" + it->first + R"(","Labels":)" + it->second + "}";
  }

  Status CreateVolume(std::string_view body_json) override {
    std::lock_guard lock(mutex_);
    if (auto fault = Record("CreateVolume " + std::string(body_json))) return *fault;
    volumes_[NameIn(body_json)] = "{}";
    return Ok();
  }

  Result<engine::ImageInfo> InspectImage(std::string_view reference) override {
    std::lock_guard lock(mutex_);
    if (auto fault = Record("InspectImage " + std::string(reference))) return *fault;
    auto it = tags_.find(std::string(reference));
    if (it == tags_.end()) {
      return Error(ErrorCode::kNotFound, "No such image: " + std::string(reference), 404);
    }
    engine::ImageInfo info;
    info.id = it->second;
    if (auto digests = repo_digests_.find(info.id); digests != repo_digests_.end()) {
      info.repo_digests = digests->second;
    }
    return info;
  }

  Status PullImage(std::string_view reference, const engine::ProgressCallback&,
                   std::string_view = {}) override {
    std::lock_guard lock(mutex_);
    if (auto fault = Record("PullImage " + std::string(reference))) return *fault;
    return Ok();
  }

  Status TagImage(std::string_view image_id, std::string_view reference) override {
    std::lock_guard lock(mutex_);
    if (auto fault = Record("TagImage " + std::string(image_id) + " " + std::string(reference))) {
      return *fault;
    }
    tags_[std::string(reference)] = std::string(image_id);
    return Ok();
  }

  Result<std::string> BuildImage(const engine::BuildOptions& options,
                                 const engine::ProgressCallback&) override {
    std::lock_guard lock(mutex_);
    const std::string tag = options.tags.empty() ? "" : options.tags.front();
    if (auto fault = Record("BuildImage " + tag)) return *fault;
    tags_[tag] = "sha256:built";
    return std::string("sha256:built");
  }

 private:
  struct Fault {
    std::string call;
    Error error;
  };

  // Records the call; the error of a fault set on it, once.
  std::optional<Error> Record(std::string call) {
    calls_.push_back(call);
    for (auto it = faults_.begin(); it != faults_.end(); ++it) {
      if (it->call != call) continue;
      Error error = it->error;
      faults_.erase(it);
      return error;
    }
    return std::nullopt;
  }

  // The value of the body's "Name" (no escapes in test names).
  static std::string NameIn(std::string_view body) {
    const std::string_view key = R"("Name":")";
    const auto at = body.find(key);
    if (at == std::string_view::npos) return {};
    const auto start = at + key.size();
    return std::string(body.substr(start, body.find('"', start) - start));
  }

  Container* Find(std::string_view id_or_name) {
    for (auto& c : containers_) {
      if (c.id == id_or_name || c.name == id_or_name) return &c;
    }
    return nullptr;
  }

  static Error NoSuchContainer(std::string_view id) {
    return Error(ErrorCode::kNotFound, "No such container: " + std::string(id), 404);
  }
  static Error NameInUse(std::string_view name) {
    return Error(ErrorCode::kConflict,
                 "Conflict. The container name \"/" + std::string(name) + "\" is already in use",
                 409);
  }

  mutable std::mutex mutex_;
  std::string api_version_ = "1.41";
  std::vector<Container> containers_;
  std::map<std::string, std::string> tags_;
  std::map<std::string, std::vector<std::string>> repo_digests_;  // image id -> RepoDigests
  std::map<std::string, std::map<std::string, std::string>> labels_;  // by container id
  std::map<std::string, std::string> networks_;  // name -> labels JSON
  std::map<std::string, std::string> volumes_;   // name -> labels JSON
  std::map<std::string, int> exit_codes_;
  NewContainerBehaviour new_behaviour_;
  std::vector<Fault> faults_;
  std::vector<std::string> calls_;
  int created_ = 0;
};

}  // namespace deliveryhook::testing

#endif  // DELIVERYHOOK_TEST_UNIT_FAKE_ENGINE_API_H_
