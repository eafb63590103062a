// The front door's handler side: the failure limiter (a valid signature
// always passes, IPv6 per /64, a table that cannot be flushed), trusted
// proxies, the replay memory (per key, only accepted requests, persisted),
// scope before any target-specific check, and answers that name no host path.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <thread>

#include "deliveryhook/webhook/keys.h"
#include "deliveryhook/webhook/replay_journal.h"
#include "deliveryhook/webhook/trusted_proxies.h"
#include "deliveryhook/webhook/verifier.h"
#include "config.h"
#include "request_log.h"
#include "signed_request.h"
#include "handler_harness.h"
#include "webhook/failure_limiter.h"
#include "webhook/replay_cache.h"
#include "webhook_handler.h"

namespace deliveryhook::app {
namespace {

using deliveryhook::Error;
using deliveryhook::ErrorCode;
using deliveryhook::Result;
using deliveryhook::deploy::DeployOutcome;
using deliveryhook::deploy::Target;
using deliveryhook::deploy::TargetSelector;
using deliveryhook::webhook::BucketOf;
using deliveryhook::webhook::FailureLimiter;
using deliveryhook::webhook::Key;
using deliveryhook::webhook::ReplayCache;
using deliveryhook::webhook::ReplayEntry;
using deliveryhook::webhook::TrustedProxies;

constexpr std::int64_t kNow = 1800000000;

// --- FailureLimiter ---------------------------------------------------------

TEST(LimiterBucketsTest, CountsIpv6ClientsPerSlash64) {
  EXPECT_EQ(BucketOf("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
  EXPECT_EQ(BucketOf("2001:db8:1:2:ffff:ffff:ffff:ffff"), "2001:db8:1:2::/64");
  EXPECT_EQ(BucketOf("::ffff:192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(BucketOf("192.0.2.7"), "192.0.2.7");
  std::int64_t now = kNow;
  FailureLimiter limiter({2, std::chrono::seconds(60), 16}, [&] { return now; });
  limiter.RecordFailure("2001:db8:1:2::1");
  limiter.RecordFailure("2001:db8:1:2::2");
  EXPECT_EQ(limiter.RetryAfter("2001:db8:1:2:dead:beef::9"), 60);
  EXPECT_EQ(limiter.RetryAfter("2001:db8:1:3::1"), std::nullopt);
  EXPECT_EQ(limiter.tracked(), 1u);
}

TEST(LimiterBucketsTest, EvictionNeverFreesALockedOutClient) {
  std::int64_t now = kNow;
  FailureLimiter limiter({2, std::chrono::seconds(60), 3}, [&] { return now; });
  limiter.RecordFailure("10.0.0.1");
  limiter.RecordFailure("10.0.0.1");  // locked out
  ASSERT_TRUE(limiter.RetryAfter("10.0.0.1"));
  // Many new addresses: each takes the place of an unlocked one, never 10.0.0.1's.
  for (int i = 2; i < 200; ++i) limiter.RecordFailure("10.0.1." + std::to_string(i));
  EXPECT_EQ(limiter.RetryAfter("10.0.0.1"), 60);
  EXPECT_LE(limiter.tracked(), 3u);
  now += 60;
  EXPECT_EQ(limiter.RetryAfter("10.0.0.1"), std::nullopt);
}

TEST(LimiterBucketsTest, WhenEveryEntryIsLockedNewClientsShareTheOverflowBucket) {
  std::int64_t now = kNow;
  FailureLimiter limiter({1, std::chrono::seconds(60), 2}, [&] { return now; });
  limiter.RecordFailure("10.0.0.1");
  limiter.RecordFailure("10.0.0.2");  // both locked, table full
  limiter.RecordFailure("10.0.0.3");  // overflow
  EXPECT_EQ(limiter.tracked(), 2u);
  EXPECT_EQ(limiter.RetryAfter("10.0.0.1"), 60);
  EXPECT_EQ(limiter.RetryAfter("10.0.0.99"), 60);  // any untracked client: the overflow's
  auto report = limiter.CountRefusal("10.0.0.99");
  ASSERT_TRUE(report);
  EXPECT_EQ(report->bucket, "overflow");
}

TEST(LimiterBucketsTest, RefusalsAreReportedOncePerWindowWithACount) {
  std::int64_t now = kNow;
  FailureLimiter limiter({1, std::chrono::seconds(60), 16}, [&] { return now; });
  limiter.RecordFailure("10.0.0.1");
  auto first = limiter.CountRefusal("10.0.0.1");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->refused, 1u);
  for (int i = 0; i < 99; ++i) EXPECT_FALSE(limiter.CountRefusal("10.0.0.1"));
  now += 60;
  auto next = limiter.CountRefusal("10.0.0.1");
  ASSERT_TRUE(next);
  EXPECT_EQ(next->refused, 100u);
  EXPECT_EQ(next->bucket, "10.0.0.1");
}

// --- TrustedProxies ---------------------------------------------------------

TEST(TrustedProxiesTest, ParsesAddressesAndNetworksOfBothFamilies) {
  auto proxies = TrustedProxies::Parse("127.0.0.1, 10.0.0.0/8 fd00::/8,::1");
  ASSERT_TRUE(proxies) << proxies.error().message();
  EXPECT_TRUE(proxies->Contains("127.0.0.1"));
  EXPECT_TRUE(proxies->Contains("10.200.3.4"));
  EXPECT_TRUE(proxies->Contains("fd12::5"));
  EXPECT_TRUE(proxies->Contains("::1"));
  EXPECT_TRUE(proxies->Contains("::ffff:10.1.1.1"));
  EXPECT_FALSE(proxies->Contains("11.0.0.1"));
  EXPECT_FALSE(proxies->Contains("fe80::1"));
  EXPECT_FALSE(proxies->Contains("not-an-address"));
  auto bad = TrustedProxies::Parse("10.0.0.0/33");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(),
            "TRUSTED_PROXIES: \"10.0.0.0/33\" is not an IP address or a CIDR network "
            "(10.0.0.0/8, fd00::/8)");
  EXPECT_FALSE(TrustedProxies::Parse("proxy.example.com"));
}

TEST(TrustedProxiesTest, TheClientIsTheRightMostUntrustedForwardedAddress) {
  auto proxies = TrustedProxies::Parse("127.0.0.1,10.0.0.0/8");
  ASSERT_TRUE(proxies);
  // The client wrote "6.6.6.6"; the proxy appended the address it saw.
  EXPECT_EQ(proxies->ClientAddress("127.0.0.1", "6.6.6.6, 203.0.113.9", ""), "203.0.113.9");
  // Through two trusted proxies.
  EXPECT_EQ(proxies->ClientAddress("127.0.0.1", "6.6.6.6, 203.0.113.9, 10.1.2.3", ""),
            "203.0.113.9");
  // Every hop trusted: the left-most.
  EXPECT_EQ(proxies->ClientAddress("127.0.0.1", "10.9.9.9, 10.1.2.3", ""), "10.9.9.9");
  // Garbage where the client should be: the peer.
  EXPECT_EQ(proxies->ClientAddress("127.0.0.1", "1.2.3.4, unknown", ""), "127.0.0.1");
}

TEST(TrustedProxiesTest, ForwardedIsReadWhenThereIsNoXForwardedFor) {
  auto proxies = TrustedProxies::Parse("127.0.0.1");
  ASSERT_TRUE(proxies);
  EXPECT_EQ(proxies->ClientAddress("127.0.0.1", "",
                                   "for=6.6.6.6, for=\"[2001:db8:cafe::17]:4711\";proto=https"),
            "2001:db8:cafe::17");
  EXPECT_EQ(proxies->ClientAddress("127.0.0.1", "", "For=\"192.0.2.60:8080\";by=127.0.0.1"),
            "192.0.2.60");
  EXPECT_EQ(proxies->ClientAddress("127.0.0.1", "", "for=_hidden"), "127.0.0.1");
  EXPECT_EQ(proxies->ClientAddress("127.0.0.1", "", ""), "127.0.0.1");
}

TEST(TrustedProxiesTest, HeadersFromAnUntrustedPeerAreIgnored) {
  auto proxies = TrustedProxies::Parse("127.0.0.1");
  ASSERT_TRUE(proxies);
  EXPECT_EQ(proxies->ClientAddress("198.51.100.4", "203.0.113.9", "for=203.0.113.9"),
            "198.51.100.4");
  EXPECT_EQ(TrustedProxies().ClientAddress("127.0.0.1", "203.0.113.9", ""), "127.0.0.1");
}

TEST(FrontDoorConfigTest, TrustedProxiesAndTheReplayShareAreSettings) {
  auto config = ConfigFromEnvironment(
      {{"SECRET_KEY", "s"}, {"TRUSTED_PROXIES", "127.0.0.1 fd00::/8"}, {"TIMESTAMP_WINDOW", "60"}},
      false);
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_TRUE(config->trusted_proxies.Contains("fd00::1"));
  EXPECT_FALSE(config->trusted_proxies.Contains("10.0.0.1"));
  EXPECT_EQ(config->replay_per_key, 120u);  // twice the window
  EXPECT_TRUE(IsHookSetting("TRUSTED_PROXIES"));
  EXPECT_TRUE(IsHookSetting("REPLAY_PER_KEY"));
  config = ConfigFromEnvironment({{"SECRET_KEY", "s"}, {"REPLAY_PER_KEY", "3"}}, false);
  ASSERT_TRUE(config);
  EXPECT_EQ(config->replay_per_key, 3u);
  auto bad = ConfigFromEnvironment({{"SECRET_KEY", "s"}, {"TRUSTED_PROXIES", "10.0.0.0/8,nginx"}},
                                   false);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(),
            "TRUSTED_PROXIES: \"nginx\" is not an IP address or a CIDR network (10.0.0.0/8, fd00::/8)");
}

// --- ReplayCache --------------------------------------------------------------

TEST(ReplayCacheTest, EachKeyHasItsOwnShareAndItsOwnIds) {
  ReplayCache cache(2);
  EXPECT_EQ(cache.Reserve({"a", "webhook-id:1", kNow + 10}, kNow), ReplayCache::Outcome::kRemembered);
  EXPECT_EQ(cache.Reserve({"a", "webhook-id:2", kNow + 10}, kNow), ReplayCache::Outcome::kRemembered);
  EXPECT_EQ(cache.Reserve({"a", "webhook-id:3", kNow + 10}, kNow), ReplayCache::Outcome::kFull);
  // Key b is not affected by a's flood, and a's ids are not b's.
  EXPECT_EQ(cache.Reserve({"b", "webhook-id:1", kNow + 10}, kNow), ReplayCache::Outcome::kRemembered);
  EXPECT_EQ(cache.Reserve({"b", "webhook-id:1", kNow + 10}, kNow), ReplayCache::Outcome::kReplay);
  EXPECT_EQ(cache.SecondsUntilRoom("a", kNow), 10);
  EXPECT_EQ(cache.Reserve({"a", "webhook-id:3", kNow + 20}, kNow + 10),
            ReplayCache::Outcome::kRemembered);
}

TEST(ReplayCacheTest, AReleasedReservationCanBeSentAgainAndOnlyCommitsAreJournaled) {
  ReplayCache cache(8);
  std::vector<std::string> journaled;
  cache.SetJournal([&](const ReplayEntry& entry) { journaled.push_back(entry.replay_key); });
  const ReplayEntry entry{"a", "x-signature:ab", kNow + 10};
  ASSERT_EQ(cache.Reserve(entry, kNow), ReplayCache::Outcome::kRemembered);
  // In flight: an identical request is a replay.
  EXPECT_EQ(cache.Reserve(entry, kNow), ReplayCache::Outcome::kReplay);
  cache.Release(entry);
  ASSERT_EQ(cache.Reserve(entry, kNow), ReplayCache::Outcome::kRemembered);
  EXPECT_TRUE(journaled.empty());
  cache.Commit(entry);
  EXPECT_EQ(journaled, std::vector<std::string>{"x-signature:ab"});
  EXPECT_EQ(cache.Reserve(entry, kNow), ReplayCache::Outcome::kReplay);
}

TEST(ReplayJournalTest, AcceptedRequestsSurviveARestartInAnOwnerOnlyFile) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("replay-journal-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "jobs.sqlite3").string();
  {
    auto journal = deliveryhook::webhook::ReplayJournal::Open(path);
    ASSERT_TRUE(journal) << journal.error().message();
    ASSERT_TRUE((*journal)->Save({"ci", "webhook-id:m1", kNow + 300}, kNow));
    ASSERT_TRUE((*journal)->Save({"ci", "webhook-id:old", kNow - 1}, kNow));
  }
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  auto reopened = deliveryhook::webhook::ReplayJournal::Open(path);
  ASSERT_TRUE(reopened);
  auto entries = (*reopened)->Load(kNow);
  ASSERT_TRUE(entries);
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].key_id, "ci");
  EXPECT_EQ((*entries)[0].replay_key, "webhook-id:m1");
  EXPECT_EQ((*entries)[0].expires_at, kNow + 300);
  std::filesystem::remove_all(dir);
}

// --- The handler ------------------------------------------------------------

Key MakeKey(std::string id, std::string secret) {
  Key key = deliveryhook::webhook::DefaultKey(std::move(secret));
  key.id = std::move(id);
  return key;
}

std::string ErrorOf(const Reply& reply) {
  rapidjson::Document json;
  json.Parse(reply.body.c_str());
  return json.IsObject() && json.HasMember("error") ? json["error"].GetString() : "<none>";
}

std::string HeaderOf(const Reply& reply, const std::string& name) {
  for (const auto& [key, value] : reply.headers) {
    if (key == name) return value;
  }
  return {};
}

class FrontDoorHandlerTest : public ::testing::Test {
 protected:
  std::unique_ptr<HandlerHarness> Make(std::size_t replay_per_key = 600, std::size_t fail_limit = 0,
                                       std::string proxies = "") {
    Key shop = MakeKey("ci-shop", "shop-secret");
    shop.projects = {"shop"};
    deliveryhook::webhook::VerifierOptions verifier_options;
    verifier_options.replay_capacity = replay_per_key;
    verifier_ = std::make_shared<deliveryhook::webhook::SignatureVerifier>(
        std::vector<Key>{deliveryhook::webhook::DefaultKey("default-secret"), shop},
        verifier_options, [] { return kNow; });
    HandlerOptions options;
    options.auth_failures = {fail_limit, std::chrono::seconds(60), 16};
    options.clock = [] { return kNow; };
    if (!proxies.empty()) options.trusted_proxies = *TrustedProxies::Parse(proxies);
    DeployBackend backend;
    backend.resolve = [this](const TargetSelector& selector) -> Result<Target> {
      if (slow_resolve_) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      std::lock_guard lock(resolved_mutex_);
      resolved_.push_back(selector);
      if (engine_down_) {
        return Error(ErrorCode::kUnavailable,
                     "cannot reach unix:///run/secret/place/docker.sock: Couldn't connect");
      }
      Target target;
      target.container_name = selector.container_name;
      if (selector.container_name == "shop-web") {
        target.project = "shop";
        target.service = "web";
      } else if (selector.container_name == "blog-web") {
        target.project = "blog";
        target.service = "web";
        // The pin check would tell the repository apart.
        if (!selector.image.empty()) {
          return Error(ErrorCode::kInvalidArgument, "\"image\" must be of the repository blog");
        }
      } else if (selector.container_name == "plain") {
        return Error(ErrorCode::kNotFound, "container \"plain\" was not created by docker compose");
      } else {
        return Error(ErrorCode::kNotFound, "no container named \"" + selector.container_name + "\"");
      }
      target.container_id = std::string(64, 'a');
      return target;
    };
    backend.deploy = [](const Target&, deliveryhook::deploy::Action,
                        const deliveryhook::deploy::ProgressSink&) -> Result<DeployOutcome> {
      return DeployOutcome{"new", "sha256:new"};
    };
    return std::make_unique<HandlerHarness>(verifier_, std::move(backend), options);
  }

