// The service's compose tag and the image a container runs: a deploy points
// the tag at the new image before it swaps, so a deploy that is undone must
// point it back, or `docker compose up -d` would deploy the image that was
// undone.
#ifndef DELIVERYHOOK_DEPLOY_IMAGE_TAG_H_
#define DELIVERYHOOK_DEPLOY_IMAGE_TAG_H_

#include <string>

#include "deliveryhook/engine/engine_api.h"
#include "deliveryhook/result.h"

namespace deliveryhook::deploy {

// The image reference the container was created with (Config.Image), e.g.
// "registry/app:latest"; empty if the inspect answer has none.
std::string ConfigImageOf(const engine::ContainerInfo& container);

// Points the container's Config.Image tag at the image the container runs,
// when it names another one. True when it re-tagged. A digest reference
// cannot be moved and is left alone.
Result<bool> PointTagAtRunningImage(engine::EngineApi& client,
                                    const engine::ContainerInfo& container);

}  // namespace deliveryhook::deploy

#endif  // DELIVERYHOOK_DEPLOY_IMAGE_TAG_H_
