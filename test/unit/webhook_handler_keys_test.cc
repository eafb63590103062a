// The handler with several keys: scopes, opt-in, self-protection, Standard
// Webhooks, the failed-authentication limit and the audit line.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <thread>

#include "deliveryhook/webhook/keys.h"
#include "request_log.h"
#include "signed_request.h"
#include "handler_harness.h"
#include "webhook_handler.h"

namespace deliveryhook::app {
namespace {

using deliveryhook::Error;
using deliveryhook::ErrorCode;
using deliveryhook::Result;
using deliveryhook::deploy::Action;
using deliveryhook::deploy::DeployOutcome;
using deliveryhook::deploy::Target;
using deliveryhook::deploy::TargetSelector;
using deliveryhook::webhook::Key;

constexpr std::int64_t kNow = 1800000000;
const std::string kHookId(64, 'e');

Key MakeKey(std::string id, std::string secret) {
  Key key = deliveryhook::webhook::DefaultKey(std::move(secret));
  key.id = std::move(id);
  return key;
}

// Containers "shop-web" (project shop, opted in), "blog-web" (project blog)
// and "hook" (the hook's own container).
DeployBackend Backend(std::vector<std::string>* deployed) {
  DeployBackend backend;
  backend.resolve = [](const TargetSelector& selector) -> Result<Target> {
    Target target;
    target.container_name = selector.container_name;
    if (selector.container_name == "shop-web") {
      target.project = "shop";
      target.service = "web";
      target.container_id = std::string(64, 'a');
      target.labels = {{"org.deliveryhook.enable", "true"}};
    } else if (selector.container_name == "blog-web") {
      target.project = "blog";
      target.service = "web";
      target.container_id = std::string(64, 'b');
    } else if (selector.container_name == "hook") {
      target.project = "ops";
      target.service = "hook";
      target.container_id = kHookId;
    } else {
      return Error(ErrorCode::kNotFound, "no container named \"" + selector.container_name + "\"");
    }
    return target;
  };
  backend.deploy = [deployed](const Target& target, Action,
                              const deliveryhook::deploy::ProgressSink&) -> Result<DeployOutcome> {
    deployed->push_back(target.container_name);
    return DeployOutcome{"new", "sha256:new"};
  };
  return backend;
}

class KeysHandlerTest : public ::testing::Test {
 protected:
  std::unique_ptr<HandlerHarness> Make(bool require_opt_in = false, std::size_t fail_limit = 0) {
    Key shop = MakeKey("ci-shop", "shop-secret");
    shop.projects = {"shop"};
    Key ops = MakeKey("ops", "ops-secret");
    ops.allow_self = true;
    auto verifier = std::make_shared<deliveryhook::webhook::SignatureVerifier>(
        std::vector<Key>{deliveryhook::webhook::DefaultKey("default-secret"), shop, ops,
                         MakeKey("swh", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")},
        deliveryhook::webhook::VerifierOptions{}, [] { return kNow; });
    HandlerOptions options;
    options.access.require_opt_in = require_opt_in;
    options.access.self.container_ids = {kHookId};
    options.auth_failures = {fail_limit, std::chrono::seconds(60), 16};
    options.clock = [this] { return now_; };
    return std::make_unique<HandlerHarness>(verifier, Backend(&deployed_), options);
  }

  static IncomingRequest Signed(const std::string& secret, const std::string& container,
                                const std::string& client = "10.0.0.1") {
    return test_support::SignedPost("/pull", R"({"container_name": ")" + container + R"("})",
                                    secret, kNow, client);
  }

  static IncomingRequest SignedRead(const std::string& secret, const std::string& path) {
    return test_support::SignedGet(path, secret, kNow, "10.0.0.1");
  }

  static std::string Field(const Reply& reply, const char* name) {
    rapidjson::Document json;
    json.Parse(reply.body.c_str());
    return json.IsObject() && json.HasMember(name) && json[name].IsString() ? json[name].GetString()
                                                                              : "<none>";
  }

  std::vector<std::string> deployed_;
  std::int64_t now_ = kNow;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

Headers WithoutRequestId(Headers headers) {
  std::erase_if(headers, [](const auto& header) { return header.first == "X-Request-Id"; });
  return headers;
}

TEST_F(KeysHandlerTest, AKeyOutsideItsScopeGetsTheUnknownTargetAnswer) {
  auto handler = Make();
  Reply unknown = handler->Handle(Signed("shop-secret", "no-such"));
  Reply denied = handler->Handle(Signed("shop-secret", "blog-web"));
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(denied.status, 404);
  EXPECT_EQ(Field(denied, "error"), "no container named \"blog-web\"");
  EXPECT_EQ(Field(unknown, "error"), "no container named \"no-such\"");
  // Every header alike but the request id, which is each request's own.
  EXPECT_EQ(WithoutRequestId(denied.headers), WithoutRequestId(unknown.headers));
  EXPECT_EQ(handler->Handle(Signed("shop-secret", "shop-web")).status, 202);
  EXPECT_EQ(handler->Handle(Signed("default-secret", "blog-web")).status, 202);
}

TEST_F(KeysHandlerTest, RequireOptInRefusesContainersWithoutTheLabel) {
  auto handler = Make(true);
  Reply refused = handler->Handle(Signed("default-secret", "blog-web"));
  EXPECT_EQ(refused.status, 404);
  EXPECT_EQ(Field(refused, "error"), "no container named \"blog-web\"");
  EXPECT_EQ(handler->Handle(Signed("default-secret", "shop-web")).status, 202);
}

TEST_F(KeysHandlerTest, TheHooksOwnContainerNeedsAllowSelf) {
  auto handler = Make();
  Reply refused = handler->Handle(Signed("default-secret", "hook"));
  EXPECT_EQ(refused.status, 404);
  EXPECT_EQ(Field(refused, "error"), "no container named \"hook\"");
  EXPECT_EQ(handler->Handle(Signed("ops-secret", "hook")).status, 202);
}

TEST_F(KeysHandlerTest, StandardWebhooksBesideTheOriginalScheme) {
  auto handler = Make();
  IncomingRequest request;
  request.method = "POST";
  request.path = "/pull";
  request.body = R"({"container_name": "shop-web"})";
  request.headers["webhook-id"] = "msg_1";
  request.headers["webhook-timestamp"] = std::to_string(kNow);
  const std::string key = MakeKey("swh", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").StandardWebhooksKey();
  request.headers["webhook-signature"] =
      "v1,AAAA " + deliveryhook::webhook::StandardWebhooksSignature(key, "msg_1", std::to_string(kNow),
                                                                    request.body);
  EXPECT_EQ(handler->Handle(request).status, 202);
  Reply replay = handler->Handle(request);
  EXPECT_EQ(replay.status, 409);
  EXPECT_EQ(Field(replay, "error"), "this webhook-id was already accepted once (replay); send a new one");

  IncomingRequest both = Signed("default-secret", "shop-web");
  both.headers["webhook-id"] = "msg_2";
  Reply ambiguous = handler->Handle(both);
  EXPECT_EQ(ambiguous.status, 400);
  EXPECT_EQ(Field(ambiguous, "error"),
            "the request has both X-Signature/X-Timestamp and webhook-* headers; sign it one way only");
}

TEST_F(KeysHandlerTest, ScopedKeysReadOnlyTheirJobs) {
  auto handler = Make();
  Reply shop = handler->Handle(Signed("default-secret", "shop-web"));
  Reply blog = handler->Handle(Signed("default-secret", "blog-web"));
  ASSERT_EQ(shop.status, 202);
  ASSERT_EQ(blog.status, 202);
  const std::string shop_job = Field(shop, "job_id");
  const std::string blog_job = Field(blog, "job_id");

  Reply all = handler->Handle(SignedRead("default-secret", "/jobs"));
  EXPECT_NE(all.body.find(shop_job), std::string::npos);
  EXPECT_NE(all.body.find(blog_job), std::string::npos);
  Reply scoped = handler->Handle(SignedRead("shop-secret", "/jobs"));
  ASSERT_EQ(scoped.status, 200);
  EXPECT_NE(scoped.body.find(shop_job), std::string::npos);
  EXPECT_EQ(scoped.body.find(blog_job), std::string::npos);

  EXPECT_EQ(handler->Handle(SignedRead("shop-secret", "/jobs/" + shop_job)).status, 200);
  Reply hidden = handler->Handle(SignedRead("shop-secret", "/jobs/" + blog_job));
  Reply missing = handler->Handle(SignedRead("shop-secret", "/jobs/nope"));
  EXPECT_EQ(hidden.status, 404);
  EXPECT_EQ(hidden.body, missing.body);
}

TEST_F(KeysHandlerTest, FailedAuthenticationsAreLimitedPerClient) {
  auto handler = Make(false, 3);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(handler->Handle(Signed("wrong", "shop-web", "10.0.0.66")).status, 401);
  }
  Reply limited = handler->Handle(Signed("wrong", "shop-web", "10.0.0.66"));
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(Field(limited, "error"),
            "too many failed authentications from this address; try again in 60 seconds");
  EXPECT_EQ(WithoutRequestId(limited.headers),
            (std::vector<std::pair<std::string, std::string>>{{"Retry-After", "60"}}));
  // A valid signature always gets through, from the same address too.
  EXPECT_EQ(handler->Handle(Signed("default-secret", "shop-web", "10.0.0.66")).status, 202);
  EXPECT_EQ(handler->Handle(SignedRead("default-secret", "/jobs")).status, 200);  // another client
  EXPECT_EQ(handler->Handle(Signed("default-secret", "blog-web", "10.0.0.7")).status, 202);
  now_ += 45;
  EXPECT_EQ(WithoutRequestId(handler->Handle(Signed("wrong", "blog-web", "10.0.0.66")).headers),
            (std::vector<std::pair<std::string, std::string>>{{"Retry-After", "15"}}));
  now_ += 15;
  EXPECT_EQ(handler->Handle(Signed("wrong", "blog-web", "10.0.0.66")).status, 401);
}

TEST(RequestLogTest, TheAuditLineNamesTheKeyNeverTheSecret) {
  RequestLog log("10.0.0.7", "/pull");
  EXPECT_EQ(log.Fields("unauthenticated", 401),
            "event=request client=10.0.0.7 endpoint=/pull decision=unauthenticated status=401");
  log.SetKey("ci-shop");
  log.SetTarget("shop/web");
  log.SetJob("0123abcd");
  EXPECT_EQ(log.Fields("accepted", 202),
            "event=request client=10.0.0.7 key=ci-shop endpoint=/pull decision=accepted "
            "status=202 target=shop/web job=0123abcd");

  testing::internal::CaptureStderr();
  log.Decide("denied_out_of_scope", ErrorReply(404, "no container named \"x\""));
  const std::string line = testing::internal::GetCapturedStderr();
  EXPECT_TRUE(testing::internal::RE::FullMatch(
      line,
      testing::internal::RE("time=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z level=info "
                            "event=request client=10\\.0\\.0\\.7 key=ci-shop endpoint=/pull "
                            "decision=denied_out_of_scope status=404 target=shop/web job=0123abcd\n")))
      << line;
}

TEST_F(KeysHandlerTest, TheHandlerLogsTheKeyThatSigned) {
  auto handler = Make();
  testing::internal::CaptureStderr();
  handler->Handle(Signed("shop-secret", "blog-web"));
  const std::string line = testing::internal::GetCapturedStderr();
  EXPECT_NE(line.find(" client=10.0.0.1 key=ci-shop endpoint=/pull decision=denied_out_of_scope "
                      "status=404 target=blog-web\n"),
            std::string::npos)
      << line;
  EXPECT_EQ(line.find("shop-secret"), std::string::npos);
}

}  // namespace
}  // namespace deliveryhook::app
