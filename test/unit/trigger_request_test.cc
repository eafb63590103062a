// Reading a trigger's body and ?wait, alone (the handler tests cover them in
// context).
#include "trigger_request.h"

#include <gtest/gtest.h>

#include <string>

namespace deliveryhook::app {
namespace {

TEST(TriggerRequestTest, WaitIsWholeSecondsUpToTheMaximum) {
  EXPECT_EQ(ParseWait("0", 900), 0);
  EXPECT_EQ(ParseWait("900", 900), 900);
  EXPECT_FALSE(ParseWait("901", 900));
  for (const char* bad : {"", "-1", "1.5", " 1", "1s", "0000001", "99999999999"}) {
    EXPECT_FALSE(ParseWait(bad, 900)) << bad;
  }
}

TEST(TriggerRequestTest, NamesFollowDockersRule) {
  EXPECT_TRUE(IsValidName("web"));
  EXPECT_TRUE(IsValidName("shop_web-1.a"));
  EXPECT_TRUE(IsValidName(std::string(255, 'a')));
  EXPECT_FALSE(IsValidName(std::string(256, 'a')));
  for (const char* bad : {"", "-web", "_web", ".web", "web/1", "web 1", "wéb"}) {
    EXPECT_FALSE(IsValidName(bad)) << bad;
  }
}

TEST(TriggerRequestTest, ASelectorNamesAContainerOrAProjectAndService) {
  auto by_name = ParseSelector(R"({"container_name":"web-1"})");
  ASSERT_TRUE(by_name);
  EXPECT_EQ(by_name->container_name, "web-1");
  auto by_service = ParseSelector(R"({"project":"shop","service":"web","digest":"sha256:)" +
                                  std::string(64, 'a') + R"("})");
  ASSERT_TRUE(by_service) << by_service.error().message();
  EXPECT_EQ(by_service->project, "shop");
  EXPECT_EQ(by_service->service, "web");
  EXPECT_EQ(by_service->digest, "sha256:" + std::string(64, 'a'));
}

TEST(TriggerRequestTest, EachRefusalSaysWhatIsWrong) {
  const std::pair<std::string, std::string> cases[] = {
      {"{", "body is not valid JSON: Missing a name for object member."},
      {"[]", "body must be a JSON object"},
      {R"({"container_name":"a","container_name":"b"})", "body has a key more than once"},
      {R"({"container_name":"a b"})", "\"container_name\" must be a container, project or service name"},
      {R"({"container_name":7})", "\"container_name\" must be a container, project or service name"},
      {R"({"project":"shop"})",
       "body must name either \"container_name\" or both \"project\" and \"service\""},
      {R"({"container_name":"a","project":"p","service":"s"})",
       "body must name either \"container_name\" or both \"project\" and \"service\""},
      {R"({"container_name":"a","image":""})", "\"image\" must be a non-empty string"},
      {R"({"container_name":"a","digest":"md5:1"})",
       "\"digest\" must be \"sha256:\" followed by 64 lowercase hex digits"},
  };
  for (const auto& [body, message] : cases) {
    auto selector = ParseSelector(body);
    ASSERT_FALSE(selector) << body;
    EXPECT_EQ(selector.error().code(), ErrorCode::kInvalidArgument) << body;
    EXPECT_EQ(selector.error().message(), message) << body;
  }
}

}  // namespace
}  // namespace deliveryhook::app
