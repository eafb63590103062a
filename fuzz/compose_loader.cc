// LoadProject on a fuzzed compose.yaml (deep nesting, anchors and aliases,
// merge keys, huge scalars, !reset/!override, include and extends), then
// what the deployer does with each service. The project dir also holds a
// fixed base.yaml and inc/compose.yaml (with its .env), so that `include`
// and `extends: {file: ...}` have something to read; compose.yaml itself
// can be named too, for the cycle checks.
#include <sys/stat.h>
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
    std::ofstream(pattern + "/base.yaml") << "services:\n  base:\n    image: busybox\n    volumes: [./b:/b]\n"
                                             "  chained:\n    extends: base\n    environment: {A: \"1\"}\n"
                                             "  loop:\n    extends: {file: compose.yaml, service: web}\n";
    std::string inc = pattern + "/inc";
    if (mkdir(inc.c_str(), 0700) != 0) std::abort();
    std::ofstream(inc + "/compose.yaml") << "include: [../base.yaml]\nservices:\n  inc:\n    image: \"inc:${INC_TAG}\"\n"
                                            "networks:\n  incnet: {}\n";
    std::ofstream(inc + "/.env") << "INC_TAG=2\n";
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
