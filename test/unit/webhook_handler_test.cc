#include "handler_harness.h"
#include "webhook_handler.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "deploy/image_pin.h"
#include "signed_request.h"

namespace deliveryhook::app {
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
    // As the Deployer: a pin must name the repository of the service's image.
    if (!selector.image.empty()) {
      auto same = deliveryhook::deploy::CheckSameRepository("127.0.0.1:5000/app:latest", selector.image);
      if (!same) return same.error();
    }
    Target target;
    target.container_id = "0123456789abcdef";
    target.container_name = "web";
    target.project = "app";
    target.service = "web";
    target.image = selector.image;
    target.digest = selector.digest;
    return target;
  };
  backend.deploy = [recorder](const Target& target, Action action,
                              const deliveryhook::deploy::ProgressSink& progress)
      -> Result<DeployOutcome> {
    progress.on_step(deliveryhook::deploy::Step::kPulling);
    progress.on_log("layer1: Downloading 1/2");
    progress.on_log("layer1: Downloading 2/2");
    if (recorder != nullptr) {
      recorder->deployed.push_back(std::string(ToString(action)) + " " + target.service +
                                   (target.image.empty() ? "" : " " + target.image) +
                                   (target.digest.empty() ? "" : " " + target.digest));
    }
    return DeployOutcome{"newcontainer", "sha256:new"};
  };
  return backend;
}

class HandlerTest : public ::testing::Test {
 protected:
  HandlerHarness MakeHandler(bool engine_down = false) {
    auto verifier = std::make_shared<deliveryhook::webhook::SignatureVerifier>(
        kSecret, deliveryhook::webhook::VerifierOptions{}, [] { return kNow; });
    return HandlerHarness(verifier, FakeBackend(&recorder_, engine_down), {.max_body_bytes = 1024});
  }

  static IncomingRequest Signed(const std::string& path, const std::string& body,
                                std::int64_t timestamp = kNow) {
    return test_support::SignedPost(path, body, kSecret, timestamp);
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
  ASSERT_TRUE(handler.store().WaitUntilFinal(job_id, std::chrono::seconds(10)).has_value());
  Reply job = handler.Handle(status);
  ASSERT_EQ(job.status, 200);
  rapidjson::Document job_json;
  job_json.Parse(job.body.c_str());
  ASSERT_EQ(std::string(job_json["state"].GetString()), "succeeded") << job.body;
  EXPECT_EQ(std::string(job_json["image_id"].GetString()), "sha256:new");
  ASSERT_EQ(job_json["log"].Size(), 1u);  // the layer's lines collapse
  EXPECT_EQ(std::string(job_json["log"][0].GetString()), "layer1: Downloading 2/2");
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

const std::string kDigestA = "sha256:" + std::string(64, 'a');
const std::string kDigestB = "sha256:" + std::string(64, 'b');

TEST_F(HandlerTest, BadPinsAreRefusedBeforeAnythingIsQueued) {
  auto handler = MakeHandler();
  const std::string bad_image =
      "\"image\" must be an image reference with either a tag or a sha256 digest, such as "
      "\"registry/app:v2\" or \"registry/app@sha256:<64 hex>\", of at most 512 characters";
  const std::string bad_digest = "\"digest\" must be \"sha256:\" followed by 64 lowercase hex digits";
  auto body = [](const std::string& pin) { return R"({"container_name": "web", )" + pin + "}"; };
  struct Case {
    std::string path;
    std::string pin;
    int status;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"/pull", R"("image": 5)", 400, "\"image\" must be a non-empty string"},
      {"/pull", R"("image": "")", 400, "\"image\" must be a non-empty string"},
      {"/pull", R"("image": null)", 400, "\"image\" must be a non-empty string"},
      {"/pull", R"("digest": ["sha256:x"])", 400, "\"digest\" must be a non-empty string"},
      {"/pull", R"("image": "127.0.0.1:5000/app")", 400, bad_image},
      {"/pull", R"("image": "127.0.0.1:5000/app:v2 ")", 400, bad_image},
      {"/pull", R"("image": "127.0.0.1:5000/app:v2\u0000x")", 400, bad_image},
      {"/pull", R"("image": "127.0.0.1:5000/app@sha256:abc")", 400, bad_image},
      {"/pull", R"("image": "127.0.0.1:5000/app:v2@)" + kDigestA + "\"", 400, bad_image},
      {"/pull", R"("image": "127.0.0.1:5000/)" + std::string(600, 'a') + ":v2\"", 400, bad_image},
      {"/pull", R"("digest": "sha256:ABC")", 400, bad_digest},
      {"/pull", R"("image": "127.0.0.1:5000/app:v2", "digest": "md5:abc")", 400, bad_digest},
      {"/pull", R"("image": "127.0.0.1:5000/app@)" + kDigestA + R"(", "digest": ")" + kDigestB + "\"",
       400, "\"digest\" differs from the digest in \"image\""},
      {"/pull", R"("image": "127.0.0.1:5000/other:v2")", 400,
       "\"image\" must be a tag or digest of 127.0.0.1:5000/app"},
      {"/pull", R"("image": "docker.io/library/app:v2")", 400,
       "\"image\" must be a tag or digest of 127.0.0.1:5000/app"},
      {"/build", R"("image": "127.0.0.1:5000/app:v2")", 400, "\"image\" and \"digest\" are for /pull only"},
      {"/build", R"("digest": ")" + kDigestA + "\"", 400, "\"image\" and \"digest\" are for /pull only"},
  };
  for (const auto& c : cases) {
    Reply reply = handler.Handle(Signed(c.path, body(c.pin)));
    EXPECT_EQ(reply.status, c.status) << c.pin;
    EXPECT_EQ(ErrorOf(reply), c.error) << c.pin;
  }
  EXPECT_TRUE(handler.store().List(100).empty());
  EXPECT_TRUE(recorder_.deployed.empty());
}

