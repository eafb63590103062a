#include "deliveryhook/webhook/verifier.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "util/crypto.h"
#include "webhook/replay_cache.h"

namespace deliveryhook::webhook {
namespace {

// The original design's README example, signed by its openssl, python and
// node recipes (all three print this digest for timestamp 1732600000).
constexpr char kSecret[] = "your-very-secret-key";
constexpr char kBody[] = R"({"container_name": "my-container-name"})";
constexpr char kTimestamp[] = "1732600000";
constexpr char kRecipeSignature[] =
    "4ea2215f8f6867f3018c48a2cf92939320c4f78dc2ce3d039539dccb68b0e4b7";
constexpr std::int64_t kNow = 1732600000;

SignatureVerifier MakeVerifier(std::int64_t* now) {
  return SignatureVerifier(kSecret, {}, [now] { return *now; });
}

TEST(HmacTest, MatchesThePipelineRecipes) {
  EXPECT_EQ(util::HmacSha256Hex(kSecret, std::string(kBody) + kTimestamp), kRecipeSignature);
}

TEST(HmacTest, Rfc4231TestCase2) {
  EXPECT_EQ(util::HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(HmacTest, EmptyKeyAndMessage) {
  EXPECT_EQ(util::HmacSha256Hex("", ""), "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(HmacTest, SameAnswerFromManyThreads) {
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        if (util::HmacSha256Hex("key", "The quick brown fox jumps over the lazy dog") !=
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8") {
          ++wrong;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(ConstantTimeEqualsTest, ComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

TEST(VerifierTest, AcceptsTheRecipeSignature) {
  std::int64_t now = kNow;
  auto verifier = MakeVerifier(&now);
  EXPECT_TRUE(verifier.Verify(kBody, kTimestamp, kRecipeSignature).ok());
}

TEST(VerifierTest, AcceptsUppercaseAndPrefixedSignatures) {
  std::int64_t now = kNow;
  auto verifier = MakeVerifier(&now);
  std::string upper = kRecipeSignature;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(verifier.Verify(kBody, kTimestamp, upper).ok());
  auto other = MakeVerifier(&now);
  EXPECT_TRUE(other.Verify(kBody, kTimestamp, std::string("sha256=") + kRecipeSignature).ok());
}

TEST(VerifierTest, RefusesAReplay) {
  std::int64_t now = kNow;
  auto verifier = MakeVerifier(&now);
  ASSERT_TRUE(verifier.Verify(kBody, kTimestamp, kRecipeSignature).ok());
  now += 10;
  auto again = verifier.Verify(kBody, kTimestamp, kRecipeSignature);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(again.error().message(), "this request was already accepted once (replay)");
}

TEST(VerifierTest, WithoutReplayCheckMayRepeat) {
  std::int64_t now = kNow;
  auto verifier = MakeVerifier(&now);
  EXPECT_TRUE(verifier.VerifyWithoutReplayCheck(kBody, kTimestamp, kRecipeSignature).ok());
  EXPECT_TRUE(verifier.VerifyWithoutReplayCheck(kBody, kTimestamp, kRecipeSignature).ok());
}

TEST(VerifierTest, WindowEdges) {
  const std::string body = kBody;
  for (std::int64_t offset : {-300, 300, 0}) {
    std::int64_t now = kNow + offset;
    auto verifier = MakeVerifier(&now);
    EXPECT_TRUE(verifier.Verify(body, kTimestamp, kRecipeSignature).ok()) << offset;
  }
  for (std::int64_t offset : {-301, 301, 3600, -31536000}) {
    std::int64_t now = kNow + offset;
    auto verifier = MakeVerifier(&now);
    auto verdict = verifier.Verify(body, kTimestamp, kRecipeSignature);
    ASSERT_FALSE(verdict.ok()) << offset;
    EXPECT_EQ(verdict.error().message(),
              "X-Timestamp is more than 300 seconds away from the server's clock");
  }
}

struct BadHeaders {
  std::string timestamp;
  std::string signature;
  std::string message;
};

// Names the case in test listings by the message it expects.
void PrintTo(const BadHeaders& headers, std::ostream* out) { *out << headers.message; }

class VerifierRefusalTest : public ::testing::TestWithParam<BadHeaders> {};

TEST_P(VerifierRefusalTest, RefusesWithAClearMessage) {
  std::int64_t now = kNow;
  auto verifier = MakeVerifier(&now);
  auto verdict = verifier.Verify(kBody, GetParam().timestamp, GetParam().signature);
  ASSERT_FALSE(verdict.ok());
  EXPECT_EQ(verdict.error().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(verdict.error().message(), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Headers, VerifierRefusalTest,
    ::testing::Values(
        BadHeaders{"", kRecipeSignature, "missing X-Timestamp header"},
        BadHeaders{kTimestamp, "", "missing X-Signature header"},
        BadHeaders{"-1732600000", kRecipeSignature, "X-Timestamp must be UNIX time in seconds"},
        BadHeaders{"1732600000.0", kRecipeSignature, "X-Timestamp must be UNIX time in seconds"},
        BadHeaders{"99999999999999999999", kRecipeSignature,
                   "X-Timestamp must be UNIX time in seconds"},
        BadHeaders{" 1732600000", kRecipeSignature, "X-Timestamp must be UNIX time in seconds"},
        BadHeaders{kTimestamp, "not-hex", "X-Signature must be 64 hex digits (HMAC-SHA256)"},
        BadHeaders{kTimestamp, "\xc3\xa9\xc3\xa9", "X-Signature must be 64 hex digits (HMAC-SHA256)"},
        BadHeaders{kTimestamp, std::string(64, '0'), "signature does not match"},
        BadHeaders{"1732600001", kRecipeSignature, "signature does not match"}));

TEST(VerifierTest, RefusesABodyChangedAfterSigning) {
  std::int64_t now = kNow;
  auto verifier = MakeVerifier(&now);
  auto verdict = verifier.Verify(R"({"container_name": "other"})", kTimestamp, kRecipeSignature);
  ASSERT_FALSE(verdict.ok());
  EXPECT_EQ(verdict.error().message(), "signature does not match");
}

TEST(ReplayCacheTest, ForgetsExpiredEntriesAndRefusesWhenFull) {
  ReplayCache cache(2);
  EXPECT_EQ(cache.Remember("a", 100, 0), ReplayCache::Outcome::kRemembered);
  EXPECT_EQ(cache.Remember("a", 100, 50), ReplayCache::Outcome::kReplay);
  EXPECT_EQ(cache.Remember("b", 200, 50), ReplayCache::Outcome::kRemembered);
  EXPECT_EQ(cache.Remember("c", 200, 50), ReplayCache::Outcome::kFull);
  EXPECT_EQ(cache.Remember("c", 200, 100), ReplayCache::Outcome::kRemembered);  // "a" expired
  EXPECT_EQ(cache.size(), 2u);
}

}  // namespace
}  // namespace deliveryhook::webhook
