// The Engine's newline-delimited JSON progress stream, fed in chunks split
// where the first input byte says, and each line on its own.
#include <cstdint>
#include <string_view>

#include "engine/json_stream.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace deliveryhook::engine;
  if (size == 0) return 0;
  const std::size_t chunk = 1 + data[0] % 64;
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  std::size_t messages = 0;
  JsonStreamParser parser([&](const StreamMessage&) { ++messages; });
  for (std::size_t pos = 0; pos < body.size(); pos += chunk) parser.Feed(body.substr(pos, chunk));
  (void)parser.Finish();
  for (std::size_t pos = 0; pos <= body.size();) {
    std::size_t end = body.find('\n', pos);
    if (end == std::string_view::npos) end = body.size();
    (void)ParseStreamLine(body.substr(pos, end - pos));
    pos = end + 1;
  }
  return 0;
}
