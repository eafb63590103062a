#include "deliveryhook/webhook/trusted_proxies.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>
#include <optional>

namespace deliveryhook::webhook {
namespace {

struct Parsed {
  bool v6 = false;
  std::array<unsigned char, 16> bytes{};
};

// An IPv4 or IPv6 address; IPv4-mapped IPv6 is read as its IPv4 address.
std::optional<Parsed> ParseAddress(std::string_view text) {
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  const std::string owned(text);
  Parsed parsed;
  if (inet_pton(AF_INET, owned.c_str(), parsed.bytes.data()) == 1) return parsed;
  if (inet_pton(AF_INET6, owned.c_str(), parsed.bytes.data()) != 1) return std::nullopt;
  static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(parsed.bytes.data(), kMapped, sizeof kMapped) == 0) {
    std::memmove(parsed.bytes.data(), parsed.bytes.data() + 12, 4);
    std::fill(parsed.bytes.begin() + 4, parsed.bytes.end(), 0);
    return parsed;
  }
  parsed.v6 = true;
  return parsed;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  while (true) {
    const auto at = text.find(separator);
    parts.push_back(Trim(text.substr(0, at)));
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + 1);
  }
}

// A Forwarded for= value without quotes, brackets and port: "[2001:db8::1]:80"
// → "2001:db8::1", "192.0.2.1:80" → "192.0.2.1".
std::string NodeAddress(std::string_view value) {
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    value = value.substr(1, value.size() - 2);
  }
  if (!value.empty() && value.front() == '[') {
    const auto close = value.find(']');
    return close == std::string_view::npos ? std::string() : std::string(value.substr(1, close - 1));
  }
  if (const auto colon = value.find(':');
      colon != std::string_view::npos && value.find(':', colon + 1) == std::string_view::npos) {
    value = value.substr(0, colon);  // IPv4 with a port
  }
  return std::string(value);
}

bool CaseInsensitiveEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if ((a[i] | 0x20) != (b[i] | 0x20)) return false;
  }
  return true;
}

}  // namespace

Result<TrustedProxies> TrustedProxies::Parse(std::string_view list) {
  TrustedProxies proxies;
  std::string normalized(list);
  for (char& c : normalized) {
    if (c == ' ' || c == '\t' || c == '\n') c = ',';
  }
  for (std::string_view entry : Split(normalized, ',')) {
    if (entry.empty()) continue;
    const auto slash = entry.find('/');
    auto address = ParseAddress(entry.substr(0, slash));
    Network network;
    bool ok = address.has_value();
    if (ok) {
      network.v6 = address->v6;
      network.bytes = address->bytes;
      const int bits = network.v6 ? 128 : 32;
      network.prefix = bits;
      if (slash != std::string_view::npos) {
        const std::string_view digits = entry.substr(slash + 1);
        auto [end, error] =
            std::from_chars(digits.data(), digits.data() + digits.size(), network.prefix);
        ok = !digits.empty() && error == std::errc() && end == digits.data() + digits.size() &&
             network.prefix >= 0 && network.prefix <= bits;
      }
    }
    if (!ok) {
      return Error(ErrorCode::kInvalidArgument,
                   "TRUSTED_PROXIES: \"" + std::string(entry) +
                       "\" is not an IP address or a CIDR network (10.0.0.0/8, fd00::/8)");
    }
    proxies.networks_.push_back(network);
  }
  return proxies;
}

bool TrustedProxies::Contains(std::string_view text) const {
  auto address = ParseAddress(text);
  if (!address) return false;
  for (const Network& network : networks_) {
    if (network.v6 != address->v6) continue;
    const int whole = network.prefix / 8;
    const int rest = network.prefix % 8;
    if (std::memcmp(network.bytes.data(), address->bytes.data(), whole) != 0) continue;
    if (rest != 0) {
      const unsigned char mask = static_cast<unsigned char>(0xff << (8 - rest));
      if ((network.bytes[whole] & mask) != (address->bytes[whole] & mask)) continue;
    }
    return true;
  }
  return false;
}

std::string TrustedProxies::RightMostUntrusted(const std::vector<std::string>& chain,
                                               std::string_view peer) const {
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    if (!ParseAddress(*it)) return std::string(peer);
    if (!Contains(*it)) return *it;
  }
  return chain.empty() ? std::string(peer) : chain.front();
}

std::string TrustedProxies::ClientAddress(std::string_view peer, std::string_view x_forwarded_for,
                                          std::string_view forwarded) const {
  if (!Contains(peer)) return std::string(peer);
  std::vector<std::string> chain;
  if (!Trim(x_forwarded_for).empty()) {
    for (std::string_view entry : Split(x_forwarded_for, ',')) chain.push_back(NodeAddress(entry));
    return RightMostUntrusted(chain, peer);
  }
  for (std::string_view element : Split(forwarded, ',')) {
    for (std::string_view pair : Split(element, ';')) {
      const auto equals = pair.find('=');
      if (equals == std::string_view::npos) continue;
      if (!CaseInsensitiveEquals(Trim(pair.substr(0, equals)), "for")) continue;
      chain.push_back(NodeAddress(Trim(pair.substr(equals + 1))));
    }
  }
  return RightMostUntrusted(chain, peer);
}

}  // namespace deliveryhook::webhook
