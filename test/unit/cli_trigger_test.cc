// trigger, jobs and sign run against the real request handler in-process: a
// Transport that hands each request to a WebhookHandler, so the CLI's
// signatures, paths and answers meet the server's for real.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <sstream>
#include <thread>

#include "commands.h"
#include "hook_client.h"
#include "handler_harness.h"
#include "util/crypto.h"
#include "unit/wait_until.h"
#include "webhook_handler.h"

namespace deliveryhook::app::cli {
namespace {

using deliveryhook::Error;
using deliveryhook::ErrorCode;
using deliveryhook::Result;
using deliveryhook::deploy::Action;
using deliveryhook::deploy::DeployOutcome;
using deliveryhook::deploy::ProgressSink;
using deliveryhook::deploy::Target;
using deliveryhook::deploy::TargetSelector;
using deliveryhook::engine::HttpRequest;
using deliveryhook::engine::HttpResponse;

constexpr char kSecret[] = "cli-test-secret";

class HandlerTransport : public deliveryhook::engine::Transport {
 public:
  explicit HandlerTransport(WebhookHandler* handler) : handler_(handler) {}

  Result<HttpResponse> Send(const HttpRequest& request,
                            const deliveryhook::engine::BodyChunkCallback&) override {
    if (handler_ == nullptr) return Error(ErrorCode::kUnavailable, "connection refused");
    IncomingRequest incoming;
    incoming.method = request.method;
    incoming.path = request.target;
    for (const auto& [name, value] : request.headers) {
      std::string lower = name;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      incoming.headers[lower] = value;
    }
    incoming.body = request.body;
    incoming.client_address = "127.0.0.1";
    const Reply reply = handler_->Handle(incoming);
    HttpResponse response;
    response.status = reply.status;
    response.body = reply.body;
    return response;
  }

 private:
  WebhookHandler* handler_;
};

// How the fake deploy ends.
enum class Ending { kSucceeds, kRollsBack, kBlocks };

class CliTriggerTest : public ::testing::Test {
 protected:
  void SetUp() override { MakeHandler(Ending::kSucceeds); }
  void TearDown() override {
    Release();
    handler_.reset();
  }

  void MakeHandler(Ending ending) {
    DeployBackend backend;
    backend.resolve = [](const TargetSelector& selector) -> Result<Target> {
      const bool by_name = selector.container_name == "web";
      const bool by_service = selector.project == "app" && selector.service == "web";
      if (!by_name && !by_service) return Error(ErrorCode::kNotFound, "no such container");
      return Target{"0123", "web", "app", "web"};
    };
    backend.deploy = [this, ending](const Target&, Action action,
                                    const ProgressSink& progress) -> Result<DeployOutcome> {
      actions_.push_back(std::string(ToString(action)));
      progress.on_step(deliveryhook::deploy::Step::kPulling);
      progress.on_log("layer1: Downloading 1/2");
      progress.on_step(deliveryhook::deploy::Step::kRecreating);
      if (ending == Ending::kBlocks) {
        std::unique_lock lock(mutex_);
        blocked_ = true;
        released_cv_.notify_all();
        released_cv_.wait(lock, [this] { return released_; });
      }
      if (ending == Ending::kRollsBack) {
        progress.on_step(deliveryhook::deploy::Step::kRollingBack);
        return Error(ErrorCode::kFailedPrecondition, "the new container exited with code 3")
            .RolledBack();
      }
      return DeployOutcome{"newcontainer", "sha256:new"};
    };
    auto verifier = std::make_shared<deliveryhook::webhook::SignatureVerifier>(kSecret);
    handler_ = std::make_unique<HandlerHarness>(verifier, std::move(backend), HandlerOptions{});
  }

  void Release() {
    std::lock_guard lock(mutex_);
    released_ = true;
    released_cv_.notify_all();
  }

  HookClient Client(const std::string& secret = kSecret, bool reachable = true) {
    return HookClient(HookUrl{"hook", 8000, ""}, secret,
                      std::make_unique<HandlerTransport>(reachable ? handler_.get() : nullptr));
  }

  // Virtual time: each sleep advances it, and yields a little real time so
  // the handler's worker can run.
  CommandIo Io(bool terminal = false) {
    CommandIo io;
    io.out = &out_;
    io.err = &err_;
    io.err_is_terminal = terminal;
    io.terminal_width = 60;
    io.now = [this] {
      return std::chrono::steady_clock::time_point(std::chrono::milliseconds(virtual_ms_.load()));
    };
    io.sleep = [this](std::chrono::milliseconds duration) {
      virtual_ms_ += duration.count();
      ++sleeps_;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    };
    io.unix_millis = [] { return std::int64_t{1700000000000}; };
    return io;
  }

  static TriggerOptions Options(bool wait) {
    TriggerOptions options;
    options.url = "http://hook:8000";
    options.container = "web";
    options.wait = wait;
    return options;
  }

