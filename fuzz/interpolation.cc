// ${VAR...} substitution: first on the raw input, then on every string of
// the input read as YAML (what the loader does to a compose file).
#include <cstdint>
#include <map>
#include <string>

#include "compose/interpolation.h"
#include "compose/template.h"
#include "compose/yaml_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace deliveryhook::compose;
  static const std::map<std::string, std::string> kEnvironment = {
      {"A", "a"}, {"EMPTY", ""}, {"NESTED", "${A}"}, {"DOLLAR", "$$"}};
  const Lookup lookup = [](const std::string& name) -> std::optional<std::string> {
    auto it = kEnvironment.find(name);
    if (it == kEnvironment.end()) return std::nullopt;
    return it->second;
  };
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)Substitute(text, lookup);
  auto tree = ReadYaml(text, "compose.yaml");
  if (tree) (void)InterpolateTree(*tree, lookup);
  return 0;
}
