#include "engine/url.h"

#include <charconv>
#include <system_error>

namespace deliveryhook::engine {

std::string PercentEscape(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size());
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0F]);
    }
  }
  return out;
}

Query& Query::Add(std::string_view key, std::string_view value) {
  items_.emplace_back(std::string(key), std::string(value));
  return *this;
}

std::string Query::Encode() const {
  std::string out;
  for (const auto& [key, value] : items_) {
    out += out.empty() ? '?' : '&';
    out += PercentEscape(key);
    out += '=';
    out += PercentEscape(value);
  }
  return out;
}

std::string ResourcePath(std::string_view collection, std::string_view id, std::string_view suffix) {
  std::string out = "/";
  out += collection;
  out += '/';
  out += PercentEscape(id);
  out += suffix;
  return out;
}

namespace {

Error BadAuthority(std::string why) { return Error(ErrorCode::kInvalidArgument, std::move(why)); }

}  // namespace

Result<Authority> ParseAuthority(std::string_view authority, const AuthorityRules& rules) {
  if (rules.refuse_userinfo && authority.find('@') != std::string_view::npos) {
    return BadAuthority("credentials in the URL are not supported");
  }
  std::string_view host;
  std::string_view port;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {  // [ipv6]:port
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return BadAuthority("unterminated IPv6 address");
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return BadAuthority("malformed address");
      port = after.substr(1);
      has_port = true;
    }
  } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    has_port = true;
  } else {
    host = authority;
  }
  if (has_port && port.empty() && !rules.empty_port_is_default) return BadAuthority("empty port");
  if (host.empty()) return BadAuthority("missing host");
  Authority parsed;
  parsed.host = std::string(host);
  if (!port.empty()) {
    int value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value <= 0 || value > 65535) {
      return BadAuthority("invalid port \"" + std::string(port) + "\"");
    }
    parsed.port = value;
  }
  return parsed;
}

std::string RedactUserinfo(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  const std::size_t start = scheme_end + 3;
  const auto authority_end = url.find_first_of("/?#", start);  // npos: to the end
  const std::string_view authority = url.substr(
      start, authority_end == std::string_view::npos ? authority_end : authority_end - start);
  const auto at = authority.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  return std::string(url.substr(0, start)) + "***" + std::string(url.substr(start + at));
}

}  // namespace deliveryhook::engine