  std::unique_ptr<HandlerHarness> handler_;
  std::vector<std::string> actions_;
  std::mutex mutex_;
  std::condition_variable released_cv_;
  bool released_ = false;
  bool blocked_ = false;  // the deploy waits in "recreating"
  std::atomic<std::int64_t> virtual_ms_{0};
  std::atomic<int> sleeps_{0};  // the command's waits between polls
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(CliTriggerTest, WithoutWaitPrintsTheJobIdAndExitsZero) {
  HookClient client = Client();
  EXPECT_EQ(RunTrigger(Options(false), client, Io()), kExitOk) << err_.str();
  const std::string id = out_.str();
  ASSERT_EQ(id.size(), 33u) << id;  // 32 hex digits and a newline
  EXPECT_EQ(id.back(), '\n');
}

TEST_F(CliTriggerTest, WaitSucceedsWithOneLinePerStep) {
  HookClient client = Client();
  EXPECT_EQ(RunTrigger(Options(true), client, Io()), kExitOk) << err_.str();
  const std::string err = err_.str();
  EXPECT_NE(err.find("succeeded"), std::string::npos) << err;
  EXPECT_NE(err.find("sha256:new"), std::string::npos) << err;
  EXPECT_EQ(err.find('\r'), std::string::npos) << err;
  EXPECT_EQ(actions_, std::vector<std::string>{"pull"});
}

TEST_F(CliTriggerTest, BuildPostsToBuild) {
  HookClient client = Client();
  TriggerOptions options = Options(true);
  options.build = true;
  options.container.clear();
  options.project = "app";
  options.service = "web";
  EXPECT_EQ(RunTrigger(options, client, Io()), kExitOk) << err_.str();
  EXPECT_EQ(actions_, std::vector<std::string>{"build"});
}

TEST_F(CliTriggerTest, RollbackPostsToRollbackAndSaysWhyItIsRefused) {
  HookClient client = Client();
  TriggerOptions options = Options(true);
  options.rollback = true;
  // No succeeded deploy recorded what it replaced: nothing to go back to.
  EXPECT_EQ(RunTrigger(options, client, Io()), kExitError);
  EXPECT_NE(err_.str().find("delivery-hook rollback: the hook answered 409: no earlier image of "
                            "app/web is known"),
            std::string::npos)
      << err_.str();
  options.to = "latest";
  EXPECT_EQ(RunTrigger(options, client, Io()), kExitError);
  EXPECT_NE(err_.str().find("the hook answered 400: \"to\" must be a digest"), std::string::npos)
      << err_.str();
  options.to = "sha256:" + std::string(64, '0');
  EXPECT_EQ(RunTrigger(options, client, Io()), kExitError);
  EXPECT_NE(err_.str().find("the hook answered 404: \"to\": sha256:"), std::string::npos);
  EXPECT_EQ(err_.str().find("an unknown container"), std::string::npos) << err_.str();
  EXPECT_TRUE(actions_.empty());
}

TEST_F(CliTriggerTest, WaitOnATerminalRewritesOneLine) {
  MakeHandler(Ending::kBlocks);
  HookClient client = Client();
  std::thread release([this] {
    {
      std::unique_lock lock(mutex_);
      released_cv_.wait(lock, [this] { return blocked_; });
    }
    // A few polls see the blocked step before it ends.
    const int polled = sleeps_;
    EXPECT_TRUE(deliveryhook::testing::WaitUntil([&] { return sleeps_ >= polled + 3; }));
    Release();
  });
  EXPECT_EQ(RunTrigger(Options(true), client, Io(/*terminal=*/true)), kExitOk) << err_.str();
  release.join();
  const std::string err = err_.str();
  EXPECT_NE(err.find("\r\033[K[running] recreating | layer1: Downloading 1/2"), std::string::npos)
      << err;
}

TEST_F(CliTriggerTest, RolledBackExitsOneAndPrintsTheError) {
  MakeHandler(Ending::kRollsBack);
  HookClient client = Client();
  EXPECT_EQ(RunTrigger(Options(true), client, Io()), kExitJobFailed) << err_.str();
  const std::string err = err_.str();
  EXPECT_NE(err.find("rolled_back: the new container exited with code 3"), std::string::npos) << err;
}

TEST_F(CliTriggerTest, TimeoutExitsTwo) {
  MakeHandler(Ending::kBlocks);
  HookClient client = Client();
  TriggerOptions options = Options(true);
  options.timeout_seconds = 2;
  EXPECT_EQ(RunTrigger(options, client, Io()), kExitError) << err_.str();
  EXPECT_NE(err_.str().find("timed out after 2s"), std::string::npos) << err_.str();
}

TEST_F(CliTriggerTest, WrongSecretExitsTwo) {
  HookClient client = Client("not-the-secret");
  EXPECT_EQ(RunTrigger(Options(true), client, Io()), kExitError);
  EXPECT_NE(err_.str().find("401"), std::string::npos) << err_.str();
  EXPECT_TRUE(out_.str().empty());
  EXPECT_TRUE(actions_.empty());
}

TEST_F(CliTriggerTest, UnknownContainerExitsTwo) {
  HookClient client = Client();
  TriggerOptions options = Options(true);
  options.container = "nope";
  EXPECT_EQ(RunTrigger(options, client, Io()), kExitError);
  EXPECT_NE(err_.str().find("404"), std::string::npos) << err_.str();
}

TEST_F(CliTriggerTest, UnreachableHookExitsTwo) {
  HookClient client = Client(kSecret, /*reachable=*/false);
  EXPECT_EQ(RunTrigger(Options(true), client, Io()), kExitError);
  EXPECT_EQ(err_.str(), "delivery-hook trigger: connection refused\n");
}

TEST_F(CliTriggerTest, UnreachableHookIsNamedWithItsUrl) {
  auto url = ParseHookUrl("http://127.0.0.1:1");
  ASSERT_TRUE(url) << url.error().message();
  HookClient client = HookClient::OverCurl(*url, kSecret, "");
  EXPECT_EQ(RunTrigger(Options(false), client, Io()), kExitError);
  EXPECT_EQ(err_.str().rfind("delivery-hook trigger: cannot reach the hook at http://127.0.0.1:1: ", 0), 0u)
      << err_.str();
}

TEST_F(CliTriggerTest, JobsListsTheJobsSigned) {
  HookClient trigger_client = Client();
  ASSERT_EQ(RunTrigger(Options(true), trigger_client, Io()), kExitOk) << err_.str();
  out_.str("");
  HookClient client = Client();
  EXPECT_EQ(RunJobs(JobsOptions{"http://hook:8000", false}, client, Io()), kExitOk) << err_.str();
  const std::string table = out_.str();
  EXPECT_EQ(table.rfind("ID ", 0), 0u) << table;
  EXPECT_NE(table.find("succeeded"), std::string::npos) << table;
  EXPECT_NE(table.find("pull"), std::string::npos) << table;

  out_.str("");
  EXPECT_EQ(RunJobs(JobsOptions{"http://hook:8000", true}, client, Io()), kExitOk);
  EXPECT_EQ(out_.str().rfind("{\"jobs\":[", 0), 0u) << out_.str();

  HookClient wrong = Client("not-the-secret");
  EXPECT_EQ(RunJobs(JobsOptions{"http://hook:8000", false}, wrong, Io()), kExitError);
}

TEST_F(CliTriggerTest, SignPrintsHeadersTheHandlerAccepts) {
  std::istringstream stdin_body(R"({"container_name": "web"})");
  ASSERT_EQ(RunSign(SignOptions{}, kSecret, stdin_body, Io()), kExitOk);
  std::istringstream lines(out_.str());
  std::string timestamp_line, signature_line;
  std::getline(lines, timestamp_line);
  std::getline(lines, signature_line);
  ASSERT_EQ(timestamp_line.rfind("X-Timestamp: ", 0), 0u) << out_.str();
  ASSERT_EQ(signature_line.rfind("X-Signature: ", 0), 0u) << out_.str();
  const std::string timestamp = timestamp_line.substr(13);
  EXPECT_EQ(timestamp, "1700000000");
  EXPECT_EQ(signature_line.substr(13),
            deliveryhook::util::HmacSha256Hex(kSecret, R"({"container_name": "web"})" + timestamp));

  std::istringstream unused;
  EXPECT_EQ(RunSign(SignOptions{}, "", unused, Io()), kExitError);
}

// The README: `delivery-hook sign "$PAYLOAD"`, `printf '%s' "$PAYLOAD" |
// delivery-hook sign` and the openssl recipe (echo -n "$PAYLOAD$TIMESTAMP")
// agree byte for byte; stdin is signed as read, so `echo "$PAYLOAD" |` signs
// the newline too.
TEST_F(CliTriggerTest, SignFromStdinAndFromTheArgumentAgreeWithTheReadmeRecipe) {
  const std::string payload = R"({"container_name": "my-container-name"})";
  // The openssl, Python and Node recipes' output for this body at 1700000000.
  const std::string recipe = "X-Timestamp: 1700000000\nX-Signature: "
                             "448353b29e590d7fec7943fecb867e3ecd3943790e67d1e5c46d78abd5f6b986\n";
  SignOptions argument;
  argument.body = payload;
  argument.body_given = true;
  std::istringstream unused;
  ASSERT_EQ(RunSign(argument, "your-very-secret-key", unused, Io()), kExitOk);
  EXPECT_EQ(out_.str(), recipe);
  out_.str("");
  std::istringstream printf_pipe(payload);
  ASSERT_EQ(RunSign(SignOptions{}, "your-very-secret-key", printf_pipe, Io()), kExitOk);
  EXPECT_EQ(out_.str(), recipe);
  out_.str("");
  std::istringstream echo_pipe(payload + "\n");
  ASSERT_EQ(RunSign(SignOptions{}, "your-very-secret-key", echo_pipe, Io()), kExitOk);
  EXPECT_NE(out_.str(), recipe);
}

}  // namespace
}  // namespace deliveryhook::app::cli
