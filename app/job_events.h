// A job's life as a stream of events, for GET /jobs/<id>/events.
//
// The stream opens with one "job" event (the job as GET /jobs/<id> shows
// it), then sends one event per change: "step" {"step"}, "log" {"line"} for
// each new progress line, "state" {"state", "step", "error", "image_id",
// "container_id", "started_at", "finished_at"}. After a final state it ends.
// Changes made faster than the stream is read are merged: the newest step
// and state are sent, and every log line. While nothing happens, a
// keep-alive goes out every 15 s so proxies and clients see the connection
// alive.
//
// Two framings of the same events:
//   server-sent events:  "event: step\ndata: {\"step\":\"pulling\"}\n\n",
//                        keep-alive ": keep-alive\n\n";
//   NDJSON:              "{\"event\":\"step\",\"step\":\"pulling\"}\n",
//                        keep-alive "{\"event\":\"keep-alive\"}\n".
#ifndef DELIVERYHOOK_APP_JOB_EVENTS_H_
#define DELIVERYHOOK_APP_JOB_EVENTS_H_

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "deliveryhook/jobs/job.h"
#include "deliveryhook/jobs/job_store.h"

namespace deliveryhook::app {

enum class EventFormat { kServerSentEvents, kNdjson };

struct JobEvent {
  std::string type;  // "job", "state", "step", "log"
  std::string data;  // a JSON object, never empty ("{...}")
};

// What changed from `before` to `after` (the same job, later), in the order
// a reader wants it: a new running state, the step, the new log lines, and
// a final state last.
std::vector<JobEvent> EventsBetween(const deliveryhook::jobs::Job& before,
                                    const deliveryhook::jobs::Job& after);

// The event framed for the wire.
std::string Frame(const JobEvent& event, EventFormat format);
std::string KeepAlive(EventFormat format);
// "text/event-stream" or "application/x-ndjson".
std::string_view ContentType(EventFormat format);

struct FollowOptions {
  std::chrono::milliseconds keep_alive{15000};
  // A stream ends after this long even if the job has not (a client that
  // still wants to know reconnects); it never holds a server thread forever.
  std::chrono::milliseconds max_duration{std::chrono::minutes(30)};
};

// Writes the "job" event (`job_json` of the job as it is now), then the job's changes as they happen,
// until the job is final, `write` fails (the reader went away or is too
// slow), or the maximum duration passes. Waits on the store's change
// notification, so it costs nothing while the job is quiet; writes happen
// outside the store's lock, so a slow reader never holds a deploy up.
// `redact`, when given, edits each reading of the job before it is compared
// and written (the operator's page leaves host paths out).
void FollowJob(const deliveryhook::jobs::JobStore& store, const std::string& job_id,
               const std::function<std::string(const deliveryhook::jobs::Job&)>& job_json,
               EventFormat format,
               const std::function<bool(std::string_view)>& write, const FollowOptions& options,
               const std::function<void(deliveryhook::jobs::Job&)>& redact = nullptr);

}  // namespace deliveryhook::app

#endif  // DELIVERYHOOK_APP_JOB_EVENTS_H_
