// Live job events: the store's change notification, the events between two
// states of a job, their framing, following a job, the events route and
// stopping the handler with a grace period.
#include "job_events.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "handler_harness.h"
#include "signed_request.h"
#include "unit/wait_until.h"
#include "webhook_handler.h"

namespace deliveryhook::app {
namespace {

using deliveryhook::Result;
using deliveryhook::deploy::Action;
using deliveryhook::deploy::DeployOutcome;
using deliveryhook::deploy::ProgressSink;
using deliveryhook::deploy::Target;
using deliveryhook::deploy::TargetSelector;
using deliveryhook::jobs::Job;
using deliveryhook::jobs::JobState;
using deliveryhook::jobs::JobStore;
using namespace std::chrono_literals;

constexpr char kSecret[] = "test-secret";
constexpr std::int64_t kNow = 1800000000;

TEST(JobStoreNotification, WaitForChangeWakesOnUpdateAndTimesOutOtherwise) {
  JobStore store;
  const Job job = store.Create({.action = "pull", .container_name = "web", .project = "app", .service = "web"});
  const std::uint64_t version = store.Version();

  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(store.WaitForChange(version, 50ms), version);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 50ms);

  std::thread updater([&] {
    std::this_thread::sleep_for(20ms);
    store.Update(job.id, [](Job& j) { j.step = "pulling"; });
  });
  const auto woken_at = std::chrono::steady_clock::now();
  EXPECT_GT(store.WaitForChange(version, 10s), version);
  EXPECT_LT(std::chrono::steady_clock::now() - woken_at, 5s);
  updater.join();
  // A change made before the wait started returns at once.
  EXPECT_NE(store.WaitForChange(version, 10s), version);
}

TEST(JobStoreNotification, CreateCountsAsAChange) {
  JobStore store;
  const std::uint64_t version = store.Version();
  store.Create({.action = "pull", .container_name = "web", .project = "app", .service = "web"});
  EXPECT_EQ(store.Version(), version + 1);
}

Job Running() {
  Job job;
  job.id = "j";
  job.state = JobState::kRunning;
  job.step = "pulling";
  return job;
}

std::vector<std::string> Types(const std::vector<JobEvent>& events) {
  std::vector<std::string> types;
  for (const auto& event : events) types.push_back(event.type + " " + event.data);
  return types;
}

TEST(JobEventsBetween, StepThenNewLinesThenState) {
  Job before = Running();
  before.log = {"a"};
  Job after = before;
  after.step = "done";
  after.log = {"a", "b", "c"};
  after.state = JobState::kSucceeded;
  after.image_id = "sha256:1";
  after.finished_at = 5;
  EXPECT_EQ(Types(EventsBetween(before, after)),
            (std::vector<std::string>{
                R"(step {"step":"done"})", R"(log {"line":"b"})", R"(log {"line":"c"})",
                R"(state {"state":"succeeded","step":"done","image_id":"sha256:1","started_at":0,"finished_at":5})"}));
  EXPECT_TRUE(EventsBetween(after, after).empty());
}

TEST(JobEventsBetween, AReplacedLastLineIsNewAndDroppedLinesAreNot) {
  Job before = Running();
  before.log = {"x", "layer: 1/3"};
  Job after = before;
  after.log = {"x", "layer: 3/3"};
  EXPECT_EQ(Types(EventsBetween(before, after)),
            (std::vector<std::string>{R"(log {"line":"layer: 3/3"})"}));
  // The log is full: the oldest line was dropped while one was added.
  Job full = before;
  full.log = {"layer: 1/3", "next"};
  full.log_dropped = 1;
  EXPECT_EQ(Types(EventsBetween(before, full)), (std::vector<std::string>{R"(log {"line":"next"})"}));
}

TEST(JobEventsFrame, ServerSentEventsAndNdjson) {
  const JobEvent event{"step", R"({"step":"pulling"})"};
  EXPECT_EQ(Frame(event, EventFormat::kServerSentEvents), "event: step\ndata: {\"step\":\"pulling\"}\n\n");
  EXPECT_EQ(Frame(event, EventFormat::kNdjson), "{\"event\":\"step\",\"step\":\"pulling\"}\n");
  EXPECT_EQ(KeepAlive(EventFormat::kServerSentEvents), ": keep-alive\n\n");
  EXPECT_EQ(KeepAlive(EventFormat::kNdjson), "{\"event\":\"keep-alive\"}\n");
  // A line break in a log line stays inside the JSON string.
  Job before = Running();
  Job after = before;
  after.log = {"two\nlines"};
  EXPECT_EQ(Frame(EventsBetween(before, after)[0], EventFormat::kServerSentEvents),
            "event: log\ndata: {\"line\":\"two\\nlines\"}\n\n");
}

// Collects a stream's output; lets a test wait for the n-th line.
class Output {
 public:
  bool Write(std::string_view piece) {
    std::lock_guard lock(mutex_);
    text_ += piece;
    changed_.notify_all();
    return true;
  }
  void WaitForLines(std::size_t lines) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, 5s, [&] {
      return static_cast<std::size_t>(std::count(text_.begin(), text_.end(), '\n')) >= lines;
    });
  }
  std::string text() {
    std::lock_guard lock(mutex_);
    return text_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::string text_;
};

