// The only file that knows cpp-httplib.
#include "server.h"

#include <httplib.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <vector>

#include <sys/socket.h>

namespace delivery_hook {
namespace {

// Requests per keep-alive connection before it is closed (cpp-httplib: 5).
constexpr std::size_t kKeepAliveRequests = 100;
// Threads beyond the connection cap, so that a connection over it is
// answered 503 at once instead of waiting for a thread.
constexpr std::size_t kRefusalThreads = 16;

// Set on a connection's thread while it serves a connection beyond the cap.
thread_local bool t_over_capacity = false;

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
  // A header sent twice keeps its first value (the route refuses a repeated
  // X-Signature or X-Timestamp before this).
  for (const auto& [name, value] : request.headers) {
    auto [at, added] = incoming.headers.emplace(Lower(name), value);
    // A proxy may add its own X-Forwarded-For line: the lines are one list.
    if (!added && (at->first == "x-forwarded-for" || at->first == "forwarded")) at->second += ", " + value;
  }
  for (const auto& [name, value] : request.params) incoming.query.emplace(name, value);
  return incoming;
}

// httplib serves each connection on one thread of its task queue, for as long
// as the client keeps the connection (up to the read timeout per header line
// read, then keep-alive). Its default queue is a fixed pool of
// max(8, cores - 1) threads, so 8 clients that open a connection and send a
// request slowly, or not at all, leave every later request, however valid,
// waiting in the queue. This queue starts a thread for each connection that
// finds none idle, up to `max_threads` (beyond that, connections wait their
// turn), and lets threads that stay idle for a while end. A connection that
// starts while `max_connections` others are being served is marked over
// capacity (t_over_capacity): its request is answered 503 and it is closed.
class ConnectionThreads : public httplib::TaskQueue {
 public:
  explicit ConnectionThreads(std::size_t max_connections)
      : max_connections_(max_connections), max_threads_(max_connections + kRefusalThreads) {}
  ~ConnectionThreads() override { shutdown(); }

  void enqueue(std::function<void()> task) override {
    std::unique_lock lock(mutex_);
    JoinRetired();
    tasks_.push_back(std::move(task));
    // An idle thread counts until it has woken up and taken a task, so
    // compare with the tasks still waiting, not with zero.
    if (tasks_.size() <= idle_ || threads_.size() >= max_threads_) {
      wake_.notify_one();
      return;
    }
    try {
      std::thread thread([this] { Work(); });
      const auto id = thread.get_id();
      threads_.emplace(id, std::move(thread));
    } catch (const std::system_error&) {
      // Out of threads: the task waits for one of the running ones.
    }
  }

  void shutdown() override {
    std::unique_lock lock(mutex_);
    stopping_ = true;
    wake_.notify_all();
    // Connections being served finish (httplib has closed the listening
    // socket and shut the others down by now); then every thread is joined.
    std::map<std::thread::id, std::thread> threads = std::move(threads_);
    threads_.clear();
    lock.unlock();
    for (auto& [id, thread] : threads) thread.join();
    lock.lock();
    JoinRetired();
  }

 private:
  static constexpr std::chrono::seconds kIdleExit{30};

  void Work() {
    std::unique_lock lock(mutex_);
    for (;;) {
      ++idle_;
      const bool woken = wake_.wait_for(lock, kIdleExit, [this] { return stopping_ || !tasks_.empty(); });
      --idle_;
      if (tasks_.empty()) {
        if (stopping_ || !woken) break;
        continue;
      }
      std::function<void()> task = std::move(tasks_.front());
      tasks_.pop_front();
      t_over_capacity = ++serving_ > max_connections_;
      lock.unlock();
      task();
      lock.lock();
      --serving_;
      t_over_capacity = false;
    }
    // Joined by the next enqueue() or by shutdown(), never by itself.
    auto self = threads_.find(std::this_thread::get_id());
    if (self != threads_.end()) {
      retired_.push_back(std::move(self->second));
      threads_.erase(self);
    }
  }

  void JoinRetired() {  // with mutex_ held; the retired threads only have to return
    for (auto& thread : retired_) thread.join();
    retired_.clear();
  }

