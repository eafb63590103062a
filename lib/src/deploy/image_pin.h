// Pinning a /pull to one image: a tag or digest of the service's own
// repository, deployed instead of the tag its compose file names, and
// optionally checked against an expected registry digest.
//
// The pinned image is pulled and verified first; only then is the service's
// compose tag pointed at it, so the container is created from compose's own
// image reference and `docker compose up -d` afterwards agrees with it.
#ifndef DELIVERYHOOK_DEPLOY_IMAGE_PIN_H_
#define DELIVERYHOOK_DEPLOY_IMAGE_PIN_H_

#include <string>
#include <string_view>
#include <vector>

#include "deliveryhook/result.h"

namespace deliveryhook::deploy {

// kInvalidArgument `"image" must be a tag or digest of <repository>` unless
// `pinned` names the same repository as `service_image` (compose's `image:`).
Status CheckSameRepository(std::string_view service_image, std::string_view pinned);

// What a pinned pull fetches and checks.
struct PullPlan {
  std::string pull_reference;  // what to pull and inspect
  std::string repository;      // normalized, e.g. "127.0.0.1:5000/app"
  std::string digest;          // the digest the image must carry there; may be empty
  bool retag = false;          // point the service's tag at the pulled image afterwards
};

// The plan for the service's `image:` with an optional pin and expected
// digest (both already syntax-checked). Fails as CheckSameRepository does.
Result<PullPlan> PlanPull(std::string_view service_image, std::string_view pinned_image,
                          std::string_view digest);

// kFailedPrecondition unless one of `repo_digests` ("<repo>@sha256:...", as
// the engine reports them) is `plan.digest` for `plan.repository`. Always OK
// when the plan expects no digest.
Status VerifyDigest(const PullPlan& plan, const std::vector<std::string>& repo_digests);

// The entry of `repo_digests` ("<repo>@sha256:...", as the engine reports
// them) for the repository of `service_image`; "" when there is none.
std::string RepoDigestFor(std::string_view service_image,
                          const std::vector<std::string>& repo_digests);

}  // namespace deliveryhook::deploy

#endif  // DELIVERYHOOK_DEPLOY_IMAGE_PIN_H_
