#include "deliveryhook/webhook/verifier.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <memory>
#include <optional>

#include "util/base64.h"
#include "util/crypto.h"
#include "webhook/replay_cache.h"

namespace deliveryhook::webhook {
namespace {

constexpr std::size_t kSignatureHexLength = 64;
// Twelve digits reach the year 33658; more can only be an attack on parsing.
constexpr std::size_t kMaxTimestampDigits = 12;
constexpr std::size_t kMaxWebhookIdLength = 256;
// One per key in a rotation is a handful; more only costs time.
constexpr std::size_t kMaxSignatures = 16;

Error Refuse(std::string message) {
  return Error(ErrorCode::kUnauthenticated, std::move(message));
}

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Accepts the original's bare lowercase hex and, for convenience, uppercase
// hex and a GitHub-style "sha256=" prefix. Returns lowercase hex or "".
std::string NormalizeSignature(std::string_view header) {
  constexpr std::string_view kPrefix = "sha256=";
  if (header.substr(0, kPrefix.size()) == kPrefix) header.remove_prefix(kPrefix.size());
  if (header.size() != kSignatureHexLength) return {};
  std::string lower;
  lower.reserve(header.size());
  for (char c : header) {
    if (!IsHexDigit(c)) return {};
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return lower;
}

// The decoded signatures of the "v1," entries of a webhook-signature header.
// Entries of other versions (v1a, asymmetric) are skipped, as the spec asks.
Result<std::vector<std::string>> V1Signatures(std::string_view header) {
  std::vector<std::string> signatures;
  std::size_t entries = 0;
  while (!header.empty()) {
    const auto space = header.find(' ');
    const std::string_view entry = header.substr(0, space);
    header.remove_prefix(space == std::string_view::npos ? header.size() : space + 1);
    if (entry.empty()) continue;
    if (++entries > kMaxSignatures) {
      return Refuse("webhook-signature has more than " + std::to_string(kMaxSignatures) +
                    " signatures");
    }
    constexpr std::string_view kV1 = "v1,";
    if (entry.substr(0, kV1.size()) != kV1) continue;
    // Undecodable base64 cannot match; it is kept as text that never will.
    signatures.push_back(util::Base64Decode(entry.substr(kV1.size())).value_or(std::string()));
  }
  if (signatures.empty()) return Refuse("webhook-signature has no v1,<base64> signature");
  return signatures;
}

}  // namespace

std::string StandardWebhooksSignature(std::string_view key, std::string_view id,
                                      std::string_view timestamp, std::string_view body) {
  std::string message;
  message.append(id).append(".").append(timestamp).append(".").append(body);
  const auto digest = util::HmacSha256(key, message);
  return digest ? "v1," + util::Base64Encode(*digest) : std::string();
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char difference = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    difference |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return difference == 0;
}

Clock SystemClock() {
  return [] {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
}

SignatureVerifier::SignatureVerifier(std::string secret, VerifierOptions options, Clock clock)
    : SignatureVerifier(std::vector<Key>{DefaultKey(std::move(secret))}, options,
                        std::move(clock)) {}

SignatureVerifier::SignatureVerifier(std::vector<Key> keys, VerifierOptions options, Clock clock)
    : keys_(std::make_shared<const KeySet>(std::move(keys))),
      options_(options),
      clock_(std::move(clock)),
      replays_(std::make_unique<ReplayCache>(options.replay_capacity)) {}

SignatureVerifier::~SignatureVerifier() = default;

std::shared_ptr<const SignatureVerifier::KeySet> SignatureVerifier::Keys() const {
  MutexLock lock(keys_mutex_);
  return keys_;
}

void SignatureVerifier::ReplaceKeys(std::vector<Key> keys) {
  auto replacement = std::make_shared<const KeySet>(std::move(keys));
  MutexLock lock(keys_mutex_);
  keys_ = std::move(replacement);
}

Result<std::int64_t> SignatureVerifier::CheckTimestamp(std::string_view header,
                                                       std::string_view name) const {
  if (header.size() > kMaxTimestampDigits || header.empty() ||
      !std::all_of(header.begin(), header.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return Refuse(std::string(name) + " must be UNIX time in seconds");
  }
  const std::int64_t timestamp = std::stoll(std::string(header));
  const std::int64_t now = clock_();
  const std::int64_t window = options_.window.count();
  if (timestamp < now - window || timestamp > now + window) {
    return Refuse(std::string(name) + " is more than " + std::to_string(window) +
                  " seconds away from the server's clock");
  }
  return timestamp;
}

Result<SignatureVerifier::Match> SignatureVerifier::CheckOriginal(
    std::string_view content, const SignatureHeaders& headers) const {
  if (headers.timestamp.empty()) return Refuse("missing X-Timestamp header");
  if (headers.signature.empty()) return Refuse("missing X-Signature header");
  auto timestamp = CheckTimestamp(headers.timestamp, "X-Timestamp");
  if (!timestamp) return timestamp.error();
  std::string signature = NormalizeSignature(headers.signature);
  if (signature.empty()) return Refuse("X-Signature must be 64 hex digits (HMAC-SHA256)");
  std::string message;
  message.reserve(content.size() + headers.timestamp.size());
  message.append(content).append(headers.timestamp);
  // Every key is tried, so the time taken does not tell which one matched.
  const auto keys = Keys();
  const Key* matched = nullptr;
  for (const Key& key : *keys) {
    const bool matches = ConstantTimeEquals(util::HmacSha256Hex(key.secret, message), signature);
    if (matches && matched == nullptr) matched = &key;
  }
  if (matched == nullptr) return Refuse("signature does not match");
  // Shares ownership of the whole set, so the key outlives a reload.
  return Match{std::shared_ptr<const Key>(keys, matched), "x-signature:" + signature, *timestamp};
}

Result<SignatureVerifier::Match> SignatureVerifier::CheckStandard(
    std::string_view content, const SignatureHeaders& headers) const {
  if (headers.webhook_id.empty()) return Refuse("missing webhook-id header");
  if (headers.webhook_timestamp.empty()) return Refuse("missing webhook-timestamp header");
  if (headers.webhook_signature.empty()) return Refuse("missing webhook-signature header");
  if (headers.webhook_id.size() > kMaxWebhookIdLength ||
      !std::all_of(headers.webhook_id.begin(), headers.webhook_id.end(),
                   [](char c) { return c > ' ' && c < 0x7f; })) {
    return Refuse("webhook-id must be 1 to " + std::to_string(kMaxWebhookIdLength) +
                  " visible ASCII characters");
  }
  auto timestamp = CheckTimestamp(headers.webhook_timestamp, "webhook-timestamp");
  if (!timestamp) return timestamp.error();
  auto signatures = V1Signatures(headers.webhook_signature);
  if (!signatures) return signatures.error();
  std::string message;
  message.reserve(headers.webhook_id.size() + headers.webhook_timestamp.size() + content.size() + 2);
  message.append(headers.webhook_id).append(".").append(headers.webhook_timestamp).append(".");
  message.append(content);
  const auto keys = Keys();
  const Key* matched = nullptr;
  for (const Key& key : *keys) {
    // No digest matches nothing: an empty one would equal an undecodable signature.
    const auto expected = util::HmacSha256(key.StandardWebhooksKey(), message);
    if (!expected) continue;
    for (const auto& candidate : *signatures) {
      if (ConstantTimeEquals(*expected, candidate) && matched == nullptr) matched = &key;
    }
  }
  if (matched == nullptr) return Refuse("webhook-signature does not match");
  return Match{std::shared_ptr<const Key>(keys, matched),
               "webhook-id:" + std::string(headers.webhook_id), *timestamp};
}

ReplayEntry SignatureVerifier::EntryOf(const Match& match, std::chrono::seconds window) {
  // After timestamp + window the request fails the window check by itself,
  // so it need not be remembered any longer.
  // The memory is per key, by its secret rather than its id, so a key renamed
  // in a reload keeps what it accepted; a fingerprint, never the secret.
  const std::string fingerprint =
      util::HmacSha256Hex(match.key->secret, "delivery-hook replay memory").substr(0, 16);
  return {fingerprint, match.replay_key, match.timestamp + window.count() + 1};
}

Result<ReplayReservation> SignatureVerifier::Reserve(const ReplayEntry& entry, bool standard,
                                                     const std::string& key_name) {
  switch (replays_->Reserve(entry, clock_())) {
    case ReplayCache::Outcome::kRemembered:
      return ReplayReservation(replays_.get(), entry);
    case ReplayCache::Outcome::kReplay:
      if (standard) {
        return Error(ErrorCode::kConflict,
                     "this webhook-id was already accepted once (replay); send a new one");
      }
      return Refuse("this request was already accepted once (replay)");
    case ReplayCache::Outcome::kFull:
      return Error(ErrorCode::kUnavailable,
                   "key \"" + key_name + "\" sent more requests within the timestamp window "
                   "than the hook remembers per key (" + std::to_string(options_.replay_capacity) +
                   "); try again in " +
                   std::to_string(replays_->SecondsUntilRoom(entry.key_id, clock_())) + " seconds");
  }
  return Refuse("internal error");
}

Status SignatureVerifier::Remember(const Match& match, bool standard) {
  auto reservation = Reserve(EntryOf(match, options_.window), standard, match.key->id);
  if (!reservation) return reservation.error();
  reservation->Commit();
  return Ok();
}

Result<Authenticated> SignatureVerifier::Check(std::string_view content,
                                               const SignatureHeaders& headers) const {
  const bool original = !headers.timestamp.empty() || !headers.signature.empty();
  const bool standard = !headers.webhook_id.empty() || !headers.webhook_timestamp.empty() ||
                        !headers.webhook_signature.empty();
  if (original && standard) {
    return Error(ErrorCode::kInvalidArgument,
                 "the request has both X-Signature/X-Timestamp and webhook-* headers; "
                 "sign it one way only");
  }
  auto match = standard ? CheckStandard(content, headers) : CheckOriginal(content, headers);
  if (!match) return match.error();
  return Authenticated{match->key, EntryOf(*match, options_.window), standard};
}

Result<ReplayReservation> SignatureVerifier::Reserve(const Authenticated& authenticated) {
  return Reserve(authenticated.replay, authenticated.standard, authenticated.key->id);
}

std::int64_t SignatureVerifier::SecondsUntilReplayRoom(const Authenticated& authenticated) const {
  return replays_->SecondsUntilRoom(authenticated.replay.key_id, clock_());
}

void SignatureVerifier::SetReplayJournal(std::function<void(const ReplayEntry&)> journal) {
  replays_->SetJournal(std::move(journal));
}

void SignatureVerifier::RestoreReplays(const std::vector<ReplayEntry>& entries) {
  const std::int64_t now = clock_();
  for (const auto& entry : entries) replays_->Restore(entry, now);
}

Result<std::shared_ptr<const Key>> SignatureVerifier::Authenticate(
    std::string_view content, const SignatureHeaders& headers, ReplayCheck replay_check) {
  auto authenticated = Check(content, headers);
  if (!authenticated) return authenticated.error();
  if (replay_check == ReplayCheck::kRemember) {
    auto reservation = Reserve(*authenticated);
    if (!reservation) return reservation.error();
    reservation->Commit();
  }
  return authenticated->key;
}

Status SignatureVerifier::VerifyWithoutReplayCheck(std::string_view body,
                                                   std::string_view timestamp_header,
                                                   std::string_view signature_header) const {
  auto match = CheckOriginal(body, {timestamp_header, signature_header, {}, {}, {}});
  if (!match) return match.error();
  return Ok();
}

Status SignatureVerifier::Verify(std::string_view body, std::string_view timestamp_header,
                                 std::string_view signature_header) {
  auto match = CheckOriginal(body, {timestamp_header, signature_header, {}, {}, {}});
  if (!match) return match.error();
  return Remember(*match, false);
}

ReplayReservation::~ReplayReservation() {
  if (cache_ != nullptr) cache_->Release(entry_);
}

void ReplayReservation::Commit() {
  if (cache_ != nullptr) std::exchange(cache_, nullptr)->Commit(entry_);
}

}  // namespace deliveryhook::webhook