  const std::size_t max_connections_;
  const std::size_t max_threads_;
  std::size_t serving_ = 0;  // tasks running
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  std::map<std::thread::id, std::thread> threads_;
  std::vector<std::thread> retired_;
  std::size_t idle_ = 0;
  bool stopping_ = false;
};

void Send(const Reply& reply, httplib::Response& response) {
  response.status = reply.status;
  for (const auto& [name, value] : reply.headers) response.set_header(name, value);
  if (!reply.stream) {
    response.set_content(reply.body, reply.content_type.c_str());
    return;
  }
  // One call of the provider runs the whole stream: httplib asks again
  // only while its server runs, and a stream should end with its job, also
  // while the hook is stopping.
  response.set_chunked_content_provider(
      reply.content_type, [stream = reply.stream](std::size_t, httplib::DataSink& sink) {
        bool alive = true;
        stream([&](std::string_view piece) {
          alive = alive && sink.write(piece.data(), piece.size());
          return alive;
        });
        if (!alive) return false;  // the client is gone: no final chunk
        sink.done();
        return true;
      });
}

// Headers httplib adds to every request itself.
bool IsPseudoHeader(const std::string& name) {
  return name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" ||
         name == "LOCAL_PORT";
}

// 431 when the request's headers are more or larger than allowed.
std::optional<Reply> HeaderLimitRefusal(const httplib::Request& request,
                                        const ServerOptions& options) {
  std::size_t count = 0;
  std::size_t bytes = 0;
  for (const auto& [name, value] : request.headers) {
    if (IsPseudoHeader(name)) continue;
    ++count;
    bytes += name.size() + 2 + value.size() + 2;  // "name: value\r\n"
  }
  if (count > options.max_header_count) {
    return ErrorReply(431, "too many request headers (more than " +
                               std::to_string(options.max_header_count) + ")");
  }
  if (bytes > options.max_header_bytes) {
    return ErrorReply(431, "request headers are larger than " +
                               std::to_string(options.max_header_bytes) + " bytes");
  }
  return std::nullopt;
}

std::string OpenSslError() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

}  // namespace

class Server::Impl {
 public:
  Impl(WebhookHandler& handler, ServerOptions options)
      : handler_(handler), options_(options), http_(MakeHttpServer()) {
    if (!startup_error_.empty()) return;
    // Bodies above the limit are refused while reading, before any checks.
    http_->set_payload_max_length(options_.max_body_bytes);
    http_->set_read_timeout(options_.read_timeout_seconds, 0);
    http_->set_write_timeout(options_.write_timeout_seconds, 0);
    // An idle keep-alive connection (or one that never sends a byte) is
    // closed after this; never later than the read timeout.
    http_->set_keep_alive_timeout(std::min(5, options_.read_timeout_seconds));
    http_->set_keep_alive_max_count(kKeepAliveRequests);
    // Each connection costs a thread (its stack is reserved, not used) while
    // it lasts.
    http_->new_task_queue = [max = options_.max_connections] { return new ConnectionThreads(max); };
    // Answers go out as separate writes (headers, body): without TCP_NODELAY
    // Nagle holds the second one until the client's delayed ACK (~40 ms).
    http_->set_tcp_nodelay(true);
    // cpp-httplib listens with a backlog of 5: under load new connections are
    // dropped and retried by the client a second later. Keep the socket to
    // listen again with the system's limit once bound.
    http_->set_socket_options([this](int socket) {
      httplib::default_socket_options(socket);
      listen_socket_ = socket;
    });
    http_->set_pre_routing_handler([this](const httplib::Request& request,
                                          httplib::Response& response) {
      std::optional<Reply> refusal;
      if (t_over_capacity) {
        refusal = ErrorReply(503, "too many connections; try again shortly");
        refusal->headers.emplace_back("Retry-After", "1");
      } else {
        refusal = HeaderLimitRefusal(request, options_);
      }
      if (!refusal) return httplib::Server::HandlerResponse::Unhandled;
      Send(*refusal, response);
      response.set_header("Connection", "close");
      return httplib::Server::HandlerResponse::Handled;
    });
    auto route = [this](const httplib::Request& request, httplib::Response& response) {
      // Two values for a header that decides authentication or framing are
      // ambiguous: a proxy in front may have read the other one. Refused,
      // and the connection closed, as its framing cannot be trusted either.
      for (const char* name : {"X-Signature", "X-Timestamp", "webhook-id", "webhook-timestamp",
                               "webhook-signature", "Content-Length", "Transfer-Encoding"}) {
        if (request.get_header_value_count(name) > 1) {
          Send(ErrorReply(400, std::string("the ") + name + " header is sent more than once"), response);
          response.set_header("Connection", "close");
          return;
        }
      }
      Send(handler_.Handle(ToIncoming(request)), response);
    };
    const std::string any = ".*";
    http_->Get(any, route);
    http_->Post(any, route);
    http_->Put(any, route);
    http_->Delete(any, route);
    http_->Patch(any, route);
    // Errors httplib produces itself (413, 400 for unreadable requests, 404
    // for methods it has no route for) still get a JSON body.
    http_->set_error_handler([this](const httplib::Request&, httplib::Response& response) {
      if (!response.body.empty()) return;
      Reply reply = response.status == 413 ? WebhookHandler::TooLarge(options_.max_body_bytes)
                    : response.status == 404 ? WebhookHandler::NotFound()
                                             : ErrorReply(response.status, "bad request");
      reply.status = response.status;
      Send(reply, response);
    });
    http_->set_exception_handler(
        [](const httplib::Request&, httplib::Response& response, std::exception_ptr) {
          Send(ErrorReply(500, "internal error"), response);
        });
  }

