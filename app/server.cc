// The only file that knows cpp-httplib.
#include "server.h"

#include <httplib.h>

#include <algorithm>
#include <cctype>

#include <sys/socket.h>

namespace delivery_hook {
namespace {

// cpp-httplib serves a connection on one pool thread for as long as it stays
// open; its default pool (8 threads on a small machine) makes the 9th
// concurrent client wait. 64 idle threads cost ~2 MB resident.
constexpr std::size_t kConnectionThreads = 64;
// Requests per keep-alive connection before it is closed (cpp-httplib: 5).
constexpr std::size_t kKeepAliveRequests = 100;

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

IncomingRequest ToIncoming(const httplib::Request& request) {
  IncomingRequest incoming;
  incoming.method = request.method;
  incoming.path = request.path;
  incoming.body = request.body;
  incoming.client_address = request.remote_addr;
  // A header sent twice keeps its first value: a second X-Signature cannot
  // replace the one that was checked.
  for (const auto& [name, value] : request.headers) incoming.headers.emplace(Lower(name), value);
  for (const auto& [name, value] : request.params) incoming.query.emplace(name, value);
  return incoming;
}

void Send(const Reply& reply, httplib::Response& response) {
  response.status = reply.status;
  for (const auto& [name, value] : reply.headers) response.set_header(name, value);
  response.set_content(reply.body, "application/json");
}

}  // namespace

class Server::Impl {
 public:
  Impl(WebhookHandler& handler, ServerOptions options) : handler_(handler), options_(options) {
    // Bodies above the limit are refused while reading, before any checks.
    http_.set_payload_max_length(options_.max_body_bytes);
    http_.set_read_timeout(10, 0);
    http_.set_write_timeout(10, 0);
    http_.set_keep_alive_timeout(5);
    http_.set_keep_alive_max_count(kKeepAliveRequests);
    http_.new_task_queue = [] { return new httplib::ThreadPool(kConnectionThreads); };
    // Answers go out as separate writes (headers, body): without TCP_NODELAY
    // Nagle holds the second one until the client's delayed ACK (~40 ms).
    http_.set_tcp_nodelay(true);
    // cpp-httplib listens with a backlog of 5: under load new connections are
    // dropped and retried by the client a second later. Keep the socket to
    // listen again with the system's limit once bound.
    http_.set_socket_options([this](int socket) {
      httplib::default_socket_options(socket);
      listen_socket_ = socket;
    });
    auto route = [this](const httplib::Request& request, httplib::Response& response) {
      Send(handler_.Handle(ToIncoming(request)), response);
    };
    const std::string any = ".*";
    http_.Get(any, route);
    http_.Post(any, route);
    http_.Put(any, route);
    http_.Delete(any, route);
    http_.Patch(any, route);
    // Errors httplib produces itself (413, 400 for unreadable requests, 404
    // for methods it has no route for) still get a JSON body.
    http_.set_error_handler([this](const httplib::Request&, httplib::Response& response) {
      if (!response.body.empty()) return;
      Reply reply = response.status == 413 ? WebhookHandler::TooLarge(options_.max_body_bytes)
                    : response.status == 404 ? WebhookHandler::NotFound()
                                             : ErrorReply(response.status, "bad request");
      reply.status = response.status;
      Send(reply, response);
    });
    http_.set_exception_handler(
        [](const httplib::Request&, httplib::Response& response, std::exception_ptr) {
          Send(ErrorReply(500, "internal error"), response);
        });
  }

  int Bind() {
    int port = options_.port;
    if (port == 0) {
      port = http_.bind_to_any_port(options_.address.c_str());
    } else if (!http_.bind_to_port(options_.address.c_str(), port)) {
      port = -1;
    }
    if (port >= 0 && listen_socket_ >= 0) ::listen(listen_socket_, SOMAXCONN);
    return port;
  }
  bool Serve() { return http_.listen_after_bind(); }
  void Stop() { http_.stop(); }

 private:
  WebhookHandler& handler_;
  ServerOptions options_;
  httplib::Server http_;
  int listen_socket_ = -1;
};

Server::Server(WebhookHandler& handler, ServerOptions options)
    : impl_(std::make_unique<Impl>(handler, options)) {}
Server::~Server() = default;
int Server::Bind() { return impl_->Bind(); }
bool Server::Serve() { return impl_->Serve(); }
void Server::Stop() { impl_->Stop(); }

}  // namespace delivery_hook
