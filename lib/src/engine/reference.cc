#include "engine/reference.h"

#include <algorithm>
#include <cctype>
#include <regex>

namespace deliveryhook::engine {
namespace {

// The grammar of distribution/reference (regexp.go).
const std::string kPathComponent = "[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";
const std::string kDomainComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const std::string kDomainAndPort = "(?:" + kDomainComponent + "(?:\\." + kDomainComponent +
                                   ")*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?";
const std::string kTag = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
const std::string kDigest = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";

const std::regex& DomainRegex() {
  static const std::regex re("^" + kDomainAndPort + "$");
  return re;
}

// path, then optional tag and digest.
const std::regex& RemainderRegex() {
  static const std::regex re("^(" + kPathComponent + "(?:/" + kPathComponent + ")*)(?::(" + kTag +
                             "))?(?:@(" + kDigest + "))?$");
  return re;
}

bool IsLower(std::string_view text) {
  return std::none_of(text.begin(), text.end(), [](unsigned char c) { return std::isupper(c); });
}

bool IsHex64(std::string_view text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

Error Invalid(std::string_view reference, std::string_view why) {
  return Error(ErrorCode::kInvalidArgument,
               "invalid image reference \"" + std::string(reference) + "\": " + std::string(why));
}

Result<std::string> ValidateDigest(std::string_view reference, std::string_view digest) {
  const auto colon = digest.find(':');
  const std::string_view algorithm = digest.substr(0, colon);
  const std::string_view hex = digest.substr(colon + 1);
  size_t length = 0;
  if (algorithm == "sha256") {
    length = 64;
  } else if (algorithm == "sha384") {
    length = 96;
  } else if (algorithm == "sha512") {
    length = 128;
  } else {
    return Invalid(reference, "unsupported digest algorithm");
  }
  if (hex.size() != length) return Invalid(reference, "invalid checksum digest length");
  if (!IsLower(hex)) return Invalid(reference, "invalid checksum digest format");
  return std::string(digest);
}

}  // namespace

std::string ImageReference::Name() const { return domain + "/" + path; }

std::string ImageReference::String() const {
  std::string out = Name();
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

Result<ImageReference> ParseImageReference(std::string_view reference) {
  if (reference.empty()) return Invalid(reference, "repository name must have at least one component");
  if (IsHex64(reference)) return Invalid(reference, "cannot specify 64-byte hexadecimal strings");

  // splitDockerDomain: the first component is a registry when it looks like
  // one (has "." or ":", or is "localhost") and has no upper-case letters.
  ImageReference ref;
  std::string remainder;
  const auto slash = reference.find('/');
  const std::string_view first = reference.substr(0, slash);
  if (slash == std::string_view::npos ||
      (first.find_first_of(".:") == std::string_view::npos && first != "localhost" && IsLower(first))) {
    ref.domain = "docker.io";
    remainder = std::string(reference);
  } else {
    ref.domain = std::string(first);
    remainder = std::string(reference.substr(slash + 1));
  }
  if (ref.domain == "index.docker.io") ref.domain = "docker.io";
  if (ref.domain == "docker.io" && remainder.find('/') == std::string::npos) {
    remainder = "library/" + remainder;
  }

  const std::string remote = remainder.substr(0, remainder.find(':'));
  if (!IsLower(remote)) {
    return Invalid(reference, "repository name (" + remote + ") must be lowercase");
  }
  if (!std::regex_match(ref.domain, DomainRegex())) return Invalid(reference, "invalid reference format");
  std::smatch match;
  if (!std::regex_match(remainder, match, RemainderRegex())) {
    return Invalid(reference, "invalid reference format");
  }
  ref.path = match[1].str();
  ref.tag = match[2].str();
  if (match[3].matched) {
    auto digest = ValidateDigest(reference, match[3].str());
    if (!digest) return digest.error();
    ref.digest = std::move(*digest);
  }
  constexpr size_t kMaxNameLength = 255;
  if (ref.Name().size() > kMaxNameLength) {
    return Invalid(reference, "repository name must not be more than 255 characters");
  }
  if (ref.tag.empty() && ref.digest.empty()) ref.tag = "latest";
  return ref;
}

}  // namespace deliveryhook::engine
