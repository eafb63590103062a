// The .env / env_file parser.
#include <cstdint>
#include <string>

#include "compose/dotenv.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace deliveryhook::compose;
  const Lookup lookup = [](const std::string& name) -> std::optional<std::string> {
    if (name == "HOME") return std::string("/home/fuzz");
    if (name == "EMPTY") return std::string();
    return std::nullopt;
  };
  (void)ParseDotEnv(std::string_view(reinterpret_cast<const char*>(data), size), lookup);
  return 0;
}
