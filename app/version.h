// The version `delivery-hook --version` prints and the server logs.
#ifndef DELIVERYHOOK_APP_VERSION_H_
#define DELIVERYHOOK_APP_VERSION_H_

namespace deliveryhook::app {

inline constexpr char kVersion[] = "0.1.0";

}  // namespace deliveryhook::app

#endif  // DELIVERYHOOK_APP_VERSION_H_
