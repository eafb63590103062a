// The tar sent as the body of `POST /build`.
#ifndef DELIVERYHOOK_ENGINE_BUILD_CONTEXT_H_
#define DELIVERYHOOK_ENGINE_BUILD_CONTEXT_H_

#include <string>

#include "deliveryhook/result.h"

namespace deliveryhook::engine {

struct BuildContext {
  std::string tar;         // uncompressed tar of the context
  std::string dockerfile;  // the Dockerfile's path inside the tar, for ?dockerfile=
};

// Tars `context_dir` the way the docker CLI does for the classic builder:
// files matched by its .dockerignore are left out (folders an exception
// pattern reaches are still walked), the Dockerfile and .dockerignore are
// always included, owners are root, and entries come in name order. A
// Dockerfile outside the context is added as ".dockerfile.<random>".
// `dockerfile` is relative to the context (or absolute); "" means
// "Dockerfile". Fails with kInvalidArgument when the folder or the
// Dockerfile is missing or .dockerignore is malformed.
Result<BuildContext> MakeBuildContext(const std::string& context_dir, const std::string& dockerfile);

}  // namespace deliveryhook::engine

#endif  // DELIVERYHOOK_ENGINE_BUILD_CONTEXT_H_