TEST(FollowJobTest, SendsEachChangeAndEndsWithTheFinalState) {
  JobStore store;
  const Job job = store.Create({.action = "pull", .container_name = "web", .project = "app", .service = "web"});
  Output output;
  std::thread follower([&] {
    FollowJob(store, job.id, [](const Job& j) { return "{\"id\":\"" + j.id + "\"}"; },
              EventFormat::kNdjson, [&](std::string_view piece) { return output.Write(piece); }, {});
  });
  // Each change once the previous one was sent (changes made faster than
  // the stream is read are merged).
  output.WaitForLines(1);
  store.Update(job.id, [](Job& j) { j.state = JobState::kRunning; });
  output.WaitForLines(2);
  store.Update(job.id, [](Job& j) { j.step = "pulling"; });
  output.WaitForLines(3);
  store.Update(job.id, [](Job& j) { j.log.push_back("hello"); });
  output.WaitForLines(4);
  store.Update(job.id, [](Job& j) {
    j.state = JobState::kFailed;
    j.error = "boom";
  });
  follower.join();  // returns by itself after the final state
  const std::string out = output.text();
  const std::string id = job.id;
  EXPECT_EQ(out, "{\"event\":\"job\",\"id\":\"" + id + "\"}\n" +
                     R"({"event":"state","state":"running","step":"","started_at":0,"finished_at":0})" "\n"
                     R"({"event":"step","step":"pulling"})" "\n"
                     R"({"event":"log","line":"hello"})" "\n"
                     R"({"event":"state","state":"failed","step":"pulling","error":"boom","started_at":0,"finished_at":0})" "\n");
}

TEST(FollowJobTest, ChangesFasterThanTheReaderAreMergedAndTheFinalStateComesLast) {
  Job before = Running();
  before.state = JobState::kQueued;
  before.step = "";
  Job after = before;
  after.state = JobState::kSucceeded;
  after.step = "done";
  after.log = {"a"};
  EXPECT_EQ(Types(EventsBetween(before, after)),
            (std::vector<std::string>{
                R"(step {"step":"done"})", R"(log {"line":"a"})",
                R"(state {"state":"succeeded","step":"done","started_at":0,"finished_at":0})"}));
  after.state = JobState::kRunning;  // a job that started says so first
  EXPECT_EQ(Types(EventsBetween(before, after)).front(),
            R"(state {"state":"running","step":"done","started_at":0,"finished_at":0})");
}

TEST(FollowJobTest, KeepAlivesWhileQuietAndAnEndAfterTheLongestDuration) {
  JobStore store;
  const Job job = store.Create({.action = "pull", .container_name = "web", .project = "app", .service = "web"});
  std::string out;
  FollowOptions options;
  options.keep_alive = 30ms;
  options.max_duration = 200ms;
  const auto start = std::chrono::steady_clock::now();
  FollowJob(store, job.id, [](const Job&) { return std::string("{\"x\":1}"); },
            EventFormat::kServerSentEvents, [&](std::string_view piece) { out += piece; return true; },
            options);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 200ms);
  EXPECT_LT(took, 2s);
  EXPECT_EQ(out.rfind("event: job\ndata: {\"x\":1}\n\n", 0), 0u);
  EXPECT_NE(out.find(": keep-alive\n\n"), std::string::npos) << out;
}

