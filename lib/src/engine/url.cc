#include "engine/url.h"

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

}  // namespace deliveryhook::engine
