#include <gtest/gtest.h>

#include <map>

#include "deliveryhook/webhook/access.h"
#include "webhook/failure_limiter.h"

namespace deliveryhook::webhook {
namespace {

const std::string kOwnId = "4f3c2b1a00112233445566778899aabbccddeeff00112233445566778899aabb";

OsView FakeOs(std::map<std::string, std::string> files, std::string hostname) {
  OsView os;
  os.read_file = [files](const std::string& path) {
    auto it = files.find(path);
    return it == files.end() ? std::string() : it->second;
  };
  os.hostname = [hostname] { return hostname; };
  return os;
}

TEST(SelfDetectionTest, CgroupV1Path) {
  auto self = DetectSelf(FakeOs({{"/proc/self/cgroup", "12:memory:/docker/" + kOwnId + "\n0::/\n"}},
                                "custom-name"));
  EXPECT_TRUE(self.IsSelf(kOwnId));
  EXPECT_FALSE(self.IsSelf(std::string(64, 'a')));
}

TEST(SelfDetectionTest, HostnameBindMountInMountinfo) {
  const std::string mountinfo =
      "613 612 0:52 / / rw,relatime - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/"
      "1111111111111111111111111111111111111111111111111111111111111111/diff\n"
      "640 613 254:1 /var/lib/docker/containers/" + kOwnId +
      "/hostname /etc/hostname rw,relatime - ext4 /dev/vda1 rw\n";
  auto self = DetectSelf(FakeOs({{"/proc/self/cgroup", "0::/\n"}, {"/proc/self/mountinfo", mountinfo}},
                                "custom-name"));
  ASSERT_EQ(self.container_ids, std::vector<std::string>{kOwnId});
  EXPECT_TRUE(self.IsSelf(kOwnId));
}

// On the host, mountinfo lists every container's mounts: none of them is us.
TEST(SelfDetectionTest, OnTheHostNothingIsSelf) {
  const std::string mountinfo =
      "700 30 0:60 / /var/lib/docker/containers/" + kOwnId +
      "/mounts/shm rw - tmpfs shm rw\n";
  auto self = DetectSelf(FakeOs({{"/proc/self/cgroup", "0::/user.slice/user-0.slice\n"},
                                 {"/proc/self/mountinfo", mountinfo}},
                                "buildhost"));
  EXPECT_TRUE(self.container_ids.empty());
  EXPECT_FALSE(self.IsSelf(kOwnId));
}

TEST(SelfDetectionTest, DockersDefaultHostnameIsTheShortId) {
  auto self = DetectSelf(FakeOs({}, kOwnId.substr(0, 12)));
  EXPECT_TRUE(self.IsSelf(kOwnId));
  EXPECT_FALSE(self.IsSelf("5" + kOwnId.substr(1)));
  EXPECT_FALSE(DetectSelf(FakeOs({}, "4f3c2b1a0011x")).IsSelf(kOwnId));
}

deploy::Target MakeTarget(std::string project, std::string service, std::string id = "c0ffee",
                          std::map<std::string, std::string> labels = {}) {
  deploy::Target target;
  target.project = std::move(project);
  target.service = std::move(service);
  target.container_id = std::move(id);
  target.labels = std::move(labels);
  return target;
}

TEST(AccessTest, ScopeOptInAndSelf) {
  Key any = DefaultKey("s");
  Key shop = DefaultKey("s");
  shop.projects = {"shop"};
  AccessPolicy policy;
  EXPECT_EQ(Decide(any, MakeTarget("blog", "web"), policy), Access::kAllowed);
  EXPECT_EQ(Decide(shop, MakeTarget("shop", "web"), policy), Access::kAllowed);
  EXPECT_EQ(Decide(shop, MakeTarget("blog", "web"), policy), Access::kOutOfScope);

  policy.require_opt_in = true;
  EXPECT_EQ(Decide(any, MakeTarget("blog", "web"), policy), Access::kNotOptedIn);
  EXPECT_EQ(Decide(any, MakeTarget("blog", "web", "c0ffee", {{"org.deliveryhook.enable", "false"}}), policy),
            Access::kNotOptedIn);
  EXPECT_EQ(Decide(any, MakeTarget("blog", "web", "c0ffee", {{"org.deliveryhook.enable", "true"}}), policy),
            Access::kAllowed);

  policy.require_opt_in = false;
  policy.self.container_ids = {kOwnId};
  EXPECT_EQ(Decide(any, MakeTarget("hook", "hook", kOwnId), policy), Access::kSelf);
  any.allow_self = true;
  EXPECT_EQ(Decide(any, MakeTarget("hook", "hook", kOwnId), policy), Access::kAllowed);
  EXPECT_EQ(ToString(Access::kOutOfScope), "out_of_scope");
}

class FailureLimiterTest : public ::testing::Test {
 protected:
  FailureLimiter Make(std::size_t limit, std::size_t capacity = 16) {
    return FailureLimiter({limit, std::chrono::seconds(60), capacity}, [this] { return now_; });
  }
  std::int64_t now_ = 1000;
};

TEST_F(FailureLimiterTest, BlocksAfterTheLimitUntilTheWindowEnds) {
  auto limiter = Make(3);
  for (int i = 0; i < 2; ++i) limiter.RecordFailure("10.0.0.1");
  EXPECT_FALSE(limiter.RetryAfter("10.0.0.1"));
  now_ = 1010;
  limiter.RecordFailure("10.0.0.1");
  ASSERT_TRUE(limiter.RetryAfter("10.0.0.1"));
  EXPECT_EQ(*limiter.RetryAfter("10.0.0.1"), 50);  // the window began at the first failure
  EXPECT_FALSE(limiter.RetryAfter("10.0.0.2"));    // another client is never affected
  now_ = 1059;
  EXPECT_EQ(*limiter.RetryAfter("10.0.0.1"), 1);
  now_ = 1060;
  EXPECT_FALSE(limiter.RetryAfter("10.0.0.1"));
  limiter.RecordFailure("10.0.0.1");  // a new window, counted from one
  EXPECT_FALSE(limiter.RetryAfter("10.0.0.1"));
}

TEST_F(FailureLimiterTest, ZeroDisables) {
  auto limiter = Make(0);
  for (int i = 0; i < 100; ++i) limiter.RecordFailure("10.0.0.1");
  EXPECT_FALSE(limiter.RetryAfter("10.0.0.1"));
  EXPECT_EQ(limiter.tracked(), 0u);
}

TEST_F(FailureLimiterTest, AFullTableForgetsTheOldestUnlockedNeverALockedOne) {
  auto limiter = Make(2, 3);
  for (const char* client : {"a", "a", "b", "c"}) limiter.RecordFailure(client);
  ASSERT_TRUE(limiter.RetryAfter("a"));
  now_ = 1001;
  limiter.RecordFailure("d");  // table full: b (oldest unlocked) goes, not a
  EXPECT_EQ(limiter.tracked(), 3u);
  EXPECT_TRUE(limiter.RetryAfter("a"));
  limiter.RecordFailure("d");
  limiter.RecordFailure("c");
  limiter.RecordFailure("e");  // a, c, d all locked: e is counted in the overflow bucket
  EXPECT_EQ(limiter.tracked(), 3u);
  EXPECT_TRUE(limiter.RetryAfter("a"));
  EXPECT_TRUE(limiter.RetryAfter("c"));
  EXPECT_TRUE(limiter.RetryAfter("d"));
  EXPECT_FALSE(limiter.RetryAfter("e"));  // the overflow has one failure of two
}

}  // namespace
}  // namespace deliveryhook::webhook
