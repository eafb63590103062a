// `delivery-hook trigger` and `delivery-hook jobs` (trigger_command.cc, jobs_command.cc):
// the pipeline side of the hook.
#ifndef DELIVERYHOOK_APP_COMMANDS_H_
#define DELIVERYHOOK_APP_COMMANDS_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <istream>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "cli.h"
#include "hook_client.h"

namespace deliveryhook::app::cli {

// --- exit-code mapping (pure) ----------------------------------------------

// queued and running are not final; everything else is.
bool IsFinalJobState(std::string_view state);
// succeeded: 0; failed, rolled_back: 1; anything else (unknown, not final): 2.
int ExitCodeForJobState(std::string_view state);
// 200 and 202 accepted the trigger (0: go on); any other status is 2.
int ExitCodeForTriggerStatus(int http_status);
// Why a trigger answered with `http_status`, for the user.
std::string DescribeRefusal(int http_status, std::string_view error_message);

// --- output (pure) ---------------------------------------------------------

// "pulling: <last log line>", cut to `width` columns (UTF-8 aware).
std::string ProgressLine(const JobView& job, std::size_t width);
// "5s", "3m", "2h", "4d"; "-" for an unknown creation time.
std::string FormatAge(std::int64_t created_at_ms, std::int64_t now_ms);
// The table `delivery-hook jobs` prints: id, state, action, container, age, error.
std::string FormatJobsTable(const std::vector<JobView>& jobs, std::int64_t now_ms);

// --- running ---------------------------------------------------------------

// Seams for tests: where output goes, how time passes.
struct CommandIo {
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  bool err_is_terminal = false;
  std::size_t terminal_width = 80;
  std::function<std::chrono::steady_clock::time_point()> now;
  std::function<void(std::chrono::milliseconds)> sleep;
  std::function<std::int64_t()> unix_millis;

  // stdout, stderr, the real clock and isatty(stderr).
  static CommandIo Process();
};

inline constexpr std::chrono::milliseconds kPollInterval{500};

// Runs a trigger against `client` (already pointed at the options' URL);
// with options.rollback, a rollback (POST /rollback, with options.to).
int RunTrigger(const TriggerOptions& options, HookClient& client, const CommandIo& io);
int RunJobs(const JobsOptions& options, HookClient& client, const CommandIo& io);
// Prints the X-Timestamp and X-Signature lines for the body (options.body, or
// all of `in`, byte for byte) signed with `secret`.
int RunSign(const SignOptions& options, const std::string& secret, std::istream& in,
            const CommandIo& io);

}  // namespace deliveryhook::app::cli

#endif  // DELIVERYHOOK_APP_COMMANDS_H_
