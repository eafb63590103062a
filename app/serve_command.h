// `delivery-hook serve [--dev]`: runs the webhook server until SIGINT/SIGTERM.
#ifndef DELIVERY_HOOK_APP_SERVE_COMMAND_H_
#define DELIVERY_HOOK_APP_SERVE_COMMAND_H_

namespace delivery_hook {

// Reads the settings from the environment and serves; returns the exit code
// (2 for bad settings, 1 when the port cannot be bound).
int Serve(bool dev_mode);

}  // namespace delivery_hook

#endif  // DELIVERY_HOOK_APP_SERVE_COMMAND_H_
