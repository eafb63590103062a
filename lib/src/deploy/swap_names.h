// Names a deploy gives containers while it swaps them, and how to read them
// back after an interruption. The new container is first created as
// "<old id, 12 chars>_<name>" (compose's own temporary name); the old one is
// set aside as "<old id, 12 chars>_old_<name>" until the new one runs.
#ifndef DELIVERYHOOK_DEPLOY_SWAP_NAMES_H_
#define DELIVERYHOOK_DEPLOY_SWAP_NAMES_H_

#include <optional>
#include <string>
#include <string_view>

namespace deliveryhook::deploy {

inline constexpr std::size_t kShortIdLength = 12;

std::string TemporaryNameFor(std::string_view old_id, std::string_view name);
std::string AsideNameFor(std::string_view old_id, std::string_view name);

struct SwapName {
  std::string short_id;  // the old container's id prefix
  std::string name;      // the service container's real name
  bool aside = false;    // "<id>_old_<name>" rather than "<id>_<name>"
};

// Reads a temporary or aside name; nothing for any other name.
std::optional<SwapName> ParseSwapName(std::string_view container_name);

}  // namespace deliveryhook::deploy

#endif  // DELIVERYHOOK_DEPLOY_SWAP_NAMES_H_
