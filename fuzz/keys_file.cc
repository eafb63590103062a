// ParseKeysFile on fuzzed text; file: secrets come from a fake reader.
#include <cstdint>
#include <string>

#include "deliveryhook/webhook/keys.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace deliveryhook::webhook;
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto keys = ParseKeysFile(text, [](const std::string& path) -> deliveryhook::Result<std::string> {
    if (path.size() % 2 == 0) return "secret-of-" + path;
    return deliveryhook::Error(deliveryhook::ErrorCode::kInvalidArgument, "cannot read " + path);
  });
  if (!keys) {
    if (keys.error().message().empty()) __builtin_trap();
    return 0;
  }
  for (const Key& key : *keys) {
    if (key.id.empty() || key.secret.empty() || key.StandardWebhooksKey().empty()) __builtin_trap();
    (void)key.Covers("shop", "web");
  }
  return 0;
}
