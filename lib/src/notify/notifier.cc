#include "deliveryhook/notify/notifier.h"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <thread>

#include "deliveryhook/jobs/job_json.h"
#include "deliveryhook/mutex.h"
#include "deliveryhook/webhook/verifier.h"
#include "util/crypto.h"
#include "util/json_writer.h"

namespace deliveryhook::notify {
namespace {

using util::Field;
using util::JsonObject;
using Writer = util::JsonWriter;

constexpr std::size_t kDiscordLimit = 2000;    // characters of "content"
constexpr std::size_t kErrorInSummary = 1000;  // bytes of the job's error in a chat message

// Cuts `text` to at most `limit` bytes without splitting a UTF-8 sequence.
std::string Truncate(const std::string& text, std::size_t limit) {
  if (text.size() <= limit) return text;
  std::size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end) + "...";
}

// The first `limit` code points of UTF-8 `text` (Discord counts characters).
std::string FirstCodePoints(const std::string& text, std::size_t limit) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80 && count++ == limit) {
      return text.substr(0, i);
    }
  }
  return text;
}

std::int64_t SystemSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool IsRetryable(int status) { return status == 408 || status == 429 || status >= 500; }

}  // namespace

std::string_view ToString(Format format) {
  switch (format) {
    case Format::kGeneric:
      return "generic";
    case Format::kSlack:
      return "slack";
    case Format::kDiscord:
      return "discord";
  }
  return "generic";
}

std::string GenericPayload(const jobs::Job& job) {
  jobs::JobJsonOptions options;
  options.event = "job.finished";
  options.with_log = false;
  options.fixed_schema = true;
  return jobs::ToJson(job, options);
}

std::string Summary(const jobs::Job& job) {
  const std::int64_t start = job.started_at != 0 ? job.started_at : job.created_at;
  char seconds[32];
  std::snprintf(
      seconds, sizeof seconds, "%.1f s",
      static_cast<double>(job.finished_at > start ? job.finished_at - start : 0) / 1000.0);
  std::string text = "delivery-hook: " + job.action + " of " + job.project + "/" + job.service +
                     " (container " + job.container_name + ") ";
  switch (job.state) {
    case jobs::JobState::kSucceeded:
      text += "succeeded in " + std::string(seconds);
      break;
    case jobs::JobState::kRolledBack:
      text += "was rolled back after " + std::string(seconds);
      break;
    case jobs::JobState::kFailed:
      text += "failed after " + std::string(seconds);
      break;
    default:
      text += std::string(jobs::ToString(job.state));
      break;
  }
  if (!job.error.empty()) text += ": " + Truncate(job.error, kErrorInSummary);
  return text;
}

std::string SlackPayload(const jobs::Job& job) {
  return JsonObject([&](Writer& w) { Field(w, "text", Summary(job)); });
}

std::string DiscordPayload(const jobs::Job& job) {
  return JsonObject(
      [&](Writer& w) { Field(w, "content", FirstCodePoints(Summary(job), kDiscordLimit)); });
}

engine::HttpRequest MakeRequest(const Receiver& receiver, const jobs::Job& job,
                                std::int64_t timestamp) {
  engine::HttpRequest request;
  request.method = "POST";
  request.target = receiver.url;
  request.headers = {{"Content-Type", "application/json"}, {"User-Agent", "delivery-hook"}};
  switch (receiver.format) {
    case Format::kGeneric:
      request.body = GenericPayload(job);
      break;
    case Format::kSlack:
      request.body = SlackPayload(job);
      break;
    case Format::kDiscord:
      request.body = DiscordPayload(job);
      break;
  }
  if (receiver.format == Format::kGeneric && !receiver.secret.empty()) {
    const std::string stamp = std::to_string(timestamp);
    request.headers.emplace_back("X-Timestamp", stamp);
    request.headers.emplace_back("X-Signature",
                                 util::HmacSha256Hex(receiver.secret, request.body + stamp));
  }
  return request;
}

std::chrono::milliseconds RetryDelay(int attempt, std::chrono::milliseconds first_retry_delay) {
  if (attempt <= 2) return first_retry_delay;
  return first_retry_delay * (std::int64_t{1} << std::min(attempt - 2, 20));
}

// One receiver: its queue and the thread that delivers from it.
class Notifier::Channel {
 public:
  Channel(Receiver receiver, std::shared_ptr<engine::Transport> transport,
          const NotifierOptions& options)
      : receiver_(std::move(receiver)), transport_(std::move(transport)), options_(options) {
    thread_ = std::thread([this] { Work(); });
  }

  ~Channel() DELIVERYHOOK_EXCLUDES(mutex_) {
    {
      MutexLock lock(mutex_);
      stopping_ = true;
      drain_deadline_ = std::chrono::steady_clock::now() + options_.drain_time;
    }
    wake_.notify_all();
    thread_.join();
  }

