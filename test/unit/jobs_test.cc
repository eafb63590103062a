#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "deliveryhook/jobs/job_runner.h"
#include "deliveryhook/jobs/job_store.h"

namespace deliveryhook::jobs {
namespace {

TEST(JobStoreTest, CreatesJobsWithRandomIdsAndTokens) {
  JobStore store;
  Job a = store.Create("pull", "web", "app", "web");
  Job b = store.Create("pull", "web", "app", "web");
  EXPECT_EQ(a.id.size(), 32u);
  EXPECT_EQ(a.token.size(), 64u);
  EXPECT_NE(a.id, b.id);
  EXPECT_NE(a.token, b.token);
  EXPECT_EQ(store.Get(a.id)->state, JobState::kQueued);
  EXPECT_FALSE(store.Get("nope").has_value());
}

TEST(JobStoreTest, ForgetsTheOldestFinishedJobWhenFull) {
  JobStore store(2);
  Job first = store.Create("pull", "a", "p", "a");
  Job second = store.Create("pull", "b", "p", "b");
  store.Update(second.id, [](Job& job) { job.state = JobState::kSucceeded; });
  Job third = store.Create("pull", "c", "p", "c");
  EXPECT_TRUE(store.Get(first.id).has_value());  // still queued: kept
  EXPECT_FALSE(store.Get(second.id).has_value());
  EXPECT_TRUE(store.Get(third.id).has_value());
  EXPECT_EQ(store.List(10).front().id, third.id);
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
  std::atomic<int> concurrent{0};
  std::atomic<int> peak{0};
  {
    JobRunner runner(2);
    for (const char* key : {"app/a", "app/b"}) {
      runner.Submit(key, [&] {
        int now = ++concurrent;
        peak = std::max(peak.load(), now);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        --concurrent;
      });
    }
  }
  EXPECT_EQ(peak, 2);
}

}  // namespace
}  // namespace deliveryhook::jobs
