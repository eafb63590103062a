// `delivery-hook healthcheck`: the URL it probes and the exit code for each
// answer (app/healthcheck_command.cc), against a recording transport.
#include <gtest/gtest.h>

#include <sstream>

#include "cli.h"
#include "healthcheck_command.h"

namespace deliveryhook::app::cli {
namespace {

using deliveryhook::Error;
using deliveryhook::ErrorCode;
using deliveryhook::Result;
using deliveryhook::engine::HttpRequest;
using deliveryhook::engine::HttpResponse;

// Answers every request with `status`, or fails like an unreachable hook
// when status is 0; remembers the last request.
class CannedTransport : public deliveryhook::engine::Transport {
 public:
  explicit CannedTransport(int status) : status_(status) {}

  Result<HttpResponse> Send(const HttpRequest& request,
                            const deliveryhook::engine::BodyChunkCallback&) override {
    last = request;
    if (status_ == 0) return Error(ErrorCode::kUnavailable, "connection refused");
    HttpResponse response;
    response.status = status_;
    return response;
  }

  HttpRequest last;

 private:
  int status_;
};

HookUrl Url(const std::string& text) {
  auto url = ParseHookUrl(text);
  EXPECT_TRUE(url) << url.error().message();
  return *url;
}

TEST(CliHealthcheck, ParsesWithAndWithoutUrl) {
  CommandLine cl = ParseCommandLine({"healthcheck"});
  ASSERT_FALSE(cl.finished) << cl.err;
  EXPECT_EQ(cl.command, Command::kHealthcheck);
  EXPECT_TRUE(cl.healthcheck.url.empty());

  cl = ParseCommandLine({"healthcheck", "--url", "http://127.0.0.1:9000"});
  ASSERT_FALSE(cl.finished) << cl.err;
  EXPECT_EQ(cl.healthcheck.url, "http://127.0.0.1:9000");
}

TEST(CliHealthcheck, DefaultUrlIsWhereServeListens) {
  auto url = HealthUrlFromEnvironment({});
  ASSERT_TRUE(url) << url.error().message();
  EXPECT_EQ(url->ToString(), "http://127.0.0.1:8000");

  url = HealthUrlFromEnvironment({{"PORT", "8123"}, {"LISTEN_ADDRESS", "0.0.0.0"}});
  ASSERT_TRUE(url) << url.error().message();
  EXPECT_EQ(url->ToString(), "http://127.0.0.1:8123");

  url = HealthUrlFromEnvironment({{"UVICORN_PORT", "9001"}, {"LISTEN_ADDRESS", "::"}});
  ASSERT_TRUE(url) << url.error().message();
  EXPECT_EQ(url->ToString(), "http://[::1]:9001");

  url = HealthUrlFromEnvironment({{"PORT", "8124"}, {"LISTEN_ADDRESS", "10.1.2.3"}});
  ASSERT_TRUE(url) << url.error().message();
  EXPECT_EQ(url->ToString(), "http://10.1.2.3:8124");
}

TEST(CliHealthcheck, AnswerDecidesTheExitCode) {
  for (const auto& [status, expected] :
       std::vector<std::pair<int, int>>{{200, 0}, {204, 0}, {404, 1}, {503, 1}}) {
    CannedTransport transport(status);
    std::ostringstream err;
    EXPECT_EQ(RunHealthcheck(Url("http://127.0.0.1:8000"), transport, err), expected) << status;
    EXPECT_EQ(transport.last.method, "GET");
    EXPECT_EQ(transport.last.target, "/healthz");
    if (expected == 0) {
      EXPECT_EQ(err.str(), "");
    } else {
      EXPECT_EQ(err.str(), "delivery-hook healthcheck: http://127.0.0.1:8000/healthz answered " +
                               std::to_string(status) + "\n");
    }
  }
}

TEST(CliHealthcheck, UnreachableHookIsUnhealthy) {
  CannedTransport transport(0);
  std::ostringstream err;
  EXPECT_EQ(RunHealthcheck(Url("http://127.0.0.1:8000/hook"), transport, err), kExitUnhealthy);
  EXPECT_EQ(transport.last.target, "/hook/healthz");
  EXPECT_EQ(err.str(), "delivery-hook healthcheck: connection refused\n");
}

TEST(CliHealthcheck, BadSettingsOrNoAnswerAreUnhealthy) {
  std::ostringstream err;
  EXPECT_EQ(RunHealthcheckCommand({}, {{"PORT", "0"}}, err), kExitUnhealthy);
  EXPECT_EQ(err.str().rfind("delivery-hook healthcheck: PORT", 0), 0u) << err.str();
  err.str("");
  EXPECT_EQ(RunHealthcheckCommand({"https://127.0.0.1:1"}, {}, err), kExitUnhealthy);
  EXPECT_EQ(err.str().rfind("delivery-hook healthcheck: cannot reach the hook at https://127.0.0.1:1: ", 0), 0u)
      << err.str();
}

}  // namespace
}  // namespace deliveryhook::app::cli
