// Which image a rollback deploys: chosen from a service's deploy history
// (JobStore::History), pinned by registry digest.
//
// Without a target, a rollback undoes the newest succeeded deploy that
// changed the service's image (a job whose previous_image_id differs from
// its image_id; deploys that found the service unchanged are passed over):
// it deploys the image the service ran before that deploy. A rollback is a
// deploy too, so a second rollback undoes the first.
//
// With a target (`to`), one of:
//   "sha256:<64 hex>"               a digest the service ran, before or after
//                                   one of its succeeded deploys;
//   "<repository>@sha256:<64 hex>"  the same, of the service's repository;
//   "<job id>" (32 hex digits)      what that succeeded deploy of the service
//                                   left running.
//
// Errors (the HTTP status the hook answers with):
//   kInvalidArgument (400)  `to` is none of the forms above:
//       "to" must be a digest "sha256:<64 hex>", an image "<repository>@sha256:<64 hex>" or a job id (32 hex digits)
//   kNotFound (404)  the history knows no such digest or job of the service:
//       "to": <to> is not an image that <project>/<service> ran, as far as its job history goes
//       "to": no succeeded deploy of <project>/<service> has the job id <to>
//   kFailedPrecondition (409)  nothing to go back to, or no digest to pin:
//       no earlier image of <project>/<service> is known: its job history has no succeeded deploy that replaced one
//       the image <project>/<service> ran before job <id> has no registry digest; name one with "to"
//       job <id> left an image without a registry digest; it cannot be pinned
//
// Example:
//   auto pin = jobs::ChooseRollback("shop", "web", store.History("shop", "web", 1000), "");
//   if (pin) selector.image = pin->image, selector.digest = pin->digest;
#ifndef DELIVERYHOOK_JOBS_ROLLBACK_H_
#define DELIVERYHOOK_JOBS_ROLLBACK_H_

#include <string>
#include <string_view>
#include <vector>

#include "deliveryhook/jobs/job.h"
#include "deliveryhook/result.h"

namespace deliveryhook::jobs {

struct RollbackPin {
  std::string image;   // "<repository>@sha256:<64 hex>", as the job recorded it
  std::string digest;  // "sha256:<64 hex>"
  std::string job_id;  // the job whose record it comes from
};

// Whether `to` has one of the forms above (the 400 error when not).
Status CheckRollbackTarget(std::string_view to);

// `history`: the service's succeeded jobs, newest first, as
// JobStore::History returns them. `to`: empty, or a target as above.
Result<RollbackPin> ChooseRollback(const std::string& project, const std::string& service,
                                   const std::vector<Job>& history, std::string_view to);

}  // namespace deliveryhook::jobs

#endif  // DELIVERYHOOK_JOBS_ROLLBACK_H_
