// Authenticating webhook requests.
//
// Two signing schemes are accepted. The original docker-delivery-hook's, so
// existing pipelines keep working unchanged:
//
//   X-Timestamp: <UNIX seconds>
//   X-Signature: hex(HMAC-SHA256(secret, raw body || X-Timestamp))
//
// and Standard Webhooks (https://www.standardwebhooks.com):
//
//   webhook-id: <unique message id>
//   webhook-timestamp: <UNIX seconds>
//   webhook-signature: v1,<base64(HMAC-SHA256(key, id "." timestamp "." body))> [v1,... ...]
//
// where key is the base64-decoded part of a `whsec_` secret (or a plain
// secret's own bytes), and several space-separated signatures may be sent
// (one per key during a rotation). A request with headers of both schemes is
// ambiguous and refused (kInvalidArgument).
//
// On top of the original, a request is refused when its timestamp is more
// than `window` old *or* ahead, and when it was already accepted (a replay:
// the same X-Signature, or the same webhook-id, which is kConflict). Every key
// is tried, each compared in constant time; the answer names the key that
// signed. Other failures are kUnauthenticated with a message safe to show the
// caller.
//
// Example:
//
//   webhook::SignatureVerifier verifier(keys);
//   auto key = verifier.Authenticate(body, headers, webhook::ReplayCheck::kRemember);
//   if (!key) return Reply(401, key.error().message());
//   log("key", (*key)->id);
//
// SignatureVerifier is thread-safe.
#ifndef DELIVERYHOOK_WEBHOOK_VERIFIER_H_
#define DELIVERYHOOK_WEBHOOK_VERIFIER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "deliveryhook/mutex.h"
#include "deliveryhook/result.h"
#include "deliveryhook/webhook/keys.h"

namespace deliveryhook::webhook {

// "v1,<base64>": the Standard Webhooks signature of `body` with message id
// `id` and `timestamp`, made with `key` (the decoded bytes of a whsec_ secret);
// empty if OpenSSL cannot compute it.
std::string StandardWebhooksSignature(std::string_view key, std::string_view id,
                                      std::string_view timestamp, std::string_view body);

// True when a and b are equal; the time taken depends only on their lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// Seconds since the UNIX epoch; a seam so tests can move time.
using Clock = std::function<std::int64_t()>;
Clock SystemClock();

struct VerifierOptions {
  // How far a timestamp may lie in the past or the future.
  std::chrono::seconds window{300};
  // At most this many accepted requests are remembered at once *per key*;
  // when a key's share is full of unexpired entries its new requests are
  // refused (kUnavailable, "try again in N seconds") rather than forgetting
  // one (forgetting would allow a replay). Other keys are not affected. An
  // entry is kept up to 2 × window (a timestamp `window` ahead, plus the
  // window), so the default, 2 × 300, allows one accepted request per
  // second per key on average; REPLAY_PER_KEY overrides it.
  std::size_t replay_capacity = 600;
};

// The signature headers of a request, empty when absent.
struct SignatureHeaders {
  std::string_view timestamp;  // X-Timestamp
  std::string_view signature;  // X-Signature
  std::string_view webhook_id;         // Standard Webhooks
  std::string_view webhook_timestamp;
  std::string_view webhook_signature;
};

// An accepted request, as the replay memory keeps it (and the journal,
// replay_journal.h, across restarts).
struct ReplayEntry {
  // The key that signed: a fingerprint of its secret (16 hex digits of an
  // HMAC), so a key renamed by a reload keeps its memory.
  std::string key_id;
  std::string replay_key;  // "x-signature:<hex>" or "webhook-id:<id>"
  std::int64_t expires_at = 0;  // UNIX seconds: forgotten from then on
};

// The replay memory itself is internal: the verifier reserves and commits
// entries in it.
class ReplayCache;

enum class ReplayCheck {
  kRemember,  // refuse a request accepted before, and remember this one
  kSkip,      // read-only requests, which may be repeated safely
};

// A request whose signature passed, before its replay check.
struct Authenticated {
  std::shared_ptr<const Key> key;
  ReplayEntry replay;  // what remembers it
  bool standard = false;  // Standard Webhooks (a replay is kConflict)
};

class ReplayReservation;

class SignatureVerifier {
 public:
  // One key, "default", unrestricted.
  explicit SignatureVerifier(std::string secret, VerifierOptions options = {},
                             Clock clock = SystemClock());
  // Several keys, tried in order. Precondition: at least one.
  explicit SignatureVerifier(std::vector<Key> keys, VerifierOptions options = {},
                             Clock clock = SystemClock());
  ~SignatureVerifier();

