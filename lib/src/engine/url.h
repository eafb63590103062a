// URLs: Engine API request targets (escaped path segments and queries), and
// the authority (host and port) of http:// and tcp:// URLs, parsed once for
// DOCKER_HOST and the CLI's --url.
#ifndef DELIVERYHOOK_ENGINE_URL_H_
#define DELIVERYHOOK_ENGINE_URL_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "deliveryhook/result.h"

namespace deliveryhook::engine {

// Percent-escapes everything but RFC 3986 unreserved characters
// (A-Z a-z 0-9 - . _ ~), so the value can sit in a query or a path segment.
// "127.0.0.1:5000/app:v2" -> "127.0.0.1%3A5000%2Fapp%3Av2".
std::string PercentEscape(std::string_view value);

// An ordered query string: Query().Add("all", "1").Add("name", "a b").Encode()
// is "?all=1&name=a%20b"; an empty query encodes to "".
class Query {
 public:
  Query& Add(std::string_view key, std::string_view value);
  std::string Encode() const;
  bool empty() const { return items_.empty(); }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

// "/containers/" + escaped id + suffix, for example
// ResourcePath("containers", "web 1", "/json") == "/containers/web%201/json".
std::string ResourcePath(std::string_view collection, std::string_view id,
                         std::string_view suffix = {});

// A URL authority's host and port: "host", "host:port", "[ipv6]" or
// "[ipv6]:port" (the brackets are not part of `host`).
struct Authority {
  std::string host;
  int port = 0;  // 0 when the authority names no port
};

struct AuthorityRules {
  // "host:" reads as "host" (the default port) instead of failing.
  bool empty_port_is_default = false;
  // "user:password@host" fails ("credentials in the URL are not supported")
  // instead of reading "user:password@host" as the host.
  bool refuse_userinfo = true;
};

// Splits an authority (the part between "scheme://" and the path). Failures
// are kInvalidArgument with only the reason as message ("missing host",
// "invalid port \"x\"", "unterminated IPv6 address", "malformed address",
// "empty port", "credentials in the URL are not supported"): the caller names
// the input, redacted with RedactUserinfo when it may hold a password.
Result<Authority> ParseAuthority(std::string_view authority, const AuthorityRules& rules = {});

// The URL without its userinfo: "http://user:pw@host/x" -> "http://***@host/x",
// so a password in a URL is never echoed. Anything else is returned as is.
std::string RedactUserinfo(std::string_view url);

}  // namespace deliveryhook::engine

#endif  // DELIVERYHOOK_ENGINE_URL_H_
