#include "webhook_handler.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

namespace delivery_hook {
namespace {

using deliveryhook::Error;
using deliveryhook::ErrorCode;
using deliveryhook::Result;
using deliveryhook::deploy::Action;
using deliveryhook::deploy::DeployOutcome;
using deliveryhook::deploy::Target;
using deliveryhook::deploy::TargetSelector;

constexpr char kSecret[] = "test-secret";
constexpr std::int64_t kNow = 1800000000;

struct Recorder {
  std::vector<std::string> deployed;  // "pull web"
};

DeployBackend FakeBackend(Recorder* recorder, bool engine_down = false) {
  DeployBackend backend;
  backend.resolve = [engine_down](const TargetSelector& selector) -> Result<Target> {
    if (engine_down) return Error(ErrorCode::kUnavailable, "cannot reach the Docker engine");
    if (selector.container_name != "web") {
      return Error(ErrorCode::kNotFound, "no container named \"" + selector.container_name + "\"");
    }
    Target target;
    target.container_id = "0123456789abcdef";
    target.container_name = "web";
    target.project = "app";
    target.service = "web";
    return target;
  };
  backend.deploy = [recorder](const Target& target, Action action,
                              const deliveryhook::deploy::ProgressSink& progress)
      -> Result<DeployOutcome> {
    progress.on_step("pulling");
    progress.on_log("layer1: Downloading 1/2");
    progress.on_log("layer1: Downloading 2/2");
    if (recorder != nullptr) recorder->deployed.push_back(std::string(ToString(action)) + " " + target.service);
    return DeployOutcome{"newcontainer", "sha256:new"};
  };
  return backend;
}

class HandlerTest : public ::testing::Test {
 protected:
  WebhookHandler MakeHandler(bool engine_down = false) {
    auto verifier = std::make_shared<deliveryhook::webhook::SignatureVerifier>(
        kSecret, deliveryhook::webhook::VerifierOptions{}, [] { return kNow; });
    return WebhookHandler(verifier, FakeBackend(&recorder_, engine_down), {1024, 1});
  }

  static IncomingRequest Signed(const std::string& path, const std::string& body,
                                std::int64_t timestamp = kNow) {
    IncomingRequest request;
    request.method = "POST";
    request.path = path;
    request.body = body;
    request.headers["x-timestamp"] = std::to_string(timestamp);
    request.headers["x-signature"] = deliveryhook::webhook::HmacSha256Hex(
        kSecret, body + std::to_string(timestamp));
    return request;
  }

  static std::string ErrorOf(const Reply& reply) {
    rapidjson::Document json;
    json.Parse(reply.body.c_str());
    return json.IsObject() && json.HasMember("error") ? json["error"].GetString() : "<none>";
  }

