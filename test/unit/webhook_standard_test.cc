// Standard Webhooks, with the test vectors of the reference libraries
// (standard-webhooks/standard-webhooks, libraries/javascript and python).
#include <gtest/gtest.h>

#include "deliveryhook/webhook/verifier.h"
#include "util/crypto.h"

namespace deliveryhook::webhook {
namespace {

constexpr char kSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr char kId[] = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr char kPayload[] = R"({"test": 2432232314})";
constexpr std::int64_t kTimestamp = 1614265330;
constexpr char kExpected[] = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

Key NamedKey(std::string id, std::string secret) {
  Key key = DefaultKey(std::move(secret));
  key.id = std::move(id);
  return key;
}

SignatureVerifier VectorVerifier(std::vector<Key> keys = {NamedKey("ci", kSecret)},
                                 std::int64_t now = kTimestamp) {
  return SignatureVerifier(std::move(keys), VerifierOptions{}, [now] { return now; });
}

SignatureHeaders Standard(std::string_view signature, std::string_view id = kId,
                          std::string_view timestamp = "1614265330") {
  SignatureHeaders headers;
  headers.webhook_id = id;
  headers.webhook_timestamp = timestamp;
  headers.webhook_signature = signature;
  return headers;
}

std::string RefusalOf(SignatureVerifier& verifier, const SignatureHeaders& headers,
                      std::string_view body = kPayload) {
  auto key = verifier.Authenticate(body, headers, ReplayCheck::kRemember);
  return key ? "<accepted " + (*key)->id + ">" : key.error().message();
}

TEST(StandardWebhooksTest, SignsLikeTheReferenceLibraries) {
  EXPECT_EQ(StandardWebhooksSignature(NamedKey("x", kSecret).StandardWebhooksKey(), kId,
                                      std::to_string(kTimestamp), kPayload),
            kExpected);
}

TEST(StandardWebhooksTest, AcceptsTheReferenceSignatureAndNamesTheKey) {
  auto verifier = VectorVerifier({NamedKey("other", "whsec_c2VjcmV0LW9mLWFub3RoZXIta2V5"),
                                  NamedKey("ci", kSecret)});
  auto key = verifier.Authenticate(kPayload, Standard(kExpected), ReplayCheck::kRemember);
  ASSERT_TRUE(key) << key.error().message();
  EXPECT_EQ((*key)->id, "ci");
}

// The JavaScript library's "multi sig payload is valid".
TEST(StandardWebhooksTest, OneValidSignatureAmongSeveralIsEnough) {
  auto verifier = VectorVerifier();
  const std::string header = std::string("v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= ") +
                             "v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= " + kExpected +
                             " v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=";
  EXPECT_EQ(RefusalOf(verifier, Standard(header)), "<accepted ci>");
}

TEST(StandardWebhooksTest, RefusesWithClearMessages) {
  auto verifier = VectorVerifier();
  EXPECT_EQ(RefusalOf(verifier, Standard(kExpected, "")), "missing webhook-id header");
  EXPECT_EQ(RefusalOf(verifier, Standard(kExpected, kId, "")), "missing webhook-timestamp header");
  EXPECT_EQ(RefusalOf(verifier, Standard("")), "missing webhook-signature header");
  EXPECT_EQ(RefusalOf(verifier, Standard(kExpected, kId, "hello")),
            "webhook-timestamp must be UNIX time in seconds");
  EXPECT_EQ(RefusalOf(verifier, Standard(kExpected, kId, "1614265029")),
            "webhook-timestamp is more than 300 seconds away from the server's clock");
  EXPECT_EQ(RefusalOf(verifier, Standard(kExpected, kId, "1614265631")),
            "webhook-timestamp is more than 300 seconds away from the server's clock");
  EXPECT_EQ(RefusalOf(verifier, Standard("v1,dawfeoifkpqwoekfpqoekf")),
            "webhook-signature does not match");
  // The JavaScript library's "partial signature throws error".
  EXPECT_EQ(RefusalOf(verifier, Standard(std::string(kExpected).substr(0, 8))),
            "webhook-signature does not match");
  EXPECT_EQ(RefusalOf(verifier, Standard("v1,")), "webhook-signature does not match");
  EXPECT_EQ(RefusalOf(verifier, Standard("v1a,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")),
            "webhook-signature has no v1,<base64> signature");
  EXPECT_EQ(RefusalOf(verifier, Standard(kExpected, "msg id")),
            "webhook-id must be 1 to 256 visible ASCII characters");
  EXPECT_EQ(RefusalOf(verifier, Standard(kExpected), R"({"test": 2432232315})"),
            "webhook-signature does not match");
  std::string many;
  for (int i = 0; i < 17; ++i) many += std::string(kExpected) + " ";
  EXPECT_EQ(RefusalOf(verifier, Standard(many)), "webhook-signature has more than 16 signatures");
}

TEST(StandardWebhooksTest, AReplayedIdIsAConflict) {
  auto verifier = VectorVerifier();
  ASSERT_TRUE(verifier.Authenticate(kPayload, Standard(kExpected), ReplayCheck::kRemember));
  auto again = verifier.Authenticate(kPayload, Standard(kExpected), ReplayCheck::kRemember);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), ErrorCode::kConflict);
  EXPECT_EQ(again.error().message(),
            "this webhook-id was already accepted once (replay); send a new one");
  // Reads may repeat.
  EXPECT_TRUE(verifier.Authenticate(kPayload, Standard(kExpected), ReplayCheck::kSkip));
}

