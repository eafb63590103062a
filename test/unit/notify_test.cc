// Outbound notifications: payloads, signature, retries with backoff, and
// that a slow receiver never holds up the caller.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "deliveryhook/notify/notifier.h"
#include "deliveryhook/webhook/verifier.h"
#include "util/crypto.h"

namespace deliveryhook::notify {
namespace {

using engine::HttpRequest;
using engine::HttpResponse;
using Clock = std::chrono::steady_clock;

jobs::Job FinishedJob(jobs::JobState state = jobs::JobState::kSucceeded, std::string error = {}) {
  jobs::Job job;
  job.id = "0123abcd";
  job.token = "secret-token";
  job.request_id = "req-7";
  job.action = "pull";
  job.container_name = "shop-web-1";
  job.project = "shop";
  job.service = "web";
  job.state = state;
  job.step = "rolling back";
  job.error = std::move(error);
  job.image_id = "sha256:img";
  job.container_id = "c0ffee";
  job.created_at = 1700000000000;
  job.started_at = 1700000000500;
  job.finished_at = 1700000012800;
  return job;
}

// Answers from a script (then 200), records each request and when it came.
class FakeTransport : public engine::Transport {
 public:
  std::vector<Result<HttpResponse>> script;
  // While held, every Send blocks until Release(): a receiver that does not answer.
  bool held = false;

  Result<HttpResponse> Send(const HttpRequest& request, const engine::BodyChunkCallback&) override {
    std::unique_lock lock(mutex_);
    requests_.push_back(request);
    times_.push_back(Clock::now());
    Result<HttpResponse> answer = Status(200);
    if (!script.empty()) {
      answer = script.front();
      script.erase(script.begin());
    }
    arrived_.notify_all();
    released_.wait(lock, [this] { return !held; });
    return answer;
  }

  void Release() {
    {
      std::lock_guard lock(mutex_);
      held = false;
    }
    released_.notify_all();
  }
  // Waits until `count` requests have reached the transport.
  bool WaitForRequests(std::size_t count) {
    std::unique_lock lock(mutex_);
    return arrived_.wait_for(lock, std::chrono::seconds(10),
                             [&] { return requests_.size() >= count; });
  }

