#include "engine/url.h"

#include <gtest/gtest.h>

namespace deliveryhook::engine {
namespace {

TEST(PercentEscape, KeepsUnreservedAndEscapesTheRest) {
  EXPECT_EQ(PercentEscape("abcXYZ019-._~"), "abcXYZ019-._~");
  EXPECT_EQ(PercentEscape("127.0.0.1:5000/app:v2"), "127.0.0.1%3A5000%2Fapp%3Av2");
  EXPECT_EQ(PercentEscape("a b&c=d?e#f%"), "a%20b%26c%3Dd%3Fe%23f%25");
  EXPECT_EQ(PercentEscape("\xC3\xA9"), "%C3%A9");
  EXPECT_EQ(PercentEscape(""), "");
}

TEST(Query, EncodesInOrderAndEscapesValues) {
  EXPECT_EQ(Query().Encode(), "");
  EXPECT_EQ(Query().Add("all", "1").Add("filters", R"({"label":["a=b c"]})").Encode(),
            "?all=1&filters=%7B%22label%22%3A%5B%22a%3Db%20c%22%5D%7D");
  EXPECT_EQ(Query().Add("t", "x:1").Add("t", "y:2").Encode(), "?t=x%3A1&t=y%3A2");
}

TEST(ResourcePath, EscapesTheIdSegment) {
  EXPECT_EQ(ResourcePath("containers", "web", "/json"), "/containers/web/json");
  EXPECT_EQ(ResourcePath("containers", "../../_ping"), "/containers/..%2F..%2F_ping");
  EXPECT_EQ(ResourcePath("images", "host:5000/app@sha256:ab", "/json"),
            "/images/host%3A5000%2Fapp%40sha256%3Aab/json");
}

TEST(ParseAuthority, HostsPortsAndIpv6Brackets) {
  auto plain = ParseAuthority("hook.internal");
  ASSERT_TRUE(plain) << plain.error().message();
  EXPECT_EQ(plain->host, "hook.internal");
  EXPECT_EQ(plain->port, 0);  // none given: the caller's default
  auto with_port = ParseAuthority("127.0.0.1:8000");
  ASSERT_TRUE(with_port);
  EXPECT_EQ(with_port->host, "127.0.0.1");
  EXPECT_EQ(with_port->port, 8000);
  auto v6 = ParseAuthority("[::1]:9000");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 9000);
  auto v6_bare = ParseAuthority("[fe80::1]");
  ASSERT_TRUE(v6_bare);
  EXPECT_EQ(v6_bare->host, "fe80::1");
  EXPECT_EQ(v6_bare->port, 0);
  EXPECT_EQ(ParseAuthority("h:65535")->port, 65535);
}

TEST(ParseAuthority, SaysWhatIsWrongWithoutEchoingTheInput) {
  auto message = [](std::string_view authority, const AuthorityRules& rules = {}) {
    auto parsed = ParseAuthority(authority, rules);
    EXPECT_FALSE(parsed) << authority;
    if (parsed) return std::string();
    EXPECT_EQ(parsed.error().code(), ErrorCode::kInvalidArgument);
    return parsed.error().message();
  };
  EXPECT_EQ(message(""), "missing host");
  EXPECT_EQ(message(":80"), "missing host");
  EXPECT_EQ(message("[]:80"), "missing host");
  EXPECT_EQ(message("h:"), "empty port");
  EXPECT_EQ(message("[::1]:"), "empty port");
  EXPECT_EQ(message("h:0"), "invalid port \"0\"");
  EXPECT_EQ(message("h:65536"), "invalid port \"65536\"");
  EXPECT_EQ(message("h:8x"), "invalid port \"8x\"");
  EXPECT_EQ(message("h:-1"), "invalid port \"-1\"");
  EXPECT_EQ(message("[::1"), "unterminated IPv6 address");
  EXPECT_EQ(message("[::1]80"), "malformed address");
  EXPECT_EQ(message("user:s3cr3t@h:80"), "credentials in the URL are not supported");
  EXPECT_EQ(message("user:s3cr3t@[::1]"), "credentials in the URL are not supported");
}

TEST(ParseAuthority, DockerHostRules) {
  const AuthorityRules docker_host{.empty_port_is_default = true, .refuse_userinfo = false};
  auto empty_port = ParseAuthority("h:", docker_host);
  ASSERT_TRUE(empty_port);
  EXPECT_EQ(empty_port->host, "h");
  EXPECT_EQ(empty_port->port, 0);
  auto v6 = ParseAuthority("[::1]:", docker_host);
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(ParseAuthority("user@h", docker_host)->host, "user@h");
}

TEST(RedactUserinfo, HidesTheUserAndPassword) {
  EXPECT_EQ(RedactUserinfo("http://user:pw@hook:8000/x"), "http://***@hook:8000/x");
  EXPECT_EQ(RedactUserinfo("https://user:p@ss@[::1]/p?q=a@b"), "https://***@[::1]/p?q=a@b");
  EXPECT_EQ(RedactUserinfo("http://hook:8000/a@b"), "http://hook:8000/a@b");
  EXPECT_EQ(RedactUserinfo("no scheme@host"), "no scheme@host");
}

}  // namespace
}  // namespace deliveryhook::engine
