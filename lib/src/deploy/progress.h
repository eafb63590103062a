// Telling a deploy's ProgressSink what happens; every member may be empty.
#ifndef DELIVERYHOOK_DEPLOY_PROGRESS_H_
#define DELIVERYHOOK_DEPLOY_PROGRESS_H_

#include <string_view>

#include "deliveryhook/deploy/deployer.h"

namespace deliveryhook::deploy {

inline void Report(const ProgressSink& progress, Step step) {
  if (progress.on_step) progress.on_step(step);
}

inline void Log(const ProgressSink& progress, std::string_view line) {
  if (progress.on_log) progress.on_log(line);
}

inline bool AbortRequested(const ProgressSink& progress) {
  return progress.should_abort && progress.should_abort();
}

inline Error AbortedBeforeSwap() {
  return Error(ErrorCode::kUnavailable, "the hook was stopping; nothing on the host changed");
}

}  // namespace deliveryhook::deploy

#endif  // DELIVERYHOOK_DEPLOY_PROGRESS_H_
