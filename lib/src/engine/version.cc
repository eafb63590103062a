#include "engine/version.h"

#include <charconv>
#include <utility>

#include "deliveryhook/engine/client.h"

namespace deliveryhook::engine {
namespace {

// {major, minor}; {-1, -1} when malformed.
std::pair<int, int> Split(std::string_view version) {
  const auto dot = version.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == version.size()) return {-1, -1};
  int major = 0;
  int minor = 0;
  const char* begin = version.data();
  const char* end = begin + version.size();
  auto [after_major, e1] = std::from_chars(begin, begin + dot, major);
  auto [after_minor, e2] = std::from_chars(begin + dot + 1, end, minor);
  if (e1 != std::errc() || e2 != std::errc() || after_major != begin + dot || after_minor != end) {
    return {-1, -1};
  }
  return {major, minor};
}

}  // namespace

int CompareApiVersions(std::string_view a, std::string_view b) {
  const auto left = Split(a);
  const auto right = Split(b);
  if (left < right) return -1;
  if (right < left) return 1;
  return 0;
}

bool IsApiVersion(std::string_view version) { return Split(version).first >= 0; }

Result<std::string> NegotiateApiVersion(std::string_view engine_version) {
  if (!IsApiVersion(engine_version)) {
    return Error(ErrorCode::kInternal,
                 "the Docker engine reported a malformed API version \"" + std::string(engine_version) + "\"");
  }
  if (CompareApiVersions(engine_version, kMinApiVersion) < 0) {
    return Error(ErrorCode::kFailedPrecondition,
                 "the Docker engine speaks API " + std::string(engine_version) +
                     ", older than the oldest this client supports (" + std::string(kMinApiVersion) +
                     "); upgrade Docker Engine to 20.10 or newer");
  }
  if (CompareApiVersions(engine_version, kMaxApiVersion) > 0) return std::string(kMaxApiVersion);
  return std::string(engine_version);
}

}  // namespace deliveryhook::engine
