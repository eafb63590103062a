// The server's limits over real sockets: header count and size, the read
// timeout, the header and body deadlines, the connection cap and eviction,
// request framing (pipelining, Content-Length and Transfer-Encoding,
// Expect: 100-continue), a TLS setup that cannot load its files, and a job's
// event stream sent chunked.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "server.h"

#include "handler_harness.h"
#include "wait_until.h"

namespace deliveryhook::app {
namespace {

using namespace std::chrono_literals;

constexpr char kSecret[] = "test-secret";
constexpr std::int64_t kNow = 1800000000;

class Connection {
 public:
  explicit Connection(int port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    timeval timeout{8, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~Connection() { close(fd_); }
  bool connected() const { return connected_; }
  int fd() const { return fd_; }
  bool Send(const std::string& data) {
    return send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
  }
  // Everything until the server closes (or 8 s pass without a byte).
  std::string ReadAll() {
    std::string out;
    char buffer[4096];
    for (ssize_t n; (n = recv(fd_, buffer, sizeof buffer, 0)) > 0;) out.append(buffer, n);
    return out;
  }
  // Waits (up to 8 s) for the server to begin its answer, without reading
  // it: a connection being answered is busy, and its bytes stay unread.
  bool AnswerBegun() {
    char byte;
    return recv(fd_, &byte, 1, MSG_PEEK) == 1;
  }

 private:
  int fd_;
  bool connected_ = false;
};

DeployBackend NoTargets() {
  DeployBackend backend;
  backend.resolve = [](const deliveryhook::deploy::TargetSelector&)
      -> deliveryhook::Result<deliveryhook::deploy::Target> {
    return deliveryhook::Error(deliveryhook::ErrorCode::kNotFound, "no such container");
  };
  return backend;
}

class ServerLimitsTest : public ::testing::Test {
 protected:
  void Start(ServerOptions options, HandlerOptions handler_options = {.max_body_bytes = 1024}) {
    handler_ = std::make_unique<HandlerHarness>(
        std::make_shared<deliveryhook::webhook::SignatureVerifier>(
            kSecret, deliveryhook::webhook::VerifierOptions{}, [] { return kNow; }),
        NoTargets(), handler_options);
    options.address = "127.0.0.1";
    options.port = 0;
    server_ = std::make_unique<Server>(*handler_, options);
    port_ = server_->Bind();
    ASSERT_GT(port_, 0) << server_->StartupError();
    thread_ = std::thread([this] { server_->Serve(); });
  }
  void TearDown() override {
    if (server_) server_->Stop();
    if (thread_.joinable()) thread_.join();
  }

  std::string Get(const std::string& path, const std::string& extra_headers = "") {
    Connection client(port_);
    EXPECT_TRUE(client.connected());
    client.Send("GET " + path + " HTTP/1.1\r\nHost: x\r\n" + extra_headers + "Connection: close\r\n\r\n");
    return client.ReadAll();
  }

  std::unique_ptr<HandlerHarness> handler_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  int port_ = 0;
};

TEST_F(ServerLimitsTest, MoreHeadersThanAllowedGet431) {
  Start({});
  std::string headers;
  for (int i = 0; i < 97; ++i) headers += "X-Header-" + std::to_string(i) + ": v\r\n";
  // Host, Connection and 97 more: 99 headers pass.
  EXPECT_EQ(Get("/healthz", headers).rfind("HTTP/1.1 200", 0), 0u);
  for (int i = 97; i < 99; ++i) headers += "X-Header-" + std::to_string(i) + ": v\r\n";
  const std::string answer = Get("/healthz", headers);  // 101
  EXPECT_EQ(answer.rfind("HTTP/1.1 431", 0), 0u) << answer;
  EXPECT_NE(answer.find(R"x({"error":"too many request headers (more than 100)"})x"), std::string::npos)
      << answer;
}

TEST_F(ServerLimitsTest, HeadersLargerThanAllowedGet431) {
  ServerOptions options;
  options.max_header_bytes = 2048;
  options.read_timeout_seconds = 1;  // httplib keeps a connection after its own 400
  Start(options);
  const std::string big(1000, 'a');
  EXPECT_EQ(Get("/healthz", "X-A: " + big + "\r\n").rfind("HTTP/1.1 200", 0), 0u);
  const std::string answer = Get("/healthz", "X-A: " + big + "\r\nX-B: " + big + "\r\nX-C: " + big + "\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 431", 0), 0u) << answer;
  EXPECT_NE(answer.find(R"({"error":"request headers are larger than 2048 bytes"})"), std::string::npos)
      << answer;
  // One line over cpp-httplib's own 8 KiB limit: a JSON 400.
  const std::string huge = Get("/healthz", "X-A: " + std::string(9000, 'a') + "\r\n");
  EXPECT_EQ(huge.rfind("HTTP/1.1 400", 0), 0u) << huge.substr(0, 200);
  EXPECT_NE(huge.find(R"({"error":"bad request"})"), std::string::npos);
}

TEST_F(ServerLimitsTest, AnUnfinishedRequestIsClosedAfterTheReadTimeout) {
  ServerOptions options;
  options.read_timeout_seconds = 1;
  Start(options);
  for (const std::string sent : {"", "GET /healthz HTTP/1.1\r\nHost: x\r\n"}) {
    Connection idle(port_);
    ASSERT_TRUE(idle.connected());
    idle.Send(sent);
    const auto start = std::chrono::steady_clock::now();
    const std::string answer = idle.ReadAll();  // returns when the server closes
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_GE(took, 800ms) << sent;
    EXPECT_LT(took, 4s) << sent;
    EXPECT_EQ(answer.find("200 OK"), std::string::npos) << answer;
  }
}

// At the cap, a new connection takes the place of the one that has waited
// longest for its request's headers; the others stay.
TEST_F(ServerLimitsTest, AtTheCapTheOldestIdleConnectionMakesRoom) {
  ServerOptions options;
  options.max_connections = 2;
  Start(options);
  std::vector<std::unique_ptr<Connection>> held;
  for (int i = 0; i < 2; ++i) {
    held.push_back(std::make_unique<Connection>(port_));
    held.back()->Send("GET /healthz HTTP/1.1\r\nHost: x\r\n");  // never finished
    // Admitted before the next one connects, so it has waited longer.
    ASSERT_TRUE(deliveryhook::testing::WaitUntil(
        [&] { return server_->ConnectionCount() == held.size(); }));
  }
  const auto start = std::chrono::steady_clock::now();
  const std::string answer = Get("/healthz");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
  // The oldest was closed without an answer, at once, not at a timeout.
  const auto closing = std::chrono::steady_clock::now();
  EXPECT_EQ(held[0]->ReadAll(), "");
  EXPECT_LT(std::chrono::steady_clock::now() - closing, 1s);
  // The other one still gets its answer.
  held[1]->Send("Connection: close\r\n\r\n");
  EXPECT_EQ(held[1]->ReadAll().rfind("HTTP/1.1 200", 0), 0u);
}

// When every connection is being answered, none can make room: 503, with a
// request id, counted, and the cap frees up once they end.
TEST_F(ServerLimitsTest, ConnectionsBeyondTheCapOfBusyOnesAre503AndTheCapFreesUp) {
  ServerOptions options;
  options.max_connections = 1;
  HandlerOptions handler_options{.max_body_bytes = 1024};
  handler_options.events_keep_alive = 100ms;
  Start(options, handler_options);
  auto job = handler_->store().Create({.action = "pull", .container_name = "web", .project = "app", .service = "web"});
  auto busy = std::make_unique<Connection>(port_);
  busy->Send("GET /jobs/" + job.id + "/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
             job.token + "\r\n\r\n");
  ASSERT_TRUE(busy->AnswerBegun());
  const auto start = std::chrono::steady_clock::now();
  const std::string refused = Get("/healthz", "X-Request-Id: full-1\r\n");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_EQ(refused.rfind("HTTP/1.1 503", 0), 0u) << refused;
  EXPECT_NE(refused.find(R"({"error":"too many connections; try again shortly"})"), std::string::npos);
  EXPECT_NE(refused.find("Retry-After: 1"), std::string::npos);
  EXPECT_NE(refused.find("X-Request-Id: full-1\r\n"), std::string::npos) << refused;
  handler_->store().Update(job.id, [](deliveryhook::jobs::Job& j) {
    j.state = deliveryhook::jobs::JobState::kSucceeded;
  });
  busy.reset();
  ASSERT_TRUE(deliveryhook::testing::WaitUntil([&] { return server_->ConnectionCount() == 0; }));
  EXPECT_EQ(Get("/healthz").rfind("HTTP/1.1 200", 0), 0u);
  EXPECT_NE(handler_->metrics().Render(0).find(
                R"(deliveryhook_http_requests_total{endpoint="/healthz",status="503"} 1)"),
            std::string::npos)
      << handler_->metrics().Render(0);
}

std::size_t Count(const std::string& text, const std::string& what) {
  std::size_t count = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++count;
  return count;
}

TEST_F(ServerLimitsTest, PipelinedRequestsAreAnsweredInOrder) {
  Start({});
  Connection client(port_);
  ASSERT_TRUE(client.connected());
  // One write: both requests reach the server's buffer together.
  client.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
              "GET /nothing-here HTTP/1.1\r\nHost: x\r\n\r\n"
              "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"
              "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const std::string answers = client.ReadAll();
  const auto first = answers.find("HTTP/1.1 200");
  const auto second = answers.find("HTTP/1.1 404");
  const auto third = answers.find("HTTP/1.1 405");
  const auto fourth = answers.find("HTTP/1.1 200", first + 1);
  EXPECT_EQ(first, 0u) << answers;
  EXPECT_NE(second, std::string::npos) << answers;
  EXPECT_NE(third, std::string::npos) << answers;
  EXPECT_NE(fourth, std::string::npos) << answers;
  EXPECT_TRUE(first < second && second < third && third < fourth) << answers;
  EXPECT_EQ(Count(answers, "HTTP/1.1 "), 4u) << answers;
}

// Without Content-Length or Transfer-Encoding a request has no body (RFC 9112
// section 6.3): what follows is the next request, not a body read until the
// client closes.
TEST_F(ServerLimitsTest, APostWithoutLengthHasNoBody) {
  Start({});
  Connection client(port_);
  client.Send("POST /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
              "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const auto start = std::chrono::steady_clock::now();
  const std::string answers = client.ReadAll();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_EQ(answers.rfind("HTTP/1.1 405", 0), 0u) << answers;
  EXPECT_NE(answers.find("HTTP/1.1 200"), std::string::npos) << answers;
}

// Ambiguous framing is refused before any body is read, and the connection
// closed: the bytes after the headers are never served as a request.
TEST_F(ServerLimitsTest, AmbiguousFramingIs400AndTheConnectionClosed) {
  Start({});
  const std::string smuggled = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  struct Case {
    std::string headers;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
       "a request may not have both Content-Length and Transfer-Encoding"},
      {"Transfer-Encoding: gzip, chunked\r\n",
       R"(Transfer-Encoding \"gzip, chunked\" is not supported; only \"chunked\" is)"},
      {"Transfer-Encoding: xchunked\r\n",
       R"(Transfer-Encoding \"xchunked\" is not supported; only \"chunked\" is)"},
      {"Transfer-Encoding: chunked, identity\r\n",
       R"(Transfer-Encoding \"chunked, identity\" is not supported; only \"chunked\" is)"},
      {"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
       "the Transfer-Encoding header is sent more than once"},
      {"Content-Length: 5\r\nContent-Length: 5\r\n", "the Content-Length header is sent more than once"},
      {"Content-Length: +5\r\n", "the Content-Length header is not a number"},
  };
  for (const Case& c : cases) {
    Connection client(port_);
    ASSERT_TRUE(client.connected());
    client.Send("POST /pull HTTP/1.1\r\nHost: x\r\n" + c.headers + "\r\n0\r\n\r\n" + smuggled);
    const std::string answer = client.ReadAll();
    EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << c.headers << answer;
    EXPECT_NE(answer.find(R"({"error":")" + c.error + R"("})"), std::string::npos) << answer;
    EXPECT_NE(answer.find("Connection: close\r\n"), std::string::npos) << answer;
    EXPECT_EQ(Count(answer, "Connection: "), 1u) << answer;
    EXPECT_EQ(answer.find("Keep-Alive: "), std::string::npos) << answer;
    EXPECT_NE(answer.find("X-Request-Id: "), std::string::npos) << answer;
    EXPECT_EQ(Count(answer, "HTTP/1.1 "), 1u) << c.headers << answer;
  }
  // A GET with a body: cpp-httplib would not read it, so it is refused too.
  Connection client(port_);
  client.Send("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: " +
              std::to_string(smuggled.size()) + "\r\n\r\n" + smuggled);
  const std::string answer = client.ReadAll();
  EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << answer;
  EXPECT_NE(answer.find(R"({"error":"a GET request may not have a body"})"), std::string::npos) << answer;
  EXPECT_EQ(Count(answer, "HTTP/1.1 "), 1u) << answer;
  EXPECT_NE(handler_->metrics().Render(0).find(
                R"(deliveryhook_http_requests_total{endpoint="/pull",status="400"} 7)"),
            std::string::npos)
      << handler_->metrics().Render(0);
}

// The client waits for 100 Continue before sending the body: a body over
// the limit is refused instead, without waiting for it.
TEST_F(ServerLimitsTest, ExpectContinueWithALengthOverTheLimitIs413AtOnce) {
  ServerOptions options;
  options.max_body_bytes = 1000;
  Start(options);
  Connection client(port_);
  ASSERT_TRUE(client.connected());
  const auto start = std::chrono::steady_clock::now();
  client.Send("POST /pull HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 1001\r\n\r\n");
  const std::string answer = client.ReadAll();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << answer;
  EXPECT_EQ(answer.find("100 Continue"), std::string::npos) << answer;
  EXPECT_NE(answer.find(R"({"error":"body is larger than 1000 bytes"})"), std::string::npos) << answer;
  EXPECT_NE(answer.find("X-Request-Id: "), std::string::npos) << answer;
  // Within the limit: 100 Continue, then the answer.
  Connection small(port_);
  small.Send("POST /pull HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n"
             "Connection: close\r\n\r\n");
  char buffer[64] = {};
  ASSERT_GT(recv(small.fd(), buffer, sizeof buffer - 1, 0), 0);
  EXPECT_EQ(std::string(buffer).rfind("HTTP/1.1 100 Continue\r\n\r\n", 0), 0u) << buffer;
  small.Send("{}");
  EXPECT_EQ(small.ReadAll().rfind("HTTP/1.1 401", 0), 0u);  // unsigned
}

TEST_F(ServerLimitsTest, AChunkedBodyOverTheLimitIs413AndTheConnectionClosed) {
  ServerOptions options;
  options.max_body_bytes = 1000;
  Start(options);
  Connection client(port_);
  const std::string chunk(600, 'a');
  client.Send("POST /pull HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n" + chunk +
              "\r\n258\r\n" + chunk + "\r\n0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string answer = client.ReadAll();
  EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << answer;
  EXPECT_NE(answer.find("Connection: close\r\n"), std::string::npos) << answer;
  EXPECT_EQ(Count(answer, "HTTP/1.1 "), 1u) << answer;
}

// Sends a byte every `every` on its connection until the server closes it.
class Trickle {
 public:
  Trickle(Connection& connection, std::string bytes, std::chrono::milliseconds every)
      : thread_([&connection, bytes, every, this] {
          for (std::size_t i = 0; !stop_ && i < bytes.size(); ++i) {
            if (!connection.Send(bytes.substr(i, 1))) break;
            std::this_thread::sleep_for(every);
          }
        }) {}
  ~Trickle() {
    stop_ = true;
    thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// A byte every 200 ms never runs into the read timeout (the gap), but the
// request as a whole has a deadline: for its headers, then for its body.
TEST_F(ServerLimitsTest, ATricklingRequestIsClosedAtItsDeadline) {
  ServerOptions options;
  options.read_timeout_seconds = 5;
  options.header_timeout_seconds = 2;
  options.body_timeout_seconds = 2;
  Start(options);
  const std::string headers = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: " + std::string(100, 'a');
  {
    Connection slow(port_);
    ASSERT_TRUE(slow.connected());
    const auto start = std::chrono::steady_clock::now();
    Trickle trickle(slow, headers, 200ms);
    const std::string answer = slow.ReadAll();
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_GE(took, 1800ms);
    EXPECT_LT(took, 3500ms);
    EXPECT_EQ(answer.find("200 OK"), std::string::npos) << answer;
  }
  {
    Connection slow(port_);
    ASSERT_TRUE(slow.connected());
    slow.Send("POST /pull HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n");
    const auto start = std::chrono::steady_clock::now();
    Trickle trickle(slow, std::string(100, 'a'), 200ms);
    const std::string answer = slow.ReadAll();
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_GE(took, 1800ms);
    EXPECT_LT(took, 3500ms);
    EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << answer;
    EXPECT_NE(answer.find(R"({"error":"the request body is incomplete or malformed"})"), std::string::npos)
        << answer;
  }
  // A prompt request is not affected.
  EXPECT_EQ(Get("/healthz").rfind("HTTP/1.1 200", 0), 0u);
}


TEST_F(ServerLimitsTest, TlsFilesThatCannotBeLoadedStopTheStart) {
  handler_ = std::make_unique<HandlerHarness>(
      std::make_shared<deliveryhook::webhook::SignatureVerifier>(kSecret), NoTargets(),
      HandlerOptions{});
  ServerOptions options;
  options.address = "127.0.0.1";
  options.port = 0;
  options.tls_cert_file = "/nonexistent/cert.pem";
  options.tls_key_file = "/nonexistent/key.pem";
  Server server(*handler_, options);
  EXPECT_EQ(server.Bind(), -1);
  EXPECT_EQ(server.StartupError().rfind("cannot load the TLS certificate /nonexistent/cert.pem: ", 0), 0u)
      << server.StartupError();
}

TEST_F(ServerLimitsTest, AJobsEventsAreStreamedChunked) {
  Start({});
  auto job = handler_->store().Create({.action = "pull", .container_name = "web", .project = "app", .service = "web"});
  std::thread finisher([&] {
    std::this_thread::sleep_for(300ms);
    handler_->store().Update(job.id, [](deliveryhook::jobs::Job& j) {
      j.state = deliveryhook::jobs::JobState::kSucceeded;
      j.step = "done";
    });
  });
  const std::string answer = Get("/jobs/" + job.id + "/events", "Authorization: Bearer " + job.token + "\r\n");
  finisher.join();
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
  EXPECT_NE(answer.find("Content-Type: text/event-stream"), std::string::npos) << answer;
  EXPECT_NE(answer.find("Transfer-Encoding: chunked"), std::string::npos) << answer;
  EXPECT_NE(answer.find("event: job\ndata: {\"job_id\":\"" + job.id), std::string::npos) << answer;
  EXPECT_NE(answer.find("event: state\ndata: {\"state\":\"succeeded\""), std::string::npos) << answer;
  EXPECT_NE(answer.find("\r\n0\r\n\r\n"), std::string::npos) << answer;  // the last chunk
}

// A client that opens a job's stream and never reads: the job's progress is
// not held up, and the stream is cut once a write has waited for the write
// timeout, freeing its connection (with a cap of one connection, the next
// request is served again).
TEST_F(ServerLimitsTest, AStreamNobodyReadsHoldsNeitherTheJobNorTheConnection) {
  ServerOptions options;
  options.write_timeout_seconds = 1;
  options.max_connections = 1;
  HandlerOptions handler_options{.max_body_bytes = 1024};
  handler_options.events_keep_alive = 100ms;
  Start(options, handler_options);
  auto& store = handler_->store();
  auto job = store.Create({.action = "pull", .container_name = "web", .project = "app", .service = "web"});
  Connection stalled(port_);
  stalled.Send("GET /jobs/" + job.id + "/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
               job.token + "\r\n\r\n");
  ASSERT_TRUE(stalled.AnswerBegun());
  EXPECT_EQ(Get("/healthz").rfind("HTTP/1.1 503", 0), 0u);  // the stream holds the one connection

  std::atomic<bool> done{false};
  std::chrono::steady_clock::duration slowest_update{};
  std::thread progress([&] {
    const std::string line(1000, 'x');
    for (int i = 0; !done; ++i) {
      const auto before = std::chrono::steady_clock::now();
      store.Update(job.id, [&](deliveryhook::jobs::Job& j) {
        j.log.push_back(line + std::to_string(i));
        if (j.log.size() > 50) {
          j.log.erase(j.log.begin());
          ++j.log_dropped;
        }
      });
      slowest_update = std::max(slowest_update, std::chrono::steady_clock::now() - before);
      std::this_thread::sleep_for(100us);
    }
  });
  std::string answer;
  for (int i = 0; i < 100 && answer.rfind("HTTP/1.1 200", 0) != 0; ++i) {
    std::this_thread::sleep_for(200ms);
    answer = Get("/healthz");
  }
  done = true;
  progress.join();
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
  EXPECT_LT(slowest_update, 500ms);
  store.Update(job.id, [](deliveryhook::jobs::Job& j) { j.state = deliveryhook::jobs::JobState::kFailed; });
}

}  // namespace
}  // namespace deliveryhook::app
