// What a deploy is for: the selector a request names, and the compose
// service container Deployer::Resolve() finds for it.
#ifndef DELIVERYHOOK_DEPLOY_TARGET_H_
#define DELIVERYHOOK_DEPLOY_TARGET_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "deliveryhook/compose/project.h"
#include "deliveryhook/result.h"

namespace deliveryhook::deploy {

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

}  // namespace deliveryhook::deploy

#endif  // DELIVERYHOOK_DEPLOY_TARGET_H_
