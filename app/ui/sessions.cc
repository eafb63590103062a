#include "ui/sessions.h"

#include "util/crypto.h"

namespace deliveryhook::app {
namespace {

constexpr std::size_t kCookieHexDigits = 64;

bool IsLowerHex(std::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string_view Trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> FormDecode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int high = HexValue(text[i + 1]);
      const int low = HexValue(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out += static_cast<char>(high * 16 + low);
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace

SessionStore::SessionStore(SessionOptions options, std::function<std::int64_t()> now)
    : options_(options), now_(std::move(now)), pepper_(util::RandomHex(32)) {}

std::optional<std::string> SessionStore::Digest(std::string_view cookie_value) const {
  if (cookie_value.size() != kCookieHexDigits || !IsLowerHex(cookie_value)) return std::nullopt;
  return util::HmacSha256Hex(pepper_, cookie_value);
}

std::string SessionStore::Create(std::string key_id) {
  const std::string value = util::RandomHex(kCookieHexDigits / 2);
  const std::string digest = *Digest(value);
  const std::int64_t now = now_();
  MutexLock lock(mutex_);
  // Expired ones first, then the one that ends soonest (the oldest).
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    it = it->second.expires_at <= now ? sessions_.erase(it) : std::next(it);
  }
  while (!sessions_.empty() && sessions_.size() >= options_.capacity) {
    auto oldest = sessions_.begin();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
      if (it->second.expires_at < oldest->second.expires_at) oldest = it;
    }
    sessions_.erase(oldest);
  }
  sessions_[digest] = {std::move(key_id),
                       now + std::chrono::duration_cast<std::chrono::milliseconds>(options_.lifetime).count()};
  return value;
}

std::optional<Session> SessionStore::Find(std::string_view cookie_value) {
  auto digest = Digest(cookie_value);
  if (!digest) return std::nullopt;
  const std::int64_t now = now_();
  MutexLock lock(mutex_);
  auto it = sessions_.find(*digest);
  if (it == sessions_.end()) return std::nullopt;
  if (it->second.expires_at <= now) {
    sessions_.erase(it);
    return std::nullopt;
  }
  return it->second;
}

bool SessionStore::Remove(std::string_view cookie_value) {
  auto digest = Digest(cookie_value);
  if (!digest) return false;
  MutexLock lock(mutex_);
  return sessions_.erase(*digest) > 0;
}

std::size_t SessionStore::size() const {
  MutexLock lock(mutex_);
  return sessions_.size();
}

std::string CookieValue(std::string_view cookie_header, std::string_view name) {
  std::string found;
  int seen = 0;
  while (!cookie_header.empty()) {
    const auto semicolon = cookie_header.find(';');
    const std::string_view pair = Trimmed(cookie_header.substr(0, semicolon));
    cookie_header.remove_prefix(semicolon == std::string_view::npos ? cookie_header.size()
                                                                     : semicolon + 1);
    const auto equals = pair.find('=');
    if (equals == std::string_view::npos) continue;
    if (Trimmed(pair.substr(0, equals)) != name) continue;
    std::string_view value = Trimmed(pair.substr(equals + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    found = std::string(value);
    ++seen;
  }
  return seen == 1 ? found : std::string();
}

std::string SessionCookie(std::string_view value, std::string_view path,
                          std::chrono::seconds max_age, bool secure) {
  return std::string(kSessionCookie) + "=" + std::string(value) + "; Path=" + std::string(path) +
         "; Max-Age=" + std::to_string(max_age.count()) + "; HttpOnly; SameSite=Strict" +
         (secure ? "; Secure" : "");
}

std::string ExpiredSessionCookie(std::string_view path, bool secure) {
  return std::string(kSessionCookie) + "=; Path=" + std::string(path) +
         "; Max-Age=0; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "");
}

std::optional<std::string> FormField(std::string_view body, std::string_view name) {
  std::optional<std::string> found;
  while (!body.empty()) {
    const auto amp = body.find('&');
    const std::string_view pair = body.substr(0, amp);
    body.remove_prefix(amp == std::string_view::npos ? body.size() : amp + 1);
    const auto equals = pair.find('=');
    auto key = FormDecode(pair.substr(0, equals));
    if (!key || *key != name) continue;
    if (found) return std::nullopt;
    auto value = FormDecode(equals == std::string_view::npos ? std::string_view()
                                                             : pair.substr(equals + 1));
    if (!value) return std::nullopt;
    found = std::move(*value);
  }
  return found;
}

}  // namespace deliveryhook::app
