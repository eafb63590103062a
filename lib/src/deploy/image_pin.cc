#include "deploy/image_pin.h"

#include <algorithm>

#include "deliveryhook/deploy/deployer.h"
#include "engine/reference.h"

namespace deliveryhook::deploy {
namespace {

// Longer than any valid reference (name 255, tag 128, digest 71), and short
// enough that the reference grammar never sees a huge string.
constexpr std::size_t kMaxPinLength = 512;

bool IsLowerHex(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool IsSha256Digest(std::string_view digest) {
  constexpr std::string_view kPrefix = "sha256:";
  return digest.size() == kPrefix.size() + 64 && digest.substr(0, kPrefix.size()) == kPrefix &&
         IsLowerHex(digest.substr(kPrefix.size()));
}

// The last path component carries the tag, if any ("host:5000/app" has none).
bool HasExplicitTag(std::string_view reference) {
  const auto last = reference.substr(reference.rfind('/') == std::string_view::npos
                                         ? 0
                                         : reference.rfind('/') + 1);
  return last.substr(0, last.find('@')).find(':') != std::string_view::npos;
}

Error BadImage() {
  return Error(ErrorCode::kInvalidArgument,
               "\"image\" must be an image reference with either a tag or a sha256 digest, "
               "such as \"registry/app:v2\" or \"registry/app@sha256:<64 hex>\", "
               "of at most 512 characters");
}

}  // namespace

Status CheckPinSyntax(std::string_view image, std::string_view digest) {
  if (!digest.empty() && !IsSha256Digest(digest)) {
    return Error(ErrorCode::kInvalidArgument,
                 "\"digest\" must be \"sha256:\" followed by 64 lowercase hex digits");
  }
  if (image.empty()) return Ok();
  if (image.size() > kMaxPinLength) return BadImage();
  auto reference = engine::ParseImageReference(image);
  if (!reference) return BadImage();
  const bool tagged = HasExplicitTag(image);
  const bool digested = !reference->digest.empty();
  if (tagged == digested || (digested && !IsSha256Digest(reference->digest))) return BadImage();
  if (digested && !digest.empty() && reference->digest != digest) {
    return Error(ErrorCode::kInvalidArgument, "\"digest\" differs from the digest in \"image\"");
  }
  return Ok();
}

Status CheckSameRepository(std::string_view service_image, std::string_view pinned) {
  auto service = engine::ParseImageReference(service_image);
  if (!service) return service.error();
  auto pin = engine::ParseImageReference(pinned);
  if (!pin || pin->Name() != service->Name()) {
    return Error(ErrorCode::kInvalidArgument,
                 "\"image\" must be a tag or digest of " + service->Name());
  }
  return Ok();
}

Result<PullPlan> PlanPull(std::string_view service_image, std::string_view pinned_image,
                          std::string_view digest) {
  auto service = engine::ParseImageReference(service_image);
  if (!service) return service.error();
  PullPlan plan;
  plan.pull_reference = std::string(service_image);
  plan.repository = service->Name();
  plan.digest = std::string(digest);
  if (!pinned_image.empty()) {
    if (auto same = CheckSameRepository(service_image, pinned_image); !same) return same.error();
    auto pin = engine::ParseImageReference(pinned_image);
    plan.pull_reference = std::string(pinned_image);
    if (plan.digest.empty()) plan.digest = pin->digest;
    plan.retag = pin->String() != service->String();
  }
  return plan;
}

Status VerifyDigest(const PullPlan& plan, const std::vector<std::string>& repo_digests) {
  if (plan.digest.empty()) return Ok();
  std::string found;
  for (const auto& entry : repo_digests) {
    auto reference = engine::ParseImageReference(entry);
    if (!reference || reference->Name() != plan.repository) continue;
    if (reference->digest == plan.digest) return Ok();
    found = reference->digest;
  }
  return Error(ErrorCode::kFailedPrecondition,
               "digest mismatch: " + plan.pull_reference + " is " +
                   (found.empty() ? "not known by a digest of " + plan.repository : found) +
                   ", not the requested " + plan.digest + "; nothing was changed");
}

std::string RepoDigestFor(std::string_view service_image,
                          const std::vector<std::string>& repo_digests) {
  auto service = engine::ParseImageReference(service_image);
  if (!service) return {};
  for (const auto& entry : repo_digests) {
    auto reference = engine::ParseImageReference(entry);
    if (reference && reference->Name() == service->Name() && !reference->digest.empty()) {
      return entry;
    }
  }
  return {};
}

}  // namespace deliveryhook::deploy
