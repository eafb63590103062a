// The operator's page's logins: a session per login, kept in memory only
// (a restart logs everyone out), identified by a random cookie value.
//
// The cookie carries 32 random bytes (64 hex digits) and nothing else; the
// store keeps only the SHA-256 of it, so a memory dump or a timing probe of
// the map learns nothing usable. A session ends at its expiry, at logout
// (Remove), or when the store is full and it is the oldest; a session of a
// key that is no longer configured is refused by the caller.
//
// Example:
//
//   SessionStore sessions({.lifetime = std::chrono::hours(8)}, clock);
//   auto cookie = sessions.Create({.key_id = "viewer"});
//   auto viewer = sessions.Find(CookieValue(request.Header("cookie"), kSessionCookie));
//
// Thread-safe.
#ifndef DELIVERYHOOK_APP_UI_SESSIONS_H_
#define DELIVERYHOOK_APP_UI_SESSIONS_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "deliveryhook/mutex.h"

namespace deliveryhook::app {

constexpr std::string_view kSessionCookie = "dh_session";

struct Session {
  // The key the viewer logged in with, or "" for UI_TOKEN.
  std::string key_id;
  std::int64_t expires_at = 0;  // UNIX milliseconds
};

struct SessionOptions {
  std::chrono::seconds lifetime{8 * 3600};
  std::size_t capacity = 1024;  // sessions at once; the oldest gives way
};

class SessionStore {
 public:
  // `now`: UNIX milliseconds.
  SessionStore(SessionOptions options, std::function<std::int64_t()> now);

  // A new session; returns the cookie value (64 hex digits).
  std::string Create(std::string key_id) DELIVERYHOOK_EXCLUDES(mutex_);
  // The live session of a cookie value; nothing for an unknown, malformed
  // or expired one (an expired one is forgotten).
  std::optional<Session> Find(std::string_view cookie_value) DELIVERYHOOK_EXCLUDES(mutex_);
  // Ends the session (logout); false when there was none.
  bool Remove(std::string_view cookie_value) DELIVERYHOOK_EXCLUDES(mutex_);
  std::size_t size() const DELIVERYHOOK_EXCLUDES(mutex_);
  const SessionOptions& options() const { return options_; }

 private:
  std::optional<std::string> Digest(std::string_view cookie_value) const;

  SessionOptions options_;
  std::function<std::int64_t()> now_;
  mutable Mutex mutex_;
  std::string pepper_;  // the HMAC key, random per store
  // HMAC (hex) of the cookie value -> session.
  std::map<std::string, Session> sessions_ DELIVERYHOOK_GUARDED_BY(mutex_);
};

// The value of cookie `name` in a Cookie header ("a=1; dh_session=..."),
// "" when absent or given more than once (a second cookie of the same
// name, e.g. set for another path, makes the header ambiguous).
std::string CookieValue(std::string_view cookie_header, std::string_view name);

// The Set-Cookie value for a session: HttpOnly, SameSite=Strict, Path,
// Max-Age, and Secure when `secure` (TLS is on).
std::string SessionCookie(std::string_view value, std::string_view path,
                          std::chrono::seconds max_age, bool secure);
// The Set-Cookie value that deletes it.
std::string ExpiredSessionCookie(std::string_view path, bool secure);

// The value of field `name` in an application/x-www-form-urlencoded body,
// decoded ('+' is a space, %XX a byte); nothing when absent, repeated or
// badly encoded.
std::optional<std::string> FormField(std::string_view body, std::string_view name);

}  // namespace deliveryhook::app

#endif  // DELIVERYHOOK_APP_UI_SESSIONS_H_
