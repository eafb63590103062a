// .dockerignore: the part before the first NUL byte is the file, every
// line after it a path to match against its patterns.
#include <cstdint>
#include <string_view>

#include "engine/dockerignore.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace deliveryhook::engine;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t split = input.find('\0');
  const std::string_view file = input.substr(0, split);
  std::string_view paths = split == std::string_view::npos ? std::string_view() : input.substr(split + 1);
  auto matcher = PatternMatcher::Create(ReadDockerignore(file));
  if (!matcher) return 0;
  while (!paths.empty()) {
    const std::size_t newline = paths.find('\n');
    const std::string_view path = paths.substr(0, newline);
    (void)matcher->MatchesOrParentMatches(path);
    (void)matcher->ExclusionMayMatchInside(path);
    paths = newline == std::string_view::npos ? std::string_view() : paths.substr(newline + 1);
  }
  return 0;
}
