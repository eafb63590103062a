#include "deliveryhook/jobs/rollback.h"

#include <algorithm>

#include "engine/reference.h"

namespace deliveryhook::jobs {
namespace {

bool IsLowerHex(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

constexpr std::string_view kSha256 = "sha256:";

bool IsDigest(std::string_view text) {
  return text.size() == kSha256.size() + 64 && text.substr(0, kSha256.size()) == kSha256 &&
         IsLowerHex(text.substr(kSha256.size()));
}

bool IsJobId(std::string_view text) { return text.size() == 32 && IsLowerHex(text); }

// "sha256:..." of "<repository>@sha256:...", "" when it has none.
std::string DigestOf(const std::string& repo_digest) {
  const auto at = repo_digest.rfind('@');
  return at == std::string::npos ? std::string() : repo_digest.substr(at + 1);
}

std::string RepositoryOf(std::string_view reference) {
  auto parsed = engine::ParseImageReference(reference);
  return parsed ? parsed->Name() : std::string();
}

Result<RollbackPin> PinOf(const std::string& repo_digest, const std::string& job_id) {
  const std::string digest = DigestOf(repo_digest);
  if (!IsDigest(digest)) {
    return Error(ErrorCode::kFailedPrecondition,
                 "job " + job_id + " left an image without a registry digest; it cannot be pinned");
  }
  return RollbackPin{repo_digest, digest, job_id};
}

Error BadTarget() {
  return Error(ErrorCode::kInvalidArgument,
               "\"to\" must be a digest \"sha256:<64 hex>\", an image "
               "\"<repository>@sha256:<64 hex>\" or a job id (32 hex digits)");
}

}  // namespace

Status CheckRollbackTarget(std::string_view to) {
  if (to.empty() || IsJobId(to)) return Ok();
  if (to.size() > 512) return BadTarget();
  const auto at = to.rfind('@');
  if (at == std::string_view::npos) return IsDigest(to) ? Ok() : BadTarget();
  if (at == 0 || !IsDigest(to.substr(at + 1)) || RepositoryOf(to).empty()) return BadTarget();
  return Ok();
}

Result<RollbackPin> ChooseRollback(const std::string& project, const std::string& service,
                                   const std::vector<Job>& history, std::string_view to) {
  const std::string name = project + "/" + service;
  if (to.empty()) {
    for (const Job& job : history) {
      if (job.previous_image_id.empty() || job.previous_image_id == job.image_id) continue;
      if (!IsDigest(DigestOf(job.previous_repo_digest))) {
        return Error(ErrorCode::kFailedPrecondition,
                     "the image " + name + " ran before job " + job.id +
                         " has no registry digest; name one with \"to\"");
      }
      return RollbackPin{job.previous_repo_digest, DigestOf(job.previous_repo_digest), job.id};
    }
    return Error(ErrorCode::kFailedPrecondition,
                 "no earlier image of " + name +
                     " is known: its job history has no succeeded deploy that replaced one");
  }
  if (IsJobId(to)) {
    for (const Job& job : history) {
      if (job.id == to) return PinOf(job.repo_digest, job.id);
    }
    return Error(ErrorCode::kNotFound,
                 "\"to\": no succeeded deploy of " + name + " has the job id " + std::string(to));
  }
  if (auto syntax = CheckRollbackTarget(to); !syntax) return syntax.error();
  const auto at = to.rfind('@');
  const std::string digest(at == std::string_view::npos ? to : to.substr(at + 1));
  const std::string repository = at == std::string_view::npos ? std::string() : RepositoryOf(to);
  for (const Job& job : history) {
    for (const std::string* recorded : {&job.repo_digest, &job.previous_repo_digest}) {
      if (DigestOf(*recorded) != digest) continue;
      if (!repository.empty() && RepositoryOf(*recorded) != repository) continue;
      return RollbackPin{*recorded, digest, job.id};
    }
  }
  return Error(ErrorCode::kNotFound, "\"to\": " + std::string(to) + " is not an image that " +
                                         name + " ran, as far as its job history goes");
}

}  // namespace deliveryhook::jobs