  static Result<HttpResponse> Status(int code) {
    HttpResponse response;
    response.status = code;
    return response;
  }
  std::vector<HttpRequest> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::vector<Clock::time_point> times() {
    std::lock_guard lock(mutex_);
    return times_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::condition_variable released_;
  std::vector<HttpRequest> requests_;
  std::vector<Clock::time_point> times_;
};

std::string HeaderOf(const HttpRequest& request, const std::string& name) {
  for (const auto& [key, value] : request.headers) {
    if (key == name) return value;
  }
  return "<none>";
}

NotifierOptions FastOptions(std::vector<std::string>* log = nullptr) {
  NotifierOptions options;
  options.first_retry_delay = std::chrono::milliseconds(40);
  options.clock = [] { return std::int64_t{1800000000}; };
  if (log != nullptr) {
    auto mutex = std::make_shared<std::mutex>();
    options.log = [log, mutex](const std::string& line) {
      std::lock_guard lock(*mutex);
      log->push_back(line);
    };
  }
  return options;
}

TEST(NotifyPayloads, Generic) {
  EXPECT_EQ(
      GenericPayload(FinishedJob(jobs::JobState::kFailed, "pull failed: \"x\"")),
      R"({"event":"job.finished","job_id":"0123abcd","request_id":"req-7","key_id":"","action":"pull",)"
      R"("container_name":"shop-web-1","project":"shop","service":"web","image":"","digest":"",)"
      R"("state":"failed","step":"rolling back","error":"pull failed: \"x\"",)"
      R"("image_id":"sha256:img","container_id":"c0ffee","repo_digest":"",)"
      R"("previous_image_id":"","previous_repo_digest":"",)"
      R"("created_at":1700000000000,"started_at":1700000000500,"finished_at":1700000012800})");
  // The job's token never leaves the hook.
  EXPECT_EQ(GenericPayload(FinishedJob()).find("secret-token"), std::string::npos);
}

TEST(NotifyPayloads, SlackAndDiscord) {
  EXPECT_EQ(
      SlackPayload(FinishedJob()),
      R"({"text":"delivery-hook: pull of shop/web (container shop-web-1) succeeded in 12.3 s"})");
  EXPECT_EQ(
      DiscordPayload(FinishedJob(jobs::JobState::kRolledBack, "healthcheck failed")),
      R"({"content":"delivery-hook: pull of shop/web (container shop-web-1) was rolled back after 12.3 s: healthcheck failed"})");
  EXPECT_EQ(
      Summary(FinishedJob(jobs::JobState::kFailed, "no such image")),
      "delivery-hook: pull of shop/web (container shop-web-1) failed after 12.3 s: no such image");
  // Discord refuses content over 2000 characters.
  const std::string long_error(5000, 'e');
  const std::string discord = DiscordPayload(FinishedJob(jobs::JobState::kFailed, long_error));
  EXPECT_LE(discord.size(), 2000u + std::string(R"({"content":""})").size());
}

TEST(NotifyRequests, GenericIsSignedLikeTheHooksOwnRequests) {
  const Receiver receiver{Format::kGeneric, "http://127.0.0.1:1/hook", "notify-secret"};
  const HttpRequest request = MakeRequest(receiver, FinishedJob(), 1800000000);
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.target, "http://127.0.0.1:1/hook");
  EXPECT_EQ(HeaderOf(request, "Content-Type"), "application/json");
  EXPECT_EQ(HeaderOf(request, "X-Timestamp"), "1800000000");
  EXPECT_EQ(HeaderOf(request, "X-Signature"),
            util::HmacSha256Hex("notify-secret", request.body + "1800000000"));
  // A verifier configured with the same secret accepts it.
  webhook::SignatureVerifier verifier("notify-secret", {}, [] { return std::int64_t{1800000000}; });
  EXPECT_TRUE(
      verifier
          .Verify(request.body, HeaderOf(request, "X-Timestamp"), HeaderOf(request, "X-Signature"))
          .ok());
  // Without a secret, and for chat formats, nothing is signed.
  EXPECT_EQ(
      HeaderOf(MakeRequest({Format::kGeneric, "http://x/", ""}, FinishedJob(), 1), "X-Signature"),
      "<none>");
  EXPECT_EQ(
      HeaderOf(MakeRequest({Format::kSlack, "http://x/", "s"}, FinishedJob(), 1), "X-Signature"),
      "<none>");
}

TEST(NotifyRetries, DelaysDouble) {
  const std::chrono::milliseconds first(1000);
  EXPECT_EQ(RetryDelay(2, first).count(), 1000);
  EXPECT_EQ(RetryDelay(3, first).count(), 2000);
  EXPECT_EQ(RetryDelay(4, first).count(), 4000);
}

TEST(NotifyRetries, FailuresAreRetriedWithBackoffUntilOneSucceeds) {
  auto transport = std::make_shared<FakeTransport>();
  transport->script = {FakeTransport::Status(500),
                       Error(ErrorCode::kUnavailable, "cannot reach http://127.0.0.1:1")};
  std::vector<std::string> log;
  {
    Notifier notifier({{Format::kSlack, "http://127.0.0.1:1/slack", ""}}, transport,
                      FastOptions(&log));
    notifier.Notify(FinishedJob());
    ASSERT_TRUE(notifier.WaitIdle(std::chrono::seconds(5)));
  }
  const auto times = transport->times();
  ASSERT_EQ(times.size(), 3u);
  EXPECT_GE(times[1] - times[0], std::chrono::milliseconds(40));
  EXPECT_GE(times[2] - times[1], std::chrono::milliseconds(80));
  EXPECT_TRUE(log.empty());
}

TEST(NotifyRetries, GivesUpAfterTheAttemptsAndLogs) {
  auto transport = std::make_shared<FakeTransport>();
  transport->script = {FakeTransport::Status(503), FakeTransport::Status(503),
                       FakeTransport::Status(503), FakeTransport::Status(200)};
  std::vector<std::string> log;
  {
    Notifier notifier({{Format::kDiscord, "http://127.0.0.1:1/d", ""}}, transport,
                      FastOptions(&log));
    notifier.Notify(FinishedJob());
    ASSERT_TRUE(notifier.WaitIdle(std::chrono::seconds(5)));
  }
  EXPECT_EQ(transport->requests().size(), 3u);
  EXPECT_EQ(
      log,
      std::vector<std::string>{
          "event=notify_failed receiver=discord job=0123abcd attempts=3 error=\"status 503\""});
}

TEST(NotifyRetries, AClientErrorIsFinal) {
  auto transport = std::make_shared<FakeTransport>();
  transport->script = {FakeTransport::Status(404)};
  std::vector<std::string> log;
  {
    Notifier notifier({{Format::kGeneric, "http://127.0.0.1:1/g", "s"}}, transport,
                      FastOptions(&log));
    notifier.Notify(FinishedJob());
    ASSERT_TRUE(notifier.WaitIdle(std::chrono::seconds(5)));
  }
  EXPECT_EQ(transport->requests().size(), 1u);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_NE(log[0].find("attempts=1 error=\"status 404\""), std::string::npos) << log[0];
}

TEST(NotifyQueue, ASlowReceiverNeverBlocksTheCallerNorTheOthers) {
  auto slow = std::make_shared<FakeTransport>();
  slow->held = true;
  std::vector<std::string> log;
  NotifierOptions options = FastOptions(&log);
  options.max_pending = 2;
  {
    Notifier notifier({{Format::kGeneric, "http://127.0.0.1:1/slow", ""},
                       {Format::kSlack, "http://127.0.0.1:1/slack", ""}},
                      slow, options);
    auto start = Clock::now();
    notifier.Notify(FinishedJob());
    EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(100));
    // Both receivers hold the first notification in flight before the rest arrive.
    ASSERT_TRUE(slow->WaitForRequests(2));
    start = Clock::now();
    for (int i = 1; i < 6; ++i) notifier.Notify(FinishedJob());
    EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(100));
    slow->Release();
  }
  // Per receiver: one in flight, two waiting; the other three dropped.
  int dropped = 0;
  for (const auto& line : log) dropped += line.find("event=notify_dropped") == 0;
  EXPECT_EQ(dropped, 6);
  EXPECT_EQ(slow->requests().size(), 6u);  // the waiting ones were still delivered
}