TEST_F(HandlerTest, APinIsDeployedAndShownInTheJob) {
  auto handler = MakeHandler();
  Reply reply = handler.Handle(
      Signed("/pull", R"({"container_name": "web", "image": "127.0.0.1:5000/app:v2", "digest": ")" +
                                 kDigestA + "\"}"));
  ASSERT_EQ(reply.status, 202) << reply.body;
  rapidjson::Document json;
  json.Parse(reply.body.c_str());
  std::string job_id = json["job_id"].GetString();
  auto job = handler.store().WaitUntilFinal(job_id, std::chrono::seconds(5));
  ASSERT_TRUE(job.has_value());
  EXPECT_EQ(job->image, "127.0.0.1:5000/app:v2");
  EXPECT_EQ(job->digest, kDigestA);
  EXPECT_EQ(recorder_.deployed,
            std::vector<std::string>{"pull web 127.0.0.1:5000/app:v2 " + kDigestA});

  IncomingRequest status;
  status.method = "GET";
  status.path = "/jobs/" + job_id;
  status.headers["authorization"] = std::string("Bearer ") + json["job_token"].GetString();
  rapidjson::Document job_json;
  job_json.Parse(handler.Handle(status).body.c_str());
  EXPECT_EQ(std::string(job_json["image"].GetString()), "127.0.0.1:5000/app:v2");
  EXPECT_EQ(std::string(job_json["digest"].GetString()), kDigestA);
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
  std::condition_variable started_cv;  // signalled when a deploy starts waiting
  int started = 0;                     // deploys the worker has begun
  int deploys = 0;
  std::string last_error;
};

// Blocks until the worker has begun `count` deploys (so it has taken those jobs).
void WaitForStarted(Gate& gate, int count) {
  std::unique_lock lock(gate.mutex);
  ASSERT_TRUE(gate.started_cv.wait_for(lock, std::chrono::seconds(10),
                                       [&] { return gate.started >= count; }));
}

