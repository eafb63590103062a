// Tells other systems when a deploy job ends: outbound webhooks.
//
// Three formats, each optional:
//   - generic: the job as JSON, signed like the hook's own incoming requests
//     (X-Timestamp: UNIX seconds, X-Signature: hex HMAC-SHA256 with the
//     receiver's secret of the body followed by the timestamp), so a
//     receiver verifies it with the recipe it already uses for the hook;
//   - Slack incoming webhook: {"text": "..."};
//   - Discord webhook: {"content": "..."}.
//
// Deliveries never hold up or fail a deploy: Notify() only queues. Each
// receiver has its own bounded queue and thread, so a slow or failing
// receiver delays only its own messages. A delivery that fails (no
// connection, timeout, 408, 429, 5xx) is tried again after a delay that
// doubles each time, up to `attempts` tries; any other 4xx is final.
//
//   notify::Notifier notifier({{notify::Format::kSlack, slack_url, ""}},
//                             engine::MakeCurlUrlTransport({5s, 5s}));
//   notifier.Notify(job);   // when the job ends
#ifndef DELIVERYHOOK_NOTIFY_NOTIFIER_H_
#define DELIVERYHOOK_NOTIFY_NOTIFIER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "deliveryhook/engine/transport.h"
#include "deliveryhook/jobs/job.h"

namespace deliveryhook::notify {

enum class Format { kGeneric, kSlack, kDiscord };

// "generic", "slack", "discord"
std::string_view ToString(Format format);

struct Receiver {
  Format format = Format::kGeneric;
  std::string url;     // http:// or https://
  std::string secret;  // kGeneric: signs the body; empty: unsigned
};

struct NotifierOptions {
  int attempts = 3;
  // Before the second try; doubled before each further one.
  std::chrono::milliseconds first_retry_delay{1000};
  // Messages waiting per receiver; beyond this new ones are dropped (logged).
  std::size_t max_pending = 100;
  // When the notifier is destroyed, waiting messages get one try each for at
  // most this long; the rest are dropped.
  std::chrono::milliseconds drain_time{5000};
  // UNIX seconds for X-Timestamp.
  std::function<std::int64_t()> clock;
  // One logfmt field list per delivery problem (e.g. "event=notify_failed ...").
  std::function<void(const std::string&)> log;
};

// The generic payload: {"event":"job.finished","job_id",...,"request_id"}.
std::string GenericPayload(const jobs::Job& job);
// One line for people: "delivery-hook: pull of shop/web (container shop-web-1) succeeded in 12.3
// s".
std::string Summary(const jobs::Job& job);
std::string SlackPayload(const jobs::Job& job);    // {"text": Summary}
std::string DiscordPayload(const jobs::Job& job);  // {"content": Summary}, at most 2000 characters

// The request for `receiver` about `job`, signed at `timestamp` (generic).
engine::HttpRequest MakeRequest(const Receiver& receiver, const jobs::Job& job,
                                std::int64_t timestamp);

// The delay before try number `attempt` (2, 3, ...): first_retry_delay,
// doubled for each try after the second.
std::chrono::milliseconds RetryDelay(int attempt, std::chrono::milliseconds first_retry_delay);

class Notifier {
 public:
  // `transport` sends to absolute URLs (engine::MakeCurlUrlTransport); its
  // timeout is the per-try timeout.
  Notifier(std::vector<Receiver> receivers, std::shared_ptr<engine::Transport> transport,
           NotifierOptions options = {});
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // Queues a message about `job` for every receiver. Never blocks.
  void Notify(const jobs::Job& job);

  // For tests: waits until every queue is empty and no delivery is under
  // way, at most `timeout`; true when idle.
  bool WaitIdle(std::chrono::milliseconds timeout);

 private:
  class Channel;
  NotifierOptions options_;  // before channels_: they refer to it
  std::vector<std::unique_ptr<Channel>> channels_;
};

}  // namespace deliveryhook::notify

#endif  // DELIVERYHOOK_NOTIFY_NOTIFIER_H_
