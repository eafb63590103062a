#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "config.h"

namespace deliveryhook::app {
namespace {

namespace fs = std::filesystem;

class ConfigKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("deliveryhook-config-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& content) {
    const auto path = (dir_ / name).string();
    std::ofstream(path) << content;
    return path;
  }

  static std::string ErrorOf(const std::map<std::string, std::string>& env) {
    auto config = ConfigFromEnvironment(env, false);
    return config ? "<ok>" : config.error().message();
  }

  fs::path dir_;
};

TEST_F(ConfigKeysTest, SecretKeyStaysTheDefaultKey) {
  auto config = ConfigFromEnvironment({{"SECRET_KEY", "s3cret"}}, false);
  ASSERT_TRUE(config);
  ASSERT_EQ(config->keys.size(), 1u);
  EXPECT_EQ(config->keys[0].id, "default");
  EXPECT_EQ(config->keys[0].secret, "s3cret");
  EXPECT_TRUE(config->keys[0].Unrestricted());
  EXPECT_FALSE(config->require_opt_in);
  EXPECT_EQ(config->auth_fail_limit, 20u);
  EXPECT_EQ(config->auth_fail_window_seconds, 60);
}

TEST_F(ConfigKeysTest, SecretKeyFileIsADockerSecret) {
  auto config = ConfigFromEnvironment({{"SECRET_KEY_FILE", Write("secret", "from-file\n")}}, false);
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->secret, "from-file");
  EXPECT_EQ(config->keys.at(0).id, "default");
  EXPECT_EQ(ErrorOf({{"SECRET_KEY", "a"}, {"SECRET_KEY_FILE", Write("secret", "b")}}),
            "SECRET_KEY and SECRET_KEY_FILE are both set: set only one");
  const std::string missing = (dir_ / "missing").string();
  EXPECT_EQ(ErrorOf({{"SECRET_KEY_FILE", missing}}),
            "SECRET_KEY_FILE: cannot read secret file " + missing);
}

TEST_F(ConfigKeysTest, KeysFileAddsKeysAfterTheDefault) {
  Write("ops.secret", "ops-secret\n");
  const std::string keys = Write("keys", "ci-shop shop-secret projects=shop\nops file:ops.secret allow_self\n");
  auto config = ConfigFromEnvironment({{"SECRET_KEY", "s"}, {"KEYS_FILE", keys}}, false);
  ASSERT_TRUE(config) << config.error().message();
  ASSERT_EQ(config->keys.size(), 3u);
  EXPECT_EQ(config->keys[1].id, "ci-shop");
  EXPECT_EQ(config->keys[2].secret, "ops-secret");  // relative to the keys file
  EXPECT_TRUE(config->keys[2].allow_self);

  auto only_file = ConfigFromEnvironment({{"KEYS_FILE", keys}}, false);
  ASSERT_TRUE(only_file);
  EXPECT_EQ(only_file->keys.size(), 2u);

  EXPECT_EQ(ErrorOf({{"KEYS_FILE", Write("bad", "a s1\nb\n")}}),
            "KEYS_FILE " + (dir_ / "bad").string() +
                ": line 2: expected \"<id> <secret> [projects=...] [services=...] [allow_self] [read]\"");
  EXPECT_EQ(ErrorOf({{"SECRET_KEY", "s"}, {"KEYS_FILE", Write("dup", "default x\n")}}),
            "KEYS_FILE " + (dir_ / "dup").string() +
                ": the key id \"default\" is SECRET_KEY's; name it otherwise");
}

TEST_F(ConfigKeysTest, OptInAndFailureLimit) {
  auto config = ConfigFromEnvironment({{"SECRET_KEY", "s"},
                                       {"REQUIRE_OPT_IN", "true"},
                                       {"AUTH_FAIL_LIMIT", "0"},
                                       {"AUTH_FAIL_WINDOW_SECONDS", "600"}},
                                      false);
  ASSERT_TRUE(config);
  EXPECT_TRUE(config->require_opt_in);
  EXPECT_EQ(config->auth_fail_limit, 0u);
  EXPECT_EQ(config->auth_fail_window_seconds, 600);
  EXPECT_EQ(ErrorOf({{"SECRET_KEY", "s"}, {"REQUIRE_OPT_IN", "maybe"}}),
            "REQUIRE_OPT_IN must be true or false, not \"maybe\"");
  // The same words as every yes/no setting (METRICS too), in any case.
  for (const auto& [text, expected] : std::vector<std::pair<std::string, bool>>{
           {"On", true}, {"YES", true}, {"1", true}, {"off", false}, {"No", false}, {"FALSE", false}, {"", false}}) {
    auto parsed = ConfigFromEnvironment({{"SECRET_KEY", "s"}, {"REQUIRE_OPT_IN", text}}, false);
    ASSERT_TRUE(parsed) << text;
    EXPECT_EQ(parsed->require_opt_in, expected) << text;
  }
  EXPECT_EQ(ErrorOf({{"SECRET_KEY", "s"}, {"AUTH_FAIL_WINDOW_SECONDS", "0"}}),
            "AUTH_FAIL_WINDOW_SECONDS must be a whole number from 1 to 86400, not \"0\"");
  EXPECT_TRUE(IsHookSetting("KEYS_FILE"));
  EXPECT_TRUE(IsHookSetting("SECRET_KEY_FILE"));
}

TEST_F(ConfigKeysTest, NoKeyAtAll) {
  EXPECT_EQ(ErrorOf({}),
            "SECRET_KEY is not set: set it to the secret your pipeline signs with (or "
            "SECRET_KEY_FILE, or KEYS_FILE; or run `delivery-hook serve --dev` to try the hook "
            "with a generated one)");
  auto dev = ConfigFromEnvironment({}, true);
  ASSERT_TRUE(dev);
  EXPECT_TRUE(dev->secret_generated);
  ASSERT_EQ(dev->keys.size(), 1u);
  EXPECT_EQ(dev->keys[0].secret, dev->secret);
}

}  // namespace
}  // namespace deliveryhook::app
