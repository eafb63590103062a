#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <cstdlib>
#include <chrono>
#include <thread>

#include "deliveryhook/jobs/job_runner.h"
#include "deliveryhook/jobs/job_store.h"
#include "unit/wait_until.h"

namespace deliveryhook::jobs {
namespace {

TEST(JobStoreTest, CreatesJobsWithRandomIdsAndTokens) {
  JobStore store;
  Job a = store.Create({.action = "pull", .container_name = "web", .project = "app", .service = "web"});
  Job b = store.Create({.action = "pull", .container_name = "web", .project = "app", .service = "web"});
  EXPECT_EQ(a.id.size(), 32u);
  EXPECT_EQ(a.token.size(), 64u);
  EXPECT_NE(a.id, b.id);
  EXPECT_NE(a.token, b.token);
  EXPECT_EQ(store.Get(a.id)->state, JobState::kQueued);
  EXPECT_FALSE(store.Get("nope").has_value());
}

TEST(JobStoreTest, ForgetsTheOldestFinishedJobWhenFull) {
  JobStore store(2);
  Job first = store.Create({.action = "pull", .container_name = "a", .project = "p", .service = "a"});
  Job second = store.Create({.action = "pull", .container_name = "b", .project = "p", .service = "b"});
  store.Update(second.id, [](Job& job) { job.state = JobState::kSucceeded; });
  Job third = store.Create({.action = "pull", .container_name = "c", .project = "p", .service = "c"});
  EXPECT_TRUE(store.Get(first.id).has_value());  // still queued: kept
  EXPECT_FALSE(store.Get(second.id).has_value());
  EXPECT_TRUE(store.Get(third.id).has_value());
  EXPECT_EQ(store.List(10).front().id, third.id);
}

TEST(JobStoreTest, AQueuedJobIsJoinedOnlyWithTheSamePin) {
  JobStore store;
  const std::string digest = "sha256:" + std::string(64, 'a');
  Job plain = store.Create({.action = "pull", .container_name = "web", .project = "app", .service = "web"});
  Job pinned = store.Create({.action = "pull", .container_name = "web", .project = "app", .service = "web", .image = "reg/app:v2", .digest = digest});
  EXPECT_EQ(store.FindQueued("app", "web", "pull")->id, plain.id);
  EXPECT_EQ(store.FindQueued("app", "web", "pull", "reg/app:v2", digest)->id, pinned.id);
  EXPECT_FALSE(store.FindQueued("app", "web", "pull", "reg/app:v2").has_value());
  EXPECT_FALSE(store.FindQueued("app", "web", "pull", "reg/app:v3", digest).has_value());
  EXPECT_EQ(pinned.image, "reg/app:v2");
  EXPECT_EQ(pinned.digest, digest);
}

TEST(JobStateTest, Names) {
  EXPECT_EQ(ToString(JobState::kRolledBack), "rolled_back");
  EXPECT_TRUE(IsFinal(JobState::kFailed));
  EXPECT_FALSE(IsFinal(JobState::kRunning));
}

TEST(JobRunnerTest, NeverRunsTwoTasksOfOneKeyAtOnce) {
  std::atomic<int> running_same_key{0};
  std::atomic<int> max_same_key{0};
  std::atomic<int> done{0};
  {
    JobRunner runner(4);
    for (int i = 0; i < 12; ++i) {
      runner.Submit("app/web", [&] {
        int now = ++running_same_key;
        max_same_key = std::max(max_same_key.load(), now);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        --running_same_key;
        ++done;
      });
    }
  }
  EXPECT_EQ(done, 12);
  EXPECT_EQ(max_same_key, 1);
}

TEST(JobRunnerTest, RunsDifferentKeysSideBySide) {
  // Each task waits for the other to have started: only side by side can
  // both get past that (one after the other, the first times out alone).
  std::atomic<int> started{0};
  std::atomic<int> met{0};
  {
    JobRunner runner(2);
    for (const char* key : {"app/a", "app/b"}) {
      runner.Submit(key, [&] {
        ++started;
        const auto both_started = [&] { return started == 2; };
        if (deliveryhook::testing::WaitUntil(both_started, std::chrono::seconds(10))) ++met;
      });
    }
  }
  EXPECT_EQ(met, 2);
}

}  // namespace
}  // namespace deliveryhook::jobs

namespace deliveryhook::jobs {
namespace {

class PersistentJobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/jobstore-XXXXXX";
    dir_ = mkdtemp(pattern);
    path_ = dir_ + "/jobs.sqlite3";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_, path_;
};

TEST_F(PersistentJobStoreTest, JobsSurviveARestart) {
  std::string finished_id, running_id;
  {
    JobStore store;
    ASSERT_TRUE(store.Persist(path_, std::chrono::hours(24)).ok());
    Job finished = store.Create({.action = "pull", .container_name = "web", .project = "app", .service = "web"});
    store.Update(finished.id, [](Job& job) {
      job.state = JobState::kSucceeded;
      job.image_id = "sha256:abc";
      job.log = {"one", "two"};
    });
    Job running = store.Create({.action = "build", .container_name = "db", .project = "app", .service = "db", .image = "reg/app:v2", .digest = "sha256:abcd"});
    store.Update(running.id, [](Job& job) { job.state = JobState::kRunning; });
    finished_id = finished.id;
    running_id = running.id;
  }
  JobStore reopened;
  ASSERT_TRUE(reopened.Persist(path_, std::chrono::hours(24)).ok());
  auto finished = reopened.Get(finished_id);
  ASSERT_TRUE(finished.has_value());
  EXPECT_EQ(finished->state, JobState::kSucceeded);
  EXPECT_EQ(finished->image_id, "sha256:abc");
  EXPECT_EQ(finished->log, (std::vector<std::string>{"one", "two"}));
  auto interrupted = reopened.Get(running_id);
  ASSERT_TRUE(interrupted.has_value());
  EXPECT_EQ(interrupted->state, JobState::kFailed);
  EXPECT_EQ(interrupted->error, "interrupted: the hook stopped before the job ended");
  EXPECT_EQ(interrupted->image, "reg/app:v2");
  EXPECT_EQ(interrupted->digest, "sha256:abcd");
  EXPECT_EQ(finished->image, "");
  EXPECT_EQ(reopened.List(10).front().id, running_id);  // newest first
}

TEST_F(PersistentJobStoreTest, PrunesBeyondTheCapacity) {
  {
    JobStore store(10);
    ASSERT_TRUE(store.Persist(path_, std::chrono::hours(24)).ok());
    for (int i = 0; i < 25; ++i) {
      Job job = store.Create({.action = "pull", .container_name = "web", .project = "app", .service = "web"});
      store.Update(job.id, [](Job& j) { j.state = JobState::kSucceeded; });
    }
  }
  JobStore reopened(1000);
  ASSERT_TRUE(reopened.Persist(path_, std::chrono::hours(24)).ok());
  EXPECT_EQ(reopened.List(1000).size(), 10u);
}

TEST_F(PersistentJobStoreTest, AnUnwritablePathIsAnError) {
  JobStore store;
  auto persisted = store.Persist("/nonexistent/dir/jobs.sqlite3", std::chrono::hours(1));
  ASSERT_FALSE(persisted.ok());
  EXPECT_EQ(persisted.error().code(), ErrorCode::kFailedPrecondition);
}

}  // namespace
}  // namespace deliveryhook::jobs
