// Which of the two containers of a service runs during a deploy: the order
// compose's `deploy.update_config.order` names. Compose itself ignores that
// key outside Swarm and always stops first; the hook honours it.
#ifndef DELIVERYHOOK_DEPLOY_SWAP_ORDER_H_
#define DELIVERYHOOK_DEPLOY_SWAP_ORDER_H_

#include <string>
#include <string_view>

namespace deliveryhook::deploy {

enum class SwapOrder {
  kStopFirst,   // stop the old container, then start the new one (compose's way)
  kStartFirst,  // start and verify the new one while the old one still runs
};

struct SwapOrderChoice {
  SwapOrder order = SwapOrder::kStopFirst;
  // Why a service that asks for start-first is swapped stop-first: two of
  // its containers cannot run side by side. Empty otherwise.
  std::string fallback_reason;
};

// Reads the order from a service's canonical JSON (compose::Service's
// canonical_json). A service whose new container could not run beside the
// old one is swapped stop-first whatever it asks for: one that publishes a
// fixed host port, uses the host's network or another container's
// (`network_mode: service:x`), or has a fixed address on a network.
SwapOrderChoice ChooseSwapOrder(std::string_view service_canonical_json);

}  // namespace deliveryhook::deploy

#endif  // DELIVERYHOOK_DEPLOY_SWAP_ORDER_H_