  const std::string& startup_error() const { return startup_error_; }

  int Bind() {
    if (!startup_error_.empty()) return -1;
    int port = options_.port;
    if (port == 0) {
      port = http_->bind_to_any_port(options_.address.c_str());
    } else if (!http_->bind_to_port(options_.address.c_str(), port)) {
      port = -1;
    }
    if (port >= 0 && listen_socket_ >= 0) ::listen(listen_socket_, SOMAXCONN);
    return port;
  }
  bool Serve() { return http_->listen_after_bind(); }
  void Stop() { http_->stop(); }

 private:
  // Plain HTTP, or HTTPS with the configured certificate and key.
  std::unique_ptr<httplib::Server> MakeHttpServer() {
    if (options_.tls_cert_file.empty()) return std::make_unique<httplib::Server>();
    auto server = std::make_unique<httplib::SSLServer>([this](SSL_CTX& context) {
      // TLS 1.0 and 1.1 are deprecated (RFC 8996).
      if (SSL_CTX_set_min_proto_version(&context, TLS1_2_VERSION) != 1) {
        startup_error_ = "cannot require TLS 1.2: " + OpenSslError();
      } else if (SSL_CTX_use_certificate_chain_file(&context, options_.tls_cert_file.c_str()) != 1) {
        startup_error_ = "cannot load the TLS certificate " + options_.tls_cert_file + ": " +
                         OpenSslError();
      } else if (SSL_CTX_use_PrivateKey_file(&context, options_.tls_key_file.c_str(),
                                             SSL_FILETYPE_PEM) != 1) {
        startup_error_ = "cannot load the TLS key " + options_.tls_key_file + ": " + OpenSslError();
      } else if (SSL_CTX_check_private_key(&context) != 1) {
        startup_error_ = "the TLS key " + options_.tls_key_file + " does not belong to the certificate " +
                         options_.tls_cert_file;
      }
      return startup_error_.empty();
    });
    if (startup_error_.empty() && !server->is_valid()) startup_error_ = "cannot set up TLS";
    return server;
  }

  WebhookHandler& handler_;
  ServerOptions options_;
  std::string startup_error_;
  std::unique_ptr<httplib::Server> http_;
  int listen_socket_ = -1;
};

Server::Server(WebhookHandler& handler, ServerOptions options)
    : impl_(std::make_unique<Impl>(handler, options)) {}
Server::~Server() = default;
int Server::Bind() { return impl_->Bind(); }
std::string Server::StartupError() const { return impl_->startup_error(); }
bool Server::Serve() { return impl_->Serve(); }
void Server::Stop() { impl_->Stop(); }

}  // namespace delivery_hook
