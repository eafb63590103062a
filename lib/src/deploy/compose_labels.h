// The com.docker.compose.* labels compose v2 puts on a service container.
#ifndef DELIVERYHOOK_DEPLOY_COMPOSE_LABELS_H_
#define DELIVERYHOOK_DEPLOY_COMPOSE_LABELS_H_

#include <map>
#include <string>

#include "deliveryhook/compose/project.h"
#include "deliveryhook/deploy/deployer.h"

namespace deliveryhook::deploy {

inline constexpr char kProjectLabel[] = "com.docker.compose.project";
inline constexpr char kServiceLabel[] = "com.docker.compose.service";
inline constexpr char kVersionLabel[] = "com.docker.compose.version";
inline constexpr char kWorkingDirLabel[] = "com.docker.compose.project.working_dir";
inline constexpr char kConfigFilesLabel[] = "com.docker.compose.project.config_files";
inline constexpr char kEnvironmentFileLabel[] = "com.docker.compose.project.environment_file";
inline constexpr char kOneoffLabel[] = "com.docker.compose.oneoff";
inline constexpr char kImageLabel[] = "com.docker.compose.image";
inline constexpr char kConfigHashLabel[] = "com.docker.compose.config-hash";
inline constexpr char kContainerNumberLabel[] = "com.docker.compose.container-number";
inline constexpr char kDependsOnLabel[] = "com.docker.compose.depends_on";
inline constexpr char kReplaceLabel[] = "com.docker.compose.replace";

struct LabelInputs {
  const Target* target = nullptr;
  const compose::Service* service = nullptr;
  std::string image_id;
  std::string old_container_id;
  // The old container's labels: their version and environment_file carry over.
  const std::map<std::string, std::string>* old_labels = nullptr;
};

std::map<std::string, std::string> ComposeLabels(const LabelInputs& inputs);

// "db:service_started:false,cache:service_healthy:true" from a canonical
// service's depends_on.
std::string DependsOnLabel(const std::string& service_canonical_json);

}  // namespace deliveryhook::deploy

#endif  // DELIVERYHOOK_DEPLOY_COMPOSE_LABELS_H_