TEST(NotifyQueue, StoppingCutsRetriesShort) {
  auto transport = std::make_shared<FakeTransport>();
  transport->script = {FakeTransport::Status(500), FakeTransport::Status(500),
                       FakeTransport::Status(500)};
  NotifierOptions options = FastOptions();
  options.first_retry_delay = std::chrono::seconds(30);
  const auto start = Clock::now();
  {
    Notifier notifier({{Format::kSlack, "http://127.0.0.1:1/s", ""}}, transport, options);
    notifier.Notify(FinishedJob());
    ASSERT_TRUE(transport->WaitForRequests(1));  // the first attempt went out
  }
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(transport->requests().size(), 1u);
}

TEST(NotifyTransport, OnlyHttpAndHttpsUrls) {
  auto transport = engine::MakeCurlUrlTransport(
      {std::chrono::seconds(1), std::chrono::seconds(1), ""});
  auto answer = transport->Send({"POST", "file:///etc/passwd", {}, "{}"});
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().message(), "only http:// and https:// URLs can be called");
  // Nothing listens on port 1: the message names the origin, not the path.
  answer = transport->Send({"POST", "http://127.0.0.1:1/T000/B000/secret-part", {}, "{}"});
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().message().rfind("cannot reach http://127.0.0.1:1: ", 0), 0u)
      << answer.error().message();
  EXPECT_EQ(answer.error().message().find("secret-part"), std::string::npos);
}

}  // namespace
}  // namespace deliveryhook::notify
