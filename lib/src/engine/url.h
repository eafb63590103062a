// Building Engine API request targets: escaped path segments and queries.
#ifndef DELIVERYHOOK_ENGINE_URL_H_
#define DELIVERYHOOK_ENGINE_URL_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

}  // namespace deliveryhook::engine

#endif  // DELIVERYHOOK_ENGINE_URL_H_
