// Which services compose restarts after it recreated one of their
// dependencies: those whose `depends_on` entry for it says `restart: true`.
// (compose stops them before the recreate and starts them after; the hook
// restarts them once the new container is verified, so a failed deploy
// never touches them.)
#ifndef DELIVERYHOOK_DEPLOY_DEPENDANTS_H_
#define DELIVERYHOOK_DEPLOY_DEPENDANTS_H_

#include <string>
#include <string_view>
#include <vector>

#include "deliveryhook/compose/project.h"

namespace deliveryhook::deploy {

// Names of the project's services, in project order, whose depends_on has
// `<service>: {restart: true}`. Services that share the service's network,
// IPC or PID namespace (`service:<it>`, an implicit `restart: true`) are left
// out: they are recreated instead.
std::vector<std::string> ServicesToRestartAfter(const compose::Project& project,
                                                std::string_view service);

}  // namespace deliveryhook::deploy

#endif  // DELIVERYHOOK_DEPLOY_DEPENDANTS_H_
