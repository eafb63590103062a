// Turns a loaded compose service into the body of `POST /containers/create`,
// following compose v2's own conversion (pkg/compose/create.go), so that the
// container is the one `docker compose up` would have made.
#ifndef DELIVERYHOOK_DEPLOY_CONTAINER_SPEC_H_
#define DELIVERYHOOK_DEPLOY_CONTAINER_SPEC_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "deliveryhook/compose/project.h"
#include "deliveryhook/result.h"

namespace deliveryhook::deploy {

// A mount of the container being replaced, from `GET /containers/{id}/json`.
struct ExistingMount {
  std::string type;         // "volume", "bind", "tmpfs"
  std::string name;         // volume name, for type "volume"
  std::string source;       // host path
  std::string destination;  // path in the container
};

struct ContainerSpecInput {
  const compose::Project* project = nullptr;
  const compose::Service* service = nullptr;
  std::string container_name;                   // the final name, not the temporary one
  std::map<std::string, std::string> compose_labels;  // com.docker.compose.* labels
  std::string api_version;                      // negotiated, e.g. "1.41"
  compose::ComposeVersion compose_version;
  std::vector<ExistingMount> old_mounts;        // to carry anonymous volumes over
  std::vector<std::string> image_volumes;       // VOLUME paths of the new image
  // Ids of the containers of other services, for `network_mode: service:x`
  // and `volumes_from`.
  std::map<std::string, std::string> service_container_ids;
  // Names of every container of each service (no leading '/'), for `links`.
  std::map<std::string, std::vector<std::string>> service_container_names;
  // The replica number of the container being made (`links` name it).
  int container_number = 1;
};

// A network that API versions before 1.44 cannot attach at create time.
struct LaterNetwork {
  std::string network;        // engine name, e.g. "app_back"
  std::string endpoint_json;  // EndpointSettings
};

// A secret or config with an `environment` or `content` source, which compose
// copies into the container before it starts (PUT /containers/{id}/archive
// with path "/").
struct CopyIn {
  std::string target;  // e.g. "/run/secrets/token"
  std::string tar;     // one regular file at `target`
  bool copy_uid_gid = false;  // uid or gid given
};

struct ContainerSpec {
  std::string create_body;
  std::vector<LaterNetwork> later_networks;
  std::vector<CopyIn> copy_in;
  // The `platform` query of the create call: the service's, else
  // DOCKER_DEFAULT_PLATFORM of the project environment; empty before API 1.41.
  std::string platform;
};

// The platform compose pulls and creates the service with: `platform`, else
// DOCKER_DEFAULT_PLATFORM from the project environment, else "".
std::string ServicePlatform(const compose::Project& project, const compose::Service& service);

// A tar holding one regular file, as compose's createTar writes it: name
// `target`, the given mode, uid and gid, modification time `mtime`.
std::string SingleFileTar(const std::string& target, const std::string& content, unsigned mode, long long uid,
                          long long gid, long long mtime);

Result<ContainerSpec> BuildContainerSpec(const ContainerSpecInput& input);

// Go's time.Duration text ("1m30s", "1.5s", "500ms") in nanoseconds.
Result<std::int64_t> ParseGoDuration(std::string_view text);

// compose resolves `volumes_from` before hashing and creating: `service[:mode]`
// becomes the id of the service's first container, `container:name[:mode]`
// becomes `name`; the mode is dropped in both cases, as compose drops it.
// Returns the canonical JSON with the list replaced (unchanged when the
// service has none, or names a service without a container).
std::string ResolveVolumesFrom(const std::string& service_canonical_json,
                               const std::map<std::string, std::string>& service_container_ids);

// The networks of a service in compose's attach order: priority descending,
// then key ascending. Empty when the service uses network_mode.
std::vector<std::string> NetworkKeysByPriority(std::string_view service_canonical_json);

}  // namespace deliveryhook::deploy

#endif  // DELIVERYHOOK_DEPLOY_CONTAINER_SPEC_H_
