// The version `delivery-hook --version` prints and the server logs.
#ifndef DELIVERY_HOOK_APP_VERSION_H_
#define DELIVERY_HOOK_APP_VERSION_H_

namespace delivery_hook {

inline constexpr char kVersion[] = "0.1.0";

}  // namespace delivery_hook

#endif  // DELIVERY_HOOK_APP_VERSION_H_