TEST(FollowJobTest, KeepAlivesAlsoWhileOtherJobsChange) {
  JobStore store;
  const Job job = store.Create({.action = "pull", .container_name = "web", .project = "app", .service = "web"});
  const Job busy = store.Create({.action = "pull", .container_name = "db", .project = "app", .service = "db"});
  std::atomic<bool> done{false};
  std::thread other([&] {
    for (int i = 0; !done; ++i) {
      store.Update(busy.id, [&](Job& j) { j.log.push_back(std::to_string(i)); });
      std::this_thread::sleep_for(5ms);
    }
  });
  std::string out;
  FollowOptions options;
  options.keep_alive = 50ms;
  options.max_duration = 300ms;
  FollowJob(store, job.id, [](const Job&) { return std::string("{\"x\":1}"); }, EventFormat::kNdjson,
            [&](std::string_view piece) { out += piece; return true; }, options);
  done = true;
  other.join();
  EXPECT_NE(out.find("{\"event\":\"keep-alive\"}\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("\"log\""), std::string::npos) << out;  // the other job's lines are not this one's
}

TEST(FollowJobTest, AReaderThatFailsEndsTheStream) {
  JobStore store;
  const Job job = store.Create({.action = "pull", .container_name = "web", .project = "app", .service = "web"});
  int writes = 0;
  FollowOptions options;
  options.keep_alive = 10ms;
  FollowJob(store, job.id, [](const Job&) { return std::string("{\"x\":1}"); },
            EventFormat::kNdjson, [&](std::string_view) { return ++writes < 3; }, options);
  EXPECT_EQ(writes, 3);
}

// --- the route and stopping, through WebhookHandler ---------------------

// A deploy that reports a step and waits to be released (or aborted).
struct Gate {
  std::mutex mutex;
  std::condition_variable changed;
  bool released = false;
  std::atomic<int> started{0};
};

DeployBackend GatedBackend(Gate* gate) {
  DeployBackend backend;
  backend.resolve = [](const TargetSelector& selector) -> Result<Target> {
    Target target;
    target.container_name = selector.container_name;
    target.project = "app";
    target.service = selector.container_name;
    return target;
  };
  backend.deploy = [gate](const Target&, Action, const ProgressSink& progress) -> Result<DeployOutcome> {
    progress.on_step(deliveryhook::deploy::Step::kRecreating);
    ++gate->started;
    std::unique_lock lock(gate->mutex);
    while (!gate->released) {
      if (progress.should_abort && progress.should_abort()) {
        lock.unlock();
        progress.on_step(deliveryhook::deploy::Step::kRollingBack);
        return deliveryhook::Error(deliveryhook::ErrorCode::kUnavailable,
                                   "the hook was stopping; rolled back to the old container")
            .RolledBack();
      }
      gate->changed.wait_for(lock, 10ms);
    }
    progress.on_log("created abc");
    return DeployOutcome{"new", "sha256:new"};
  };
  return backend;
}

class EventsRouteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto verifier = std::make_shared<deliveryhook::webhook::SignatureVerifier>(
        kSecret, deliveryhook::webhook::VerifierOptions{}, [] { return kNow; });
    HandlerOptions options;
    handler_ = std::make_unique<HandlerHarness>(verifier, GatedBackend(&gate_), options);
  }
  void TearDown() override {
    Release();
    handler_.reset();
  }
  void Release() {
    std::lock_guard lock(gate_.mutex);
    gate_.released = true;
    gate_.changed.notify_all();
  }

  // Triggers a pull of `container`; returns {job_id, token}.
  std::pair<std::string, std::string> Trigger(const std::string& container = "web") {
    // A distinct body each time: the same one twice would be a replay.
    const std::string body = "{\"container_name\": \"" + container + "\", \"n\": " +
                             std::to_string(++triggers_) + "}";
    const Reply reply = handler_->Handle(test_support::SignedPost("/pull", body, kSecret, kNow));
    EXPECT_EQ(reply.status, 202) << reply.body;
    rapidjson::Document json;
    json.Parse(reply.body.c_str());
    return {json["job_id"].GetString(), json["job_token"].GetString()};
  }

  static IncomingRequest Events(const std::string& id, const std::string& token) {
    IncomingRequest request;
    request.method = "GET";
    request.path = "/jobs/" + id + "/events";
    request.headers["authorization"] = "Bearer " + token;
    return request;
  }

  std::string State(const std::string& id) {
    return std::string(ToString(handler_->store().Get(id)->state));
  }

  Gate gate_;
  int triggers_ = 0;
  std::unique_ptr<HandlerHarness> handler_;
};