  // Which key signed `content` (the body; for reads, the path). The key
  // stays valid for as long as the caller holds it, also across
  // ReplaceKeys().
  Result<std::shared_ptr<const Key>> Authenticate(std::string_view content,
                                                  const SignatureHeaders& headers,
                                                  ReplayCheck replay_check);

  // The signature and timestamp checks only: the request's replay check is
  // Reserve(), once the caller has looked at it.
  Result<Authenticated> Check(std::string_view content, const SignatureHeaders& headers) const;

  // Holds the request's place in the replay memory: an identical request is
  // refused as a replay from now on (kUnauthenticated, or kConflict for a
  // webhook-id), and kUnavailable when the key's share is full. Commit() the
  // reservation once the request was accepted; dropping it uncommitted
  // forgets the request, so it can be sent again.
  Result<ReplayReservation> Reserve(const Authenticated& authenticated);
  // When Reserve() found the key's share full: seconds until an entry of it
  // expires (at least 1), for Retry-After.
  std::int64_t SecondsUntilReplayRoom(const Authenticated& authenticated) const;

  // Committed replay entries go to `journal` (the database in DATA_DIR);
  // Restore() reads entries written by an earlier run back in.
  void SetReplayJournal(std::function<void(const ReplayEntry&)> journal);
  void RestoreReplays(const std::vector<ReplayEntry>& entries);

  // Swaps in a new set of keys (a reload: SIGHUP). Requests being verified
  // finish with the keys they started with; remembered signatures and
  // webhook-ids stay remembered. Precondition: at least one key.
  void ReplaceKeys(std::vector<Key> keys) DELIVERYHOOK_EXCLUDES(keys_mutex_);

  // The original scheme only, any key. On success the signature is
  // remembered so that the same request is refused the next time.
  Status Verify(std::string_view body, std::string_view timestamp_header,
                std::string_view signature_header);

  // The same checks without remembering: for read-only requests, which may
  // be repeated safely.
  Status VerifyWithoutReplayCheck(std::string_view body, std::string_view timestamp_header,
                                  std::string_view signature_header) const;

 private:
  // A signature that passed, and what remembers it for the replay check.
  struct Match {
    std::shared_ptr<const Key> key;
    std::string replay_key;
    std::int64_t timestamp = 0;
  };
  static ReplayEntry EntryOf(const Match& match, std::chrono::seconds window);
  Result<Match> CheckOriginal(std::string_view content, const SignatureHeaders& headers) const;
  Result<Match> CheckStandard(std::string_view content, const SignatureHeaders& headers) const;
  Result<std::int64_t> CheckTimestamp(std::string_view header, std::string_view name) const;
  Status Remember(const Match& match, bool standard);
  Result<ReplayReservation> Reserve(const ReplayEntry& entry, bool standard,
                                    const std::string& key_name);

  using KeySet = std::vector<Key>;
  std::shared_ptr<const KeySet> Keys() const DELIVERYHOOK_EXCLUDES(keys_mutex_);

  mutable Mutex keys_mutex_;
  // Held to read or swap the pointer, not to use the keys: a set is never
  // changed once made.
  std::shared_ptr<const KeySet> keys_ DELIVERYHOOK_GUARDED_BY(keys_mutex_);
  VerifierOptions options_;
  Clock clock_;
  std::unique_ptr<ReplayCache> replays_;
};

// A request's reserved place in the replay memory (see Reserve()).
class ReplayReservation {
 public:
  ReplayReservation(ReplayCache* cache, ReplayEntry entry)
      : cache_(cache), entry_(std::move(entry)) {}
  ReplayReservation(ReplayReservation&& other) noexcept
      : cache_(std::exchange(other.cache_, nullptr)), entry_(std::move(other.entry_)) {}
  ReplayReservation& operator=(ReplayReservation&&) = delete;
  ReplayReservation(const ReplayReservation&) = delete;
  ~ReplayReservation();
  // The request was accepted: it stays remembered until its expiry.
  void Commit();

 private:
  ReplayCache* cache_;
  ReplayEntry entry_;
};

}  // namespace deliveryhook::webhook

#endif  // DELIVERYHOOK_WEBHOOK_VERIFIER_H_