TEST(StandardWebhooksTest, BothSchemesAtOnceAreAmbiguous) {
  auto verifier = VectorVerifier();
  SignatureHeaders headers = Standard(kExpected);
  headers.timestamp = "1614265330";
  auto key = verifier.Authenticate(kPayload, headers, ReplayCheck::kRemember);
  ASSERT_FALSE(key);
  EXPECT_EQ(key.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(key.error().message(),
            "the request has both X-Signature/X-Timestamp and webhook-* headers; sign it one way only");
}

TEST(StandardWebhooksTest, APlainSecretSignsWithItsOwnBytes) {
  auto verifier = VectorVerifier({NamedKey("default", "plain-secret")});
  const std::string signature =
      StandardWebhooksSignature("plain-secret", "msg_1", "1614265330", kPayload);
  EXPECT_EQ(RefusalOf(verifier, Standard(signature, "msg_1")), "<accepted default>");
}

TEST(SeveralKeysTest, TheOriginalSchemeTriesEveryKey) {
  SignatureVerifier verifier({NamedKey("old", "old-secret"), NamedKey("new", "new-secret")},
                             VerifierOptions{}, [] { return std::int64_t{1700000000}; });
  const std::string body = R"({"container_name": "web"})";
  for (const char* id : {"old", "new"}) {
    const std::string secret = std::string(id) + "-secret";
    const std::string signature = util::HmacSha256Hex(secret, body + "1700000000");
    SignatureHeaders headers;
    headers.timestamp = "1700000000";
    headers.signature = signature;
    auto key = verifier.Authenticate(body, headers, ReplayCheck::kRemember);
    ASSERT_TRUE(key) << key.error().message();
    EXPECT_EQ((*key)->id, id);
  }
  SignatureHeaders stranger;
  stranger.timestamp = "1700000000";
  const std::string signature = util::HmacSha256Hex("unknown", body + "1700000000");
  stranger.signature = signature;
  auto refused = verifier.Authenticate(body, stranger, ReplayCheck::kRemember);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(refused.error().message(), "signature does not match");
  // No headers at all: the original scheme's message, as before.
  EXPECT_EQ(verifier.Authenticate(body, {}, ReplayCheck::kRemember).error().message(),
            "missing X-Timestamp header");
}

}  // namespace
// SIGHUP's reload: the new set answers at once, the old key is refused, a
// key handed out before the swap stays usable, and a remembered id stays
// remembered.
TEST(KeyReloadTest, ReplacedKeysTakeEffectAndOldHandlesStayValid) {
  auto verifier = VectorVerifier({NamedKey("old", kSecret)});
  auto held = verifier.Authenticate(kPayload, Standard(kExpected), ReplayCheck::kRemember);
  ASSERT_TRUE(held) << held.error().message();

  verifier.ReplaceKeys({NamedKey("new", "whsec_c2VjcmV0LW9mLWFub3RoZXIta2V5")});
  EXPECT_EQ((*held)->id, "old");  // still readable (ASan would catch a dangling key)
  EXPECT_EQ(RefusalOf(verifier, Standard(kExpected, "msg_other")),
            "webhook-signature does not match");

  verifier.ReplaceKeys({NamedKey("back", kSecret)});
  EXPECT_EQ(RefusalOf(verifier, Standard(kExpected)),
            "this webhook-id was already accepted once (replay); send a new one");
}

}  // namespace deliveryhook::webhook