TEST_F(EventsRouteTest, StreamsServerSentEventsUntilTheJobEnds) {
  const auto [id, token] = Trigger();
  Reply reply = handler_->Handle(Events(id, token));
  ASSERT_EQ(reply.status, 200) << reply.body;
  ASSERT_TRUE(reply.stream);
  EXPECT_EQ(reply.content_type, "text/event-stream");
  std::string out;
  std::atomic<bool> first_written{false};
  ASSERT_TRUE(deliveryhook::testing::WaitUntil([&] { return gate_.started > 0; }));
  std::thread reader([&] {
    reply.stream([&](std::string_view piece) {
      out += piece;
      first_written = true;
      return true;
    });
  });
  EXPECT_TRUE(deliveryhook::testing::WaitUntil([&] { return first_written.load(); }));
  Release();
  reader.join();
  EXPECT_EQ(out.rfind("event: job\ndata: {\"job_id\":\"" + id + "\"", 0), 0u) << out;
  EXPECT_NE(out.find("event: log\ndata: {\"line\":\"created abc\"}\n\n"), std::string::npos) << out;
  const std::string last = out.substr(out.rfind("event: "));
  EXPECT_EQ(last.rfind("event: state\ndata: {\"state\":\"succeeded\",\"step\":\"done\"", 0), 0u) << out;
}

TEST_F(EventsRouteTest, AuthorizedLikeTheJobAndNdjsonOnRequest) {
  const auto [id, token] = Trigger();
  // Unknown job and wrong token: the same 404.
  const Reply wrong = handler_->Handle(Events(id, "wrong"));
  const Reply unknown = handler_->Handle(Events("0123", token));
  EXPECT_EQ(wrong.status, 404);
  EXPECT_FALSE(wrong.stream);
  EXPECT_EQ(wrong.body, R"({"error":"no such job"})");
  EXPECT_EQ(unknown.body, wrong.body);
  // The key's signature over the path works too.
  IncomingRequest signed_request = Events(id, "");
  signed_request.headers.erase("authorization");
  test_support::Sign(signed_request, signed_request.path, kSecret, kNow);
  EXPECT_EQ(handler_->Handle(signed_request).status, 200);

  IncomingRequest ndjson = Events(id, token);
  ndjson.headers["accept"] = "application/x-ndjson";
  EXPECT_EQ(handler_->Handle(ndjson).content_type, "application/x-ndjson");
  IncomingRequest query = Events(id, token);
  query.query["format"] = "ndjson";
  query.headers["accept"] = "text/event-stream";  // ?format wins
  EXPECT_EQ(handler_->Handle(query).content_type, "application/x-ndjson");
  query.query["format"] = "xml";
  const Reply bad = handler_->Handle(query);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body, R"({"error":"format must be \"sse\" or \"ndjson\""})");
  IncomingRequest post = Events(id, token);
  post.method = "POST";
  EXPECT_EQ(handler_->Handle(post).status, 405);
}

TEST_F(EventsRouteTest, StopFailsQueuedJobsAndLetsARunningOneFinishWithinTheGrace) {
  const auto running = Trigger("web");
  ASSERT_TRUE(deliveryhook::testing::WaitUntil([&] { return gate_.started > 0; }));
  const auto queued = Trigger("web");  // same service: waits behind the first
  // Released once Stop() has failed the queued job, so the running one ends
  // within the grace, while Stop() waits for it.
  std::thread releaser([&] {
    EXPECT_TRUE(deliveryhook::testing::WaitUntil([&] { return State(queued.first) == "failed"; }));
    Release();
  });
  handler_->Stop(10s);
  releaser.join();
  EXPECT_EQ(State(running.first), "succeeded");
  EXPECT_EQ(State(queued.first), "failed");
  EXPECT_EQ(handler_->store().Get(queued.first)->error,
            "the hook stopped before the job started; nothing on the host changed");
  EXPECT_EQ(gate_.started, 1);  // the queued job never ran
  IncomingRequest late;
  late.method = "POST";
  late.path = "/pull";
  EXPECT_EQ(handler_->Handle(late).body, R"({"error":"the hook is stopping; try again when it is back"})");
}

TEST_F(EventsRouteTest, StopAbortsAJobStillRunningWhenTheGraceRunsOut) {
  const auto running = Trigger("web");
  ASSERT_TRUE(deliveryhook::testing::WaitUntil([&] { return gate_.started > 0; }));
  const auto start = std::chrono::steady_clock::now();
  handler_->Stop(200ms);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 200ms);
  EXPECT_LT(took, 5s);
  EXPECT_EQ(State(running.first), "rolled_back");
  EXPECT_EQ(handler_->store().Get(running.first)->error,
            "the hook was stopping; rolled back to the old container");
}

}  // namespace
}  // namespace deliveryhook::app