  void Push(const jobs::Job& job) DELIVERYHOOK_EXCLUDES(mutex_) {
    {
      MutexLock lock(mutex_);
      if (pending_.size() >= options_.max_pending) {
        Log("event=notify_dropped receiver=" + std::string(ToString(receiver_.format)) +
            " job=" + job.id + " reason=queue_full");
        return;
      }
      pending_.push_back(job);
    }
    wake_.notify_all();
  }

  bool WaitIdle(std::chrono::steady_clock::time_point deadline) DELIVERYHOOK_EXCLUDES(mutex_) {
    MutexLock lock(mutex_);
    return lock.WaitUntil(idle_, deadline, [this]() DELIVERYHOOK_REQUIRES(mutex_) {
      return pending_.empty() && !busy_;
    });
  }

 private:
  void Work() DELIVERYHOOK_EXCLUDES(mutex_) {
    MutexLock lock(mutex_);
    for (;;) {
      lock.Wait(wake_,
                [this]() DELIVERYHOOK_REQUIRES(mutex_) { return stopping_ || !pending_.empty(); });
      if (pending_.empty()) break;
      if (stopping_ && std::chrono::steady_clock::now() >= drain_deadline_) {
        Log("event=notify_dropped receiver=" + std::string(ToString(receiver_.format)) +
            " count=" + std::to_string(pending_.size()) + " reason=stopping");
        pending_.clear();
        break;
      }
      jobs::Job job = std::move(pending_.front());
      pending_.pop_front();
      busy_ = true;
      lock.Unlock();
      Deliver(job);
      lock.Lock();
      busy_ = false;
      idle_.notify_all();
    }
    idle_.notify_all();
  }

  void Deliver(const jobs::Job& job) DELIVERYHOOK_EXCLUDES(mutex_) {
    const std::string who =
        "receiver=" + std::string(ToString(receiver_.format)) + " job=" + job.id;
    std::string reason;
    int attempt = 1;
    for (;; ++attempt) {
      const auto clock = options_.clock ? options_.clock : SystemSeconds;
      auto response = transport_->Send(MakeRequest(receiver_, job, clock()));
      if (response && response->status >= 200 && response->status < 300) return;
      reason = response ? "status " + std::to_string(response->status) : response.error().message();
      if (response && !IsRetryable(response->status)) break;
      if (attempt >= options_.attempts || !WaitBeforeRetry(attempt + 1)) break;
    }
    Log("event=notify_failed " + who + " attempts=" + std::to_string(attempt) + " error=\"" +
        Escaped(reason) + "\"");
  }

  // False when the notifier is stopping: no more retries then.
  bool WaitBeforeRetry(int next_attempt) DELIVERYHOOK_EXCLUDES(mutex_) {
    MutexLock lock(mutex_);
    return !lock.WaitFor(wake_, RetryDelay(next_attempt, options_.first_retry_delay),
                         [this]() DELIVERYHOOK_REQUIRES(mutex_) { return stopping_; });
  }

  static std::string Escaped(const std::string& text) {
    std::string out;
    for (char c : text) {
      if (c == '"' || c == '\\') out += '\\';
      out += (c == '\n' || c == '\r') ? ' ' : c;
    }
    return out;
  }

  void Log(const std::string& fields) const {
    if (options_.log) options_.log(fields);
  }

  Receiver receiver_;
  std::shared_ptr<engine::Transport> transport_;
  const NotifierOptions& options_;
  Mutex mutex_;
  std::condition_variable wake_, idle_;
  std::deque<jobs::Job> pending_ DELIVERYHOOK_GUARDED_BY(mutex_);
  bool busy_ DELIVERYHOOK_GUARDED_BY(mutex_) = false;
  bool stopping_ DELIVERYHOOK_GUARDED_BY(mutex_) = false;
  std::chrono::steady_clock::time_point drain_deadline_ DELIVERYHOOK_GUARDED_BY(mutex_);
  std::thread thread_;
};

Notifier::Notifier(std::vector<Receiver> receivers, std::shared_ptr<engine::Transport> transport,
                   NotifierOptions options)
    : options_(std::move(options)) {
  for (auto& receiver : receivers) {
    channels_.push_back(std::make_unique<Channel>(std::move(receiver), transport, options_));
  }
}

Notifier::~Notifier() { channels_.clear(); }

void Notifier::Notify(const jobs::Job& job) {
  for (auto& channel : channels_) channel->Push(job);
}

bool Notifier::WaitIdle(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool idle = true;
  for (auto& channel : channels_) idle = channel->WaitIdle(deadline) && idle;
  return idle;
}

}  // namespace deliveryhook::notify
