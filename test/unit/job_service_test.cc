// JobService: creating, joining, running and stopping deploy jobs, with a
// deploy function the test holds at a gate.
#include "deliveryhook/jobs/job_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <thread>
#include <mutex>
#include <string>
#include <vector>

namespace deliveryhook::jobs {
namespace {

using ::testing::ElementsAre;
using std::chrono::milliseconds;

deploy::Target TargetOf(const std::string& service) {
  deploy::Target target;
  target.container_id = "0123456789ab";
  target.container_name = "app-" + service + "-1";
  target.project = "app";
  target.service = service;
  return target;
}

// Deploys block until Open(); each reports a step and a log line first.
class GatedDeploy {
 public:
  Result<deploy::DeployOutcome> operator()(const deploy::Target&, deploy::Action,
                                           const deploy::ProgressSink& sink) {
    sink.on_step(deploy::Step::kPulling);
    sink.on_log("layer1: Downloading 1/2");
    sink.on_log("layer1: Downloading 2/2");
    std::unique_lock lock(mutex_);
    ++started_;
    changed_.notify_all();
    changed_.wait(lock, [&] { return open_ || (sink.should_abort && sink.should_abort()); });
    if (!open_) {
      return Error(ErrorCode::kUnavailable, "the hook was stopping").RolledBack();
    }
    if (!error_.empty()) {
      return Error(ErrorCode::kInternal, "the Docker engine at unix:///run/docker.sock: " + error_);
    }
    return deploy::DeployOutcome{"new-container", "sha256:new"};
  }
  void Open(std::string error = {}) {
    std::lock_guard lock(mutex_);
    open_ = true;
    error_ = std::move(error);
    changed_.notify_all();
  }
  void WaitForStarted(int count) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return started_ >= count; });
  }
  // Wakes a deploy waiting at the gate to ask should_abort again.
  void Poke() { changed_.notify_all(); }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int started_ = 0;
  bool open_ = false;
  std::string error_;
};

class JobServiceTest : public ::testing::Test {
 protected:
  JobServiceOptions Options(std::size_t max_queued = 64) {
    JobServiceOptions options;
    options.workers = 1;
    options.max_queued = max_queued;
    options.observer.on_started = [this](const Job& job) { Note("started " + job.service); };
    options.observer.on_step = [this](const Job& job, deploy::Step step) {
      Note("step " + job.service + " " + std::string(deploy::ToString(step)));
    };
    options.observer.on_ended = [this](const Job& job, const Error* error) {
      Note("ended " + job.service + " " + std::string(ToString(job.state)) +
           (error != nullptr ? " " + error->message() : ""));
    };
    options.observer.on_cancelled = [this](const Job& job) { Note("cancelled " + job.service); };
    options.observer.on_grace_over = [this] { Note("grace over"); };
    return options;
  }
  void Note(const std::string& event) {
    std::lock_guard lock(mutex_);
    events_.push_back(event);
  }
  std::vector<std::string> Events() {
    std::lock_guard lock(mutex_);
    return events_;
  }
  DeployFunction Gated() {
    return [this](const auto& target, auto action, const auto& sink) {
      return gate_(target, action, sink);
    };
  }
  Job Final(const std::string& id) {
    auto job = store_.WaitUntilFinal(id, std::chrono::seconds(10));
    EXPECT_TRUE(job && IsFinal(job->state));
    return *job;
  }

  GatedDeploy gate_;
  JobStore store_{100};
  std::mutex mutex_;
  std::vector<std::string> events_;
};

TEST_F(JobServiceTest, RunsAJobToSuccessAndRecordsItsProgress) {
  auto service_owner = std::make_unique<JobService>(store_, Gated(), Options());
  JobService& service = *service_owner;
  auto enqueued = service.Enqueue(TargetOf("web"), deploy::Action::kPull, {.request_id = "req-1"});
  ASSERT_TRUE(enqueued);
  EXPECT_FALSE(enqueued->joined);
  EXPECT_EQ(enqueued->job.state, JobState::kQueued);
  EXPECT_EQ(enqueued->job.action, "pull");
  EXPECT_EQ(enqueued->job.request_id, "req-1");
  gate_.Open();
  const Job job = Final(enqueued->job.id);
  EXPECT_EQ(job.state, JobState::kSucceeded);
  EXPECT_EQ(job.step, "done");
  EXPECT_EQ(job.container_id, "new-container");
  EXPECT_EQ(job.image_id, "sha256:new");
  // A layer's newer line replaces its older one.
  EXPECT_THAT(job.log, ElementsAre("layer1: Downloading 2/2"));
  service_owner.reset();  // every observer call has returned
  EXPECT_THAT(Events(), ElementsAre("started web", "step web pulling", "ended web succeeded"));
}

TEST_F(JobServiceTest, AFailedJobKeepsTheErrorWithoutTheEngineAddress) {
  auto service_owner = std::make_unique<JobService>(store_, Gated(), Options());
  JobService& service = *service_owner;
  auto enqueued = service.Enqueue(TargetOf("web"), deploy::Action::kBuild);
  ASSERT_TRUE(enqueued);
  gate_.Open("no space left");
  const Job job = Final(enqueued->job.id);
  EXPECT_EQ(job.state, JobState::kFailed);
  EXPECT_EQ(job.error, "the Docker engine: no space left");
  service_owner.reset();  // every observer call has returned
  // The observer gets the whole error, for the log.
  EXPECT_EQ(Events().back(),
            "ended web failed the Docker engine at unix:///run/docker.sock: no space left");
}

