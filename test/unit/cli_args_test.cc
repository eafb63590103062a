// Argument parsing of the delivery-hook command line (CLI11 wiring in app/cli.cc).
#include <gtest/gtest.h>

#include "cli.h"

namespace deliveryhook::app::cli {
namespace {

CommandLine Parse(std::vector<std::string> args) { return ParseCommandLine(args); }

TEST(CliArgs, TriggerByContainerHasDefaults) {
  const CommandLine cl = Parse({"trigger", "--url", "http://hook:8000", "--container", "web-1"});
  ASSERT_FALSE(cl.finished) << cl.err;
  EXPECT_EQ(cl.command, Command::kTrigger);
  EXPECT_EQ(cl.trigger.url, "http://hook:8000");
  EXPECT_EQ(cl.trigger.container, "web-1");
  EXPECT_FALSE(cl.trigger.build);
  EXPECT_FALSE(cl.trigger.wait);
  EXPECT_EQ(cl.trigger.timeout_seconds, 600);
}

TEST(CliArgs, TriggerByProjectAndServiceWithEveryFlag) {
  const CommandLine cl = Parse({"trigger", "--url=http://hook", "--project", "shop", "--service",
                                "web", "--build", "--wait", "--timeout", "30"});
  ASSERT_FALSE(cl.finished) << cl.err;
  EXPECT_EQ(cl.trigger.project, "shop");
  EXPECT_EQ(cl.trigger.service, "web");
  EXPECT_TRUE(cl.trigger.container.empty());
  EXPECT_TRUE(cl.trigger.build);
  EXPECT_TRUE(cl.trigger.wait);
  EXPECT_EQ(cl.trigger.timeout_seconds, 30);
}

TEST(CliArgs, TriggerTakesAPin) {
  const CommandLine cl = Parse({"trigger", "--url=http://hook", "--container", "web", "--image",
                                "registry/app:v2", "--digest", "sha256:abc"});
  ASSERT_FALSE(cl.finished) << cl.err;
  EXPECT_EQ(cl.trigger.image, "registry/app:v2");
  EXPECT_EQ(cl.trigger.digest, "sha256:abc");
}

TEST(CliArgs, RollbackTakesATargetAndTo) {
  const CommandLine cl = Parse({"rollback", "--url=http://hook", "--container", "web", "--to",
                                "sha256:abc", "--wait", "--timeout", "30"});
  ASSERT_FALSE(cl.finished) << cl.err;
  EXPECT_EQ(cl.command, Command::kRollback);
  EXPECT_TRUE(cl.rollback.rollback);
  EXPECT_EQ(cl.rollback.container, "web");
  EXPECT_EQ(cl.rollback.to, "sha256:abc");
  EXPECT_TRUE(cl.rollback.wait);
  EXPECT_EQ(cl.rollback.timeout_seconds, 30);
  const CommandLine by_service =
      Parse({"rollback", "--url=http://hook", "--project", "shop", "--service", "web"});
  ASSERT_FALSE(by_service.finished) << by_service.err;
  EXPECT_EQ(by_service.rollback.project, "shop");
  EXPECT_TRUE(by_service.rollback.to.empty());
}

struct UsageErrorCase {
  const char* name;
  std::vector<std::string> args;
};

class CliUsageError : public ::testing::TestWithParam<UsageErrorCase> {};

TEST_P(CliUsageError, ExitsTwoWithAMessage) {
  const CommandLine cl = Parse(GetParam().args);
  EXPECT_TRUE(cl.finished);
  EXPECT_EQ(cl.exit_code, kExitError);
  EXPECT_FALSE(cl.err.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CliUsageError,
    ::testing::Values(
        UsageErrorCase{"no_arguments", {}},
        UsageErrorCase{"unknown_command", {"deploy"}},
        UsageErrorCase{"trigger_without_url", {"trigger", "--container", "web"}},
        UsageErrorCase{"trigger_without_target", {"trigger", "--url", "http://h"}},
        UsageErrorCase{"trigger_container_and_project",
                       {"trigger", "--url", "http://h", "--container", "a", "--project", "p",
                        "--service", "s"}},
        UsageErrorCase{"trigger_project_without_service",
                       {"trigger", "--url", "http://h", "--project", "p"}},
        UsageErrorCase{"trigger_service_without_project",
                       {"trigger", "--url", "http://h", "--service", "s"}},
        UsageErrorCase{"trigger_timeout_zero",
                       {"trigger", "--url", "http://h", "--container", "a", "--timeout", "0"}},
        UsageErrorCase{"trigger_timeout_not_a_number",
                       {"trigger", "--url", "http://h", "--container", "a", "--timeout", "ten"}},
        UsageErrorCase{"trigger_unknown_flag",
                       {"trigger", "--url", "http://h", "--container", "a", "--force"}},
        UsageErrorCase{"trigger_build_with_image",
                       {"trigger", "--url", "http://h", "--container", "a", "--build", "--image",
                        "r/app:v2"}},
        UsageErrorCase{"rollback_without_target", {"rollback", "--url", "http://h"}},
        UsageErrorCase{"rollback_container_and_project",
                       {"rollback", "--url", "http://h", "--container", "a", "--project", "p",
                        "--service", "s"}},
        UsageErrorCase{"rollback_with_image",
                       {"rollback", "--url", "http://h", "--container", "a", "--image",
                        "r/app:v2"}},
        UsageErrorCase{"serve_unknown_flag", {"serve", "--prod"}},
        UsageErrorCase{"sign_two_bodies", {"sign", "a", "b"}},
        UsageErrorCase{"jobs_without_url", {"jobs"}}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(CliArgs, VersionPrintsTheVersion) {
  const CommandLine cl = Parse({"--version"});
  EXPECT_TRUE(cl.finished);
  EXPECT_EQ(cl.exit_code, kExitOk);
  EXPECT_EQ(cl.out, "delivery-hook 0.1.0\n");
}

TEST(CliArgs, HelpListsTheCommands) {
  const CommandLine cl = Parse({"--help"});
  EXPECT_TRUE(cl.finished);
  EXPECT_EQ(cl.exit_code, kExitOk);
  for (const char* command : {"serve", "trigger", "sign", "jobs"}) {
    EXPECT_NE(cl.out.find(command), std::string::npos) << command;
  }
}

TEST(CliArgs, HelpPerCommand) {
  const CommandLine trigger = Parse({"trigger", "--help"});
  EXPECT_TRUE(trigger.finished);
  EXPECT_EQ(trigger.exit_code, kExitOk);
  EXPECT_NE(trigger.out.find("--timeout"), std::string::npos) << trigger.out;
  EXPECT_EQ(trigger.out.find("--json"), std::string::npos) << trigger.out;

  const CommandLine jobs = Parse({"jobs", "--help"});
  EXPECT_EQ(jobs.exit_code, kExitOk);
  EXPECT_NE(jobs.out.find("--json"), std::string::npos) << jobs.out;
}

TEST(CliArgs, Serve) {
  const CommandLine plain = Parse({"serve"});
  ASSERT_FALSE(plain.finished) << plain.err;
  EXPECT_EQ(plain.command, Command::kServe);
  EXPECT_FALSE(plain.serve.dev);
  const CommandLine dev = Parse({"serve", "--dev"});
  ASSERT_FALSE(dev.finished) << dev.err;
  EXPECT_TRUE(dev.serve.dev);
}

TEST(CliArgs, SignTakesTheBodyOrStdin) {
  const CommandLine with_body = Parse({"sign", R"({"container_name": "web"})"});
  ASSERT_FALSE(with_body.finished) << with_body.err;
  EXPECT_EQ(with_body.command, Command::kSign);
  EXPECT_TRUE(with_body.sign.body_given);
  EXPECT_EQ(with_body.sign.body, R"({"container_name": "web"})");

  const CommandLine empty_body = Parse({"sign", ""});
  ASSERT_FALSE(empty_body.finished) << empty_body.err;
  EXPECT_TRUE(empty_body.sign.body_given);

  const CommandLine from_stdin = Parse({"sign"});
  ASSERT_FALSE(from_stdin.finished) << from_stdin.err;
  EXPECT_FALSE(from_stdin.sign.body_given);
}

TEST(CliArgs, Jobs) {
  const CommandLine cl = Parse({"jobs", "--url", "http://hook:8000", "--json"});
  ASSERT_FALSE(cl.finished) << cl.err;
  EXPECT_EQ(cl.command, Command::kJobs);
  EXPECT_EQ(cl.jobs.url, "http://hook:8000");
  EXPECT_TRUE(cl.jobs.json);
}

}  // namespace
}  // namespace deliveryhook::app::cli
