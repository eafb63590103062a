// The server's limits over real sockets: header count and size, the read
// timeout, the connection cap, a TLS setup that cannot load its files, and
// a job's event stream sent chunked.
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

namespace delivery_hook {
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
  void Send(const std::string& data) { (void)send(fd_, data.data(), data.size(), MSG_NOSIGNAL); }
  // Everything until the server closes (or 8 s pass without a byte).
  std::string ReadAll() {
    std::string out;
    char buffer[4096];
    for (ssize_t n; (n = recv(fd_, buffer, sizeof buffer, 0)) > 0;) out.append(buffer, n);
    return out;
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
  void Start(ServerOptions options, HandlerOptions handler_options = {1024, 1}) {
    handler_ = std::make_unique<WebhookHandler>(
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

  std::unique_ptr<WebhookHandler> handler_;
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

TEST_F(ServerLimitsTest, ConnectionsBeyondTheCapAre503AndTheCapFreesUp) {
  ServerOptions options;
  options.max_connections = 2;
  Start(options);
  std::vector<std::unique_ptr<Connection>> held;
  for (int i = 0; i < 2; ++i) {
    held.push_back(std::make_unique<Connection>(port_));
    held.back()->Send("GET /healthz HTTP/1.1\r\nHost: x\r\n");  // never finished
  }
  std::this_thread::sleep_for(200ms);
  const auto start = std::chrono::steady_clock::now();
  const std::string refused = Get("/healthz");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_EQ(refused.rfind("HTTP/1.1 503", 0), 0u) << refused;
  EXPECT_NE(refused.find(R"({"error":"too many connections; try again shortly"})"), std::string::npos);
  EXPECT_NE(refused.find("Retry-After: 1"), std::string::npos);
  held.clear();
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(Get("/healthz").rfind("HTTP/1.1 200", 0), 0u);
}

TEST_F(ServerLimitsTest, TlsFilesThatCannotBeLoadedStopTheStart) {
  handler_ = std::make_unique<WebhookHandler>(
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
  auto job = handler_->store().Create("pull", "web", "app", "web");
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
  HandlerOptions handler_options{1024, 1};
  handler_options.events_keep_alive = 100ms;
  Start(options, handler_options);
  auto& store = handler_->store();
  auto job = store.Create("pull", "web", "app", "web");
  Connection stalled(port_);
  stalled.Send("GET /jobs/" + job.id + "/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
               job.token + "\r\n\r\n");
  std::this_thread::sleep_for(200ms);
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
}  // namespace delivery_hook
