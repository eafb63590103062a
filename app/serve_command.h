// `delivery-hook serve [--dev]`: runs the webhook server until SIGINT/SIGTERM.
#ifndef DELIVERYHOOK_APP_SERVE_COMMAND_H_
#define DELIVERYHOOK_APP_SERVE_COMMAND_H_

namespace deliveryhook::app {

// Reads the settings from the environment and serves; returns the exit code
// (2 for bad settings, 1 when the port cannot be bound).
int Serve(bool dev_mode);

}  // namespace deliveryhook::app

#endif  // DELIVERYHOOK_APP_SERVE_COMMAND_H_
