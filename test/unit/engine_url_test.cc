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

}  // namespace
}  // namespace deliveryhook::engine