TEST_F(JobServiceTest, ARequestForTheSameQueuedDeployJoinsIt) {
  auto service_owner = std::make_unique<JobService>(store_, Gated(), Options());
  JobService& service = *service_owner;
  auto running = service.Enqueue(TargetOf("web"), deploy::Action::kPull);
  gate_.WaitForStarted(1);
  auto queued = service.Enqueue(TargetOf("web"), deploy::Action::kPull);
  auto joined = service.Enqueue(TargetOf("web"), deploy::Action::kPull);
  auto other_action = service.Enqueue(TargetOf("web"), deploy::Action::kBuild);
  deploy::Target pinned = TargetOf("web");
  pinned.image = "reg/app:v2";
  auto other_pin = service.Enqueue(pinned, deploy::Action::kPull);
  ASSERT_TRUE(running && queued && joined && other_action && other_pin);
  EXPECT_FALSE(queued->joined);
  EXPECT_TRUE(joined->joined);
  EXPECT_EQ(joined->job.id, queued->job.id);
  EXPECT_FALSE(other_action->joined);
  EXPECT_FALSE(other_pin->joined);
  EXPECT_NE(running->job.id, queued->job.id);
  EXPECT_EQ(service.QueuedCount(), 3u);
  gate_.Open();
  for (const auto* job : {&running->job, &queued->job, &other_action->job, &other_pin->job}) {
    EXPECT_EQ(Final(job->id).state, JobState::kSucceeded);
  }
}

TEST_F(JobServiceTest, AFullQueueRefusesWithNothingQueued) {
  auto service_owner = std::make_unique<JobService>(store_, Gated(), Options(/*max_queued=*/1));
  JobService& service = *service_owner;
  ASSERT_TRUE(service.Enqueue(TargetOf("a"), deploy::Action::kPull));
  gate_.WaitForStarted(1);
  ASSERT_TRUE(service.Enqueue(TargetOf("b"), deploy::Action::kPull));
  auto refused = service.Enqueue(TargetOf("c"), deploy::Action::kPull);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(refused.error().message(), "too many deploys are waiting; try again later");
  EXPECT_EQ(store_.List(10).size(), 2u);
  gate_.Open();
}

TEST_F(JobServiceTest, StopEndsQueuedJobsAndLetsTheRunningOneFinish) {
  auto service_owner = std::make_unique<JobService>(store_, Gated(), Options());
  JobService& service = *service_owner;
  auto running = service.Enqueue(TargetOf("a"), deploy::Action::kPull);
  gate_.WaitForStarted(1);
  auto queued = service.Enqueue(TargetOf("b"), deploy::Action::kPull);
  ASSERT_TRUE(running && queued);
  std::thread opener([&] {
    // Opened only once Stop() has ended the queued job.
    store_.WaitUntilFinal(queued->job.id, std::chrono::seconds(10));
    gate_.Open();
  });
  service.Stop(std::chrono::seconds(10));
  opener.join();
  EXPECT_TRUE(service.stopping());
  const Job cancelled = Final(queued->job.id);
  EXPECT_EQ(cancelled.state, JobState::kFailed);
  EXPECT_EQ(cancelled.error, "the hook stopped before the job started; nothing on the host changed");
  EXPECT_EQ(cancelled.started_at, 0);
  EXPECT_EQ(Final(running->job.id).state, JobState::kSucceeded);
  auto refused = service.Enqueue(TargetOf("c"), deploy::Action::kPull);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message(), "the hook is stopping");
  service_owner.reset();  // every observer call has returned
  EXPECT_THAT(Events(), ElementsAre("started a", "step a pulling", "cancelled b",
                                    "ended a succeeded"));
}

TEST_F(JobServiceTest, AJobStillRunningAfterTheGraceIsAbortedAndRolledBack) {
  auto service_owner = std::make_unique<JobService>(store_, Gated(), Options());
  JobService& service = *service_owner;
  auto running = service.Enqueue(TargetOf("a"), deploy::Action::kPull);
  ASSERT_TRUE(running);
  gate_.WaitForStarted(1);
  std::thread poker([&] {
    // The deploy waits at its gate; wake it until it sees the abort.
    while (!IsFinal(store_.Get(running->job.id)->state)) {
      gate_.Poke();
      store_.WaitForChange(store_.Version(), milliseconds(20));
    }
  });
  service.Stop(milliseconds(0));
  poker.join();
  const Job job = Final(running->job.id);
  EXPECT_EQ(job.state, JobState::kRolledBack);
  EXPECT_EQ(job.error, "the hook was stopping");
  service_owner.reset();  // every observer call has returned
  EXPECT_THAT(Events(), ElementsAre("started a", "step a pulling", "grace over",
                                    "ended a rolled_back the hook was stopping"));
}

}  // namespace
}  // namespace deliveryhook::jobs
