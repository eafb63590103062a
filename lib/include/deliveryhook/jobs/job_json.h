// A job as JSON: the one spelling of a job, used by the HTTP API (GET
// /jobs/<id>, ?wait answers, event streams), the notifications and the
// operator's page.
//
// Members, in this order: "event" (when given), "job_id", "job_token" and
// "joined" (when given), "request_id", "key_id" (when known), "action", "container_name",
// "project", "service", "image", "digest", "state", "step", "error",
// "image_id", "container_id", "repo_digest", "previous_image_id",
// "previous_repo_digest", "created_at", "started_at", "finished_at"
// (UNIX milliseconds), "log" (when asked for). Empty strings are left out
// unless `fixed_schema` asks for every member.
#ifndef DELIVERYHOOK_JOBS_JOB_JSON_H_
#define DELIVERYHOOK_JOBS_JOB_JSON_H_

#include <optional>
#include <string>

#include "deliveryhook/jobs/job.h"

namespace deliveryhook::jobs {

struct JobJsonOptions {
  // Written first as "event", e.g. "job.finished" for a notification.
  std::string event;
  // For the requester only (a ?wait answer): the job's token, and whether
  // the request joined a job already queued.
  bool with_token = false;
  std::optional<bool> joined;
  // The recent progress lines.
  bool with_log = true;
  // Every string member, empty ones as "": receivers of notifications rely
  // on a fixed set of members.
  bool fixed_schema = false;
};

std::string ToJson(const Job& job, const JobJsonOptions& options = {});

}  // namespace deliveryhook::jobs

#endif  // DELIVERYHOOK_JOBS_JOB_JSON_H_
