// `delivery-hook healthcheck`: exit 0 when a hook answers GET /healthz with a
// 2xx, 1 otherwise. The container image's HEALTHCHECK runs it (the image has
// no shell and no curl binary), so it needs nothing but the hook's own
// libcurl transport.
#ifndef DELIVERYHOOK_APP_HEALTHCHECK_COMMAND_H_
#define DELIVERYHOOK_APP_HEALTHCHECK_COMMAND_H_

#include <map>
#include <ostream>
#include <string>

#include "cli.h"
#include "deliveryhook/engine/transport.h"
#include "deliveryhook/result.h"
#include "hook_client.h"

namespace deliveryhook::app::cli {

// Exit codes of healthcheck, as Docker's HEALTHCHECK reads them (2 is
// reserved there, so every failure is 1).
inline constexpr int kExitHealthy = 0;
inline constexpr int kExitUnhealthy = 1;

// Where `serve` listens according to `env`, read exactly as serve reads it
// (PORT, UVICORN_PORT, LISTEN_ADDRESS); a wildcard address (0.0.0.0, ::)
// becomes the loopback of its family. Fails when serve would refuse the
// settings.
deliveryhook::Result<HookUrl> HealthUrlFromEnvironment(const std::map<std::string, std::string>& env);

// GET <url>/healthz through `transport` (already pointed at the URL's host
// and port). Prints why on `err` when the answer is not a 2xx.
int RunHealthcheck(const HookUrl& url, deliveryhook::engine::Transport& transport,
                   std::ostream& err);

// The command as main() runs it: --url, or the URL from the environment;
// libcurl with short timeouts (connect 2 s, whole request 5 s).
int RunHealthcheckCommand(const HealthcheckOptions& options,
                          const std::map<std::string, std::string>& env, std::ostream& err);

}  // namespace deliveryhook::app::cli

#endif  // DELIVERYHOOK_APP_HEALTHCHECK_COMMAND_H_
