// What the Engine answers about containers and images, and the options and
// progress of a pull or build: the values engine::Client and EngineApi
// exchange.
#ifndef DELIVERYHOOK_ENGINE_TYPES_H_
#define DELIVERYHOOK_ENGINE_TYPES_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace deliveryhook::engine {

struct ContainerSummary {
  std::string id;
  std::string name;  // without the leading "/"
  std::string image;
  std::string state;  // "running", "exited", ...
  std::map<std::string, std::string> labels;
};

struct ContainerState {
  std::string status;   // created, running, paused, restarting, removing, exited, dead
  bool running = false;
  int exit_code = 0;
  std::string health;   // "", "starting", "healthy", "unhealthy"
  std::string error;
};

struct ContainerInfo {
  std::string id;
  std::string name;   // without the leading "/"
  std::string image;  // image id
  ContainerState state;
  std::map<std::string, std::string> labels;
  std::string raw_json;  // the whole `GET /containers/{id}/json` answer
};

struct ImageInfo {
  std::string id;  // "sha256:..."
  std::vector<std::string> volumes;  // Config.Volumes keys of the image
  // RepoDigests: "<repository>@sha256:..." for each registry the image was
  // pulled from or pushed to (the manifest digests a registry serves).
  std::vector<std::string> repo_digests;
  std::string raw_json;
};

// One line of a pull or build stream, for progress reporting.
struct ProgressEvent {
  std::string id;       // layer id, may be empty
  std::string status;   // "Downloading", "Step 1/3 : FROM base", ...
  long long current = 0;
  long long total = 0;
};
using ProgressCallback = std::function<void(const ProgressEvent&)>;

struct BuildOptions {
  std::string context_dir;   // absolute
  std::string dockerfile;    // relative to context_dir; "" means "Dockerfile"
  std::vector<std::string> tags;
  std::map<std::string, std::string> build_args;
  std::string target;
  std::map<std::string, std::string> labels;
  bool pull = false;
};

}  // namespace deliveryhook::engine

#endif  // DELIVERYHOOK_ENGINE_TYPES_H_
