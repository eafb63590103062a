#include "engine/json_stream.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace deliveryhook::engine {
namespace {

TEST(ParseStreamLine, ReadsProgress) {
  auto message = ParseStreamLine(
      R"({"status":"Downloading","progressDetail":{"current":1024,"total":4096},"progress":"[=>  ]","id":"a1b2c3"})");
  ASSERT_TRUE(message) << message.error();
  EXPECT_EQ(message->status, "Downloading");
  EXPECT_EQ(message->id, "a1b2c3");
  EXPECT_EQ(message->current, 1024);
  EXPECT_EQ(message->total, 4096);
  EXPECT_EQ(message->error, "");
}

TEST(ParseStreamLine, ReadsBuildOutputAndAux) {
  auto step = ParseStreamLine(R"({"stream":"Step 1/3 : FROM base\n"})");
  ASSERT_TRUE(step);
  EXPECT_EQ(step->stream, "Step 1/3 : FROM base\n");
  auto aux = ParseStreamLine(R"({"aux":{"ID":"sha256:0123abcd"}})");
  ASSERT_TRUE(aux);
  EXPECT_EQ(aux->aux_id, "sha256:0123abcd");
}

TEST(ParseStreamLine, PrefersErrorDetailThenError) {
  auto both = ParseStreamLine(R"({"errorDetail":{"code":1,"message":"detail text"},"error":"old text"})");
  ASSERT_TRUE(both);
  EXPECT_EQ(both->error, "detail text");
  auto only_error = ParseStreamLine(R"({"error":"old text"})");
  ASSERT_TRUE(only_error);
  EXPECT_EQ(only_error->error, "old text");
  auto empty = ParseStreamLine(R"({"errorDetail":{}})");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->error, "the Docker engine reported an error without a message");
}

TEST(ParseStreamLine, RejectsNonObjects) {
  auto bad = ParseStreamLine("not json");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), ErrorCode::kInternal);
  EXPECT_EQ(bad.error().message(), "malformed line in the Docker engine's stream: not json");
  EXPECT_FALSE(ParseStreamLine("[1,2]"));
}

TEST(JsonStreamParser, ReassemblesLinesSplitAcrossChunks) {
  std::vector<std::string> statuses;
  JsonStreamParser parser([&](const StreamMessage& m) { statuses.push_back(m.status); });
  const std::string body =
      "{\"status\":\"Pulling from app\",\"id\":\"v2\"}\r\n"
      "{\"status\":\"Digest: sha256:abc\"}\r\n\r\n"
      "{\"status\":\"Status: Downloaded newer image for 127.0.0.1:5000/app:v2\"}";
  // Feed it one byte at a time: every split point is exercised.
  for (const char c : body) parser.Feed(std::string_view(&c, 1));
  EXPECT_TRUE(parser.Finish());
  EXPECT_EQ(statuses, (std::vector<std::string>{"Pulling from app", "Digest: sha256:abc",
                                                "Status: Downloaded newer image for 127.0.0.1:5000/app:v2"}));
}

TEST(JsonStreamParser, AnErrorLineFailsTheStream) {
  JsonStreamParser parser;
  parser.Feed("{\"status\":\"Pulling from library/app\",\"id\":\"v9\"}\n{\"errorDetail\":{\"message\":\"manifest for ");
  parser.Feed("app:v9 not found: manifest unknown: manifest unknown\"},\"error\":\"manifest for app:v9 not found\"}\n");
  parser.Feed("{\"status\":\"a later line does not undo it\"}\n");
  const Status status = parser.Finish();
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(status.error().message(), "manifest for app:v9 not found: manifest unknown: manifest unknown");
}

TEST(JsonStreamParser, TheFirstErrorWins) {
  JsonStreamParser parser;
  parser.Feed("{\"error\":\"first\"}\n{\"error\":\"second\"}\n");
  const Status status = parser.Finish();
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code(), ErrorCode::kInternal);
  EXPECT_EQ(status.error().message(), "first");
}

TEST(JsonStreamParser, AMalformedLineFailsTheStream) {
  JsonStreamParser parser;
  parser.Feed("{\"status\":\"ok\"}\n{truncated");
  const Status status = parser.Finish();
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().message(), "malformed line in the Docker engine's stream: {truncated");
}

}  // namespace
}  // namespace deliveryhook::engine
