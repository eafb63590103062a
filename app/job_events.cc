#include "job_events.h"

#include <algorithm>

#include "json_object.h"

namespace deliveryhook::app {
namespace {

using deliveryhook::jobs::Job;
using Writer = JsonWriter;

JobEvent StateEvent(const Job& job) {
  return {"state", JsonObject([&](Writer& w) {
            Field(w, "state", std::string(ToString(job.state)));
            Field(w, "step", job.step);
            if (!job.error.empty()) Field(w, "error", job.error);
            if (!job.image_id.empty()) Field(w, "image_id", job.image_id);
            if (!job.container_id.empty()) Field(w, "container_id", job.container_id);
            w.Key("started_at");
            w.Int64(job.started_at);
            w.Key("finished_at");
            w.Int64(job.finished_at);
          })};
}

JobEvent LogEvent(const std::string& line) {
  return {"log", JsonObject([&](Writer& w) { Field(w, "line", line); })};
}

// The log lines `after` has that `before` had not. Lines are numbered from
// the job's first one (log_dropped + index); the newest line may also have
// been replaced in place (a layer's progress), which counts as new.
void AppendNewLogLines(const Job& before, const Job& after, std::vector<JobEvent>& events) {
  const std::uint64_t before_end = before.log_dropped + before.log.size();
  const std::uint64_t after_end = after.log_dropped + after.log.size();
  auto line_at = [&](std::uint64_t number) -> const std::string* {
    if (number < after.log_dropped || number >= after_end) return nullptr;
    return &after.log[number - after.log_dropped];
  };
  if (!before.log.empty()) {
    const std::string* replaced = line_at(before_end - 1);
    if (replaced != nullptr && *replaced != before.log.back()) events.push_back(LogEvent(*replaced));
  }
  for (std::uint64_t n = std::max(before_end, after.log_dropped); n < after_end; ++n) {
    events.push_back(LogEvent(*line_at(n)));
  }
}

}  // namespace

std::vector<JobEvent> EventsBetween(const Job& before, const Job& after) {
  std::vector<JobEvent> events;
  const bool state_changed = before.state != after.state || before.error != after.error ||
                             before.image_id != after.image_id ||
                             before.container_id != after.container_id;
  // A job that started says so before its first step; a final state closes.
  const bool state_last = IsFinal(after.state);
  if (state_changed && !state_last) events.push_back(StateEvent(after));
  if (before.step != after.step) {
    events.push_back({"step", JsonObject([&](Writer& w) { Field(w, "step", after.step); })});
  }
  AppendNewLogLines(before, after, events);
  if (state_changed && state_last) events.push_back(StateEvent(after));
  return events;
}

std::string Frame(const JobEvent& event, EventFormat format) {
  if (format == EventFormat::kNdjson) {
    // {"event":"<type>", ...the data's own members}
    return "{\"event\":\"" + event.type + "\"," + event.data.substr(1) + "\n";
  }
  // The data is one line of JSON: rapidjson escapes every newline.
  return "event: " + event.type + "\ndata: " + event.data + "\n\n";
}

std::string KeepAlive(EventFormat format) {
  return format == EventFormat::kNdjson ? "{\"event\":\"keep-alive\"}\n" : ": keep-alive\n\n";
}

std::string_view ContentType(EventFormat format) {
  return format == EventFormat::kNdjson ? "application/x-ndjson" : "text/event-stream";
}

void FollowJob(const deliveryhook::jobs::JobStore& store, const std::string& job_id,
               const std::function<std::string(const Job&)>& job_json, EventFormat format,
               const std::function<bool(std::string_view)>& write, const FollowOptions& options,
               const std::function<void(Job&)>& redact) {
  using Clock = std::chrono::steady_clock;
  // The version first: a change after it wakes the wait below even when it
  // happened before the job was read.
  std::uint64_t version = store.Version();
  auto job = store.Get(job_id);
  if (job && redact) redact(*job);
  if (!job || !write(Frame({"job", job_json(*job)}, format))) return;
  const auto end = Clock::now() + options.max_duration;
  auto next_keep_alive = Clock::now() + options.keep_alive;
  while (!IsFinal(job->state)) {
    const auto now = Clock::now();
    if (now >= end) return;
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::min(end, next_keep_alive) - now);
    const std::uint64_t seen = version;
    version = store.WaitForChange(seen, std::max(wait, std::chrono::milliseconds(1)));
    std::string batch;
    if (version != seen) {  // some job changed; this one perhaps
      auto later = store.Get(job_id);
      if (!later) return;  // forgotten (the history is full): nothing more to say
      if (redact) redact(*later);
      for (const JobEvent& event : EventsBetween(*job, *later)) batch += Frame(event, format);
      job = std::move(later);
    }
    // Other jobs' changes wake this loop too: the keep-alive is due by time.
    if (batch.empty() && Clock::now() >= next_keep_alive) batch = KeepAlive(format);
    if (!batch.empty()) {
      if (!write(batch)) return;
      next_keep_alive = Clock::now() + options.keep_alive;
    }
  }
}

}  // namespace deliveryhook::app