  static IncomingRequest Signed(const std::string& secret, const std::string& body,
                                const std::string& client = "10.0.0.1",
                                std::int64_t timestamp = kNow) {
    return test_support::SignedPost("/pull", body, secret, timestamp, client);
  }
  static std::string Body(const std::string& container) {
    return R"({"container_name": ")" + container + R"("})";
  }

  std::shared_ptr<deliveryhook::webhook::SignatureVerifier> verifier_;
  std::mutex resolved_mutex_;
  std::vector<TargetSelector> resolved_;
  bool engine_down_ = false;
  bool slow_resolve_ = false;
};

TEST_F(FrontDoorHandlerTest, AValidSignatureGetsThroughAFloodOfBadOnes) {
  auto handler = Make(600, 5);
  for (int i = 0; i < 400; ++i) {
    IncomingRequest bad = Signed("wrong", Body("shop-web"), "10.0.0.66", kNow - i);
    const int status = handler->Handle(bad).status;
    ASSERT_EQ(status, i < 5 ? 401 : 429) << i;
  }
  EXPECT_EQ(handler->Handle(Signed("default-secret", Body("shop-web"), "10.0.0.66")).status, 202);
  EXPECT_NE(handler->metrics().Render(0).find("deliveryhook_auth_rate_limited_total 395"),
            std::string::npos);
}

TEST_F(FrontDoorHandlerTest, RefusedRequestsAreLoggedInAggregate) {
  auto handler = Make(600, 2);
  std::vector<std::string> lines;
  RequestLog::SetSinkForTesting([&](const std::string& line) { lines.push_back(line); });
  for (int i = 0; i < 50; ++i) {
    handler->Handle(Signed("wrong", Body("shop-web"), "2001:db8::" + std::to_string(i + 1), kNow - i));
  }
  RequestLog::SetSinkForTesting({});
  // Two audit lines for the two counted failures, then one aggregate line.
  std::size_t audit = 0, aggregate = 0;
  for (const auto& line : lines) {
    if (line.find("event=request ") != std::string::npos) ++audit;
    if (line.find("event=rate_limited client=2001:db8::/64 refused=1 ") != std::string::npos) ++aggregate;
  }
  EXPECT_EQ(audit, 2u);
  EXPECT_EQ(aggregate, 1u);
  EXPECT_EQ(lines.size(), 3u);
}

TEST_F(FrontDoorHandlerTest, TheClientBehindATrustedProxyIsLimitedNotTheProxy) {
  auto handler = Make(600, 2, "127.0.0.1");
  auto via_proxy = [](IncomingRequest request, const std::string& forwarded_for) {
    request.client_address = "127.0.0.1";
    request.headers["x-forwarded-for"] = forwarded_for;
    return request;
  };
  for (int i = 0; i < 3; ++i) {
    handler->Handle(via_proxy(Signed("wrong", Body("shop-web"), "", kNow - i), "203.0.113.9"));
  }
  EXPECT_EQ(handler->Handle(via_proxy(Signed("wrong", Body("shop-web"), "", kNow - 9), "203.0.113.9"))
                .status,
            429);
  // Another client through the same proxy is not locked out.
  EXPECT_EQ(handler->Handle(via_proxy(Signed("wrong", Body("shop-web"), "", kNow - 9), "198.51.100.2"))
                .status,
            401);
  // A spoofed header from a peer that is not a proxy changes nothing.
  IncomingRequest spoofed = Signed("wrong", Body("shop-web"), "192.0.2.44", kNow - 8);
  spoofed.headers["x-forwarded-for"] = "203.0.113.9";
  EXPECT_EQ(handler->Handle(spoofed).status, 401);
}

TEST_F(FrontDoorHandlerTest, ARefusedRequestCanBeRetriedByteForByte) {
  auto handler = Make();
  const IncomingRequest unknown = Signed("default-secret", Body("shop-web-later"));
  EXPECT_EQ(handler->Handle(unknown).status, 404);
  EXPECT_EQ(handler->Handle(unknown).status, 404);  // not a replay: it was never accepted
  engine_down_ = true;
  const IncomingRequest request = Signed("default-secret", Body("shop-web"));
  Reply down = handler->Handle(request);
  EXPECT_EQ(down.status, 503);
  EXPECT_EQ(ErrorOf(down), "the Docker engine is not reachable; try again shortly");
  EXPECT_EQ(down.body.find("/run/secret"), std::string::npos);
  EXPECT_EQ(HeaderOf(down, "Retry-After"), "10");
  engine_down_ = false;
  EXPECT_EQ(handler->Handle(request).status, 202);
  Reply replay = handler->Handle(request);
  EXPECT_EQ(replay.status, 401);
  EXPECT_EQ(ErrorOf(replay), "this request was already accepted once (replay)");
}

TEST_F(FrontDoorHandlerTest, OfTwoIdenticalRequestsInFlightOnlyOneIsAccepted) {
  auto handler = Make();
  slow_resolve_ = true;  // both are between their reservation and their job
  const IncomingRequest request = Signed("default-secret", Body("shop-web"));
  int first = 0, second = 0;
  std::thread a([&] { first = handler->Handle(request).status; });
  std::thread b([&] { second = handler->Handle(request).status; });
  a.join();
  b.join();
  EXPECT_EQ(std::min(first, second), 202);
  EXPECT_EQ(std::max(first, second), 401);
}

TEST_F(FrontDoorHandlerTest, AKeyThatFloodsItsShareRefusesOnlyItself) {
  auto handler = Make(3);
  // Refused requests (unknown targets) take no room at all.
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(handler->Handle(Signed("shop-secret", Body("made-up-" + std::to_string(i)))).status,
              404);
  }
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(handler->Handle(Signed("shop-secret", Body("shop-web"), "10.0.0.1", kNow - i)).status,
              202);
  }
  Reply full = handler->Handle(Signed("shop-secret", Body("shop-web"), "10.0.0.1", kNow - 5));
  EXPECT_EQ(full.status, 429);
  EXPECT_EQ(ErrorOf(full).rfind("key \"ci-shop\" sent more requests within the timestamp window", 0),
            0u)
      << ErrorOf(full);
  // The oldest of the three expires at its timestamp + window + 1.
  EXPECT_EQ(HeaderOf(full, "Retry-After"), std::to_string(300 - 2 + 1));
  EXPECT_EQ(handler->Handle(Signed("default-secret", Body("blog-web"))).status, 202);
}

