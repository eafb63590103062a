// Running a helper program without a shell (credential helpers).
#ifndef DELIVERYHOOK_ENGINE_SUBPROCESS_H_
#define DELIVERYHOOK_ENGINE_SUBPROCESS_H_

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "deliveryhook/result.h"

namespace deliveryhook::engine {

struct ProcessOutput {
  int exit_code = 0;  // 128 + signal number when killed by a signal
  std::string out;
  std::string err;
};

// Runs argv[0] (looked up on $PATH, no shell) with `input` on its stdin and
// collects stdout and stderr (each capped at 1 MiB). Fails with kNotFound
// when the program does not exist, kDeadlineExceeded (after killing it) when
// it runs longer than `timeout`, kInternal on system errors.
Result<ProcessOutput> RunProcess(const std::vector<std::string>& argv, std::string_view input,
                                 std::chrono::milliseconds timeout);

}  // namespace deliveryhook::engine

#endif  // DELIVERYHOOK_ENGINE_SUBPROCESS_H_
