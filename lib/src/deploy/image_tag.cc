#include "deploy/image_tag.h"

#include <rapidjson/document.h>

namespace deliveryhook::deploy {

std::string ConfigImageOf(const engine::ContainerInfo& container) {
  rapidjson::Document inspect;
  inspect.Parse(container.raw_json.c_str());
  if (inspect.HasParseError() || !inspect.IsObject()) return {};
  auto config = inspect.FindMember("Config");
  if (config == inspect.MemberEnd() || !config->value.IsObject()) return {};
  auto image = config->value.FindMember("Image");
  return image != config->value.MemberEnd() && image->value.IsString() ? image->value.GetString()
                                                                       : "";
}

Result<bool> PointTagAtRunningImage(engine::EngineApi& client,
                                    const engine::ContainerInfo& container) {
  const std::string reference = ConfigImageOf(container);
  if (reference.empty() || reference.find('@') != std::string::npos || container.image.empty()) {
    return false;
  }
  auto tagged = client.InspectImage(reference);
  if (tagged && tagged->id == container.image) return false;
  if (!tagged && tagged.error().code() != ErrorCode::kNotFound) return tagged.error();
  if (auto moved = client.TagImage(container.image, reference); !moved) return moved.error();
  return true;
}

}  // namespace deliveryhook::deploy