TEST_F(FrontDoorHandlerTest, ReplaysAreRefusedAfterARestartFromTheJournal) {
  std::vector<ReplayEntry> disk;
  const IncomingRequest request = Signed("default-secret", Body("shop-web"));
  {
    auto handler = Make();
    verifier_->SetReplayJournal([&](const ReplayEntry& entry) { disk.push_back(entry); });
    EXPECT_EQ(handler->Handle(Signed("default-secret", Body("nope"))).status, 404);
    EXPECT_EQ(handler->Handle(request).status, 202);
  }
  ASSERT_EQ(disk.size(), 1u);  // only the accepted one
  // Named by a fingerprint of the key's secret, never the secret.
  EXPECT_EQ(disk[0].key_id.size(), 16u);
  EXPECT_EQ(disk[0].key_id.find("default-secret"), std::string::npos);
  auto restarted = Make();
  verifier_->RestoreReplays(disk);
  EXPECT_EQ(restarted->Handle(request).status, 401);
}

TEST_F(FrontDoorHandlerTest, AScopedKeyLearnsNothingAboutATargetOutsideItsScope) {
  auto handler = Make();
  const std::string pin = R"(", "image": "127.0.0.1:5000/other:v2"})";
  auto body = [&](const std::string& name) {
    return R"({"container_name": ")" + name + pin;
  };
  Reply outside = handler->Handle(Signed("shop-secret", body("blog-web")));
  Reply missing = handler->Handle(Signed("shop-secret", body("blog-web-x")));
  Reply not_compose = handler->Handle(Signed("shop-secret", body("plain")));
  EXPECT_EQ(outside.status, 404);
  EXPECT_EQ(ErrorOf(outside), "no container named \"blog-web\"");
  EXPECT_EQ(ErrorOf(missing), "no container named \"blog-web-x\"");
  EXPECT_EQ(ErrorOf(not_compose), "no container named \"plain\"");
  // The pin was never checked for the target outside the scope.
  for (const auto& selector : resolved_) EXPECT_TRUE(selector.image.empty());
  // The unrestricted key gets the pin's own answer.
  Reply allowed = handler->Handle(Signed("default-secret", body("blog-web")));
  EXPECT_EQ(allowed.status, 400);
  EXPECT_EQ(ErrorOf(allowed), "\"image\" must be of the repository blog");
}

