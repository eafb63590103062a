// The HTTP front end: cpp-httplib in, WebhookHandler decides.
#ifndef DELIVERY_HOOK_APP_SERVER_H_
#define DELIVERY_HOOK_APP_SERVER_H_

#include <functional>
#include <memory>
#include <string>

#include "webhook_handler.h"

namespace delivery_hook {

struct ServerOptions {
  std::string address = "0.0.0.0";
  int port = 8000;
  std::size_t max_body_bytes = 64 * 1024;
};

class Server {
 public:
  Server(WebhookHandler& handler, ServerOptions options);
  ~Server();

  // Binds; returns the port (useful with port 0) or -1 on failure.
  int Bind();
  // Serves until Stop(); call after a successful Bind().
  bool Serve();
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace delivery_hook

#endif  // DELIVERY_HOOK_APP_SERVER_H_
