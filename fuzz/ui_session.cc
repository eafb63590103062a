// The operator's page's parsers of what a browser sends: the Cookie header,
// the login form body, and a session lookup with the cookie value found.
#include <cstdint>
#include <string>
#include <string_view>

#include "ui/sessions.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace deliveryhook::app;
  static SessionStore sessions({}, [] { return std::int64_t{1800000000000}; });
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string cookie = CookieValue(input, kSessionCookie);
  (void)sessions.Find(cookie);
  (void)FormField(input, "token");
  return 0;
}