TEST_F(FrontDoorHandlerTest, AJobsErrorNamesNoEngineAddress) {
  engine_down_ = false;
  auto handler = Make();
  IncomingRequest request = Signed("default-secret", Body("shop-web"));
  request.query["wait"] = "5";
  // The deploy fails on the engine mid-way.
  handler = nullptr;
  deliveryhook::webhook::VerifierOptions verifier_options;
  verifier_ = std::make_shared<deliveryhook::webhook::SignatureVerifier>(
      std::vector<Key>{deliveryhook::webhook::DefaultKey("default-secret")}, verifier_options,
      [] { return kNow; });
  DeployBackend backend;
  backend.resolve = [](const TargetSelector& selector) -> Result<Target> {
    Target target;
    target.container_name = selector.container_name;
    target.project = "shop";
    target.service = "web";
    return target;
  };
  backend.deploy = [](const Target&, deliveryhook::deploy::Action,
                      const deliveryhook::deploy::ProgressSink&) -> Result<DeployOutcome> {
    return Error(ErrorCode::kUnavailable,
                 "pull shop: cannot reach the Docker engine at unix:///run/secret/docker.sock: "
                 "Couldn't connect to server");
  };
  HandlerOptions options;
  options.clock = [] { return kNow; };
  HandlerHarness failing(verifier_, std::move(backend), options);
  Reply reply = failing.Handle(request);
  EXPECT_EQ(reply.status, 500);
  EXPECT_EQ(reply.body.find("/run/secret"), std::string::npos) << reply.body;
  EXPECT_NE(reply.body.find("cannot reach the Docker engine: Couldn't connect to server"),
            std::string::npos)
      << reply.body;
}

