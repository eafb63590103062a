// The settings for HTTPS, stopping and the server's limits.
#include <gtest/gtest.h>

#include "config.h"

namespace deliveryhook::app {
namespace {


TEST(ConfigServerSettings, Defaults) {
  auto config = ConfigFromEnvironment({{"SECRET_KEY", "s"}}, false);
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->tls_cert_file, "");
  EXPECT_EQ(config->stop_grace_seconds, 8);
  EXPECT_EQ(config->read_timeout_seconds, 10);
  EXPECT_EQ(config->write_timeout_seconds, 10);
  EXPECT_EQ(config->header_timeout_seconds, 10);
  EXPECT_EQ(config->body_timeout_seconds, 10);
  EXPECT_EQ(config->max_header_count, 100u);
  EXPECT_EQ(config->max_header_bytes, 16384u);
  EXPECT_EQ(config->max_connections, 512u);
}

TEST(ConfigServerSettings, Read) {
  auto config = ConfigFromEnvironment(
      {{"SECRET_KEY", "s"}, {"TLS_CERT_FILE", "c.pem"}, {"TLS_KEY_FILE", "k.pem"},
       {"STOP_GRACE_SECONDS", "30"}, {"READ_TIMEOUT_SECONDS", "3"}, {"WRITE_TIMEOUT_SECONDS", "4"},
       {"HEADER_TIMEOUT_SECONDS", "5"}, {"BODY_TIMEOUT_SECONDS", "6"},
       {"MAX_HEADER_COUNT", "50"}, {"MAX_HEADER_BYTES", "4096"}, {"MAX_CONNECTIONS", "64"}},
      false);
  ASSERT_TRUE(config.ok()) << config.error().message();
  EXPECT_EQ(config->tls_cert_file, "c.pem");
  EXPECT_EQ(config->tls_key_file, "k.pem");
  EXPECT_EQ(config->stop_grace_seconds, 30);
  EXPECT_EQ(config->read_timeout_seconds, 3);
  EXPECT_EQ(config->write_timeout_seconds, 4);
  EXPECT_EQ(config->header_timeout_seconds, 5);
  EXPECT_EQ(config->body_timeout_seconds, 6);
  EXPECT_EQ(config->max_header_count, 50u);
  EXPECT_EQ(config->max_header_bytes, 4096u);
  EXPECT_EQ(config->max_connections, 64u);
  for (const char* name : {"TLS_CERT_FILE", "STOP_GRACE_SECONDS", "MAX_CONNECTIONS",
                           "HEADER_TIMEOUT_SECONDS", "BODY_TIMEOUT_SECONDS"}) {
    EXPECT_TRUE(IsHookSetting(name)) << name;  // kept from the compose interpolation
  }
}

TEST(ConfigServerSettings, TlsFilesGoTogether) {
  for (const char* alone : {"TLS_CERT_FILE", "TLS_KEY_FILE"}) {
    auto config = ConfigFromEnvironment({{"SECRET_KEY", "s"}, {alone, "x.pem"}}, false);
    ASSERT_FALSE(config.ok()) << alone;
    EXPECT_EQ(config.error().message(),
              "TLS_CERT_FILE and TLS_KEY_FILE go together: set both for HTTPS, or neither");
  }
}

TEST(ConfigServerSettings, OutOfRange) {
  auto config = ConfigFromEnvironment({{"SECRET_KEY", "s"}, {"READ_TIMEOUT_SECONDS", "0"}}, false);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().message(), "READ_TIMEOUT_SECONDS must be a whole number from 1 to 300, not \"0\"");
  config = ConfigFromEnvironment({{"SECRET_KEY", "s"}, {"HEADER_TIMEOUT_SECONDS", "301"}}, false);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().message(),
            "HEADER_TIMEOUT_SECONDS must be a whole number from 1 to 300, not \"301\"");
  config = ConfigFromEnvironment({{"SECRET_KEY", "s"}, {"BODY_TIMEOUT_SECONDS", "0"}}, false);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().message(),
            "BODY_TIMEOUT_SECONDS must be a whole number from 1 to 300, not \"0\"");
  config = ConfigFromEnvironment({{"SECRET_KEY", "s"}, {"STOP_GRACE_SECONDS", "-1"}}, false);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().message(), "STOP_GRACE_SECONDS must be a whole number from 0 to 3600, not \"-1\"");
}

}  // namespace
}  // namespace deliveryhook::app