  Recorder recorder_;
};

TEST_F(HandlerTest, AcceptsASignedPullAndRunsTheJob) {
  auto handler = MakeHandler();
  Reply reply = handler.Handle(Signed("/pull", R"({"container_name": "web"})"));
  ASSERT_EQ(reply.status, 202) << reply.body;
  rapidjson::Document json;
  json.Parse(reply.body.c_str());
  const std::string job_id = json["job_id"].GetString();
  const std::string token = json["job_token"].GetString();
  EXPECT_EQ(std::string(json["message"].GetString()), "pulling");

  IncomingRequest status;
  status.method = "GET";
  status.path = "/jobs/" + job_id;
  status.headers["authorization"] = "Bearer " + token;
  std::string state;
  for (int i = 0; i < 200 && state != "succeeded"; ++i) {
    Reply job = handler.Handle(status);
    ASSERT_EQ(job.status, 200);
    rapidjson::Document job_json;
    job_json.Parse(job.body.c_str());
    state = job_json["state"].GetString();
    if (state == "succeeded") {
      EXPECT_EQ(std::string(job_json["image_id"].GetString()), "sha256:new");
      ASSERT_EQ(job_json["log"].Size(), 1u);  // the layer's lines collapse
      EXPECT_EQ(std::string(job_json["log"][0].GetString()), "layer1: Downloading 2/2");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(state, "succeeded");
  EXPECT_EQ(recorder_.deployed, std::vector<std::string>{"pull web"});
}

TEST_F(HandlerTest, JobStatusNeedsTheToken) {
  auto handler = MakeHandler();
  Reply reply = handler.Handle(Signed("/build", R"({"container_name": "web"})"));
  rapidjson::Document json;
  json.Parse(reply.body.c_str());
  IncomingRequest status;
  status.method = "GET";
  status.path = std::string("/jobs/") + json["job_id"].GetString();
  status.headers["authorization"] = "Bearer wrong";
  Reply denied = handler.Handle(status);
  EXPECT_EQ(denied.status, 404);
  EXPECT_EQ(ErrorOf(denied), "no such job");
  status.path = "/jobs/unknown";
  EXPECT_EQ(handler.Handle(status).body, denied.body);
}

// t_bad_input_generated: {"container_name": "web\u0000"} was read up to the
// NUL, as "web", and deployed web.
TEST_F(HandlerTest, NamesWithAnEscapedNulAreRefused) {
  auto handler = MakeHandler();
  for (const char* body : {R"({"container_name": "web\u0000"})", R"({"container_name": "web\u0000x"})",
                           R"({"project": "app\u0000", "service": "web"})"}) {
    Reply reply = handler.Handle(Signed("/pull", body));
    EXPECT_EQ(reply.status, 400) << body << " " << reply.body;
  }
  EXPECT_TRUE(recorder_.deployed.empty());
}

TEST_F(HandlerTest, RefusalsCarryTheRightStatusAndMessage) {
  auto handler = MakeHandler();
  struct Case {
    IncomingRequest request;
    int status;
    std::string error;
  };
  IncomingRequest unsigned_request = Signed("/pull", R"({"container_name": "web"})");
  unsigned_request.headers.erase("x-signature");
  IncomingRequest tampered = Signed("/pull", R"({"container_name": "web"})");
  tampered.body = R"({"container_name": "db"})";
  IncomingRequest non_ascii = Signed("/pull", R"({"container_name": "web"})");
  non_ascii.headers["x-signature"] = "\xff\xfe";
  std::vector<Case> cases = {
      {unsigned_request, 401, "missing X-Signature header"},
      {tampered, 401, "signature does not match"},
      {non_ascii, 401, "X-Signature must be 64 hex digits (HMAC-SHA256)"},
      {Signed("/pull", R"({"container_name": "web"})", kNow - 301), 401,
       "X-Timestamp is more than 300 seconds away from the server's clock"},
      {Signed("/pull", R"({"container_name": )"), 400,
       "body is not valid JSON: Invalid value."},
      {Signed("/pull", R"(["web"])"), 400, "body must be a JSON object"},
      {Signed("/pull", R"({"container_name": 5})"), 400,
       "\"container_name\" must be a container, project or service name"},
      {Signed("/pull", R"({"container_name": "../etc"})"), 400,
       "\"container_name\" must be a container, project or service name"},
      {Signed("/pull", R"({})"), 400,
       "body must name either \"container_name\" or both \"project\" and \"service\""},
      {Signed("/pull", R"({"container_name": "nope"})"), 404, "no container named \"nope\""},
      {Signed("/pull", std::string(2000, ' ')), 413, "body is larger than 1024 bytes"},
  };
  for (const auto& c : cases) {
    Reply reply = handler.Handle(c.request);
    EXPECT_EQ(reply.status, c.status) << c.error;
    EXPECT_EQ(ErrorOf(reply), c.error);
  }
  EXPECT_TRUE(recorder_.deployed.empty());
}

TEST_F(HandlerTest, ReplayIsRefused) {
  auto handler = MakeHandler();
  auto request = Signed("/pull", R"({"container_name": "web"})");
  EXPECT_EQ(handler.Handle(request).status, 202);
  Reply replay = handler.Handle(request);
  EXPECT_EQ(replay.status, 401);
  request.path = "/build";  // the same signature on another endpoint
  EXPECT_EQ(handler.Handle(request).status, 401);
}

TEST_F(HandlerTest, EngineDownIs503) {
  auto handler = MakeHandler(/*engine_down=*/true);
  Reply reply = handler.Handle(Signed("/pull", R"({"container_name": "web"})"));
  EXPECT_EQ(reply.status, 503);
}

TEST_F(HandlerTest, WaitReturnsTheFinishedJob) {
  auto handler = MakeHandler();
  auto request = Signed("/pull", R"({"container_name": "web"})");
  request.query["wait"] = "30";
  Reply reply = handler.Handle(request);
  ASSERT_EQ(reply.status, 200) << reply.body;
  rapidjson::Document json;
  json.Parse(reply.body.c_str());
  EXPECT_EQ(std::string(json["state"].GetString()), "succeeded");
  EXPECT_TRUE(json.HasMember("job_token"));
}

TEST_F(HandlerTest, WaitMustBeANumberOfSeconds) {
  auto handler = MakeHandler();
  for (const char* bad : {"x", "-1", "901", ""}) {
    auto request = Signed("/pull", std::string(R"({"container_name": "web", "n": ")") + bad + "\"}");
    request.query["wait"] = bad;
    Reply reply = handler.Handle(request);
    EXPECT_EQ(reply.status, 400) << bad;
    EXPECT_EQ(ErrorOf(reply), "wait must be a whole number of seconds from 0 to 900");
  }
}

// A backend whose deploys block until released, to hold jobs in the queue.
struct Gate {
  std::mutex mutex;
  std::condition_variable opened;
  bool open = false;
  int deploys = 0;
  std::string last_error;
};

DeployBackend GatedBackend(Gate* gate, bool fail = false) {
  DeployBackend backend = FakeBackend(nullptr);
  backend.deploy = [gate, fail](const Target&, Action, const deliveryhook::deploy::ProgressSink& sink)
      -> Result<DeployOutcome> {
    std::unique_lock lock(gate->mutex);
    gate->opened.wait(lock, [&] { return gate->open; });
    ++gate->deploys;
    if (fail) {
      sink.on_step("rolling back");
      return Error(ErrorCode::kFailedPrecondition, "the new container is unhealthy; rolled back");
    }
    return DeployOutcome{"c", "i"};
  };
  return backend;
}

TEST_F(HandlerTest, RequestsForAQueuedServiceJoinItsJob) {
  Gate gate;
  auto verifier = std::make_shared<deliveryhook::webhook::SignatureVerifier>(
      kSecret, deliveryhook::webhook::VerifierOptions{}, [] { return kNow; });
  std::vector<std::string> job_ids;
  {
    WebhookHandler handler(verifier, GatedBackend(&gate), {1024, 1, 2, 900});
    for (int i = 0; i < 6; ++i) {
      Reply reply = handler.Handle(
          Signed("/pull", R"({"container_name": "web", "n": )" + std::to_string(i) + "}"));
      ASSERT_EQ(reply.status, 202) << reply.body;
      rapidjson::Document json;
      json.Parse(reply.body.c_str());
      job_ids.push_back(json["job_id"].GetString());
    }
    // The first job may be running (blocked); every later one joined one queued job.
    EXPECT_EQ(std::set<std::string>(job_ids.begin() + 1, job_ids.end()).size(), 1u);
    {
      std::lock_guard lock(gate.mutex);
      gate.open = true;
    }
    gate.opened.notify_all();
  }
  EXPECT_LE(gate.deploys, 2);
}

TEST_F(HandlerTest, AFullQueueAnswers429WithRetryAfter) {
  Gate gate;
  auto verifier = std::make_shared<deliveryhook::webhook::SignatureVerifier>(
      kSecret, deliveryhook::webhook::VerifierOptions{}, [] { return kNow; });
  WebhookHandler handler(verifier, GatedBackend(&gate), {1024, 1, 0, 900});
  // max_queued 0: the first job is taken by the worker only once it starts,
  // so queueing any job at all is refused.
  Reply reply = handler.Handle(Signed("/pull", R"({"container_name": "web"})"));
  EXPECT_EQ(reply.status, 429);
  EXPECT_EQ(ErrorOf(reply), "too many deploys are waiting; try again later");
  ASSERT_EQ(reply.headers.size(), 2u);  // and X-Request-Id
  EXPECT_EQ(reply.headers[0], (std::pair<std::string, std::string>{"Retry-After", "30"}));
  EXPECT_EQ(reply.headers[1].first, "X-Request-Id");
  {
    std::lock_guard lock(gate.mutex);
    gate.open = true;
  }
  gate.opened.notify_all();
}

TEST_F(HandlerTest, AFailedJobUnderWaitIsNot2xx) {
  Gate gate;
  gate.open = true;
  auto verifier = std::make_shared<deliveryhook::webhook::SignatureVerifier>(
      kSecret, deliveryhook::webhook::VerifierOptions{}, [] { return kNow; });
  WebhookHandler handler(verifier, GatedBackend(&gate, /*fail=*/true), {1024, 1, 8, 900});
  auto request = Signed("/pull", R"({"container_name": "web"})");
  request.query["wait"] = "30";
  Reply reply = handler.Handle(request);
  EXPECT_EQ(reply.status, 500);
  rapidjson::Document json;
  json.Parse(reply.body.c_str());
  EXPECT_EQ(std::string(json["state"].GetString()), "rolled_back");
  EXPECT_EQ(std::string(json["error"].GetString()),
            "the new container is unhealthy; rolled back");
}

TEST_F(HandlerTest, JobListIsSignedOverThePath) {
  auto handler = MakeHandler();
  ASSERT_EQ(handler.Handle(Signed("/pull", R"({"container_name": "web"})")).status, 202);
  IncomingRequest list = Signed("/jobs", "/jobs");
  list.method = "GET";
  list.body.clear();
  Reply reply = handler.Handle(list);
  ASSERT_EQ(reply.status, 200) << reply.body;
  rapidjson::Document json;
  json.Parse(reply.body.c_str());
  EXPECT_EQ(json["jobs"].Size(), 1u);
  EXPECT_FALSE(json["jobs"][0].HasMember("job_token"));
  // Repeating a read is fine; an unsigned one is not.
  EXPECT_EQ(handler.Handle(list).status, 200);
  list.headers.erase("x-signature");
  EXPECT_EQ(handler.Handle(list).status, 401);
}

TEST_F(HandlerTest, OtherRoutesAndMethods) {
  auto handler = MakeHandler();
  IncomingRequest request;
  request.method = "GET";
  request.path = "/pull";
  EXPECT_EQ(handler.Handle(request).status, 405);
  request.path = "/nowhere";
  EXPECT_EQ(handler.Handle(request).status, 404);
  request.path = "/healthz";
  EXPECT_EQ(handler.Handle(request).status, 200);
}

}  // namespace
}  // namespace delivery_hook
