#include "engine/http_error.h"

#include <gtest/gtest.h>

#include <sstream>

namespace deliveryhook::engine {
namespace {

std::string Printed(const Error& error) {
  std::ostringstream out;
  out << error;
  return out.str();
}

TEST(ErrorFromResponse, UsesTheEnginesMessageAndStatus) {
  const Error error = ErrorFromResponse(404, R"({"message":"No such container: web"})");
  EXPECT_EQ(error.code(), ErrorCode::kNotFound);
  EXPECT_EQ(error.http_status(), 404);
  EXPECT_EQ(Printed(error), "not found: No such container: web");
}

TEST(ErrorFromResponse, MapsStatusesToCodes) {
  EXPECT_EQ(ErrorFromResponse(400, "{}").code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(ErrorFromResponse(401, "{}").code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(ErrorFromResponse(403, "{}").code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(ErrorFromResponse(409, "{}").code(), ErrorCode::kConflict);
  EXPECT_EQ(ErrorFromResponse(422, "{}").code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(ErrorFromResponse(500, "{}").code(), ErrorCode::kInternal);
  EXPECT_EQ(ErrorFromResponse(501, "{}").code(), ErrorCode::kUnsupported);
  EXPECT_EQ(ErrorFromResponse(503, "{}").code(), ErrorCode::kUnavailable);
  EXPECT_EQ(ErrorFromResponse(302, "{}").code(), ErrorCode::kInternal);
}

TEST(ErrorFromResponse, FallsBackToTheBodyThenTheStatus) {
  EXPECT_EQ(ErrorFromResponse(500, "  plain text failure\nsecond line").message(), "plain text failure");
  EXPECT_EQ(ErrorFromResponse(500, "").message(), "the Docker engine answered HTTP 500");
  EXPECT_EQ(ErrorFromResponse(502, R"({"other":1})").message(), R"({"other":1})");
  EXPECT_EQ(ErrorFromResponse(409, R"({"message":""})").message(), R"({"message":""})");
}

TEST(ErrorCodeForStreamMessage, GuessesFromTheText) {
  EXPECT_EQ(ErrorCodeForStreamMessage("manifest for 127.0.0.1:5000/app:nope not found: manifest unknown"),
            ErrorCode::kNotFound);
  EXPECT_EQ(ErrorCodeForStreamMessage(
                "pull access denied for nope, repository does not exist or may require 'docker login'"),
            ErrorCode::kNotFound);
  EXPECT_EQ(ErrorCodeForStreamMessage("unauthorized: authentication required"), ErrorCode::kUnauthenticated);
  EXPECT_EQ(ErrorCodeForStreamMessage(
                "Get \"http://127.0.0.1:5000/v2/\": dial tcp 127.0.0.1:5000: connect: connection refused"),
            ErrorCode::kUnavailable);
  EXPECT_EQ(ErrorCodeForStreamMessage("The command '/bin/sh -c false' returned a non-zero code: 1"),
            ErrorCode::kInternal);
}

}  // namespace
}  // namespace deliveryhook::engine
