// UnsupportedKeys(): every reason a service is refused, in file order, and
// `delivery-hook check`, which prints them per service.
#include <gtest/gtest.h>

#include <sstream>

#include "check_command.h"
#include "cli.h"
#include "unit/compose_test_support.h"

namespace deliveryhook::compose {
namespace {

using namespace ::deliveryhook::compose::testing;

constexpr char kCompose[] =
    "services:\n"
    "  web:\n"
    "    image: nginx\n"
    "    tty: true\n"
    "    develop: {watch: [{path: ., action: rebuild}]}\n"
    "    networks: [front]\n"
    "    volumes: [data:/data]\n"
    "    post_start: [{command: [\"true\"]}]\n"
    "    scale: 2\n"
    "  db:\n"
    "    image: postgres\n"
    "    shm_size: 128m\n"
    "    deploy:\n"
    "      resources:\n"
    "        limits: {cpus: \"0.5\", memory: 64M}\n"
    "networks:\n"
    "  front:\n"
    "    internal: true\n"
    "volumes:\n"
    "  data:\n"
    "    size: 1g\n";

class UnsupportedKeysTest : public ::testing::Test {
 protected:
  void SetUp() override { WriteText(temp_.path() / "compose.yaml", kCompose); }

  Project Load() {
    LoadOptions options;
    options.config_files = {(temp_.path() / "compose.yaml").string()};
    options.environment = {{"HOME", "/home/tester"}};
    Result<Project> project = LoadProject(options);
    EXPECT_TRUE(project.ok()) << project.error();
    return project.ok() ? *project : Project{};
  }

  TempDir temp_;
};

TEST_F(UnsupportedKeysTest, ListsEveryKeyInFileOrder) {
  Project project = Load();
  std::vector<Error> problems = UnsupportedKeys(project, *project.FindService("web"));
  std::vector<std::string> messages;
  for (const Error& problem : problems) messages.push_back(problem.message());
  EXPECT_EQ(messages, (std::vector<std::string>{
                          "compose.yaml:5: service \"web\": key \"develop\" is not supported by delivery-hook yet",
                          "compose.yaml:8: service \"web\": key \"post_start\" is not supported by delivery-hook yet",
                          "compose.yaml:9: service \"web\": key \"scale\" asks for more than one replica; "
                          "delivery-hook recreates one container per service",
                          "compose.yaml:21: volume \"data\": key \"size\" is not supported by delivery-hook yet",
                      }));
  // The first-error API names the first of them.
  Status first = CheckSupported(project, *project.FindService("web"));
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().message(), messages.front());
  EXPECT_TRUE(UnsupportedKeys(project, *project.FindService("db")).empty());
}

TEST_F(UnsupportedKeysTest, SecretsAndConfigs) {
  WriteText(temp_.path() / "compose.yaml",
            "services:\n"
            "  web:\n"
            "    image: nginx\n"
            "    secrets: [file, env, ext]\n"
            "    configs: [conf, inline]\n"
            "secrets:\n"
            "  file:\n"
            "    file: ./token.txt\n"
            "  env:\n"
            "    environment: TOKEN\n"
            "  ext:\n"
            "    external: true\n"
            "configs:\n"
            "  conf:\n"
            "    file: ./app.conf\n"
            "  inline:\n"
            "    content: hello\n");
  Project project = Load();
  EXPECT_EQ(project.secrets.at("file").file, (temp_.path() / "token.txt").string());
  EXPECT_EQ(project.secrets.at("file").name, project.name + "_file");
  EXPECT_EQ(project.secrets.at("ext").name, "ext");
  std::vector<std::string> messages;
  for (const Error& problem : UnsupportedKeys(project, *project.FindService("web"))) messages.push_back(problem.message());
  // environment and content sources are copied in; external ones compose refuses.
  EXPECT_EQ(messages, (std::vector<std::string>{
                          "compose.yaml:12: secret \"ext\": key \"external\" is not supported by delivery-hook yet",
                      }));
  EXPECT_EQ(project.secrets.at("env").environment, "TOKEN");
  EXPECT_EQ(project.configs.at("inline").content, "hello");
}

TEST_F(UnsupportedKeysTest, CheckCommandPrintsEachService) {
  std::ostringstream out, err;
  deliveryhook::app::cli::CheckOptions options;
  options.compose_version = "2.40.3";
  int code = deliveryhook::app::cli::RunCheck(options, {{"HOME", "/home/tester"}}, temp_.path().string(), out, err);
  EXPECT_EQ(code, 1);
  EXPECT_EQ(err.str(), "");
  Project project = Load();
  const std::string hash = ServiceConfigHash(*project.FindService("db"), ComposeVersion{2, 40, 3});
  EXPECT_EQ(out.str(),
            "db: ok, config hash " + hash + "\n"
            "web: refused\n"
            "  compose.yaml:5: service \"web\": key \"develop\" is not supported by delivery-hook yet\n"
            "  compose.yaml:8: service \"web\": key \"post_start\" is not supported by delivery-hook yet\n"
            "  compose.yaml:9: service \"web\": key \"scale\" asks for more than one replica; "
            "delivery-hook recreates one container per service\n"
            "  compose.yaml:21: volume \"data\": key \"size\" is not supported by delivery-hook yet\n");
}

TEST_F(UnsupportedKeysTest, CheckCommandLine) {
  auto line = deliveryhook::app::cli::ParseCommandLine({"check", "-f", "a.yaml", "-f", "b.yaml", "--compose-version", "2.26.1"});
  EXPECT_EQ(line.command, deliveryhook::app::cli::Command::kCheck);
  EXPECT_EQ(line.check.files, (std::vector<std::string>{"a.yaml", "b.yaml"}));
  EXPECT_EQ(line.check.compose_version, "2.26.1");
  std::ostringstream out, err;
  deliveryhook::app::cli::CheckOptions bad;
  bad.compose_version = "two";
  EXPECT_EQ(deliveryhook::app::cli::RunCheck(bad, {}, temp_.path().string(), out, err), 2);
  EXPECT_EQ(err.str(), "delivery-hook check: invalid --compose-version \"two\"\n");
}

}  // namespace
}  // namespace deliveryhook::compose
