// The only file that knows cpp-httplib.
#include "server.h"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include <sys/socket.h>

namespace delivery_hook {
namespace {

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
  // A header sent twice keeps its first value (the route refuses a repeated
  // X-Signature or X-Timestamp before this).
  for (const auto& [name, value] : request.headers) incoming.headers.emplace(Lower(name), value);
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
// turn), and lets threads that stay idle for a while end.
class ConnectionThreads : public httplib::TaskQueue {
 public:
  explicit ConnectionThreads(std::size_t max_threads) : max_threads_(max_threads) {}
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
      lock.unlock();
      task();
      lock.lock();
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

  const std::size_t max_threads_;
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
  response.set_content(reply.body, reply.content_type);
}

}  // namespace

class Server::Impl {
 public:
  // Connections served at once; more wait for a thread. Each costs a thread
  // (its stack is reserved, not used) while the connection lasts.
  static constexpr std::size_t kMaxConnectionThreads = 1024;

  Impl(WebhookHandler& handler, ServerOptions options) : handler_(handler), options_(options) {
    // Bodies above the limit are refused while reading, before any checks.
    http_.set_payload_max_length(options_.max_body_bytes);
    http_.set_read_timeout(10, 0);
    http_.set_write_timeout(10, 0);
    http_.set_keep_alive_timeout(5);
    http_.set_keep_alive_max_count(kKeepAliveRequests);
    http_.new_task_queue = [] { return new ConnectionThreads(kMaxConnectionThreads); };
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
