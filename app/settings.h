// The one table of the hook's settings (environment variables). The parser
// (config.cc) reads only names in it, `--help` prints its environment
// section from it, and a unit test holds docs/configuration.md and
// packaging/delivery-hook.default to it, so the four can no longer drift.
#ifndef DELIVERYHOOK_APP_SETTINGS_H_
#define DELIVERYHOOK_APP_SETTINGS_H_

#include <span>
#include <string>
#include <string_view>

namespace deliveryhook::app {

struct Setting {
  std::string_view name;
  // The default as the docs show it; empty means "(empty)": unset.
  std::string_view default_shown;
  // One line for --help; docs/configuration.md says more.
  std::string_view meaning;
  // An older name read too (the original design's), or empty.
  std::string_view alias;
  // Docker's own variables (DOCKER_HOST, DOCKER_CONFIG) stay in the compose
  // interpolation environment, as `docker compose` would see them; every
  // other setting is kept out of it, so a secret never reaches a container.
  bool shared_with_compose = false;
};

// Every setting, in the order the docs list them.
std::span<const Setting> Settings();

// The entry named `name` (or whose alias it is), or nullptr.
const Setting* FindSetting(std::string_view name);

// The environment section of `delivery-hook --help` (help2man makes the
// man page's ENVIRONMENT section from it).
std::string SettingsHelp();

}  // namespace deliveryhook::app

#endif  // DELIVERYHOOK_APP_SETTINGS_H_
