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
#include <optional>
#include <system_error>
#include <thread>
#include <vector>

#include <sys/socket.h>
#include <unistd.h>

#include "connection_registry.h"
#include "connection_stream.h"
#include "deliveryhook/mutex.h"
#include "routes.h"

namespace deliveryhook::app {
namespace {

// Requests per keep-alive connection before it is closed (cpp-httplib: 5).
constexpr std::size_t kKeepAliveRequests = 100;
// Threads beyond the connection cap, so that a connection over it gets a
// thread at once, to take the place of an idle one or be answered 503.
constexpr std::size_t kRefusalThreads = 16;

// What the server knows of the request being served on this thread, past
// what cpp-httplib keeps in its Request: each connection has its own thread
// for its whole life (ConnectionThreads), so the handlers, which httplib
// calls with the Request alone, find their connection here.
struct ConnectionContext {
  bool over_capacity = false;
  // Set after the request's headers: the answer to give instead of routing
  // it (a refusal), decided before any of the body is read.
  std::optional<Reply> refusal;
  // A route of ours answered (a request httplib could not parse has none).
  bool routed = false;
  // The connection ends after this answer: the rest of what the client sent
  // cannot be trusted to start a request.
  bool close_after = false;
};
thread_local ConnectionContext* t_connection = nullptr;

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

IncomingRequest ToIncoming(const httplib::Request& request, std::string body) {
  IncomingRequest incoming;
  incoming.method = request.method;
  incoming.path = request.path;
  incoming.body = std::move(body);
  incoming.client_address = request.remote_addr;
  // A header sent twice keeps its first value (a repeated X-Signature or
  // X-Timestamp is refused before this, EarlyRefusal).
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
// turn), and lets threads that stay idle for a while end. Which connections
// may stay is the ConnectionRegistry's decision.
class ConnectionThreads : public httplib::TaskQueue {
 public:
  explicit ConnectionThreads(std::size_t max_connections)
      : max_threads_(max_connections + kRefusalThreads) {}
  ~ConnectionThreads() override { shutdown(); }

  void enqueue(std::function<void()> task) override DELIVERYHOOK_EXCLUDES(mutex_) {
    MutexLock lock(mutex_);
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

  void shutdown() override DELIVERYHOOK_EXCLUDES(mutex_) {
    MutexLock lock(mutex_);
    stopping_ = true;
    wake_.notify_all();
    // Connections being served finish (httplib has closed the listening
    // socket and shut the others down by now); then every thread is joined.
    std::map<std::thread::id, std::thread> threads = std::move(threads_);
    threads_.clear();
    lock.Unlock();
    for (auto& [id, thread] : threads) thread.join();
    lock.Lock();
    JoinRetired();
  }

 private:
  static constexpr std::chrono::seconds kIdleExit{30};

  void Work() DELIVERYHOOK_EXCLUDES(mutex_) {
    MutexLock lock(mutex_);
    for (;;) {
      ++idle_;
      const bool woken = lock.WaitFor(wake_, kIdleExit, [this]() DELIVERYHOOK_REQUIRES(mutex_) {
        return stopping_ || !tasks_.empty();
      });
      --idle_;
      if (tasks_.empty()) {
        if (stopping_ || !woken) break;
        continue;
      }
      std::function<void()> task = std::move(tasks_.front());
      tasks_.pop_front();
      lock.Unlock();
      task();
      lock.Lock();
    }
    // Joined by the next enqueue() or by shutdown(), never by itself.
    auto self = threads_.find(std::this_thread::get_id());
    if (self != threads_.end()) {
      retired_.push_back(std::move(self->second));
      threads_.erase(self);
    }
  }

  // The retired threads only have to return, so joining them under the lock is quick.
  void JoinRetired() DELIVERYHOOK_REQUIRES(mutex_) {
    for (auto& thread : retired_) thread.join();
    retired_.clear();
  }

  const std::size_t max_threads_;
  Mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_ DELIVERYHOOK_GUARDED_BY(mutex_);
  std::map<std::thread::id, std::thread> threads_ DELIVERYHOOK_GUARDED_BY(mutex_);
  std::vector<std::thread> retired_ DELIVERYHOOK_GUARDED_BY(mutex_);
  std::size_t idle_ DELIVERYHOOK_GUARDED_BY(mutex_) = 0;
  bool stopping_ DELIVERYHOOK_GUARDED_BY(mutex_) = false;
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

// The framing of a request's body must be unambiguous (RFC 9112 section 6):
// a proxy in front of the hook and the hook must agree on where the body
// ends, or the rest could be taken for another request (request smuggling).
// Only a single Content-Length of digits, or a single Transfer-Encoding that
// is exactly chunked, is accepted, and never both.
std::optional<Reply> FramingRefusal(const httplib::Request& request) {
  const bool has_length = request.has_header("Content-Length");
  const bool has_encoding = request.has_header("Transfer-Encoding");
  if (has_length && has_encoding) {
    return ErrorReply(400, "a request may not have both Content-Length and Transfer-Encoding");
  }
  if (has_encoding) {
    const std::string encoding = request.get_header_value("Transfer-Encoding");
    if (Lower(encoding) != "chunked") {
      return ErrorReply(400, "Transfer-Encoding \"" + encoding +
                                 "\" is not supported; only \"chunked\" is");
    }
  }
  const std::string length = has_length ? request.get_header_value("Content-Length") : "";
  if (has_length && (length.empty() || length.size() > 18 ||
                     !std::all_of(length.begin(), length.end(),
                                  [](unsigned char c) { return std::isdigit(c); }))) {
    return ErrorReply(400, "the Content-Length header is not a number");
  }
  // cpp-httplib reads a body for these methods only (DELETE: with a
  // Content-Length); any other body would be left to be read as a request.
  const bool body_read = request.method == "POST" || request.method == "PUT" ||
                         request.method == "PATCH" ||
                         (request.method == "DELETE" && has_length);
  const bool has_body = has_encoding || (has_length && std::stoull(length) > 0);
  if (has_body && !body_read) {
    return ErrorReply(400, "a " + request.method + " request may not have " +
                               (has_encoding ? "a chunked body" : "a body"));
  }
  // cpp-httplib would take a multipart body apart instead of handing it over.
  if (request.is_multipart_form_data()) {
    return ErrorReply(415, "multipart bodies are not accepted");
  }
  return std::nullopt;
}

// The answer to give before the request's body is read, if any: the
// connection is over capacity, the headers are too many or too large, a
// header that decides authentication or framing is sent twice, the framing is
// ambiguous, or the Content-Length is over the limit.
std::optional<Reply> EarlyRefusal(const httplib::Request& request, const ServerOptions& options,
                                  bool over_capacity) {
  if (over_capacity) {
    Reply reply = ErrorReply(503, "too many connections; try again shortly");
    reply.headers.emplace_back("Retry-After", "1");
    return reply;
  }
  if (auto refusal = HeaderLimitRefusal(request, options)) return refusal;
  // Two values for a header that decides authentication or framing are
  // ambiguous: a proxy in front may have read the other one.
  for (const char* name : {"X-Signature", "X-Timestamp", "webhook-id", "webhook-timestamp",
                           "webhook-signature", "Content-Length", "Transfer-Encoding"}) {
    if (request.get_header_value_count(name) > 1) {
      return ErrorReply(400, std::string("the ") + name + " header is sent more than once");
    }
  }
  if (auto refusal = FramingRefusal(request)) return refusal;
  if (request.has_header("Content-Length") &&
      std::stoull(request.get_header_value("Content-Length")) > options.max_body_bytes) {
    return WebhookHandler::TooLarge(options.max_body_bytes);
  }
  return std::nullopt;
}

// cpp-httplib's view of a ConnectionStream.
class HttplibStream : public httplib::Stream {
 public:
  explicit HttplibStream(ConnectionStream& stream) : stream_(stream) {}
  bool is_readable() const override { return stream_.HasBuffered(); }
  bool is_writable() const override { return stream_.Writable(); }
  ssize_t read(char* data, size_t size) override { return stream_.Read(data, size); }
  ssize_t write(const char* data, size_t size) override { return stream_.Write(data, size); }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    stream_.Address(true, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    stream_.Address(false, ip, port);
  }
  // httplib asks only to refuse sockets select() cannot wait for (beyond
  // FD_SETSIZE); this stream waits with poll(), which has no such limit.
  socket_t socket() const override { return stream_.fd() < FD_SETSIZE ? stream_.fd() : 0; }

 private:
  ConnectionStream& stream_;
};

// httplib's server with its connection loop replaced (ServeConnection), for
// plain HTTP (Base = httplib::Server) and HTTPS (httplib::SSLServer).
template <class Base>
class HookHttpServer : public Base {
 public:
  using Base::Base;
  std::function<void(int socket)> serve_connection;

  bool ProcessRequest(httplib::Stream& stream, bool close_connection, bool& connection_closed,
                      const std::function<void(httplib::Request&)>& setup_request) {
    return this->process_request(stream, close_connection, connection_closed, setup_request);
  }
  bool Stopping() const { return this->svr_sock_ == INVALID_SOCKET; }

 private:
  // httplib's own loop reads each request through a new stream, dropping
  // what its predecessor had buffered, and bounds only the gaps between
  // reads.
  bool process_and_close_socket(socket_t socket) override {
    serve_connection(socket);
    return true;
  }
};

}  // namespace

class Server::Impl {
 public:
  Impl(WebhookHandler& handler, ServerOptions options)
      : handler_(handler),
        options_(options),
        registry_(options.max_connections),
        http_(MakeHttpServer()) {
    if (!startup_error_.empty()) return;
    // Bodies are read by the routes (ReadBody), within max_body_bytes.
    http_->set_read_timeout(options_.read_timeout_seconds, 0);
    http_->set_write_timeout(options_.write_timeout_seconds, 0);
    // Announced in Keep-Alive; ServeConnection waits this long for the next
    // request of a connection.
    http_->set_keep_alive_timeout(KeepAliveSeconds());
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
    // A refusal decided from the headers (EarlyRefusal) is the answer to an
    // Expect: 100-continue instead of the 100, so that the client does not
    // send a body only to have it refused...
    http_->set_expect_100_continue_handler(
        [](const httplib::Request&, httplib::Response& response) {
          if (t_connection == nullptr || !t_connection->refusal) return 100;
          Send(*t_connection->refusal, response);
          return t_connection->refusal->status;
        });
    // ...and otherwise the answer before routing, which comes before the body
    // is read.
    http_->set_pre_routing_handler([](const httplib::Request&, httplib::Response& response) {
      if (t_connection == nullptr || !t_connection->refusal) {
        return httplib::Server::HandlerResponse::Unhandled;
      }
      Send(*t_connection->refusal, response);
      return httplib::Server::HandlerResponse::Handled;
    });
    auto route = [this](const httplib::Request& request, httplib::Response& response) {
      if (t_connection != nullptr) t_connection->routed = true;
      Send(handler_.Handle(ToIncoming(request, request.body)), response);
    };
    auto route_with_body = [this](const httplib::Request& request, httplib::Response& response,
                                  const httplib::ContentReader& read) {
      std::string body;
      if (std::optional<Reply> refusal = ReadBody(request, read, body)) {
        Send(*refusal, response);
        if (t_connection != nullptr) t_connection->close_after = true;
        return;
      }
      if (t_connection != nullptr) t_connection->routed = true;
      Send(handler_.Handle(ToIncoming(request, std::move(body))), response);
    };
    const std::string any = ".*";
    http_->Get(any, route);
    http_->Post(any, route_with_body);
    http_->Put(any, route_with_body);
    http_->Delete(any, route_with_body);
    http_->Patch(any, route_with_body);
    // Errors httplib produces itself (400 for unreadable requests, 404 for
    // methods it has no route for) still get a JSON body.
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
    // Every answer, just before it is written.
    http_->set_post_routing_handler([this](const httplib::Request& request,
                                           httplib::Response& response) {
      // Answers the handler did not give (refusals, httplib's own errors)
      // carry a request id and are counted like the others.
      if (!response.has_header("X-Request-Id")) {
        response.set_header("X-Request-Id", RequestIdFor(request.get_header_value("X-Request-Id")));
        const RouteMatch match = MatchRoute(request.method, request.path);
        handler_.metrics().CountRequest(match.route ? std::string(match.route->path) : "other",
                                        response.status);
      }
      // A request refused before routing, or that httplib could not read,
      // leaves the connection at an unknown point of what the client sent.
      ConnectionContext* connection = t_connection;
      if (connection == nullptr) return;
      if (connection->refusal || (!connection->routed && response.status >= 400)) {
        connection->close_after = true;
      }
      if (connection->close_after) {
        response.headers.erase("Keep-Alive");
        response.headers.erase("Connection");
        response.set_header("Connection", "close");
      }
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
  std::size_t ConnectionCount() const { return registry_.counted(); }

  void Stop() {
    http_->stop();
    // Connections waiting for a request end now, not at their keep-alive
    // timeout; those being answered finish their answer.
    registry_.Stop();
  }

 private:
  int KeepAliveSeconds() const { return std::max(1, std::min(5, options_.read_timeout_seconds)); }

  // The body of a POST, PUT, PATCH or DELETE, read within max_body_bytes
  // (a chunked one too, whose size is not known beforehand); a refusal when
  // it is larger or cannot be read. Without Content-Length or
  // Transfer-Encoding a request has no body (RFC 9112 section 6.3), so
  // nothing is read.
  std::optional<Reply> ReadBody(const httplib::Request& request, const httplib::ContentReader& read,
                                std::string& body) const {
    if (!request.has_header("Content-Length") && !request.has_header("Transfer-Encoding")) {
      return std::nullopt;
    }
    bool too_large = false;
    const bool complete = read([&](const char* data, std::size_t size) {
      if (body.size() + size > options_.max_body_bytes) {
        too_large = true;
        return false;
      }
      body.append(data, size);
      return true;
    });
    if (too_large) return WebhookHandler::TooLarge(options_.max_body_bytes);
    if (!complete) return ErrorReply(400, "the request body is incomplete or malformed");
    return std::nullopt;
  }

  // One connection, from its accept to its close, on its own thread:
  // requests are read from one ConnectionStream (bytes sent ahead stay
  // buffered for the next request), each within a deadline for its headers
  // and one for its body.
  void ServeConnection(int socket) {
    const auto accepted = ConnectionStream::Clock::now();
    const ConnectionRegistry::Admission admission = registry_.Admit(socket);
    ConnectionStream stream(socket, tls_context_,
                            std::chrono::seconds(std::max(1, options_.read_timeout_seconds)),
                            std::chrono::seconds(std::max(1, options_.write_timeout_seconds)));
    HttplibStream http_stream(stream);
    const auto header_time = std::chrono::seconds(std::max(1, options_.header_timeout_seconds));
    const auto body_time = std::chrono::seconds(std::max(1, options_.body_timeout_seconds));
    const auto keep_alive = std::chrono::seconds(KeepAliveSeconds());
    ConnectionContext context;
    context.over_capacity = admission.over_capacity;
    t_connection = &context;
    bool graceful = stream.Handshake(accepted + header_time);
    auto waiting_since = accepted;
    for (std::size_t served = 0; graceful && served < kKeepAliveRequests; ++served) {
      if (stop_requested_() || !registry_.MarkIdle(admission.id)) break;
      // The request's headers are due by this; its first byte within the
      // keep-alive timeout.
      const auto header_deadline = waiting_since + header_time;
      stream.set_read_deadline(header_deadline);
      if (!stream.WaitForData(std::min(header_deadline, ConnectionStream::Clock::now() + keep_alive))) {
        break;
      }
      context.refusal.reset();
      context.routed = false;
      bool client_closes = false;
      const bool last = context.over_capacity || served + 1 == kKeepAliveRequests;
      graceful = process_request_(
          http_stream, last, client_closes, [&](httplib::Request& request) {
            // The headers are in: the body has its own deadline, and the
            // connection is busy (not to be evicted) until it is answered.
            registry_.MarkBusy(admission.id);
            stream.set_read_deadline(ConnectionStream::Clock::now() + body_time);
            if (tls_context_ != nullptr) request.ssl = stream.tls_session();
            context.refusal = EarlyRefusal(request, options_, context.over_capacity);
          });
      if (client_closes || context.close_after || last) break;
      waiting_since = ConnectionStream::Clock::now();
    }
    t_connection = nullptr;
    // Not to be shut down by the registry once closed: the number may be
    // another connection's by then.
    registry_.Remove(admission.id);
    stream.Finish(graceful, context.close_after);
    ::close(socket);
  }

  // Plain HTTP, or HTTPS with the configured certificate and key.
  std::unique_ptr<httplib::Server> MakeHttpServer() {
    if (options_.tls_cert_file.empty()) return Wire(std::make_unique<HookHttpServer<httplib::Server>>());
    auto server = std::make_unique<HookHttpServer<httplib::SSLServer>>([this](SSL_CTX& context) {
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
    tls_context_ = server->ssl_context();
    return Wire(std::move(server));
  }

  template <class Base>
  std::unique_ptr<httplib::Server> Wire(std::unique_ptr<HookHttpServer<Base>> server) {
    HookHttpServer<Base>* raw = server.get();
    raw->serve_connection = [this](int socket) { ServeConnection(socket); };
    process_request_ = [raw](httplib::Stream& stream, bool close_connection, bool& connection_closed,
                             const std::function<void(httplib::Request&)>& setup_request) {
      return raw->ProcessRequest(stream, close_connection, connection_closed, setup_request);
    };
    stop_requested_ = [raw] { return raw->Stopping(); };
    return server;
  }

  WebhookHandler& handler_;
  ServerOptions options_;
  std::string startup_error_;
  ConnectionRegistry registry_;
  SSL_CTX* tls_context_ = nullptr;
  std::function<bool(httplib::Stream&, bool, bool&, const std::function<void(httplib::Request&)>&)>
      process_request_;
  std::function<bool()> stop_requested_;
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

std::size_t Server::ConnectionCount() const { return impl_->ConnectionCount(); }

}  // namespace deliveryhook::app