DeployBackend GatedBackend(Gate* gate, bool fail = false) {
  DeployBackend backend = FakeBackend(nullptr);
  backend.deploy = [gate, fail](const Target&, Action, const deliveryhook::deploy::ProgressSink& sink)
      -> Result<DeployOutcome> {
    std::unique_lock lock(gate->mutex);
    ++gate->started;
    gate->started_cv.notify_all();
    gate->opened.wait(lock, [&] { return gate->open; });
    ++gate->deploys;
    if (fail) {
      sink.on_step(deliveryhook::deploy::Step::kRollingBack);
      return Error(ErrorCode::kFailedPrecondition, "the new container is unhealthy; rolled back")
          .RolledBack();
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
    HandlerHarness handler(verifier, GatedBackend(&gate), {.max_body_bytes = 1024}, {.workers = 1, .max_queued = 2});
    for (int i = 0; i < 6; ++i) {
      Reply reply = handler.Handle(
          Signed("/pull", R"({"container_name": "web", "n": )" + std::to_string(i) + "}"));
      ASSERT_EQ(reply.status, 202) << reply.body;
      rapidjson::Document json;
      json.Parse(reply.body.c_str());
      job_ids.push_back(json["job_id"].GetString());
      // Until the worker takes the first job, a second request would join it
      // rather than queue behind it: wait, so the test does not race it.
      if (i == 0) WaitForStarted(gate, 1);
    }
    // The first job is running (blocked); every later one joined one queued job.
    EXPECT_EQ(std::set<std::string>(job_ids.begin() + 1, job_ids.end()).size(), 1u);
    {
      std::lock_guard lock(gate.mutex);
      gate.open = true;
    }
    gate.opened.notify_all();
  }
  // The running job and the one queued job that all the others joined.
  EXPECT_EQ(gate.deploys, 2);
}

TEST_F(HandlerTest, QueuedJobsAreJoinedOnlyWithTheSamePin) {
  Gate gate;
  auto verifier = std::make_shared<deliveryhook::webhook::SignatureVerifier>(
      kSecret, deliveryhook::webhook::VerifierOptions{}, [] { return kNow; });
  {
    HandlerHarness handler(verifier, GatedBackend(&gate), {.max_body_bytes = 1024}, {.workers = 1, .max_queued = 10});
    int n = 0;
    auto trigger = [&](const std::string& pin) {
      Reply reply = handler.Handle(Signed(
          "/pull", R"({"container_name": "web", "n": )" + std::to_string(n++) + pin + "}"));
      EXPECT_EQ(reply.status, 202) << reply.body;
      rapidjson::Document json;
      json.Parse(reply.body.c_str());
      return std::string(json["job_id"].GetString());
    };
    const std::string running = trigger("");
    // Wait for the worker to take the first job, so the rest stay queued.
    WaitForStarted(gate, 1);
    const std::string v2 = R"(, "image": "127.0.0.1:5000/app:v2")";
    const std::string v3 = R"(, "image": "127.0.0.1:5000/app:v3")";
    const std::string v2_checked = v2 + R"(, "digest": ")" + kDigestA + "\"";
    const std::string pinned = trigger(v2);
    EXPECT_EQ(trigger(v2), pinned);
    const std::string other_pin = trigger(v3);
    const std::string checked = trigger(v2_checked);
    const std::string plain = trigger("");
    EXPECT_EQ(trigger(""), plain);
    EXPECT_EQ(trigger(v2_checked), checked);
    EXPECT_EQ(std::set<std::string>({running, pinned, other_pin, checked, plain}).size(), 5u);
    {
      std::lock_guard lock(gate.mutex);
      gate.open = true;
    }
    gate.opened.notify_all();
  }
  EXPECT_EQ(gate.deploys, 5);
}

TEST_F(HandlerTest, AFullQueueAnswers429WithRetryAfter) {
  Gate gate;
  auto verifier = std::make_shared<deliveryhook::webhook::SignatureVerifier>(
      kSecret, deliveryhook::webhook::VerifierOptions{}, [] { return kNow; });
  HandlerHarness handler(verifier, GatedBackend(&gate), {.max_body_bytes = 1024}, {.workers = 1, .max_queued = 0});
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
  HandlerHarness handler(verifier, GatedBackend(&gate, /*fail=*/true), {.max_body_bytes = 1024}, {.workers = 1, .max_queued = 8});
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
}  // namespace deliveryhook::app
