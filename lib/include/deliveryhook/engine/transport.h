// The seam between the Engine client and the network.
//
// engine::Client speaks HTTP to the Docker Engine through a Transport. The
// production transport (MakeCurlTransport) uses libcurl over the engine's
// unix socket or TCP; tests can substitute their own to inject faults.
#ifndef DELIVERYHOOK_ENGINE_TRANSPORT_H_
#define DELIVERYHOOK_ENGINE_TRANSPORT_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "deliveryhook/result.h"

namespace deliveryhook::engine {

struct HttpRequest {
  std::string method;  // "GET", "POST", "DELETE", "HEAD", ...
  std::string target;  // path and escaped query, e.g. "/v1.41/containers/json?all=1"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;  // empty when the body was streamed to a callback

  // The first header with this lower-case name, or "".
  std::string_view Header(std::string_view lower_case_name) const;
};

// Receives a streamed response body piece by piece, in order.
using BodyChunkCallback = std::function<void(std::string_view chunk)>;

class Transport {
 public:
  virtual ~Transport() = default;

  // Sends one request and waits for the whole answer. When on_chunk is set the
  // body is handed to it as it arrives instead of being collected. Fails with
  // kUnavailable when the engine cannot be reached (or the connection breaks),
  // kDeadlineExceeded on a timeout; any HTTP status is a successful Send.
  // A request without a Content-Type header is sent without one.
  virtual Result<HttpResponse> Send(const HttpRequest& request,
                                    const BodyChunkCallback& on_chunk = {}) = 0;
};

// Where the engine listens, parsed from a DOCKER_HOST value.
struct Endpoint {
  enum class Kind { kUnixSocket, kTcp };
  Kind kind = Kind::kUnixSocket;
  std::string socket_path = "/var/run/docker.sock";  // kUnixSocket
  std::string host;                                  // kTcp
  int port = 2375;                                   // kTcp
  bool tls = false;  // kTcp: HTTPS (TLS 1.2 or newer, the server's certificate verified)

  // Accepts "unix:///path", "tcp://host:port", "http://host:port" and "" (the
  // default socket). Other schemes fail with kInvalidArgument.
  static Result<Endpoint> Parse(std::string_view docker_host);
  // The same for $DOCKER_HOST.
  static Result<Endpoint> FromEnvironment();

  // "unix:///var/run/docker.sock" or "tcp://host:port", for messages.
  std::string ToString() const;
};

struct TransportOptions {
  std::chrono::seconds connect_timeout{5};
  // Upper bound for one request, streamed pulls and builds included.
  std::chrono::seconds request_timeout{900};
  // A PEM file of the certificate authorities HTTPS peers are verified with,
  // instead of the system's (a private CA): for Endpoint::tls and for
  // MakeCurlUrlTransport.
  std::string ca_file;
  // How error messages name the other end of an Endpoint, e.g. "the hook at
  // http://127.0.0.1:8080"; empty: "the Docker engine at <endpoint>".
  std::string peer_name;
};

// The libcurl transport. curl_global_init runs once per process, the first
// time this is called. Thread-safe: each Send uses its own easy handle.
std::unique_ptr<Transport> MakeCurlTransport(const Endpoint& endpoint,
                                             const TransportOptions& options = {});

// The same libcurl transport for requests to anywhere else (the hook's
// outbound notifications): each request's `target` is a whole "http://" or
// "https://" URL; other schemes fail with kInvalidArgument. Redirects are not
// followed, the environment's proxy variables apply, HTTPS peers are
// verified. Error messages name the host, never the URL's path or query
// (webhook URLs carry their secret there).
std::unique_ptr<Transport> MakeCurlUrlTransport(const TransportOptions& options = {});

}  // namespace deliveryhook::engine

#endif  // DELIVERYHOOK_ENGINE_TRANSPORT_H_