TEST_F(FrontDoorHandlerTest, TryingJobIdsCountsAsFailedAuthentication) {
  auto handler = Make(600, 3);
  IncomingRequest probe;
  probe.method = "GET";
  probe.client_address = "10.0.0.9";
  std::vector<std::string> lines;
  RequestLog::SetSinkForTesting([&](const std::string& line) { lines.push_back(line); });
  for (int i = 0; i < 100; ++i) {
    probe.path = "/jobs/guess-" + std::to_string(i);
    EXPECT_EQ(handler->Handle(probe).status, 404);  // always the unknown-job answer
  }
  RequestLog::SetSinkForTesting({});
  EXPECT_EQ(lines.size(), 4u);  // three audit lines, then one aggregate line
  // The client's valid requests still pass.
  EXPECT_EQ(handler->Handle(Signed("default-secret", Body("shop-web"), "10.0.0.9")).status, 202);
}

TEST_F(FrontDoorHandlerTest, TheAuditLineOfAnUnknownJobSaysTheStatusSent) {
  auto handler = Make();
  std::vector<std::string> lines;
  RequestLog::SetSinkForTesting([&](const std::string& line) { lines.push_back(line); });
  IncomingRequest request;
  request.method = "GET";
  request.path = "/jobs/nope";
  request.client_address = "10.0.0.1";
  Reply reply = handler->Handle(request);
  RequestLog::SetSinkForTesting({});
  EXPECT_EQ(reply.status, 404);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("decision=unknown_job status=404"), std::string::npos) << lines[0];
}

}  // namespace
}  // namespace deliveryhook::app
