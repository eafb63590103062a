// A request as the handler sees it and the answer it gives, independent of
// the HTTP library (server.cc adapts cpp-httplib to these).
#ifndef DELIVERYHOOK_APP_HTTP_EXCHANGE_H_
#define DELIVERYHOOK_APP_HTTP_EXCHANGE_H_

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace deliveryhook::app {

struct IncomingRequest {
  std::string method;
  std::string path;
  std::map<std::string, std::string> headers;  // lower-case names
  std::map<std::string, std::string> query;    // decoded query parameters
  std::string body;
  // The TCP peer as the server saw it; the handler replaces it by the client
  // behind a trusted proxy (TRUSTED_PROXIES).
  std::string client_address;
  // Set by the handler: the caller's X-Request-Id when sane, else a new one.
  std::string request_id;

  std::string Header(const std::string& lower_case_name) const;
};

// Writes one piece of a streamed answer; false once the client is gone.
using StreamWriter = std::function<bool(std::string_view)>;

struct Reply {
  int status = 200;
  std::string body;  // JSON unless content_type says otherwise
  std::vector<std::pair<std::string, std::string>> headers;
  // A streamed answer (GET /jobs/<id>/events) instead of `body`: the server
  // sends it chunked, calling `stream` once on the connection's thread; it
  // returns when the stream ends.
  std::string content_type = "application/json";
  std::function<void(const StreamWriter&)> stream = nullptr;
};

// {"error": message} with the given status.
Reply ErrorReply(int status, const std::string& message);

// `text` made safe inside HTML text and double-quoted attributes.
std::string HtmlEscape(std::string_view text);

}  // namespace deliveryhook::app

#endif  // DELIVERYHOOK_APP_HTTP_EXCHANGE_H_
