// The HTTP front end over real sockets: what the bad-input and slow-client
// end-to-end suites found, kept as regression tests.
#include "server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "handler_harness.h"
#include "wait_until.h"
#include "signed_request.h"

namespace deliveryhook::app {
namespace {

constexpr char kSecret[] = "test-secret";
constexpr std::int64_t kNow = 1800000000;

DeployBackend NoTargets() {
  DeployBackend backend;
  backend.resolve = [](const deliveryhook::deploy::TargetSelector&)
      -> deliveryhook::Result<deliveryhook::deploy::Target> {
    return deliveryhook::Error(deliveryhook::ErrorCode::kNotFound, "no such container");
  };
  return backend;
}

class Socket {
 public:
  explicit Socket(int port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    timeval timeout{5, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~Socket() { close(fd_); }
  bool connected() const { return connected_; }
  void Send(const std::string& data) { (void)send(fd_, data.data(), data.size(), MSG_NOSIGNAL); }
  // Everything until the server closes or 5 s pass without a byte.
  std::string ReadAll() {
    std::string out;
    char buffer[4096];
    for (ssize_t n; (n = recv(fd_, buffer, sizeof buffer, 0)) > 0;) out.append(buffer, n);
    return out;
  }
  // The first chunk the server sends.
  std::string ReadSome() {
    char buffer[4096];
    const ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
    return n > 0 ? std::string(buffer, n) : std::string();
  }

 private:
  int fd_;
  bool connected_ = false;
};

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    handler_ = std::make_unique<HandlerHarness>(
        std::make_shared<deliveryhook::webhook::SignatureVerifier>(
            kSecret, deliveryhook::webhook::VerifierOptions{}, [] { return kNow; }),
        NoTargets(), HandlerOptions{.max_body_bytes = 1024});
    server_ = std::make_unique<Server>(*handler_, ServerOptions{"127.0.0.1", 0, 1024});
    port_ = server_->Bind();
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_->Serve(); });
  }
  void TearDown() override {
    server_->Stop();
    if (thread_.joinable()) thread_.join();
  }

  static std::string Signed(const std::string& body, const std::string& extra_headers = "") {
    const std::string timestamp = std::to_string(kNow);
    return "POST /pull HTTP/1.1\r\nHost: x\r\nX-Timestamp: " + timestamp +
           "\r\nX-Signature: " + test_support::SignatureOver(body, kSecret, kNow) +
           "\r\n" + extra_headers + "Content-Length: " + std::to_string(body.size()) +
           "\r\nConnection: close\r\n\r\n" + body;
  }

  std::unique_ptr<HandlerHarness> handler_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  int port_ = 0;
};

// t_bad_input_generated: {"container_name": "web", "container_name": "x!"}
// was accepted with the first value; a proxy or log taking the last would
// have seen another request.
TEST_F(ServerTest, DuplicateJsonKeysAreRefused) {
  Socket client(port_);
  ASSERT_TRUE(client.connected());
  client.Send(Signed(R"({"container_name": "web", "container_name": "x!"})"));
  const std::string answer = client.ReadAll();
  EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << answer;
  EXPECT_NE(answer.find(R"({"error":"body has a key more than once"})"), std::string::npos) << answer;
}

// t_bad_input_generated: a second X-Signature (or X-Timestamp,
// Content-Length) was silently dropped.
TEST_F(ServerTest, RepeatedAuthenticationAndFramingHeadersAreRefused) {
  for (const std::string header : {"X-Signature: 00\r\n", "X-Timestamp: 1\r\n", "Content-Length: 2\r\n",
                                   "webhook-id: a\r\nwebhook-id: b\r\n",
                                   "webhook-signature: v1,a\r\nWebhook-Signature: v1,b\r\n"}) {
    Socket client(port_);
    ASSERT_TRUE(client.connected());
    client.Send(Signed(R"({"container_name": "web"})", header));
    const std::string answer = client.ReadAll();
    EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << header << answer;
    EXPECT_NE(answer.find("more than once"), std::string::npos) << answer;
    EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer;
  }
}

// t_slow_clients: httplib's fixed pool of max(8, cores - 1) threads was held
// by 8 connections that never finish their request, and every later request
// waited behind them for the read timeout.
TEST_F(ServerTest, SlowClientsDoNotDelayOtherRequests) {
  std::vector<std::unique_ptr<Socket>> slow;
  for (int i = 0; i < 64; ++i) {
    slow.push_back(std::make_unique<Socket>(port_));
    ASSERT_TRUE(slow.back()->connected());
    slow.back()->Send("POST /pull HTTP/1.1\r\nHost: x\r\nX-Time");
  }
  ASSERT_TRUE(deliveryhook::testing::WaitUntil([&] { return server_->ConnectionCount() == 64; }));
  const auto start = std::chrono::steady_clock::now();
  Socket client(port_);
  ASSERT_TRUE(client.connected());
  client.Send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const std::string answer = client.ReadSome();
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
  EXPECT_LT(elapsed, std::chrono::seconds(2));
}

}  // namespace
}  // namespace deliveryhook::app
