// `delivery-hook check`: the library's UnsupportedKeys() and
// ServiceConfigHash() for every service of a project.
#include "check_command.h"

#include <algorithm>
#include <filesystem>

#include "cli.h"

namespace deliveryhook::app::cli {
namespace fs = std::filesystem;
namespace compose = deliveryhook::compose;

namespace {

// compose's default file names, in its order of preference.
std::string DefaultComposeFile(const std::string& cwd) {
  for (const char* name : {"compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"}) {
    if (fs::is_regular_file(fs::path(cwd) / name)) return (fs::path(cwd) / name).string();
  }
  return {};
}

}  // namespace

int RunCheck(const CheckOptions& options, const compose::Environment& environment, const std::string& cwd,
             std::ostream& out, std::ostream& err) {
  auto version = compose::ComposeVersion::Parse(options.compose_version);
  if (!version) {
    err << "delivery-hook check: invalid --compose-version \"" << options.compose_version << "\"\n";
    return kExitError;
  }
  compose::LoadOptions load;
  for (const std::string& file : options.files) {
    load.config_files.push_back(fs::absolute(fs::path(cwd) / file).lexically_normal().string());
  }
  if (load.config_files.empty()) {
    std::string found = DefaultComposeFile(cwd);
    if (found.empty()) {
      err << "delivery-hook check: no compose file: name one with -f\n";
      return kExitError;
    }
    load.config_files.push_back(found);
  }
  if (!options.project_directory.empty()) {
    load.working_dir = fs::absolute(fs::path(cwd) / options.project_directory).lexically_normal().string();
  }
  load.environment = environment;
  auto project = compose::LoadProject(load);
  if (!project) {
    err << "delivery-hook check: " << project.error().message() << "\n";
    return kExitError;
  }
  std::vector<const compose::Service*> services;
  for (const auto& service : project->services) services.push_back(&service);
  std::sort(services.begin(), services.end(),
            [](const compose::Service* x, const compose::Service* y) { return x->name < y->name; });
  int exit_code = kExitOk;
  for (const compose::Service* service : services) {
    std::vector<deliveryhook::Error> problems = compose::UnsupportedKeys(*project, *service);
    if (problems.empty()) {
      out << service->name << ": ok, config hash " << compose::ServiceConfigHash(*service, *version) << "\n";
      continue;
    }
    exit_code = kExitJobFailed;
    out << service->name << ": refused\n";
    for (const auto& problem : problems) out << "  " << problem.message() << "\n";
  }
  return exit_code;
}

}  // namespace deliveryhook::app::cli
