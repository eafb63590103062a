// LoadProject on a fuzzed compose.yaml (deep nesting, anchors and aliases,
// merge keys, huge scalars), then what the deployer does with each service.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

#include "deliveryhook/compose/project.h"

namespace {

const std::string& ProjectDir() {
  static const std::string dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/deliveryhook-fuzz-XXXXXX";
    if (!mkdtemp(pattern.data())) std::abort();
    return pattern;
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace deliveryhook::compose;
  const std::string file = ProjectDir() + "/compose.yaml";
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  LoadOptions options;
  options.config_files = {file};
  options.working_dir = ProjectDir();
  options.project_name = "fuzz";
  options.environment = {{"TAG", "1.0"}, {"EMPTY", ""}, {"PORT", "8080"}};
  auto project = LoadProject(options);
  if (!project) return 0;
  for (const Service& service : project->services) {
    (void)CheckSupported(*project, service);
    if (ServiceConfigHash(service, ComposeVersion{}).size() != 64) __builtin_trap();
    (void)ServiceConfigHash(service, ComposeVersion{2, 26, 1});
  }
  return 0;
}
