#include "deploy/swap_names.h"

#include <algorithm>

namespace deliveryhook::deploy {

std::string TemporaryNameFor(std::string_view old_id, std::string_view name) {
  return std::string(old_id.substr(0, kShortIdLength)) + "_" + std::string(name);
}

std::string AsideNameFor(std::string_view old_id, std::string_view name) {
  return std::string(old_id.substr(0, kShortIdLength)) + "_old_" + std::string(name);
}

std::optional<SwapName> ParseSwapName(std::string_view container_name) {
  if (container_name.size() < kShortIdLength + 2 || container_name[kShortIdLength] != '_') {
    return std::nullopt;
  }
  const std::string_view prefix = container_name.substr(0, kShortIdLength);
  const bool hex = std::all_of(prefix.begin(), prefix.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  });
  if (!hex) return std::nullopt;
  std::string_view rest = container_name.substr(kShortIdLength + 1);
  SwapName parsed{std::string(prefix), {}, false};
  constexpr std::string_view kAside = "old_";
  if (rest.substr(0, kAside.size()) == kAside && rest.size() > kAside.size()) {
    parsed.aside = true;
    rest.remove_prefix(kAside.size());
  }
  parsed.name = std::string(rest);
  return parsed;
}

}  // namespace deliveryhook::deploy
