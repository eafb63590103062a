// Image references, normalized like distribution/reference ParseNormalizedNamed.
//
//   "nginx"                      -> docker.io / library/nginx, tag "latest"
//   "127.0.0.1:5000/app:v2"      -> 127.0.0.1:5000 / app, tag "v2"
//   "app@sha256:<64 hex>"        -> docker.io / library/app, digest only
//   "host/a/b:tag@sha256:<hex>"  -> host / a/b, tag and digest
#ifndef DELIVERYHOOK_ENGINE_REFERENCE_H_
#define DELIVERYHOOK_ENGINE_REFERENCE_H_

#include <string>
#include <string_view>

#include "deliveryhook/result.h"

namespace deliveryhook::engine {

struct ImageReference {
  std::string domain;  // "docker.io", "127.0.0.1:5000"
  std::string path;    // "library/nginx"
  std::string tag;     // "latest" when neither a tag nor a digest was given
  std::string digest;  // "sha256:..." or ""

  // "docker.io/library/nginx": the repository, without tag or digest.
  std::string Name() const;
  // What to pull: the digest when there is one, else the tag.
  const std::string& TagOrDigest() const { return digest.empty() ? tag : digest; }
  // "docker.io/library/nginx:latest", "host/a/b:tag@sha256:...".
  std::string String() const;
};

// Fails with kInvalidArgument and distribution's wording, e.g.
// `invalid image reference "Nginx": repository name (library/Nginx) must be lowercase`.
Result<ImageReference> ParseImageReference(std::string_view reference);

}  // namespace deliveryhook::engine

#endif  // DELIVERYHOOK_ENGINE_REFERENCE_H_
