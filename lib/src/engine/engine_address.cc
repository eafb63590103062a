#include "engine/engine_address.h"

#include <string_view>

namespace deliveryhook::engine {

std::string WithoutEngineAddress(std::string message) {
  constexpr std::string_view kAt = "the Docker engine at ";
  for (auto at = message.find(kAt); at != std::string::npos; at = message.find(kAt, at)) {
    const auto start = at + kAt.size() - 4;  // the " at "
    auto end = message.find(": ", at + kAt.size());
    if (end == std::string::npos) end = message.size();
    message.erase(start, end - start);
    at = start;
  }
  return message;
}

}  // namespace deliveryhook::engine
