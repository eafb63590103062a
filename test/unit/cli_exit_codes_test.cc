// The CLI's pure pieces: exit-code mapping, the hook URL, bodies, signatures,
// job parsing and the text it prints.
#include <gtest/gtest.h>

#include "commands.h"
#include "hook_client.h"

namespace deliveryhook::app::cli {
namespace {

TEST(CliExitCodes, JobStates) {
  EXPECT_EQ(ExitCodeForJobState("succeeded"), 0);
  EXPECT_EQ(ExitCodeForJobState("failed"), 1);
  EXPECT_EQ(ExitCodeForJobState("rolled_back"), 1);
  EXPECT_EQ(ExitCodeForJobState("running"), 2);
  EXPECT_EQ(ExitCodeForJobState("queued"), 2);
  EXPECT_EQ(ExitCodeForJobState(""), 2);
  EXPECT_EQ(ExitCodeForJobState("exploded"), 2);
}

TEST(CliExitCodes, FinalStates) {
  EXPECT_FALSE(IsFinalJobState("queued"));
  EXPECT_FALSE(IsFinalJobState("running"));
  EXPECT_TRUE(IsFinalJobState("succeeded"));
  EXPECT_TRUE(IsFinalJobState("failed"));
  EXPECT_TRUE(IsFinalJobState("rolled_back"));
}

class CliTriggerStatus : public ::testing::TestWithParam<std::pair<int, int>> {};

TEST_P(CliTriggerStatus, MapsToExitCode) {
  EXPECT_EQ(ExitCodeForTriggerStatus(GetParam().first), GetParam().second);
}

INSTANTIATE_TEST_SUITE_P(Statuses, CliTriggerStatus,
                         ::testing::Values(std::pair{202, 0}, std::pair{200, 0},
                                           std::pair{400, 2}, std::pair{401, 2},
                                           std::pair{404, 2}, std::pair{405, 2},
                                           std::pair{413, 2}, std::pair{429, 2},
                                           std::pair{500, 2}, std::pair{503, 2}),
                         [](const auto& info) { return "http_" + std::to_string(info.param.first); });

TEST(CliExitCodes, RefusalsSayWhy) {
  EXPECT_NE(DescribeRefusal(401, "signature does not match").find("SECRET_KEY"), std::string::npos);
  EXPECT_NE(DescribeRefusal(401, "signature does not match").find("signature does not match"),
            std::string::npos);
  EXPECT_NE(DescribeRefusal(503, "x").find("503"), std::string::npos);
}

TEST(CliHookUrl, HostPortAndPrefix) {
  auto plain = ParseHookUrl("http://hook.internal");
  ASSERT_TRUE(plain.ok()) << plain.error();
  EXPECT_EQ(plain->host, "hook.internal");
  EXPECT_EQ(plain->port, 80);
  EXPECT_EQ(plain->prefix, "");

  auto with_port = ParseHookUrl("http://127.0.0.1:8000/");
  ASSERT_TRUE(with_port.ok()) << with_port.error();
  EXPECT_EQ(with_port->host, "127.0.0.1");
  EXPECT_EQ(with_port->port, 8000);
  EXPECT_EQ(with_port->prefix, "");
  EXPECT_EQ(with_port->ToString(), "http://127.0.0.1:8000");

  auto with_prefix = ParseHookUrl("http://proxy:8080/hooks/deploy/");
  ASSERT_TRUE(with_prefix.ok()) << with_prefix.error();
  EXPECT_EQ(with_prefix->prefix, "/hooks/deploy");

  auto ipv6 = ParseHookUrl("http://[::1]:9000");
  ASSERT_TRUE(ipv6.ok()) << ipv6.error();
  EXPECT_EQ(ipv6->host, "::1");
  EXPECT_EQ(ipv6->port, 9000);
  EXPECT_EQ(ipv6->ToString(), "http://[::1]:9000");
}

TEST(CliHookUrl, Https) {
  auto https = ParseHookUrl("https://hook.example");
  ASSERT_TRUE(https.ok()) << https.error().message();
  EXPECT_TRUE(https->tls);
  EXPECT_EQ(https->port, 443);
  EXPECT_EQ(https->ToString(), "https://hook.example:443");
  auto with_port = ParseHookUrl("https://127.0.0.1:8443/hook");
  ASSERT_TRUE(with_port.ok());
  EXPECT_EQ(with_port->port, 8443);
  EXPECT_EQ(with_port->prefix, "/hook");
  EXPECT_FALSE(ParseHookUrl("http://hook.example")->tls);
}

TEST(CliHookUrl, Malformed) {
  for (const char* url : {"hook:8000", "ftp://hook", "http://", "http://:80", "http://h:0",
                          "http://h:70000", "http://h:x", "http://h:", "http://h/?wait=1",
                          "http://user@h", "http://[::1"}) {
    EXPECT_FALSE(ParseHookUrl(url).ok()) << url;
  }
}

TEST(CliHookUrl, CredentialsAreNeverEchoed) {
  for (const char* url : {"http://user:s3cr3t-pw@hook:8000", "http://user:s3cr3t-pw@hook",
                          "https://user:s3cr3t-pw@hook/prefix", "http://user:s3cr3t-pw@[::1]:80"}) {
    auto parsed = ParseHookUrl(url);
    ASSERT_FALSE(parsed.ok()) << url;
    EXPECT_EQ(parsed.error().message().find("s3cr3t-pw"), std::string::npos) << parsed.error().message();
    EXPECT_NE(parsed.error().message().find("credentials in the URL are not supported"),
              std::string::npos)
        << parsed.error().message();
  }
  EXPECT_EQ(ParseHookUrl("http://user:pw@hook:8000").error().message(),
            "invalid --url \"http://***@hook:8000\": credentials in the URL are not supported");
}

TEST(CliBodies, SpelledLikeThePipelineExample) {
  EXPECT_EQ(ContainerBody("web-1"), R"({"container_name": "web-1"})");
  EXPECT_EQ(ServiceBody("shop", "web"), R"({"project": "shop", "service": "web"})");
  EXPECT_EQ(ContainerBody("a\"b\\c\n"), R"({"container_name": "a\"b\\c\n"})");
  EXPECT_EQ(WithPin(ContainerBody("web-1"), "", ""), R"({"container_name": "web-1"})");
  EXPECT_EQ(WithPin(ContainerBody("web-1"), "r/app:v2", "sha256:ab"),
            R"({"container_name": "web-1", "image": "r/app:v2", "digest": "sha256:ab"})");
}

TEST(CliSignature, IsHmacOfMessageAndTimestamp) {
  // python3: hmac.new(b'key', b'{"container_name": "web"}1700000000', hashlib.sha256)
  const SignatureHeaders headers = SignMessage("key", R"({"container_name": "web"})", 1700000000);
  EXPECT_EQ(headers.timestamp, "1700000000");
  EXPECT_EQ(headers.signature, "c56248d14fc88ebad89f3e0e775bf135dd1bd2febee698b86a0449fd83e41b12");
}

TEST(CliJobJson, ParsesAJobAndAList) {
  auto job = ParseJob(
      R"({"job_id":"abc","action":"pull","container_name":"web","project":"p","service":"s",)"
      R"("state":"rolled_back","step":"rolling back","error":"exited with code 3",)"
      R"("created_at":1700000000000,"log":["one","two"]})");
  ASSERT_TRUE(job.ok()) << job.error();
  EXPECT_EQ(job->id, "abc");
  EXPECT_EQ(job->state, "rolled_back");
  EXPECT_EQ(job->error, "exited with code 3");
  EXPECT_EQ(job->created_at, 1700000000000);
  EXPECT_EQ(job->log, (std::vector<std::string>{"one", "two"}));

  EXPECT_FALSE(ParseJob("not json").ok());
  EXPECT_FALSE(ParseJob(R"({"state":"running"})").ok());

  auto list = ParseJobList(R"({"jobs":[{"job_id":"a"},{"job_id":"b"}]})");
  ASSERT_TRUE(list.ok()) << list.error();
  EXPECT_EQ(list->size(), 2u);
  EXPECT_FALSE(ParseJobList(R"({"error":"x"})").ok());
}

TEST(CliOutput, ProgressLineShowsStepAndLastLogLineWithinWidth) {
  JobView job;
  job.state = "running";
  job.step = "pulling";
  job.log = {"old", "abc: Downloading\n1/2"};
  EXPECT_EQ(ProgressLine(job, 100), "[running] pulling | abc: Downloading 1/2");
  EXPECT_EQ(ProgressLine(job, 9), "[running]");
  job.log = {"\xc3\xa9\xc3\xa9\xc3\xa9"};  // three two-byte characters
  EXPECT_EQ(ProgressLine(job, 22), "[running] pulling | \xc3\xa9\xc3\xa9");
  JobView queued;
  queued.state = "queued";
  EXPECT_EQ(ProgressLine(queued, 80), "[queued]");
}

TEST(CliOutput, Age) {
  const std::int64_t now = 1700000000000;
  EXPECT_EQ(FormatAge(0, now), "-");
  EXPECT_EQ(FormatAge(now - 5000, now), "5s");
  EXPECT_EQ(FormatAge(now - 180000, now), "3m");
  EXPECT_EQ(FormatAge(now - 2 * 3600000, now), "2h");
  EXPECT_EQ(FormatAge(now - 4 * 86400000LL, now), "4d");
  EXPECT_EQ(FormatAge(now + 5000, now), "0s");  // clocks disagree a little
}

TEST(CliOutput, JobsTable) {
  const std::int64_t now = 1700000000000;
  JobView ok;
  ok.id = "aaaa";
  ok.state = "succeeded";
  ok.action = "pull";
  ok.container_name = "web-1";
  ok.created_at = now - 65000;
  JobView bad;
  bad.id = "bbbb";
  bad.state = "rolled_back";
  bad.action = "build";
  bad.project = "shop";
  bad.service = "api";
  bad.error = "container exited\nwith code 3";
  bad.created_at = now - 3000;
  EXPECT_EQ(FormatJobsTable({ok, bad}, now),
            "ID    STATE        ACTION  CONTAINER  AGE  ERROR\n"
            "aaaa  succeeded    pull    web-1      1m\n"
            "bbbb  rolled_back  build   shop/api   3s   container exited with code 3\n");
}

TEST(CliJobEvents, NdjsonLinesUpdateTheJob) {
  JobView job;
  job.token = "secret";
  EXPECT_TRUE(ApplyJobEvent(
      R"({"event":"job","job_id":"j1","state":"queued","step":"","log":["a"]})", job));
  EXPECT_EQ(job.id, "j1");
  EXPECT_EQ(job.token, "secret");  // the stream never carries it
  EXPECT_EQ(job.state, "queued");
  EXPECT_TRUE(ApplyJobEvent(R"({"event":"state","state":"running","step":"","started_at":1,"finished_at":0})", job));
  EXPECT_TRUE(ApplyJobEvent(R"({"event":"step","step":"pulling"})", job));
  EXPECT_TRUE(ApplyJobEvent(R"({"event":"log","line":"b"})", job));
  EXPECT_EQ(ProgressLine(job, 80), "[running] pulling | b");
  EXPECT_FALSE(ApplyJobEvent(R"({"event":"keep-alive"})", job));
  EXPECT_FALSE(ApplyJobEvent(R"({"error":"no such job"})", job));
  EXPECT_FALSE(ApplyJobEvent("not json", job));
  EXPECT_TRUE(ApplyJobEvent(
      R"({"event":"state","state":"rolled_back","step":"rolling back","error":"boom","started_at":1,"finished_at":2})",
      job));
  EXPECT_EQ(job.state, "rolled_back");
  EXPECT_EQ(job.error, "boom");
  EXPECT_EQ(job.log, (std::vector<std::string>{"a", "b"}));
}

}  // namespace
}  // namespace deliveryhook::app::cli
