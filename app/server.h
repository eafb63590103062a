// The HTTP front end: cpp-httplib in, WebhookHandler decides.
#ifndef DELIVERYHOOK_APP_SERVER_H_
#define DELIVERYHOOK_APP_SERVER_H_

#include <functional>
#include <memory>
#include <string>

#include "webhook_handler.h"

namespace deliveryhook::app {

struct ServerOptions {
  std::string address = "0.0.0.0";
  int port = 8000;
  std::size_t max_body_bytes = 64 * 1024;
  // HTTPS when both are set (PEM files); TLS 1.2 and newer only.
  std::string tls_cert_file;
  std::string tls_key_file;
  // Longest wait for the next bytes of a request, and for the client to take
  // the next bytes of an answer.
  int read_timeout_seconds = 10;
  int write_timeout_seconds = 10;
  // Whole-request deadlines, however steadily the bytes come: a request's
  // line and headers must be in within header_timeout_seconds of the
  // connection's accept (for a later request on a keep-alive connection, of
  // the end of the previous answer), its body within body_timeout_seconds of
  // its headers. Past either, the connection is closed.
  int header_timeout_seconds = 10;
  int body_timeout_seconds = 10;
  // Request headers beyond either limit get 431. A single header line over
  // 8 KiB is refused with 400 by cpp-httplib itself, before these checks.
  std::size_t max_header_bytes = 16 * 1024;  // the sum of "name: value" lines
  std::size_t max_header_count = 100;
  // Connections held at once. One more takes the place of the connection
  // that has waited longest for (or been reading) its request's headers,
  // which is closed; only when all are being answered is it answered 503.
  std::size_t max_connections = 512;
};

class Server {
 public:
  Server(WebhookHandler& handler, ServerOptions options);
  ~Server();

  // Binds; returns the port (useful with port 0) or -1 on failure
  // (StartupError() says why when it is not the address).
  int Bind();
  // Why the server cannot start (its TLS files cannot be loaded), or "".
  std::string StartupError() const;
  // Serves until Stop(); call after a successful Bind().
  bool Serve();
  // Stops accepting connections; Serve() returns once the connections being
  // served have ended (streams end with their job).
  void Stop();
  // Connections open now and counted against max_connections (for tests,
  // which wait on it rather than sleep).
  std::size_t ConnectionCount() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace deliveryhook::app

#endif  // DELIVERYHOOK_APP_SERVER_H_
