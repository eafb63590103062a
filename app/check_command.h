// `delivery-hook check [-f file]... [--compose-version X]`: loads a compose
// project as the hook would and prints, per service, whether the hook can
// redeploy it and the config hash compose X gives it, or every key that
// stops it (file and line). Needs no hook and no Docker engine.
#ifndef DELIVERYHOOK_APP_CHECK_COMMAND_H_
#define DELIVERYHOOK_APP_CHECK_COMMAND_H_

#include <ostream>
#include <string>
#include <vector>

#include "deliveryhook/compose/project.h"

namespace deliveryhook::app::cli {

struct CheckOptions {
  std::vector<std::string> files;  // -f; empty: compose.yaml (or its other names) in the cwd
  std::string project_directory;   // --project-directory; empty: the first file's directory
  std::string compose_version = "2.40.3";
};

// The hash is the label compose's `up` writes (env_file values included),
// except that a `service:x` or `volumes_from` reference stays unresolved: on
// the host, compose and the hook hash it as the container it names.
//
// Exit codes: 0 every service can be redeployed, 1 some cannot, 2 the
// project does not load (or a usage error).
//
// Output, one line per service in name order:
//   web: ok, config hash 1c9743245378e3613fd2d5c38469727dca56ad80665e459889251a45e67a4603
//   worker: refused
//     compose.yaml:12: service "worker": key "develop" is not supported by delivery-hook yet
int RunCheck(const CheckOptions& options, const deliveryhook::compose::Environment& environment,
             const std::string& cwd, std::ostream& out, std::ostream& err);

}  // namespace deliveryhook::app::cli

#endif  // DELIVERYHOOK_APP_CHECK_COMMAND_H_
